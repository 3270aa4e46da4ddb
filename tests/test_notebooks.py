"""Every course notebook: well formed, executes, is released as nbgrader makes it, grades as it should.

Discovers every ``solutions/<assignment>/<assignment>.ipynb`` and, per assignment:

* (fast) the nbgrader markup is well formed, nothing is committed with outputs, and
  ``notebooks/<assignment>/`` exists;
* (slow) the solution executes top to bottom, offline (its 60 s budget: benchmarks/notebook_bench.py);
* (slow) the committed release equals what ``grader.api.release`` generates;
* (slow) grading the solution gives full marks on every autograded cell, grading the
  untouched release gives zero on every autograded cell, each with a check's message;
* (slow) Run All of the untouched release reaches the last cell; every test cell fails
  with a check's message, and no other cell fails;
* (slow) every typical mistake loses exactly its test cell's points when graded, with a
  message that matches, and is already flagged by the visible checks that a student runs
  (the release notebook, no hidden tests); no message is a raw Python, NumPy or torch error.

Typical mistakes live in ``tests/mistakes/<assignment>.py`` (loaded by path with runpy)::

    MISTAKES = [
        dict(answer_cell="<grade_id of the answer cell>",
             source="<the wrong student code>",
             fails="<grade_id of the test cell that must lose its points>",
             message=r"<regex the failure message must match>"),
        ...
    ]

at least one entry per autograded test cell, and more per answer cell for the other typical
mistakes there. A wrong source must not call another exercise's function: that one is wrong
too in the same round. The mistakes are tried in rounds: round k puts the k-th mistake of every
answer cell into one submission (the solution, with those answer cells replaced) and grades it
once; the same answers go into the release notebook, whose visible checks must flag each one.
"""

import ast
from collections import Counter
import json
import os
import re
import runpy
import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
RELEASES = ROOT / "notebooks"
MISTAKES = ROOT / "tests" / "mistakes"
# A guard against hangs, not a speed test: the 60 s budget per notebook is measured by
# benchmarks/notebook_bench.py (timed tests are flaky on shared machines).
CELL_TIMEOUT = int(os.environ.get("CNNLAB_CELL_TIMEOUT", "300"))
ASSIGNMENTS = sorted(p.parent.name for p in SOLUTIONS.glob("*/*.ipynb") if p.stem == p.parent.name)
DEAD_PROXY = "http://127.0.0.1:9"  # any attempt to download fails fast: notebooks must work offline
# With `pytest -n 2 --dist loadgroup` the slow tests of one assignment run on one worker and share its course.
GROUPED = [pytest.param(a, marks=pytest.mark.xdist_group(f"notebook-{a}")) for a in ASSIGNMENTS]


def solution_path(assignment):
    return SOLUTIONS / assignment / f"{assignment}.ipynb"


def release_path(assignment):
    return RELEASES / assignment / f"{assignment}.ipynb"


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


