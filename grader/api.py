"""Python API for notebook tests: release an assignment, grade one notebook.

Stable signatures (notebook tests depend on them)::

    release(assignment, repo_root, course_dir, *, release_root=None) -> Path
    grade_notebook(assignment, notebook_path, course_dir, *, repo_root=REPO_ROOT,
                   student="student", cell_timeout=60, memory_mb=2048, wall_s=600) -> GradeResult
    fill_answers(notebook_path, answers, out_path) -> Path

Both run nbgrader for real (``nbgrader generate_assignment`` through its CLI,
autograde through nbgrader's ``AutogradeApp`` with a real SQLite gradebook in
``course_dir``).  Use a temporary ``course_dir`` (pytest's ``tmp_path``) in tests.

Example (in a test)::

    from grader.api import grade_notebook
    result = grade_notebook("02-convolution", "solutions/02-convolution/02-convolution.ipynb", tmp_path)
    assert result.score == result.max_score, result.failures
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from .autograde import autograde
from .config import REPO_ROOT, nbgrader_env, release_dir, solutions_dir, write_course_config
from .execute import Limits
from .results import CellResult, GradeResult  # noqa: F401  (re-exported for callers)

__all__ = ["release", "grade_notebook", "fill_answers", "GradeResult", "CellResult", "run_nbgrader",
           "open_course", "is_released", "ensure_registered"]


def run_nbgrader(args, course_dir, *, check=True):
    """Run the real ``nbgrader`` CLI in ``course_dir`` with the course config; return the process.

    The workspace's ``nbgrader_config.py`` (see :func:`open_course`) names the
    course root and gradebook, so every nbgrader command works there.
    Raises ``RuntimeError`` with nbgrader's output when it fails and ``check`` is true.
    """
    command = [sys.executable, "-m", "nbgrader", *args]
    done = subprocess.run(command, cwd=course_dir, env=nbgrader_env(), capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def release(assignment, repo_root=REPO_ROOT, course_dir=None, *, release_root=None):
    """Generate the student version of ``assignment`` with nbgrader's ``generate_assignment``.

    Parameters
    ----------
    assignment : str
        Assignment id: ``<repo_root>/solutions/<assignment>/`` must exist.
    repo_root : str or Path
        Repository (or fixture) root holding ``solutions/``.
    course_dir : str or Path
        Grading workspace; the assignment is recorded in its gradebook.
        Defaults to ``<repo_root>/grading``.
    release_root : str or Path, optional
        Where the student notebooks go (default ``<repo_root>/notebooks``).

    Returns
    -------
    Path
        ``<release_root>/<assignment>``.
    """
    repo_root = Path(repo_root).resolve()
    if not (solutions_dir(repo_root) / assignment).is_dir():
        raise ValueError(f"assignment must name a folder in {solutions_dir(repo_root)}, got {assignment!r}")
    course = open_course(course_dir or repo_root / "grading", repo_root)
    release_root = Path(release_root).resolve() if release_root else release_dir(repo_root)
    release_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{release_root.name}-staging-", dir=release_root.parent))
    try:
        run_nbgrader(["generate_assignment", assignment, "--force",
                      f"--CourseDirectory.release_directory={staging}"], course)
        _replace_tree(staging / assignment, release_root / assignment)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return release_root / assignment


def _replace_tree(new, target):
    """Make ``target`` hold exactly the files of ``new``, each replaced atomically (a rename).

    A reader never finds a file of ``target`` missing or half written while
    this runs.  Files that ``new`` no longer has are removed afterwards, except
    under hidden folders (JupyterLab's ``.ipynb_checkpoints``).
    """
    fresh = {path.relative_to(new) for path in new.rglob("*") if path.is_file()}
    for relative in sorted(fresh):
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        os.replace(new / relative, target / relative)
    for path in sorted(target.rglob("*"), reverse=True):
        relative = path.relative_to(target)
        if path.is_file() and relative not in fresh and not any(p.startswith(".") for p in relative.parts):
            path.unlink()


def open_course(course_dir, repo_root=REPO_ROOT, db_url=None):
    """Create (if needed) the grading workspace for the course files under ``repo_root``; return its path.

    ``db_url`` (any SQLAlchemy URL nbgrader accepts) makes that database the
    workspace's gradebook from now on; by default it is ``<course_dir>/gradebook.db``.
    """
    return write_course_config(course_dir, source=solutions_dir(repo_root), release=release_dir(repo_root),
                               db_url=db_url)


def is_released(assignment, course_dir):
    """True when the workspace's gradebook knows ``assignment`` (``release`` ran for it)."""
    from nbgrader.api import Gradebook, MissingEntry

    from .config import COURSE_ID, gradebook_url, uses_sqlite_file

    if uses_sqlite_file(course_dir) and not (Path(course_dir) / "gradebook.db").exists():
        return False
    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            return False
    return True


def ensure_registered(assignment, repo_root, course_dir):
    """Make the workspace's gradebook know ``assignment``; return True if it had to be registered.

    A missing assignment is registered from ``solutions/`` with nbgrader's
    ``generate_assignment``, whose student copy goes to ``<course_dir>/release``:
    the repository's ``notebooks/`` is not touched.
    """
    if is_released(assignment, course_dir):
        return False
    release(assignment, repo_root, course_dir, release_root=Path(course_dir) / "release")
    return True


def grade_notebook(assignment, notebook_path, course_dir, *, repo_root=REPO_ROOT, student="student",
                   cell_timeout=60, memory_mb=2048, wall_s=600):
    """Autograde one notebook as ``student``'s submission of ``assignment``; return a ``GradeResult``.

    The assignment is released into ``course_dir`` first if its gradebook does
    not know it yet (the repository's ``notebooks/`` is not touched).  The
    notebook is filed as ``submitted/<student>/<assignment>/<assignment>.ipynb``
    and graded by nbgrader's autograde, exactly as ``python -m grader autograde``
    grades a class.

    Returns
    -------
    GradeResult
        ``score``, ``max_score``, ``status``, ``cells`` (``grade_id -> CellResult``
        with ``score``, ``max_score``, ``messages``), ``failures`` and ``notes``.
    """
    course = Path(course_dir).resolve()
    course.mkdir(parents=True, exist_ok=True)
    ensure_registered(assignment, repo_root, course)
    target = course / "submitted" / student / assignment
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copyfile(notebook_path, target / f"{assignment}.ipynb")
    limits = Limits(cell_timeout=int(cell_timeout), wall_s=float(wall_s), memory_mb=int(memory_mb))
    return autograde(course, assignment, jobs=1, limits=limits, students=[student])[student]


def fill_answers(notebook_path, answers, out_path):
    """Write a copy of a notebook with the source of some cells replaced, keyed by nbgrader ``grade_id``.

    Use it to build submissions in tests: a release notebook with the correct
    answer in one cell and a wrong one in another.
    """
    nb = nbformat.read(notebook_path, as_version=4)
    unknown = set(answers)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
            unknown.discard(gid)
    if unknown:
        raise ValueError(f"answers name cells that are not in {notebook_path}: {sorted(unknown)}")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out_path)
    return out_path
