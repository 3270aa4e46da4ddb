"""The gradebook on a real PostgreSQL (Debian's package, started on a localhost port): nothing lost, nothing doubled.

* ``python -m grader release/autograde --db URL`` grade into PostgreSQL exactly
  what the default SQLite gradebook gets, with ``--jobs`` and with ``--cluster``;
* killing the grader (the whole process group, SIGKILL) at several moments
  and running it again leaves the same grades as an uninterrupted run, with
  one submission per student and one grade per test cell;
* two graders running at once on the same course and database end with
  every submission graded once and correctly.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fixtures.grading import ASSIGNMENT, CORRECT, FLIPPED, INFINITE_LOOP, ROOT, write_submission
from grader.api import open_course, release
from grader.config import COURSE_ID, nbgrader_env
from postgres_server import PostgresServer, find_bindir

REPO = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.xdist_group("grader_postgres"),
              pytest.mark.skipif(find_bindir() is None, reason="needs a PostgreSQL server: `apt-get install postgresql` (.ci/run installs it)")]

ANSWERS = {"s0": CORRECT, "s1": FLIPPED, "s2": INFINITE_LOOP, "s3": CORRECT}
EXPECTED = {"s0": 6.0, "s1": 3.0, "s2": 4.0, "s3": 6.0}
N = len(ANSWERS)


@pytest.fixture(scope="module")
def server():
    with PostgresServer() as running:
        yield running


def grader_command(*args, course, db):
    return [sys.executable, "-m", "grader", *args, "--course-dir", str(course), "--repo-root", str(ROOT),
            "--db", db]


def grader(*args, course, db):
    done = subprocess.run(grader_command(*args, course=course, db=db), cwd=REPO, env=nbgrader_env(),
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def new_course(tmp_path, server, name):
    """A workspace on its own PostgreSQL database, the fixture released, the submissions filed."""
    course, db = tmp_path / name, server.create_database(name)
    open_course(course, ROOT, db_url=db)
    notebook = release(ASSIGNMENT, ROOT, course, release_root=tmp_path / "release") / f"{ASSIGNMENT}.ipynb"
    for student, answers in ANSWERS.items():
        write_submission(notebook, answers, course, student)
    return course, db


def gradebook_state(db):
    """``{student: score}`` plus the number of submission and grade rows (duplicates show up here)."""
    from nbgrader.api import Gradebook

    with Gradebook(db, COURSE_ID) as gb:
        submissions = gb.assignment_submissions(ASSIGNMENT)
        scores = {s.student.id: s.score for s in submissions}
        grades = sum(len(nb.grades) for s in submissions for nb in s.notebooks)
    return scores, len(submissions), grades


@pytest.fixture(autouse=True)
def alembic_on_path(monkeypatch):
    """nbgrader's Gradebook shells out to the venv's ``alembic``."""
    monkeypatch.setenv("PATH", nbgrader_env()["PATH"])


@pytest.mark.parametrize("where", [["--jobs", "2"], ["--cluster", "local:2"]], ids=["jobs", "cluster"])
def test_postgres_gradebook_grades_like_sqlite(server, tmp_path, where):
    """On a cluster, too: the workers grade on SQLite copies of the assignment; only the coordinator writes here."""
    course, db = new_course(tmp_path, server, f"plain_{where[0][2:]}")
    done = grader("autograde", ASSIGNMENT, *where, "--timeout", "5", course=course, db=db)
    assert f"{N} submissions, 0 could not be graded" in done.stdout, done.stdout
    assert not (course / "gradebook.db").exists()
    scores, submissions, grades = gradebook_state(db)
    assert scores == EXPECTED and submissions == N and grades == N * 3
    again = grader("autograde", ASSIGNMENT, *where, course=course, db=db)
    assert f"{N} of {N} submissions already graded" in again.stderr


def test_killed_grader_resumes_without_partial_or_duplicate_grades(server, tmp_path):
    course, db = new_course(tmp_path, server, "killed")
    for delay in (4.0, 10.0):  # kill it while kernels run, and while results are written
        process = subprocess.Popen(grader_command("autograde", ASSIGNMENT, "--jobs", "2", "--timeout", "5",
                                                  course=course, db=db),
                                   cwd=REPO, env=nbgrader_env(), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    grader("autograde", ASSIGNMENT, "--jobs", "2", "--timeout", "5", course=course, db=db)
    scores, submissions, grades = gradebook_state(db)
    assert scores == EXPECTED and submissions == N and grades == N * 3
    again = grader("autograde", ASSIGNMENT, course=course, db=db)
    assert f"{N} of {N} submissions already graded" in again.stderr


def test_two_graders_at_once_do_not_corrupt_each_other(server, tmp_path):
    course, db = new_course(tmp_path, server, "concurrent")
    command = grader_command("autograde", ASSIGNMENT, "--jobs", "1", "--timeout", "5", course=course, db=db)
    processes = [subprocess.Popen(command, cwd=REPO, env=nbgrader_env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=900)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    scores, submissions, grades = gradebook_state(db)
    assert scores == EXPECTED and submissions == N and grades == N * 3
    ledgers = {s: json.loads((course / "grader-runs" / ASSIGNMENT / f"{s}.json").read_text())["score"]
               for s in ANSWERS}
    assert ledgers == EXPECTED