def autograded_cells(nb):
    """``grade_id -> points`` of the autograded test cells (code cells with grade and no solution)."""
    return {nbgrader_meta(c)["grade_id"]: nbgrader_meta(c)["points"] for c in nb.cells
            if c.cell_type == "code" and nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")}


def load_mistakes(assignment):
    path = MISTAKES / f"{assignment}.py"
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: list one typical mistake per autograded cell")
    return runpy.run_path(str(path))["MISTAKES"]


def offline_env():
    """Environment for kernels: the venv first on PATH (nbgrader calls alembic), no network."""
    env = {"PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
           "MPLBACKEND": "Agg"}
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env[proxy] = DEAD_PROXY
    return env


@pytest.fixture
def offline(monkeypatch):
    for key, value in offline_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    """One grading workspace per assignment, shared by its gradings (released once)."""
    made = {}

    def course(assignment):
        if assignment not in made:
            made[assignment] = tmp_path_factory.mktemp(f"course-{assignment[:2]}")
        return made[assignment]

    return course


def test_assignments_found():
    assert ASSIGNMENTS, "no solutions/<assignment>/<assignment>.ipynb found"


# --- fast checks of the files as committed --------------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_markup_is_well_formed(assignment):
    nb = nbformat.read(solution_path(assignment), as_version=4)
    nbformat.validate(nb)
    ids = [nbgrader_meta(c).get("grade_id") for c in nb.cells]
    assert None not in ids, "every cell needs nbgrader metadata (locked cells included)"
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        assert meta["schema_version"] == 3
        if meta["solution"]:
            assert not meta["locked"], f"{meta['grade_id']}: an answer cell must be editable"
            if cell.cell_type == "code":
                assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        elif meta["grade"]:
            assert meta["locked"] and meta["points"] > 0, f"{meta['grade_id']}: test cells are locked, with points"
        else:
            assert meta["locked"], f"{meta['grade_id']}: every other cell is read-only"
    tests = autograded_cells(nb)
    assert 3 <= len(tests) <= 6, f"3-6 autograded exercises, got {len(tests)}"
    for gid in tests:
        source = next(c.source for c in nb.cells if nbgrader_meta(c)["grade_id"] == gid)
        assert "### BEGIN HIDDEN TESTS" in source, f"{gid}: hidden tests on random inputs are missing"
    written = [c for c in nb.cells if c.cell_type == "markdown" and nbgrader_meta(c)["grade"]]
    assert written, "one manually graded written question is expected"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_one_style_across_the_notebooks(assignment):
    """Ids, headings, goals and the time line as in every other notebook; the notes cited by title."""
    nb = nbformat.read(solution_path(assignment), as_version=4)
    intro = nb.cells[0].source
    assert intro.startswith(f"# {assignment[:2]} · "), "the title: '# NN · Topic'"
    goals = intro.partition("**Learning goals.** After this notebook you can\n\n")[2].partition("\n\n")[0]
    assert re.match(r"1\. ", goals) and not re.search(r"^- ", goals, flags=re.M), "goals: a numbered list"
    assert re.search(r"^\*Time: about \d+ minutes\. .*Exercises are marked ✏️; run every cell from top to "
                     r"bottom\.\*$", intro, flags=re.M), "the time line"
    for number, cell in enumerate(nb.cells, 1):
        meta, source = nbgrader_meta(cell), cell.source
        gid = meta["grade_id"]
        assert "seed 0" not in source and "seeds 0" not in source, f"{gid}: cite the lecture notes by title"
        if meta.get("solution") and cell.cell_type == "code":
            assert re.fullmatch(r"ex\d-[a-z0-9-]+", gid), f"{gid}: answer cells are ex<N>-<name>"
        elif meta.get("solution"):
            assert re.fullmatch(r"written-[a-z0-9-]+", gid) and meta.get("grade"), f"{gid}: written-<name>"
            assert "### BEGIN SOLUTION" in source, f"{gid}: the model answer between solution markers"
        elif meta.get("grade"):
            assert re.fullmatch(r"test-ex\d-[a-z0-9-]+", gid), f"{gid}: test cells are test-ex<N>-<name>"
            visible = source.partition("### BEGIN HIDDEN TESTS")[0]
            assert 'print("Looks good!' in visible or 'print(f"Looks good!' in visible, f"{gid}: ends 'Looks good!'"
            assert not re.search(r"^\s*assert ", source, flags=re.M), (
                f"{gid}: a bare assert shows the student the check's source; use cnnlab.checks (require, ...)")
        elif gid != "lenet-model":
            kind = "md" if cell.cell_type == "markdown" else "code"
            assert gid == f"{kind}-{number:02d}", f"{gid}: locked cells are numbered {kind}-{number:02d}"
        assert cell.get("id") == gid, f"{gid}: the cell id is the grade id"
        if cell.cell_type == "markdown":
            for heading in re.findall(r"^#+ .*(?:Exercise|Question).*$", source, flags=re.M):
                assert re.fullmatch(r"### ✏️ Exercise \d \(\d points?\): .+|## ✍️ Question \(\d points\)|## Exercises",
                                    heading), f"{gid}: heading {heading!r}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_cnnlab_name_a_notebook_uses_exists(assignment):
    """A dotted name such as "cnnlab.conv.conv2d" in a forbid list or an import names a real object.

    forbid_calls matches a name it cannot import only by the name of the called function, so a name
    left behind by a move would silently stop catching the call.
    """
    import importlib

    source = "\n".join(cell.source for cell in nbformat.read(solution_path(assignment), as_version=4).cells)
    missing = []
    for dotted in sorted(set(re.findall(r"cnnlab(?:\.\w+)+", source))):
        parts = dotted.split(".")
        for split in range(len(parts), 0, -1):
            try:
                found = importlib.import_module(".".join(parts[:split]))
                for name in parts[split:]:
                    found = getattr(found, name)
                break
            except (ImportError, AttributeError):
                continue
        else:
            missing.append(dotted)
    assert not missing, f"{assignment} names what cnnlab does not have: {missing}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_without_outputs(assignment):
    for path in (solution_path(assignment), release_path(assignment)):
        assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `python -m grader release {assignment}`"
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, (
                    f"{path.relative_to(ROOT)}: cell {nbgrader_meta(cell).get('grade_id')} has outputs; "
                    "clear them before committing")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_cells_are_valid_python(assignment):
    """Answer cells of the release hold nbgrader's stub: they must still parse (and so run)."""
    nb = nbformat.read(release_path(assignment), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                               for line in cell.source.splitlines())
            try:
                ast.parse(python)
            except SyntaxError as err:
                pytest.fail(f"notebooks/{assignment}: cell {nbgrader_meta(cell).get('grade_id')} is not valid "
                            f"Python: {err}")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_mistakes_cover_every_exercise(assignment):
    nb = nbformat.read(solution_path(assignment), as_version=4)
    mistakes = load_mistakes(assignment)
    answers = {nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c).get("solution")}
    assert {m["fails"] for m in mistakes} == set(autograded_cells(nb)), "a mistake for every autograded cell"
    per_exercise = Counter(m["fails"] for m in mistakes)
    few = {gid: count for gid, count in per_exercise.items() if count < 3}
    assert not few, f"at least three typical mistakes per exercise: {few}"
    for mistake in mistakes:
        assert set(mistake) == {"answer_cell", "source", "fails", "message"}, mistake
        assert mistake["answer_cell"] in answers, f"{mistake['answer_cell']} is not an answer cell"
        re.compile(mistake["message"])


