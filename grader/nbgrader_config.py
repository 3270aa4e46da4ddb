"""nbgrader configuration of the cnnlab course.

``solutions/`` is nbgrader's source directory and ``notebooks/`` its release
directory (both absolute, so the grading workspace can live anywhere); the
rest (autograde pipeline, feedback that hides hidden tests) is in
``grader/config.py``.  Use it as ``nbgrader <command> --config grader/nbgrader_config.py``
from the repository, or run ``python -m grader``, which writes an equivalent
config into the grading workspace (``--course-dir``, default ``grading/``).
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grader.pipelines import configure  # noqa: E402

configure(get_config(), source=REPO / "solutions", release=REPO / "notebooks")  # noqa: F821
