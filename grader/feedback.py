"""Feedback HTML per student, from nbgrader's ``generate_feedback``.

nbgrader writes ``<course-dir>/feedback/<student>/<assignment>/<notebook>.html``
with the score per question; the course config runs
:class:`grader.preprocessors.HideHiddenTests` first, so hidden-test source and
the tracebacks that would quote it are gone while their messages stay.
Submissions that could not be graded get a short page saying why.
"""

import html
from pathlib import Path

from .api import run_nbgrader
from .result_store import runs_dir, stored_result

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{assignment}: feedback</title></head>
<body><h1>{assignment}</h1>
<p>Score: 0 of {max_score:g} points. Your submission could not be graded:</p>
<ul>{notes}</ul>
<p>Please check that you submitted the notebook <code>{notebooks}</code> as saved by Jupyter,
then ask your instructor.</p></body></html>
"""


def generate_feedback(course_dir, assignment):
    """Write feedback for every graded submission of ``assignment``; return the HTML paths."""
    course_dir = Path(course_dir)
    if list((course_dir / "autograded").glob(f"*/{assignment}")):
        run_nbgrader(["generate_feedback", assignment, "--force"], course_dir)
    for path in sorted(runs_dir(course_dir, assignment).glob("*.json")):
        result = stored_result(course_dir, assignment, path.stem)
        if result is not None and result.status != "graded":
            _failure_page(course_dir, result)
    return sorted((course_dir / "feedback").glob(f"*/{assignment}/*.html"))


def _failure_page(course_dir, result):
    folder = course_dir / "feedback" / result.student / result.assignment
    folder.mkdir(parents=True, exist_ok=True)
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in result.notes)
    page = PAGE.format(assignment=html.escape(result.assignment), max_score=result.max_score, notes=notes,
                       notebooks=html.escape(f"{result.assignment}.ipynb"))
    (folder / f"{result.assignment}.html").write_text(page)
