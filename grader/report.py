"""Grade report: nbgrader's ``grades.csv``, per-question statistics and a histogram of totals."""

import csv
from pathlib import Path

from .api import run_nbgrader
from .autograde import runs_dir, stored_result


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
    """Write ``grades.csv``, ``questions.csv``, ``notes.csv`` and ``totals.png`` into ``out``; return their paths."""
    course_dir, out = Path(course_dir), Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    grades = out / "grades.csv"
    run_nbgrader(["export", f"--to={grades}", "--assignment", assignment], course_dir)
    students = sorted(p.stem for p in runs_dir(course_dir, assignment).glob("*.json"))
    results = {s: r for s in students if (r := stored_result(course_dir, assignment, s)) is not None}
    questions, notes, histogram = out / "questions.csv", out / "notes.csv", out / "totals.png"
    _write_csv(questions, question_stats(results), ["question", "max_score", "mean", "full_marks_share",
                                                     "submissions"])
    _write_csv(notes, [{"student": s, "status": r.status, "score": r.score, "note": note}
                       for s, r in results.items() for note in r.notes], ["student", "status", "score", "note"])
    max_score = max((r.max_score for r in results.values()), default=0.0)
    _histogram([r.score for r in results.values()], max_score, histogram)
    return [grades, questions, notes, histogram]


def _write_csv(path, rows, fields):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
