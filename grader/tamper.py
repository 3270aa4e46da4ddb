"""Tamper-proof grading: the tests that count are the stored ones, and what they rely on is checked.

Student code runs in the same kernel as the tests, so anything a test uses
(``np.allclose``, ``numpy.testing``, ``cnnlab.checks``, builtins, the names a
locked cell imported) can be replaced before the test runs, and an object
whose ``__eq__`` always says yes passes ``assert answer == 9``.  Three checks,
each an nbgrader preprocessor wired into nbgrader's pipelines by :mod:`grader.pipelines`:

:class:`CheckTampering` (sanitize step, before nbgrader's ``OverwriteCells``)
    Compares the submission with the gradebook's stored cells, outside the
    kernel: a test cell edited, deleted or turned into markdown (nbgrader
    issue #92) is flagged (``OverwriteCells`` with ``add_missing_cells``
    restores it), and the student's code is read (``ast``, never run) for
    what only tampering needs (:mod:`grader.tamper_scan`): rebinding a name the
    tests use, assigning into a module, ``setattr``/``exec``/``__import__``/``globals()``,
    comparison dunders such as ``__eq__``, frame and builtins introspection.
:class:`GuardTests` (autograde step, before execution)
    Inserts a first cell that captures pristine references before any student
    code runs (importing numpy and cnnlab with the submission's folder off
    ``sys.path``), records the names each locked cell binds, and starts every
    test cell with a check that they are all still the same objects; a
    mismatch fails the test with ``TamperingDetected``. The code that runs in
    the kernel is the module :mod:`grader.kernel_guard`, sent as its source.
:class:`ReportTampering` (autograde step, after ``SaveAutoGrades``)
    Removes the guard code again (feedback never shows it), and, when any
    code tampering was found, withholds the notebook's autograded points in
    the gradebook; every finding goes into the notebook's metadata
    (``cnnlab.tamper``), from where the grade report reads it.
"""

from pathlib import Path

from nbformat.v4 import new_code_cell
from nbgrader.preprocessors import NbGraderPreprocessor

from . import kernel_guard
from .tamper_scan import bound_names, module_aliases, protected_names, scan_source

GUARD_MARK = "# cnnlab-guard"
METADATA_KEY = "cnnlab"
TAMPER_ERROR = "TamperingDetected"
WITHHELD = "points withheld, review by hand"
GUARD_SOURCE = Path(kernel_guard.__file__).read_text()  # run in the grading kernel, before student code

def _code(cell):
    return cell.cell_type == "code"


def _nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def _is_student_cell(cell):
    meta = _nbgrader(cell)
    return _code(cell) and (meta.get("solution", False) or not meta.get("grade_id"))


def _stored_cells(resources):
    """The gradebook's copy of this notebook: ``(source cells by id, ids of grade cells)``."""
    from nbgrader.api import Gradebook

    info = resources["nbgrader"]
    with Gradebook(info["db_url"]) as gb:
        notebook = gb.find_notebook(info["notebook"], info["assignment"])
        cells = {c.name: (c.cell_type, c.source, c.locked, c.checksum) for c in notebook.source_cells}
        return cells, {c.name for c in notebook.grade_cells}


def _released_source(source):
    """What the student was given of a stored cell: its source without hidden-test regions."""
    from nbformat.v4 import new_code_cell
    from nbgrader.preprocessors import ClearHiddenTests

    cell, _ = ClearHiddenTests(enforce_metadata=False).preprocess_cell(new_code_cell(source), {}, 0)
    return cell.source


def _same_source(submitted, stored):
    return submitted.strip() in (stored.strip(), _released_source(stored).strip())


def structure_findings(nb, stored, grade_ids):
    """Test and locked cells of the submission ``nb`` that differ from the stored copies, in words."""
    present = {_nbgrader(c).get("grade_id"): c for c in nb.cells if _nbgrader(c).get("grade_id")}
    found = []
    for name, (cell_type, source, locked, _) in stored.items():
        what = "test cell" if name in grade_ids and cell_type == "code" else "locked cell" if locked else "answer cell"
        cell = present.get(name)
        if cell is None and (locked or name in grade_ids):
            found.append(f"{what} {name} was deleted (graded from the stored copy)")
        elif cell is not None and cell.cell_type != cell_type:
            found.append(f"{what} {name} was turned into {cell.cell_type} (graded from the stored copy)")
        elif cell is not None and locked and not _same_source(cell.source, source):
            found.append(f"{what} {name} was edited (graded from the stored copy)")
    return found


