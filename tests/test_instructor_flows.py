"""The README's instructor section, run as written on the real course, in a fresh checkout.

Every command line of the section's code block is run here through bash, in a
copy of the repository as a clone has it (no ``grading/`` workspace yet),
with only the placeholders filled in (``DOWNLOADS.zip``, the assignment).  The
submissions of a class: the solution, the untouched release, two typical
mistakes of ``tests/mistakes/`` and one hostile submission (a monkeypatched
check).  Expected scores come from the notebooks' own points.
"""

import csv
import json
import re
import runpy
import zipfile
from pathlib import Path

import nbformat
import pytest

from fixtures.workspace import REPO, fresh_checkout, shell
from grader.api import fill_answers
from grader.leaks import find_leaks, secret_lines

pytestmark = pytest.mark.slow

README = REPO / "README.md"
HOSTILE = """import numpy
import cnnlab.checks
numpy.testing.assert_allclose = lambda *args, **kwargs: None
cnnlab.checks.check_close = lambda *args, **kwargs: None
"""


def instructor_lines():
    """The command lines of the README's instructor code block, comments removed."""
    section = README.read_text().split("## For instructors", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]


def readme_line(start, **placeholders):
    """The one README line that starts with ``start``, placeholders replaced."""
    found = [line for line in instructor_lines() if line.startswith(start)]
    assert len(found) == 1, f"the README's instructor section has {len(found)} lines starting {start!r}"
    line = found[0]
    for name, value in placeholders.items():
        line = line.replace(name, value)
    return line


def test_every_readme_instructor_line_is_run_by_a_test():
    starts = ["make grade", ".venv/bin/python -m grader release", ".venv/bin/python -m grader check",
              ".venv/bin/python -m grader collect", ".venv/bin/python -m grader autograde", "make formgrade",
              ".venv/bin/python -m grader feedback", ".venv/bin/python -m grader report",
              ".venv/bin/python -m grader dist"]
    lines = instructor_lines()
    matched = [[start for start in starts if line.startswith(start)] for line in lines]
    assert all(len(m) == 1 for m in matched), f"a README line that no test here runs: {lines}"
    assert sorted(m[0] for m in matched) == sorted(starts), lines


def points(assignment):
    """``(autograded test cells -> points, written answers -> points)`` of the solution notebook."""
    nb = nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    meta = [c.metadata.get("nbgrader", {}) for c in nb.cells]
    tests = {m["grade_id"]: m["points"] for m, c in zip(meta, nb.cells)
             if m.get("grade") and not m.get("solution") and c.cell_type == "code"}
    written = {m["grade_id"]: m["points"] for m in meta if m.get("grade") and m.get("solution")}
    return tests, written


def class_submissions(assignment, folder):
    """Write the class's notebooks into ``folder``; return ``{student: expected autograded score}``."""
    tests, _ = points(assignment)
    solution = REPO / "solutions" / assignment / f"{assignment}.ipynb"
    release = REPO / "notebooks" / assignment / f"{assignment}.ipynb"
    mistakes = runpy.run_path(str(REPO / "tests" / "mistakes" / f"{assignment}.py"))["MISTAKES"][:2]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "solver.ipynb").write_bytes(solution.read_bytes())
    (folder / "untouched.ipynb").write_bytes(release.read_bytes())
    expected = {"solver": sum(tests.values()), "untouched": 0}
    for number, mistake in enumerate(mistakes, 1):
        fill_answers(solution, {mistake["answer_cell"]: mistake["source"]}, folder / f"mistaken{number}.ipynb")
        expected[f"mistaken{number}"] = sum(tests.values()) - tests[mistake["fails"]]
    fill_answers(solution, {mistakes[0]["answer_cell"]: HOSTILE + mistakes[0]["source"]}, folder / "hostile.ipynb")
    expected["hostile"] = 0  # code tampering: the notebook's autograded points are withheld
    return expected, mistakes


def grades_csv(workspace, assignment):
    with open(workspace / "grading" / "reports" / assignment / "grades.csv") as handle:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}