# Errors whose message was written for the student: a check's verdict, an error in the student's own
# code (with its input), or the notebook's own assertions.  Anything else is a raw error.
STUDENT_FACING = {"CheckFailed", "ErrorInYourCode", "AssertionError"}


def mistake_rounds(mistakes):
    """Round k: the k-th mistake of every answer cell (so each round is one submission)."""
    by_cell = {}
    for mistake in mistakes:
        by_cell.setdefault(mistake["answer_cell"], []).append(mistake)
    count = max(len(listed) for listed in by_cell.values())
    return [[listed[k] for listed in by_cell.values() if k < len(listed)] for k in range(count)]


def test_mistake_rounds_put_one_mistake_per_answer_cell_in_each_round():
    a1, a2, b1 = (dict(answer_cell=c, n=n) for c, n in (("a", 1), ("a", 2), ("b", 1)))
    assert mistake_rounds([a1, b1, a2]) == [[a1, b1], [a2]]


# --- slow: execute, release, grade ----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("assignment", GROUPED)
def test_release_is_generated(assignment, tmp_path, offline):
    from grader.api import release

    generated = release(assignment, ROOT, tmp_path / "course", release_root=tmp_path / "release")
    committed = RELEASES / assignment
    def files(folder):  # a student's JupyterLab keeps .ipynb_checkpoints/ there: not part of the release
        return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                      if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts))

    names = files(generated)
    assert names == files(committed), (
        f"notebooks/{assignment} holds other files than the release: run `python -m grader release {assignment}`")
    for name in names:
        if name.endswith(".ipynb"):
            fresh = json.loads((generated / name).read_text())
            kept = json.loads((committed / name).read_text())
            assert fresh == kept, f"notebooks/{assignment}/{name} is stale: run `python -m grader release {assignment}`"
        else:
            assert (generated / name).read_bytes() == (committed / name).read_bytes(), name


def grade(assignment, notebook, courses, student):
    from grader.api import grade_notebook

    result = grade_notebook(assignment, notebook, courses(assignment), repo_root=ROOT, student=student)
    assert result.status == "graded", result.notes
    return result


@pytest.mark.slow
@pytest.mark.parametrize("assignment", GROUPED)
def test_solution_executes_and_scores_full_marks(assignment, courses, offline):
    """The solution runs top to bottom offline without one error (every cell, graded or not), and
    scores every autograded point. (One run does both: each notebook is executed once here.)"""
    tests = autograded_cells(nbformat.read(solution_path(assignment), as_version=4))
    result = grade(assignment, solution_path(assignment), courses, "solution")
    scores = {gid: result.cells[gid].score for gid in tests}
    assert scores == tests, result.failures
    executed = nbformat.read(courses(assignment) / "autograded" / "solution" / assignment / f"{assignment}.ipynb",
                             as_version=4)
    errors = [(index, output.ename, output.evalue) for index, cell in enumerate(executed.cells)
              for output in cell.get("outputs", []) if output.output_type == "error"]
    assert not errors, f"cells of the solution raised: {errors}"
    unexecuted = [index for index, cell in enumerate(executed.cells)
                  if cell.cell_type == "code" and cell.source.strip() and cell.execution_count is None]
    assert not unexecuted, f"cells of the solution did not run: {unexecuted}"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", GROUPED)
def test_untouched_release_scores_zero(assignment, courses, offline):
    tests = autograded_cells(nbformat.read(solution_path(assignment), as_version=4))
    result = grade(assignment, release_path(assignment), courses, "untouched")
    assert {gid: result.cells[gid].score for gid in tests} == dict.fromkeys(tests, 0)
    raw = {gid: result.cells[gid].messages for gid in tests
           if not result.cells[gid].messages or result.cells[gid].messages[0].split(":")[0] not in STUDENT_FACING}
    assert not raw, f"an unanswered exercise's feedback is not a check's message: {raw}"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", GROUPED)
