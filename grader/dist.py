"""The student distribution, and the proof that it holds no solution or hidden test.

``build_dist`` copies what students need (``notebooks/``, ``cnnlab/``,
``environment.yml`` with the ``pyproject.toml`` it installs from, a README for
students), then :func:`verify_dist` scans every file for the secret lines of
the solution notebooks (see :mod:`grader.leaks`) and fails if one is there.
"""

import shutil
from pathlib import Path

from .leaks import SECRET_MARKERS, find_leaks, secret_lines, text_lines

STUDENT_README = """# cnnlab: notebooks for the lecture on convolutional neural networks

## Start

    conda env create -f environment.yml
    conda activate cnnlab
    jupyter lab notebooks/

Work through the notebooks in order (`notebooks/01-.../`, `notebooks/02-.../`, ...).
Each exercise has an answer cell (`# YOUR CODE HERE`) and a test cell below it:
run the test cell to check your answer. The visible tests tell you what is wrong
(shape, flipped kernel, off-by-one, padding mode) without giving the answer away;
more tests run when your notebook is graded.

Submit each notebook as it is, under its original name (for example
`02-convolution.ipynb`). Do not copy or rename cells: graded cells are checksummed.

`cnnlab/` is the course library: read it, call it, and re-implement its functions
in the exercises (where an exercise asks you to implement an operation, calling
the library's version of it is rejected).
"""

COPIED = ("notebooks", "cnnlab", "environment.yml", "pyproject.toml")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")


class DistLeakError(Exception):
    """The distribution holds a solution or hidden-test line."""


def build_dist(repo_root, out):
    """Write the student distribution of ``repo_root`` to ``out`` and verify it; return ``out``.

    Raises
    ------
    ValueError
        When ``out`` exists and is not empty.
    DistLeakError
        When a secret line is found in ``out`` (``out`` is left for inspection).
    """
    repo_root, out = Path(repo_root).resolve(), Path(out).resolve()
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"out must be a new or empty folder, got {out} with files in it")
    out.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = repo_root / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=IGNORED)
        elif source.exists():
            shutil.copy2(source, out / name)
    (out / "README.md").write_text(STUDENT_README)
    verify_dist(repo_root, out)
    return out


def course_secrets(repo_root):
    """The secret lines of every solution notebook under ``repo_root``; cnnlab's code counts as public."""
    repo_root = Path(repo_root)
    solutions = sorted((repo_root / "solutions").glob("*/*.ipynb"))
    library = sorted((repo_root / "cnnlab").rglob("*.py"))
    return secret_lines(solutions, public_files=library)


def verify_dist(repo_root, out):
    """Raise :class:`DistLeakError` if any file in ``out`` holds a secret line or an nbgrader region marker."""
    leaks = [f"{path.relative_to(out)}: {line!r}" for path, line in find_leaks(out, course_secrets(repo_root))]
    markers = [start for start, _ in SECRET_MARKERS]
    leaks += [f"{path.relative_to(out)}: region marker {marker!r}"
              for path in sorted(p for p in Path(out).rglob("*") if p.is_file())
              for marker in markers if any(marker in line for line in text_lines(path))]
    if leaks:
        shown = "\n  ".join(leaks[:20])
        raise DistLeakError(f"{len(leaks)} solution or hidden-test line(s) in {out}:\n  {shown}")