class CheckTampering(NbGraderPreprocessor):
    """Flag edited, deleted or retyped test cells and tampering code, before nbgrader restores the cells."""

    def preprocess(self, nb, resources):
        """Record the findings in ``nb.metadata.cnnlab.tamper`` (structure) and ``.code`` (student code)."""
        stored, grade_ids = _stored_cells(resources)
        locked = [src for name, (kind, src, is_locked, _) in stored.items()
                  if kind == "code" and is_locked and name not in grade_ids]
        tests = [src for name, (kind, src, _, _) in stored.items() if kind == "code" and name in grade_ids]
        protected = protected_names(locked, tests)
        aliases = {}
        for source in locked:
            aliases.update(module_aliases(source))
        code = []
        for index, cell in enumerate(nb.cells):
            if _is_student_cell(cell):
                label = _nbgrader(cell).get("grade_id") or f"{index} (added by the student)"
                code += [f"cell {label} {finding}" for finding in scan_source(cell.source, protected, aliases)]
        meta = nb.metadata.setdefault(METADATA_KEY, {})
        meta["tamper"] = structure_findings(nb, stored, grade_ids)
        meta["code"] = code
        meta["protected"] = sorted(protected)
        return nb, resources


class GuardTests(NbGraderPreprocessor):
    """Capture pristine references before student code runs; check them at the top of every test cell."""

    def preprocess(self, nb, resources):
        """Insert the guard cell, the ``remember`` calls after locked cells and the checks in test cells."""
        protected = nb.metadata.get(METADATA_KEY, {}).get("protected", [])
        setup = (f"{GUARD_SOURCE}\n__cnnlab_guard__ = __cnnlab_guard_setup({protected!r}, globals())\n"
                 "del __cnnlab_guard_setup")
        for cell in nb.cells:
            meta = _nbgrader(cell)
            if not _code(cell) or _is_student_cell(cell):
                continue
            if meta.get("grade"):
                cell.source = f"__cnnlab_guard__(globals())  {GUARD_MARK}\n{cell.source}"
            elif meta.get("locked"):
                names = sorted(bound_names(cell.source) & set(protected))
                if names:
                    cell.source = f"{cell.source}\n__cnnlab_guard__.remember(globals(), {names!r})  {GUARD_MARK}"
        guard = new_code_cell(setup, metadata={METADATA_KEY: {"guard": True}})
        nb.cells.insert(0, guard)
        return nb, resources


class ReportTampering(NbGraderPreprocessor):
    """Remove the guard, collect what it caught, withhold the points of a tampering notebook."""

    def preprocess(self, nb, resources):
        """Strip guard code, note ``TamperingDetected`` failures, zero the autograded scores if tampered."""
        nb.cells = [c for c in nb.cells if not c.metadata.get(METADATA_KEY, {}).get("guard")]
        caught = []
        for cell in nb.cells:
            if _code(cell) and GUARD_MARK in cell.source:
                cell.source = "\n".join(line for line in cell.source.split("\n") if GUARD_MARK not in line)
            for output in cell.get("outputs", []):
                if output.get("ename") == TAMPER_ERROR:
                    caught.append(f"test cell {_nbgrader(cell).get('grade_id')}: {output.get('evalue')}")
        meta = nb.metadata.setdefault(METADATA_KEY, {})
        code = meta.get("code", []) + caught
        notes = [f"tampering: {finding}" for finding in meta.get("tamper", [])]
        notes += [f"tampering: {finding} ({WITHHELD})" for finding in code]
        meta["notes"] = notes
        if code:
            withhold_points(resources)
        return nb, resources


def withhold_points(resources):
    """Set the autograded scores of this submission's notebook to zero in the gradebook."""
    from nbgrader.api import Gradebook

    info = resources["nbgrader"]
    with Gradebook(info["db_url"]) as gb:
        notebook = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
        for grade in notebook.grades:
            if grade.auto_score is not None:
                grade.auto_score = 0.0
        gb.db.commit()


def tamper_notes(nb):
    """The tampering notes :class:`ReportTampering` left in an autograded notebook.

    Examples
    --------
    >>> import nbformat
    >>> tamper_notes(nbformat.v4.new_notebook(metadata={"cnnlab": {"notes": ["tampering: x"]}}))
    ['tampering: x']
    """
    return list(nb.metadata.get(METADATA_KEY, {}).get("notes", []))
