"""nbgrader's exchange, the instructor's side: publish an assignment, take the submissions, return feedback.

On a JupyterHub (``deploy/jupyterhub/``) students fetch, validate and submit
in JupyterLab's Assignments tab, which goes through nbgrader's exchange, a
folder every user can reach (:func:`grader.config.exchange_root`:
``/srv/nbgrader/exchange`` unless ``--exchange-root`` or ``$CNNLAB_EXCHANGE``
says otherwise). The three steps here are nbgrader's own
commands, run in the grading workspace:

* :func:`publish`: ``release_assignment`` copies the student version
  (``notebooks/<assignment>/``) to the exchange's ``outbound/``;
* :func:`collect_from_exchange`: ``collect`` takes each student's latest
  submission from ``inbound/`` (with its ``timestamp.txt``) into a staging
  tree, which the usual intake (:func:`grader.collect.collect_submissions`)
  files: an earlier submission is never overwritten silently;
* :func:`release_feedback`: ``release_feedback`` puts each student's
  feedback page where their Assignments tab fetches it.
"""

import os
import shutil
import tempfile
from pathlib import Path

from .api import run_nbgrader
from .collect import collect_submissions
from .config import COURSE_ID


def prepare_exchange(root):
    """Create the exchange folder, writable by every user, as nbgrader documents (``chmod ugo+rw``).

    nbgrader makes the course's ``inbound/`` (students can add, not list),
    ``outbound/`` and ``feedback/`` below it with their own permissions.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if root.stat().st_uid == os.geteuid():
        os.chmod(root, 0o777)
    return root


def _exchange_args(root):
    return [f"--Exchange.root={root}"]


def publish(course_dir, assignment, root):
    """Release ``assignment``'s student version to the exchange; return its folder there."""
    root = prepare_exchange(root)
    run_nbgrader(["release_assignment", assignment, "--force", *_exchange_args(root)], course_dir)
    return root / COURSE_ID / "outbound" / assignment


def collect_from_exchange(course_dir, assignment, root):
    """File the latest submission of each student in the exchange; return the :class:`~grader.collect.Intake`."""
    staging = Path(tempfile.mkdtemp(prefix=".exchange-staging-", dir=course_dir))
    try:
        run_nbgrader(["collect", assignment, *_exchange_args(root),
                      f"--CourseDirectory.submitted_directory={staging / 'submitted'}"], course_dir)
        (staging / "submitted").mkdir(exist_ok=True)
        return collect_submissions(staging, course_dir, assignment)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def release_feedback(course_dir, assignment, root):
    """Put the feedback pages of ``assignment`` where each student's Assignments tab fetches them."""
    run_nbgrader(["release_feedback", assignment, *_exchange_args(root)], course_dir)