def test_run_all_of_the_student_version_reaches_the_end(assignment, offline, tmp_path):
    """A student opens the release and presses Run All: every cell runs, each unanswered exercise fails visibly.

    nbclient, like JupyterLab's Run All, stops at the first error except in cells tagged
    ``raises-exception``, which the release gives every answer and test cell.
    """
    from nbclient import NotebookClient

    work = tmp_path / assignment
    shutil.copytree(RELEASES / assignment, work)
    nb = nbformat.read(work / f"{assignment}.ipynb", as_version=4)
    NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(work)}}).execute()  # no allow_errors: as Run All does
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "a code cell did not run"
    for cell in code:
        meta, errors = nbgrader_meta(cell), [o for o in cell.outputs if o.output_type == "error"]
        gid = meta.get("grade_id", cell.get("id"))
        if meta.get("solution"):
            assert all(o.ename == "NotImplementedError" for o in errors), (gid, [o.ename for o in errors])
        elif meta.get("grade"):
            assert [o.ename for o in errors][:1] in (["CheckFailed"], ["ErrorInYourCode"]), (
                f"{gid}: an unanswered exercise must fail its check with a message, got "
                f"{[f'{o.ename}: {o.evalue}' for o in errors]}")
        else:
            assert not errors, f"{gid} fails in the untouched release: {[o.evalue for o in errors]}"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", GROUPED)
def test_typical_mistakes_lose_their_points(assignment, courses, offline, tmp_path):
    from grader.api import fill_answers

    tests = autograded_cells(nbformat.read(solution_path(assignment), as_version=4))
    for number, mistakes in enumerate(mistake_rounds(load_mistakes(assignment))):
        wrong = {m["answer_cell"]: m["source"] for m in mistakes}
        submission = fill_answers(solution_path(assignment), wrong, tmp_path / f"round{number}" / f"{assignment}.ipynb")
        result = grade(assignment, submission, courses, f"mistaken{number}")
        failing = {m["fails"] for m in mistakes}
        for gid, points in tests.items():
            if gid not in failing:
                assert result.cells[gid].score == points, f"{gid} lost points: {result.cells[gid].messages}"
        for mistake in mistakes:
            cell = result.cells[mistake["fails"]]
            text = "\n".join(cell.messages)
            assert cell.score == 0, f"{mistake['fails']} kept its points for the mistake in {mistake['answer_cell']}"
            assert re.search(mistake["message"], text), (
                f"{mistake['fails']}: message {text!r} does not match {mistake['message']!r}")
            raw = [m for m in cell.messages if m.split(":")[0] not in STUDENT_FACING]
            assert not raw, f"{mistake['fails']}: a raw error reaches the student: {raw}"


def solution_answers(assignment):
    """``grade_id -> source`` of the solution's answer (code) cells."""
    nb = nbformat.read(solution_path(assignment), as_version=4)
    return {nbgrader_meta(c)["grade_id"]: c.source for c in nb.cells
            if c.cell_type == "code" and nbgrader_meta(c).get("solution")}


@pytest.mark.slow
@pytest.mark.parametrize("assignment", GROUPED)
def test_visible_checks_flag_every_typical_mistake(assignment, offline, tmp_path):
    """A student runs the release notebook: right answers pass its checks, each typical mistake is named."""
    from nbclient import NotebookClient

    from grader.api import fill_answers

    tests = autograded_cells(nbformat.read(solution_path(assignment), as_version=4))
    for number, mistakes in enumerate(mistake_rounds(load_mistakes(assignment))):
        work = tmp_path / f"round{number}"
        shutil.copytree(RELEASES / assignment, work)
        answers = {**solution_answers(assignment), **{m["answer_cell"]: m["source"] for m in mistakes}}
        nb = nbformat.read(fill_answers(release_path(assignment), answers, work / f"{assignment}.ipynb"), as_version=4)
        NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(work)}}).execute()
        errors = {nbgrader_meta(c).get("grade_id", f"cell {i}"): [o for o in c.outputs if o.output_type == "error"]
                  for i, c in enumerate(nb.cells) if c.cell_type == "code"}
        failing = {m["fails"] for m in mistakes}
        unexpected = {gid: [f"{o.ename}: {o.evalue}" for o in outs] for gid, outs in errors.items()
                      if outs and gid not in failing}
        assert not unexpected, f"round {number}: cells fail that should pass: {unexpected}"
        for mistake in mistakes:
            outs = errors[mistake["fails"]]
            assert outs, f"{mistake['fails']}: the visible check says nothing of the mistake in {mistake['answer_cell']}"
            text = "\n".join(f"{o.ename}: {o.evalue}" for o in outs)
            assert re.search(mistake["message"], text), f"{mistake['fails']} (visible): {text!r} does not match"
            assert outs[0].ename in STUDENT_FACING, f"{mistake['fails']} (visible): a raw error: {text}"
