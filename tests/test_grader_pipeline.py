"""feedback, report, dist and check end to end on the fixture assignment (nbgrader's real CLI)."""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.grading import (
    ASSIGNMENT, CORRECT, FLIPPED, POINTS, ROOT, write_raw, write_submission)
from grader.api import release
from grader.check import check_course, compare_release
from grader.config import nbgrader_env
from grader.dist import DistLeakError, build_dist
from grader.leaks import find_leaks, secret_lines, text_lines

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grader_pipeline")]
REPO = Path(__file__).resolve().parents[1]
HIDDEN_FAIL = {**CORRECT, "square": "def square(x):\n    return abs(x) * x"}


def grader_cli(*args, course, repo_root=ROOT, check=True):
    command = [sys.executable, "-m", "grader", *args, "--course-dir", str(course), "--repo-root", str(repo_root)]
    done = subprocess.run(command, cwd=REPO, env=nbgrader_env(), capture_output=True, text=True, timeout=600)
    assert not check or done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("pipeline")
    course = base / "course"
    notebook = release(ASSIGNMENT, ROOT, course, release_root=base / "release") / f"{ASSIGNMENT}.ipynb"
    for student, answers in (("right", CORRECT), ("flipper", FLIPPED), ("hider", HIDDEN_FAIL)):
        write_submission(notebook, answers, course, student)
    write_raw(course, "broken", "{not json")
    grader_cli("autograde", ASSIGNMENT, "--jobs", "2", "--timeout", "30", course=course)
    return course, notebook


def feedback_html(course, student):
    return (course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()


def test_feedback_shows_scores_and_messages_but_no_hidden_or_solution_source(graded):
    course, _ = graded
    done = grader_cli("feedback", ASSIGNMENT, course=course)
    assert done.stdout.count(".html") == 4
    flipper, hider = feedback_html(course, "flipper"), feedback_html(course, "hider")
    assert "flipped kernel" in flipper
    assert "square must handle negative numbers" in hider  # the hidden test's message ...
    assert "square(-4) == 16" not in hider  # ... but not its code
    assert "hidden tests are not shown" in hider
    visible = text_lines(course / "feedback" / "flipper" / ASSIGNMENT / f"{ASSIGNMENT}.html")
    assert {"fixture (Score: 3.0 / 6.0)", "Test cell (Score: 0.0 / 3.0)", "Score: 0.0 / 3.0 (Top)"} <= visible
    secrets = secret_lines([ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"])
    assert {"return x * x", "assert square(-4) == 16, \"square must handle negative numbers\""} <= secrets
    assert find_leaks(course / "feedback", secrets) == []
    assert "is not a readable notebook" in feedback_html(course, "broken")


def test_report_writes_nbgrader_csv_question_stats_and_histogram(graded, tmp_path):
    course, _ = graded
    grader_cli("report", ASSIGNMENT, "--out", str(tmp_path), course=course)
    with open(tmp_path / "grades.csv") as handle:
        grades = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert {s: float(r["score"]) for s, r in grades.items()} == {"right": 6, "flipper": 3, "hider": 4, "broken": 0}
    assert {"assignment", "max_score", "raw_score", "late_submission_penalty"} <= set(next(iter(grades.values())))
    with open(tmp_path / "questions.csv") as handle:
        questions = {row["question"]: row for row in csv.DictReader(handle)}
    assert set(questions) == set(POINTS)
    assert float(questions["test_correlate"]["full_marks_share"]) == 0.5  # right, hider of 4
    assert float(questions["test_square"]["mean"]) == pytest.approx(1.0)  # 2 + 2 of 4 submissions
    assert (tmp_path / "totals.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "broken" in (tmp_path / "notes.csv").read_text()


@pytest.fixture(scope="module")
def course_repo(tmp_path_factory):
    repo = tmp_path_factory.mktemp("repo")
    shutil.copytree(ROOT / "solutions", repo / "solutions")
    (repo / "cnnlab").mkdir()
    (repo / "cnnlab" / "__init__.py").write_text('"""A stand-in library."""\n')
    (repo / "environment.yml").write_text("name: cnnlab\n")
    release(ASSIGNMENT, repo, repo / "grading")
    return repo


def test_dist_holds_no_secrets_and_fails_when_one_is_planted(course_repo, tmp_path):
    out = build_dist(course_repo, tmp_path / "dist")
    assert (out / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    assert {"README.md", "environment.yml", "cnnlab"} <= {p.name for p in out.iterdir()}
    planted = out / "cnnlab" / "helpers.py"
    planted.write_text("def flip(w):\n    return w[::-1, ::-1]\n\n            out[i, j] = np.sum(x[i:i + kh, j:j + kw] * w)\n")
    done = grader_cli("dist", str(tmp_path / "dist2"), course=tmp_path / "c", repo_root=course_repo, check=False)
    assert done.returncode == 0, done.stderr
    from grader.dist import verify_dist

    with pytest.raises(DistLeakError, match=r"cnnlab/helpers.py: 'out\[i, j\] = np.sum"):
        verify_dist(course_repo, out)


def test_dist_fails_on_a_release_that_leaks(course_repo, tmp_path):
    leaky = tmp_path / "repo"
    shutil.copytree(course_repo, leaky)
    notebook = leaky / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = json.loads(notebook.read_text())
    nb["cells"][-1]["source"] = "assert valid_size(32, 5) == 28, \"hidden check: valid_size(32, 5)\"\n"
    notebook.write_text(json.dumps(nb))
    done = grader_cli("dist", str(tmp_path / "out"), course=tmp_path / "c", repo_root=leaky, check=False)
    assert done.returncode == 1 and "valid_size(32, 5) == 28" in done.stderr, done.stderr


def test_check_passes_on_a_clean_course_and_reports_a_stale_release(course_repo, tmp_path):
    assert check_course(course_repo, [ASSIGNMENT], jobs=2, log=lambda line: None) == []
    stale = tmp_path / "stale"
    shutil.copytree(course_repo / "notebooks" / ASSIGNMENT, stale)
    nb = json.loads((stale / f"{ASSIGNMENT}.ipynb").read_text())
    nb["cells"][0]["source"] = "# edited by hand"
    (stale / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(nb))
    problems = compare_release(course_repo / "notebooks" / ASSIGNMENT, stale)
    assert len(problems) == 1 and "differs from what release makes" in problems[0]
