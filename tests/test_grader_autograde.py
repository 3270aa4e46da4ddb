"""`python -m grader autograde` end to end: broken submissions, parallel == serial nbgrader, resume."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from fixtures.grading import (
    ASSIGNMENT, CALLS_SCIPY, CORRECT, FLIPPED, INFINITE_LOOP, KERNEL_EXIT, MEMORY_HOG, POINTS, PRINTS_100MB,
    ROOT, STUBBORN_LOOP, write_raw, write_submission)
from grader.api import release, run_nbgrader
from grader.config import COURSE_ID, gradebook_url, nbgrader_env

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grader_autograde")]
REPO = Path(__file__).resolve().parents[1]


def grader_cli(*args, course, check=True, env=None):
    command = [sys.executable, "-m", "grader", *args, "--course-dir", str(course), "--repo-root", str(ROOT)]
    done = subprocess.run(command, cwd=REPO, env={**nbgrader_env(), **(env or {})}, capture_output=True, text=True,
                          timeout=600)
    assert not check or done.returncode == 0, done.stdout + done.stderr
    return done


def gradebook_scores(course):
    from nbgrader.api import Gradebook

    with Gradebook(gradebook_url(course), COURSE_ID) as gb:
        return {(s.student.id, g.name): g.score
                for s in gb.assignment_submissions(ASSIGNMENT) for nb in s.notebooks for g in nb.grades}


def ledger(course, student):
    return json.loads((course / "grader-runs" / ASSIGNMENT / f"{student}.json").read_text())


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    base = tmp_path_factory.mktemp("autograde")
    notebook = release(ASSIGNMENT, ROOT, base / "template", release_root=base / "release") / f"{ASSIGNMENT}.ipynb"
    return base / "template", notebook


def fresh_course(released, tmp_path):
    template, _ = released
    course = tmp_path / "course"
    shutil.copytree(template, course)
    (course / "nbgrader_config.py").write_text(
        (template / "nbgrader_config.py").read_text().replace(str(template), str(course)))
    return course


def test_broken_submissions_never_stop_the_batch(released, tmp_path):
    course, notebook = fresh_course(released, tmp_path), released[1]
    write_submission(notebook, CORRECT, course, "good")
    write_raw(course, "malformed", '{"cells": [')
    write_raw(course, "empty", "")
    write_submission(notebook, CORRECT, course, "misnamed", name="my-homework")
    write_submission(notebook, INFINITE_LOOP, course, "loop")
    write_submission(notebook, STUBBORN_LOOP, course, "stubborn")
    write_submission(notebook, KERNEL_EXIT, course, "exits")
    write_submission(notebook, PRINTS_100MB, course, "flood")
    write_submission(notebook, MEMORY_HOG, course, "hog")
    done = grader_cli("autograde", ASSIGNMENT, "--jobs", "2", "--timeout", "15", "--wall", "50", course=course)
    assert "9 submissions, 4 could not be graded" in done.stdout, done.stdout
    assert "SAWarning" not in done.stderr, done.stderr  # nbgrader's noise over the progress bar
    assert ledger(course, "good")["score"] == 6.0
    for student in ("malformed", "empty", "misnamed", "stubborn"):
        result = ledger(course, student)
        assert (result["status"], result["score"], result["max_score"]) == ("failed", 0.0, 6.0), result
    assert "fixture.ipynb is not a readable notebook (NotJSONError" in ledger(course, "malformed")["notes"][0]
    assert "fixture.ipynb is empty" in ledger(course, "empty")["notes"][0]
    assert ledger(course, "misnamed")["notes"] == [
        "no notebook named fixture.ipynb in the submission; found: my-homework.ipynb"]
    assert "wall-clock" in ledger(course, "stubborn")["notes"][0]
    loop = ledger(course, "loop")
    assert loop["status"] == "graded" and loop["cells"]["test_square"]["score"] == 0.0
    assert loop["score"] == 4.0 and any("time limit" in n for n in loop["notes"])
    exits = ledger(course, "exits")
    assert exits["cells"]["test_square"]["score"] == 2.0 and exits["score"] == 2.0
    assert any("kernel died" in n for n in exits["notes"])
    flood = ledger(course, "flood")
    assert flood["score"] == 6.0 and any("truncated" in n for n in flood["notes"])
    assert (course / "autograded" / "flood" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").stat().st_size < 5_000_000
    hog = ledger(course, "hog")
    assert hog["score"] == 4.0 and any("out of memory" in n for n in hog["notes"])
    scores = gradebook_scores(course)
    assert all(scores[(s, g)] == 0.0 for s in ("malformed", "empty", "misnamed", "stubborn") for g in POINTS)


@pytest.fixture
def short_tmpdir():
    """A folder of this test's own, short enough for the kernels' socket folders to go below it."""
    folder = Path(tempfile.mkdtemp(prefix="cnnlab-test-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def watch_names(folder, seen, stop):
    """Until ``stop`` is set, add to ``seen`` the names of the folders below ``folder``, less their random ends."""
    while not stop.is_set():
        seen.update(name.rsplit("-", 1)[0] for _, names, _ in os.walk(folder) for name in names)
        time.sleep(0.1)


def test_a_submission_stopped_at_the_wall_clock_leaves_no_temporary_files(released, tmp_path, short_tmpdir):
    course = fresh_course(released, tmp_path)
    write_submission(released[1], STUBBORN_LOOP, course, "stubborn")
    seen, stop = set(), threading.Event()
    watcher = threading.Thread(target=watch_names, args=(short_tmpdir, seen, stop))
    watcher.start()
    try:
        grader_cli("autograde", ASSIGNMENT, "--timeout", "60", "--wall", "20", course=course,
                   env={"TMPDIR": str(short_tmpdir)})
    finally:
        stop.set()
        watcher.join()
    assert "wall-clock" in ledger(course, "stubborn")["notes"][0]
    assert {"cnnlab-work", "grader-kernel"} <= seen  # the kernel was running when grading was stopped
    assert list(short_tmpdir.iterdir()) == []


def test_the_temporary_files_of_a_killed_grader_go_with_its_next_run(released, tmp_path, short_tmpdir):
    course = fresh_course(released, tmp_path)
    write_submission(released[1], STUBBORN_LOOP, course, "stubborn")
    command = [sys.executable, "-m", "grader", "autograde", ASSIGNMENT, "--wall", "300",
               "--course-dir", str(course), "--repo-root", str(ROOT)]
    grader = subprocess.Popen(command, cwd=REPO, env={**nbgrader_env(), "TMPDIR": str(short_tmpdir)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(short_tmpdir.glob("*/cnnlab-work-*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    grader.kill()  # the grader alone: its grading child and kernel die with it, cleaning nothing up
    grader.wait()
    assert list(short_tmpdir.glob("*/cnnlab-work-*"))
    grader_cli("autograde", ASSIGNMENT, "--wall", "5", course=course, env={"TMPDIR": str(short_tmpdir)})
    assert list(short_tmpdir.iterdir()) == []


def test_parallel_scores_equal_serial_nbgrader(released, tmp_path):
    notebook = released[1]
    parallel = fresh_course(released, tmp_path / "p")
    answers = {"right": CORRECT, "flipped": FLIPPED, "scipy": CALLS_SCIPY, "blank": None, "loop": INFINITE_LOOP}
    for student, answer in answers.items():
        if answer is None:
            shutil.copy(notebook, (parallel / "submitted" / student / ASSIGNMENT).mkdir(parents=True) or
                        parallel / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
        else:
            write_submission(notebook, answer, parallel, student)
    serial = fresh_course(released, tmp_path / "s")
    shutil.copytree(parallel / "submitted", serial / "submitted")
    grader_cli("autograde", ASSIGNMENT, "--jobs", "2", "--timeout", "15", course=parallel)
    run_nbgrader(["autograde", ASSIGNMENT, "--GuardedExecute.timeout=15"], serial)
    expected = gradebook_scores(serial)
    assert len(expected) == len(answers) * len(POINTS)
    assert gradebook_scores(parallel) == expected
    assert expected[("right", "test_correlate")] == 3.0 and expected[("flipped", "test_correlate")] == 0.0


def test_interrupted_run_resumes_without_losing_work(released, tmp_path):
    course, notebook = fresh_course(released, tmp_path), released[1]
    students = [f"s{i}" for i in range(4)]
    for student in students:
        write_submission(notebook, CORRECT if student != "s3" else FLIPPED, course, student)
    command = [sys.executable, "-m", "grader", "autograde", ASSIGNMENT, "--jobs", "1",
               "--course-dir", str(course), "--repo-root", str(ROOT)]
    process = subprocess.Popen(command, cwd=REPO, env=nbgrader_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,  # Ctrl-C works even if we run in background
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    runs = course / "grader-runs" / ASSIGNMENT
    deadline = time.monotonic() + 300
    while not list(runs.glob("*.sha256")) and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    output = process.communicate(timeout=120)[0]
    assert process.returncode == 130, output
    first = {p.stem: p.stat().st_mtime_ns for p in runs.glob("*.json")}
    assert 1 <= len(first) < len(students)
    done = grader_cli("autograde", ASSIGNMENT, "--jobs", "2", course=course)
    assert f"{len(first)} of 4 submissions already graded (kept)" in done.stderr
    assert all((runs / f"{s}.json").stat().st_mtime_ns == t for s, t in first.items())
    assert {s: ledger(course, s)["score"] for s in students} == {"s0": 6.0, "s1": 6.0, "s2": 6.0, "s3": 3.0}
    again = grader_cli("autograde", ASSIGNMENT, course=course)
    assert "4 of 4 submissions already graded" in again.stderr


def test_autograde_with_nothing_collected_says_to_collect_first(released, tmp_path):
    course = fresh_course(released, tmp_path)
    done = grader_cli("autograde", ASSIGNMENT, course=course, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"error: no submissions of {ASSIGNMENT} in {course / 'submitted'}: collect them first" in done.stderr, \
        done.stderr
    assert "Traceback" not in done.stderr and not (course / "grader-runs").exists()
