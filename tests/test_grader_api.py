"""grader.api end to end: release with nbgrader's CLI, grade with nbgrader's autograde and a real gradebook."""

import json

import pytest

from fixtures.grading import ASSIGNMENT, CALLS_SCIPY, CORRECT, FLIPPED, POINTS, ROOT, write_submission
from grader.api import fill_answers, grade_notebook, release

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grader_api")]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    base = tmp_path_factory.mktemp("api")
    notebook = release(ASSIGNMENT, ROOT, base / "course", release_root=base / "release") / f"{ASSIGNMENT}.ipynb"
    return base / "course", notebook


def test_release_strips_solutions_and_hidden_tests(course):
    _, notebook = course
    text = notebook.read_text()
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    assert "return x * x" not in text and "square must handle negative" not in text
    assert "raise NotImplementedError()" in text
    cells = json.loads(text)["cells"]
    graded = [c["metadata"]["nbgrader"] for c in cells if c["metadata"].get("nbgrader", {}).get("grade")]
    assert {m["grade_id"]: m["points"] for m in graded} == POINTS
    assert all(m["locked"] and "checksum" in m for m in graded)


def test_solution_scores_full_marks(course):
    course_dir, _ = course
    result = grade_notebook(ASSIGNMENT, ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", course_dir,
                            repo_root=ROOT, student="solution")
    assert (result.status, result.score, result.max_score) == ("graded", 6.0, 6.0), result
    assert result.failures == {} and result.notes == []
    # nbgrader issue #1359: the notebook's ipywidgets cell executed instead of hanging
    graded = course_dir / "autograded" / "solution" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    cells = json.loads(graded.read_text())["cells"]
    widget = next(c for c in cells if c["metadata"]["nbgrader"]["grade_id"] == "widget")
    assert [o["output_type"] for o in widget["outputs"]] == ["display_data"]
    assert "application/vnd.jupyter.widget-view+json" in widget["outputs"][0]["data"]


def test_untouched_release_scores_zero(course):
    course_dir, notebook = course
    result = grade_notebook(ASSIGNMENT, notebook, course_dir, repo_root=ROOT, student="untouched")
    assert result.score == 0.0 and result.max_score == 6.0
    assert all("NotImplementedError" in m[0] for m in result.failures.values())


def test_one_wrong_answer_loses_exactly_its_points(course, tmp_path):
    course_dir, notebook = course
    submission = fill_answers(notebook, FLIPPED, tmp_path / "flipped.ipynb")
    result = grade_notebook(ASSIGNMENT, submission, course_dir, repo_root=ROOT, student="flipper")
    assert result.scores == {**POINTS, "test_correlate": 0.0}
    assert "flipped kernel" in result.failures["test_correlate"][0]


def test_calling_the_library_is_rejected_with_a_reason(course, tmp_path):
    course_dir, notebook = course
    submission = write_submission(notebook, CALLS_SCIPY, tmp_path, "x")
    result = grade_notebook(ASSIGNMENT, submission, course_dir, repo_root=ROOT, student="caller")
    assert result.scores["test_correlate"] == 0.0 and result.score == 3.0
    assert "calls scipy.signal.correlate2d" in result.failures["test_correlate"][0]


def test_fill_answers_rejects_unknown_cells(course, tmp_path):
    _, notebook = course
    with pytest.raises(ValueError, match="nope"):
        fill_answers(notebook, {**CORRECT, "nope": ""}, tmp_path / "x.ipynb")
