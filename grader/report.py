"""Grade report: nbgrader's ``grades.csv``, per-question statistics and a histogram of totals.

The scores are the gradebook's as they are now: the autograder's, and the
manual grades an instructor gave in the formgrader (``grader formgrade``).
Written answers that still wait for one count zero, and the report says how
many there are (``notes.csv`` names each).
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from .api import run_nbgrader
from .result_store import runs_dir, stored_result
from .results import with_current_grades


@dataclass
class Report:
    """What :func:`write_report` wrote, and the written answers still waiting for a manual grade.

    Examples
    --------
    >>> Report([], {"alice": ["written-answer"]}).summary().split(";")[0]
    '1 written answer(s) of 1 submission(s) wait for a manual grade'
    """

    paths: list
    waiting: dict = field(default_factory=dict)  # student -> grade ids of written answers without a grade

    def summary(self):
        """One line on the manual grades: which totals are final."""
        count = sum(len(gids) for gids in self.waiting.values())
        if not count:
            return "every written answer has a manual grade: the totals in grades.csv are final"
        return (f"{count} written answer(s) of {len(self.waiting)} submission(s) wait for a manual grade; "
                "grades.csv counts them as 0 until then. Grade them with `make formgrade` "
                "(python -m grader formgrade), then run the report again.")


def question_stats(results):
    """Per grade cell: mean score, max score and share of full marks, from ``{student: GradeResult}``.

    Examples
    --------
    >>> from grader.results import CellResult, GradeResult
    >>> a = GradeResult("a", "s1", "graded", 2.0, 2.0, {"q": CellResult("q", 2.0, 2.0)})
    >>> b = GradeResult("a", "s2", "graded", 0.0, 2.0, {"q": CellResult("q", 0.0, 2.0)})
    >>> question_stats({"s1": a, "s2": b})
    [{'question': 'q', 'max_score': 2.0, 'mean': 1.0, 'full_marks_share': 0.5, 'submissions': 2}]
    """
    table = {}
    for result in results.values():
        for gid, cell in result.cells.items():
            table.setdefault(gid, []).append(cell)
    rows = []
    for gid, cells in table.items():
        rows.append({"question": gid, "max_score": cells[0].max_score,
                     "mean": round(sum(c.score for c in cells) / len(cells), 4),
                     "full_marks_share": round(sum(c.passed for c in cells) / len(cells), 4),
                     "submissions": len(cells)})
    return rows


def _histogram(totals, max_score, path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    bins = max(1, min(20, int(max_score) + 1))
    ax.hist(totals, bins=bins, range=(0, max_score or 1), edgecolor="black")
    ax.set_xlabel(f"total score (of {max_score:g})")
    ax.set_ylabel("submissions")
    ax.set_title(f"{len(totals)} submissions, mean {sum(totals) / max(1, len(totals)):.2f}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def write_report(course_dir, assignment, out):
    """Write ``grades.csv``, ``questions.csv``, ``notes.csv`` and ``totals.png`` into ``out``; return a :class:`Report`."""
    course_dir, out = Path(course_dir), Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    grades = out / "grades.csv"
    run_nbgrader(["export", f"--to={grades}", "--assignment", assignment], course_dir)
    students = sorted(p.stem for p in runs_dir(course_dir, assignment).glob("*.json"))
    results = {s: with_current_grades(r, course_dir) for s in students
               if (r := stored_result(course_dir, assignment, s)) is not None}
    waiting = {s: gids for s, r in results.items() if (gids := [g for g, c in r.cells.items() if c.manual])}
    questions, notes, histogram = out / "questions.csv", out / "notes.csv", out / "totals.png"
    _write_csv(questions, question_stats(results), ["question", "max_score", "mean", "full_marks_share",
                                                     "submissions"])
    rows = [{"student": s, "status": r.status, "score": r.score, "note": note}
            for s, r in results.items() for note in r.notes]
    rows += [{"student": s, "status": results[s].status, "score": results[s].score,
              "note": f"written answer {gid} waits for a manual grade (grader formgrade)"}
             for s, gids in waiting.items() for gid in gids]
    _write_csv(notes, rows, ["student", "status", "score", "note"])
    max_score = max((r.max_score for r in results.values()), default=0.0)
    _histogram([r.score for r in results.values()], max_score, histogram)
    return Report([grades, questions, notes, histogram], waiting)


def _write_csv(path, rows, fields):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
