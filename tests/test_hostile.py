"""Hostile and careless submissions, all graded in ONE real ``python -m grader autograde`` run (issue 7).

Each case of :mod:`fixtures.hostile` must get exactly its expected score and
report note; none may stop the batch, change another student's grade, reach
the network, or change the course files.  The course (solutions, gradebook,
submissions) lives in ``tmp_path``; the attacks aim at it and at the
repository's read-only ``cnnlab``.
"""

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest

from fixtures.grading import ASSIGNMENT, ROOT
from fixtures.hostile import CASES, edit_notebook, fill
from grader.api import fill_answers, release
from grader.config import nbgrader_env
from grader.sandbox import bubblewrap_status
from grader.tamper_scan import module_aliases, protected_names, scan_source

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted(REPO.glob("solutions/*/*.ipynb"))


def batch(test):
    """Mark a test that needs the one autograde run over every case (slow, needs bubblewrap)."""
    for mark in (pytest.mark.slow, pytest.mark.xdist_group("grader_autograde"),
                 pytest.mark.skipif(not bubblewrap_status()[0], reason=bubblewrap_status()[1])):
        test = mark(test)
    return test


def scan_notebook(nb):
    """Findings of :func:`grader.tamper_scan.scan_source` over the student cells of ``nb`` (release or solution)."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    meta = [c.metadata.get("nbgrader", {}) for c in code]
    locked = [c.source for c, m in zip(code, meta) if m.get("locked") and not m.get("grade")]
    tests = [c.source for c, m in zip(code, meta) if m.get("grade")]
    protected, aliases = protected_names(locked, tests), {}
    for source in locked:
        aliases.update(module_aliases(source))
    return [f for c, m in zip(code, meta) if m.get("solution") or not m.get("grade_id")
            for f in scan_source(c.source, protected, aliases)]


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.parent.name for p in SOLUTIONS])
def test_the_course_solutions_look_clean(path):
    assert scan_notebook(nbformat.read(path, as_version=4)) == []


@pytest.mark.parametrize("student", sorted(CASES))
def test_the_source_scan_flags_exactly_the_code_tampering(student):
    case = CASES[student]
    nb = nbformat.read(ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell.source = case.answers.get(gid, cell.source)
    found = scan_notebook(nb)
    assert bool(found) == (case.tamper and not case.edit), found


def test_guard_code_is_removed_and_findings_become_notes():
    from grader.tamper import GUARD_MARK, GuardTests, ReportTampering

    nb = nbformat.read(ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    original = [c.source for c in nb.cells]
    nb.metadata["cnnlab"] = {"protected": ["check_correlation", "np"], "tamper": ["test cell t was deleted"]}
    guarded, _ = GuardTests().preprocess(nb, {})
    assert len(guarded.cells) == len(original) + 1 and sum(GUARD_MARK in c.source for c in guarded.cells) == 4
    cleaned, _ = ReportTampering().preprocess(guarded, {})
    assert [c.source for c in cleaned.cells] == original
    assert cleaned.metadata["cnnlab"]["notes"] == ["tampering: test cell t was deleted"]


class Listener:
    """A TCP server on a free localhost port that counts who connects (nobody should)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self):
        self.server.close()


def tree_digest(folder):
    """SHA-256 over every file under ``folder`` (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def write_case(release_notebook, case, course, student, paths):
    answers = {gid: fill(code, **paths) for gid, code in case.answers.items()}
    target = course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    fill_answers(release_notebook, answers, target)
    if case.edit:
        nb = nbformat.read(target, as_version=4)
        nbformat.write(edit_notebook(nb, case.edit), target)
    for name, text in case.files.items():
        (target.parent / name).parent.mkdir(parents=True, exist_ok=True)
        (target.parent / name).write_text(text)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One autograde run over every hostile case; returns what the test needs to judge it."""
    base = tmp_path_factory.mktemp("hostile")
    repo_root = base / "course-files"
    shutil.copytree(ROOT / "solutions", repo_root / "solutions")
    course = base / "course"
    notebook = release(ASSIGNMENT, repo_root, course, release_root=base / "release") / f"{ASSIGNMENT}.ipynb"
    listener = Listener()
    paths = {"COURSE_DIR": course, "SOURCE_DIR": repo_root / "solutions" / ASSIGNMENT, "REPO_DIR": REPO,
             "NET_PORT": listener.port}
    for student, case in CASES.items():
        write_case(notebook, case, course, student, paths)
    before = {"solutions": tree_digest(repo_root), "submitted": tree_digest(course / "submitted")}
    library = sorted(str(p) for p in (REPO / "cnnlab").rglob("*.py"))  # others may edit it meanwhile: no digest
    command = [sys.executable, "-m", "grader", "autograde", ASSIGNMENT, "--jobs", "2", "--timeout", "10",
               "--wall", "150", "--sandbox", "required", "--course-dir", str(course), "--repo-root", str(repo_root)]
    done = subprocess.run(command, cwd=REPO, env=nbgrader_env(), capture_output=True, text=True, timeout=1200)
    listener.close()
    after = {"solutions": tree_digest(repo_root), "submitted": tree_digest(course / "submitted")}
    return {"done": done, "course": course, "before": before, "after": after, "connections": listener.connections,
            "library": library}


def ledger(course, student):
    return json.loads((course / "grader-runs" / ASSIGNMENT / f"{student}.json").read_text())


@batch
def test_the_batch_finishes_and_touches_nothing_outside(graded):
    done = graded["done"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(CASES)} submissions" in done.stdout, done.stdout
    assert graded["after"] == graded["before"]
    assert all(Path(p).exists() and "PWNED" not in Path(p).read_text() for p in graded["library"])
    assert graded["connections"] == 0
    course = graded["course"]
    assert not (course / "planted.txt").exists() and not Path("/etc/planted").exists()
    assert (course / "gradebook.db").stat().st_size > 0


@batch
@pytest.mark.parametrize("student", sorted(CASES))
def test_each_hostile_submission_gets_its_expected_grade(graded, student):
    case, result = CASES[student], ledger(graded["course"], student)
    words = result["notes"] + [m for cell in result["cells"].values() for m in cell["messages"]]
    assert result["score"] == case.score, (result["score"], words)
    if case.note:
        assert any(case.note in w for w in words), words
    flagged = [n for n in result["notes"] if "tampering:" in n]
    assert bool(flagged) == case.tamper, flagged


@batch
def test_the_report_names_what_was_caught(graded):
    course = graded["course"]
    out = course / "reports"
    command = [sys.executable, "-m", "grader", "report", ASSIGNMENT, "--out", str(out), "--course-dir", str(course)]
    done = subprocess.run(command, cwd=REPO, env=nbgrader_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    notes = (out / "notes.csv").read_text()
    for student, case in CASES.items():
        if case.tamper:
            assert f"{student},graded,{case.score}" in notes and "tampering:" in notes


def test_names_a_test_cell_binds_itself_are_not_protected():
    locked, tests = ["stack = make_stack()"], ["for stack in cases:\n    check(stack)", "check(stack)"]
    assert "stack" not in protected_names(locked, tests)
