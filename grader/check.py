"""``check``: the released notebooks are current, solutions score full marks, releases score zero."""

import json
import shutil
import tempfile
from pathlib import Path

from .api import open_course, release
from .autograde import autograde
from .config import release_dir, solutions_dir
from .execute import Limits


def _notebook_content(path):
    """A notebook's cells and metadata, ignoring how the JSON is laid out."""
    return json.loads(Path(path).read_text())


def compare_release(fresh, committed):
    """Differences between a fresh release folder and the committed one, in words.

    Examples
    --------
    >>> compare_release(Path("/nonexistent/a"), Path("/nonexistent/b"))
    []
    """
    fresh_files = {p.relative_to(fresh) for p in Path(fresh).rglob("*") if p.is_file()}
    committed_files = {p.relative_to(committed) for p in Path(committed).rglob("*") if p.is_file()
                       and ".ipynb_checkpoints" not in p.parts}
    problems = [f"{committed / f} is missing: run `python -m grader release`" for f in sorted(fresh_files - committed_files)]
    problems += [f"{committed / f} is not produced by release" for f in sorted(committed_files - fresh_files)]
    for name in sorted(fresh_files & committed_files):
        a, b = Path(fresh) / name, Path(committed) / name
        same = _notebook_content(a) == _notebook_content(b) if name.suffix == ".ipynb" else a.read_bytes() == b.read_bytes()
        if not same:
            problems.append(f"{committed / name} differs from what release makes: run `python -m grader release`")
    return problems


def check_course(repo_root, assignments, *, jobs=None, log=print, limits=Limits(cell_timeout=120, wall_s=900)):
    """Check every assignment; return the problems found (empty when all is well)."""
    repo_root = Path(repo_root).resolve()
    problems = []
    with tempfile.TemporaryDirectory(prefix="grader-check-") as scratch:
        course = open_course(Path(scratch) / "course", repo_root)
        for assignment in assignments:
            fresh = release(assignment, repo_root, course, release_root=Path(scratch) / "release")
            found = compare_release(fresh, release_dir(repo_root) / assignment)
            log(f"{assignment}: notebooks/ {'differs from release' if found else 'matches release'}")
            problems += found
            for student, source in (("solution", solutions_dir(repo_root)), ("release", release_dir(repo_root))):
                if (source / assignment).is_dir():
                    shutil.copytree(source / assignment, course / "submitted" / student / assignment,
                                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
            results = autograde(course, assignment, jobs=jobs, limits=limits)
            problems += _score_problems(assignment, results, log)
    return problems


def _score_problems(assignment, results, log):
    problems = []
    solution, untouched = results.get("solution"), results.get("release")
    score, max_score = solution.autograded if solution else (0, 0)
    if max_score == 0:
        problems.append(f"{assignment}: no autograded cells (or the solution could not be graded)")
    elif score != max_score:
        problems.append(f"{assignment}: the solution scores {score:g}/{max_score:g} on the autograded cells: "
                        f"{solution.failures} {solution.notes}")
    if untouched is None:
        problems.append(f"{assignment}: no release notebook to grade")
    elif untouched.autograded[0] != 0:
        passing = sorted(gid for gid, c in untouched.cells.items() if c.score and not c.manual)
        problems.append(f"{assignment}: the untouched release scores {untouched.autograded[0]:g} (should be 0): "
                        f"cells {passing} pass without an answer")
    if solution is not None and untouched is not None:
        log(f"{assignment}: solution {score:g}/{max_score:g} on the autograded cells, "
            f"release {untouched.autograded[0]:g}")
    return problems
