"""Grading results: what the gradebook and the autograded notebook say about one submission."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from .config import COURSE_ID, gradebook_creating_submissions, gradebook_url

MESSAGE_CHARS = 500
NOTE_ERRORS = {"CellTimeoutError": "a cell ran past the time limit", "KernelDied": "the kernel died",
               "MemoryError": "a cell ran out of memory (memory limit)"}


@dataclass
class CellResult:
    """Score of one grade cell and the messages of its failed checks.

    ``manual`` is true for a written answer that waits for an instructor's
    grade (nbgrader's ``needs_manual_grade``): its score is not the autograder's word.
    """

    grade_id: str
    score: float
    max_score: float
    messages: list = field(default_factory=list)
    manual: bool = False

    @property
    def passed(self):
        """True when the cell got full marks."""
        return self.score >= self.max_score


@dataclass
class GradeResult:
    """Result of grading one submission.

    Attributes
    ----------
    assignment, student : str
        What was graded.
    status : {'graded', 'failed'}
        ``failed`` when nbgrader could not grade it (unreadable notebook,
        wrong name, wall-clock or memory limit); its score is then zero.
    score, max_score : float
        Total points and the points possible.
    cells : dict
        ``grade_id -> CellResult`` for every grade cell.
    notes : list of str
        What the instructor should know (time-outs, dead kernel, why it failed).
    seconds : float
        Wall-clock time spent grading it.

    Examples
    --------
    >>> r = GradeResult("a", "s", "graded", 1.0, 3.0, {"t": CellResult("t", 1.0, 3.0, ["AssertionError: no"])})
    >>> r.failures
    {'t': ['AssertionError: no']}
    """

    assignment: str
    student: str
    status: str
    score: float
    max_score: float
    cells: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self):
        """``grade_id -> messages`` for the autograded cells that lost points."""
        return {gid: cell.messages for gid, cell in self.cells.items() if not (cell.passed or cell.manual)}

    @property
    def autograded(self):
        """``(score, max_score)`` over the cells the autograder decides (written answers left out)."""
        cells = [cell for cell in self.cells.values() if not cell.manual]
        return sum(c.score for c in cells), sum(c.max_score for c in cells)

    @property
    def scores(self):
        """``grade_id -> score``."""
        return {gid: cell.score for gid, cell in self.cells.items()}

    def to_json(self):
        """Return the result as a JSON string."""
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text):
        """Rebuild a result written by :meth:`to_json`."""
        data = json.loads(text)
        data["cells"] = {gid: CellResult(**cell) for gid, cell in data["cells"].items()}
        return cls(**data)

    def __str__(self):
        lines = [f"{self.student}/{self.assignment}: {self.status}, {self.score:g} of {self.max_score:g} points"]
        lines += [f"  {gid}: {cell.score:g}/{cell.max_score:g}" + (f"  {cell.messages[0]}" if cell.messages else "")
                  for gid, cell in self.cells.items()]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def read_result(course_dir, assignment, student, *, status="graded", notes=(), seconds=0.0):
    """Read one submission's scores from the gradebook and its messages from the autograded notebooks."""
    from nbgrader.api import Gradebook, MissingEntry

    course_dir = Path(course_dir)
    messages, found_notes = _autograded_messages(course_dir, assignment, student)
    cells = {}
    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            submission = None
        notebooks = submission.notebooks if submission else gb.find_assignment(assignment).notebooks
        for notebook in notebooks:
            for grade in (notebook.grades if submission else notebook.grade_cells):
                gid = grade.name
                score = float(grade.score or 0.0) if submission else 0.0
                manual = bool(submission and grade.needs_manual_grade)
                cells[gid] = CellResult(gid, score, float(grade.max_score), messages.get(gid, []), manual)
    score = sum(cell.score for cell in cells.values())
    total = sum(cell.max_score for cell in cells.values())
    return GradeResult(assignment, student, status, score, total, cells, [*notes, *found_notes], seconds)


def with_current_grades(result, course_dir):
    """``result`` with each cell's score and ``manual`` flag as the gradebook has them now.

    The gradebook's score of a cell is its manual grade once an instructor gave
    one (nbgrader's formgrader), else the autograder's; ``manual`` stays true
    only while a written answer still waits.  Messages, notes and status are
    the stored result's.
    """
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb:
        try:
            submission = gb.find_submission(result.assignment, result.student)
        except MissingEntry:
            return result
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                cell = result.cells.get(grade.name)
                if cell is not None:
                    cell.score, cell.manual = float(grade.score or 0.0), bool(grade.needs_manual_grade)
    result.score = sum(cell.score for cell in result.cells.values())
    return result


def _autograded_messages(course_dir, assignment, student):
    from .tamper import tamper_notes

    messages, notes = {}, []
    for path in sorted((course_dir / "autograded" / student / assignment).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid and errors:
                messages[gid] = [_message(o) for o in errors]
            notes += [f"{path.name} cell {index}: {NOTE_ERRORS[o.ename]}" for o in errors if o.ename in NOTE_ERRORS]
            if any("[grader: output truncated" in str(o.get("text", "")) for o in cell.get("outputs", [])):
                notes.append(f"{path.name} cell {index}: output truncated (too much printed)")
        notes += [f"{path.name}: {note}" for note in tamper_notes(nb)]
    return messages, notes


def _message(output):
    evalue = str(output.get("evalue", "")).strip()
    text = f"{output.get('ename', 'Error')}: {evalue}" if evalue else str(output.get("ename", "Error"))
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + " ..."


def zero_submission(course_dir, assignment, student):
    """Set every autograded score of a submission that could not be graded to zero."""
    from nbgrader.api import MissingEntry

    with gradebook_creating_submissions(course_dir) as gb:
        gb.update_or_create_student(student)
        try:
            submission = gb.update_or_create_submission(assignment, student)
        except MissingEntry:  # the assignment itself is not in the gradebook
            return
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0.0
                grade.needs_manual_grade = False
        gb.db.commit()