def give_manual_grades(workspace, assignment, student, written):
    """Grade ``student``'s written answers with full points, through nbgrader's gradebook API."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{workspace / 'grading' / 'gradebook.db'}", "cnnlab") as gb:
        for grade_id, score in written.items():
            grade = gb.find_grade(grade_id, assignment, assignment, student)
            assert grade.needs_manual_grade
            grade.manual_score = score
            grade.needs_manual_grade = False
        gb.db.commit()


def hidden_test_secrets(assignment):
    solution = REPO / "solutions" / assignment / f"{assignment}.ipynb"
    return secret_lines([solution], public_files=sorted((REPO / "cnnlab").rglob("*.py")),
                        regions=["BEGIN HIDDEN TESTS"])


@pytest.mark.parametrize("assignment, intake", [
    pytest.param("03-padding-and-stride", "zip", marks=pytest.mark.xdist_group("flows-03")),
    pytest.param("09-cnn-end-to-end", "folder", marks=pytest.mark.xdist_group("flows-09")),
])
def test_a_class_graded_the_readme_way(assignment, intake, tmp_path):
    workspace = fresh_checkout(tmp_path / "course")
    assert not (workspace / "grading").exists()
    expected, mistakes = class_submissions(assignment, tmp_path / "downloads")
    if intake == "zip":  # an LMS download: Canvas-style names
        submissions = tmp_path / "DOWNLOADS.zip"
        with zipfile.ZipFile(submissions, "w") as archive:
            for path in sorted((tmp_path / "downloads").glob("*.ipynb")):
                archive.write(path, f"{path.stem}_4711_0815_{assignment}.ipynb")
    else:
        submissions = tmp_path / "downloads"
    tests, written = points(assignment)

    done = shell(readme_line("make grade", **{"03-padding-and-stride": assignment,
                                              "DOWNLOADS.zip": str(submissions)}), workspace)
    assert f"{assignment} was not in the gradebook" in done.stderr  # registered from solutions/, one line
    assert "5 placed" in done.stdout
    assert "5 submissions, 0 could not be graded" in done.stdout, done.stdout + done.stderr
    assert grades_csv(workspace, assignment) == expected
    waiting = sum(student != "untouched" for student in expected) * len(written)
    assert f"{waiting} written answer(s) of 4 submission(s) wait for a manual grade" in done.stdout

    give_manual_grades(workspace, assignment, "solver", written)
    shell(readme_line(".venv/bin/python -m grader feedback", **{"03-padding-and-stride": assignment}), workspace)
    done = shell(readme_line(".venv/bin/python -m grader report", **{"03-padding-and-stride": assignment}),
                 workspace)
    assert grades_csv(workspace, assignment) == {**expected, "solver": sum(tests.values()) + sum(written.values())}
    assert f"{waiting - len(written)} written answer(s) of 3 submission(s) wait" in done.stdout

    notes = (workspace / "grading" / "reports" / assignment / "notes.csv").read_text()
    assert re.search(r"hostile,graded,0\.0,\"[^\n]*tampering: [^\n]*points withheld", notes), notes
    feedback = workspace / "grading" / "feedback"
    assert sorted(p.name for p in feedback.iterdir()) == sorted(expected)
    assert find_leaks(feedback, hidden_test_secrets(assignment)) == []
    for number, mistake in enumerate(mistakes, 1):
        page = (feedback / f"mistaken{number}" / assignment / f"{assignment}.html").read_text()
        assert re.search(mistake["message"], re.sub(r"<[^>]+>", "", page), re.S), mistake["message"]
    # the maths shows offline: MathML written at feedback time, no MathJax from a CDN, no $...$ left over
    page = (feedback / "solver" / assignment / f"{assignment}.html").read_text()
    assert page.count("<math") > 10 and "cdnjs" not in page and not re.search(r"<script[^>]*mathjax", page, re.I)
    assert not re.search(r"<script[^>]+src=[\"']https?:", page)
    assert "$$" not in re.sub(r"<pre.*?</pre>|<code.*?</code>", "", page, flags=re.S)

    done = shell(readme_line(".venv/bin/python -m grader dist"), workspace)
    dist = workspace / "student-dist"
    assert "no solution or hidden-test line found" in done.stdout
    assert not (dist / "solutions").exists()
    assert (dist / "notebooks" / assignment / f"{assignment}.ipynb").read_bytes() == \
        (REPO / "notebooks" / assignment / f"{assignment}.ipynb").read_bytes()
    solutions = sorted((REPO / "solutions").glob("*/*.ipynb"))
    assert find_leaks(dist, secret_lines(solutions, public_files=sorted((REPO / "cnnlab").rglob("*.py")))) == []


@pytest.mark.xdist_group("flows-release")
def test_release_and_check_as_written_leave_the_course_as_committed(tmp_path):
    workspace = fresh_checkout(tmp_path / "course")
    shell(readme_line(".venv/bin/python -m grader release"), workspace)
    for committed in sorted((REPO / "notebooks").rglob("*.ipynb")):
        assert (workspace / committed.relative_to(REPO)).read_bytes() == committed.read_bytes(), committed
    assert not list(workspace.glob(".notebooks-staging-*"))
    done = shell(readme_line(".venv/bin/python -m grader check"), workspace, timeout=1800)
    assert "PROBLEM" not in done.stderr


def test_collect_and_autograde_as_written_on_a_fresh_workspace(tmp_path):
    workspace = fresh_checkout(tmp_path / "course")
    submissions = tmp_path / "DOWNLOADS.zip"
    with zipfile.ZipFile(submissions, "w") as archive:
        archive.write(REPO / "solutions" / "03-padding-and-stride" / "03-padding-and-stride.ipynb",
                      "solver_1_2_padding.ipynb")
    done = shell(readme_line(".venv/bin/python -m grader collect", **{"DOWNLOADS.zip": str(submissions)}), workspace)
    assert "03-padding-and-stride was not in the gradebook" in done.stderr and "1 placed" in done.stdout
    done = shell(readme_line(".venv/bin/python -m grader autograde"), workspace)
    tests, _ = points("03-padding-and-stride")
    assert re.search(rf"solver\s+graded\s+{sum(tests.values()):g}/", done.stdout), done.stdout
    result = json.loads((workspace / "grading" / "grader-runs" / "03-padding-and-stride" / "solver.json").read_text())
    assert result["status"] == "graded"

    # The instructor then adds a cell to the graded assignment and releases again: nbgrader refuses; the
    # grader says why in one line and leaves notebooks/ as it was.
    solution = workspace / "solutions" / "03-padding-and-stride" / "03-padding-and-stride.ipynb"
    nb = nbformat.read(solution, as_version=4)
    extra = nbformat.v4.new_markdown_cell("One more remark.", id="md-extra")
    extra.metadata["nbgrader"] = {"grade": False, "grade_id": "md-extra", "locked": True, "schema_version": 3,
                                  "solution": False, "task": False}
    nb.cells.append(extra)
    nbformat.write(nb, solution)
    released = (workspace / "notebooks" / "03-padding-and-stride" / "03-padding-and-stride.ipynb").read_bytes()
    done = shell(".venv/bin/python -m grader release 03-padding-and-stride", workspace, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "has submissions in the gradebook" in done.stderr and "notebooks/ is unchanged" in done.stderr
    assert (workspace / "notebooks" / "03-padding-and-stride" / "03-padding-and-stride.ipynb").read_bytes() == released


def test_dist_of_the_real_course_has_no_false_positive_and_catches_every_planted_secret(tmp_path):
    from grader.dist import DistLeakError, build_dist, course_secrets, verify_dist

    dist = build_dist(REPO, tmp_path / "dist")  # raises on a false positive
    secrets = sorted(course_secrets(REPO))
    assert len(secrets) > 100
    notebook = dist / "notebooks" / "06-pooling" / "06-pooling.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    carriers = {"code": [], "markdown": [], "traceback": [], "library": []}
    for number, secret in enumerate(secrets):
        carriers[list(carriers)[number % len(carriers)]].append(secret)
    nb.cells.append(nbformat.v4.new_code_cell("\n".join("    " + s for s in carriers["code"])))
    nb.cells.append(nbformat.v4.new_markdown_cell("\n\n".join(carriers["markdown"])))
    output = nbformat.v4.new_output("error", ename="AssertionError", evalue="",
                                    traceback=[f"----> {n} {s}" if len(s) >= 24 else s
                                               for n, s in enumerate(carriers["traceback"])])
    nb.cells[-2].outputs = [output]
    nbformat.write(nb, notebook)
    (dist / "cnnlab" / "helpers.py").write_text("".join(f"\t{s}  \n" for s in carriers["library"]))
    found = {(path.relative_to(dist).as_posix(), line) for path, line in find_leaks(dist, set(secrets))}
    planted = {("notebooks/06-pooling/06-pooling.ipynb", s)
               for s in carriers["code"] + carriers["markdown"] + carriers["traceback"]}
    planted |= {("cnnlab/helpers.py", s) for s in carriers["library"]}
    assert found == planted
    with pytest.raises(DistLeakError, match=f"{len(secrets)} solution or hidden-test line"):
        verify_dist(REPO, dist)


@pytest.mark.xdist_group("flows-release")
def test_release_never_leaves_a_notebook_missing(tmp_path):
    """A second process reads the release notebooks while `release` rewrites them: each is always there."""
    import subprocess
    import sys
    import time

    workspace = fresh_checkout(tmp_path / "course")
    watched = sorted((workspace / "notebooks").glob("*/*.ipynb"))
    watcher = subprocess.Popen([sys.executable, "-c", (
        "import json, sys, time\n"
        "paths, missing, reads = sys.argv[1:], set(), 0\n"
        "end = time.monotonic() + 120\n"
        "while time.monotonic() < end and not __import__('os').path.exists(paths[0] + '.stop'):\n"
        "    for p in paths:\n"
        "        try:\n"
        "            json.load(open(p)); reads += 1\n"
        "        except (OSError, ValueError) as err:\n"
        "            missing.add(f'{p}: {type(err).__name__}')\n"
        "print(reads, sorted(missing))\n"), *map(str, watched)], stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    shell(readme_line(".venv/bin/python -m grader release"), workspace)
    Path(f"{watched[0]}.stop").write_text("")
    reads, missing = watcher.communicate(timeout=60)[0].split(" ", 1)
    assert int(reads) > len(watched) * 10 and missing.strip() == "[]", missing
