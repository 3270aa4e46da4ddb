"""What was submitted and what has been graded: results, their fingerprints, and the locks of submissions.

A result lives in ``<course-dir>/grader-runs/<assignment>/<student>.json``
beside the SHA-256 fingerprint of the submission's files; it counts as current
while the files are unchanged (:func:`stored_result`). A grader claims (:func:`claim`)
a submission (an exclusive ``flock`` on ``.<student>.lock``) before grading it,
so that two graders on one workspace never grade the same submission at once.
"""

import fcntl
import hashlib
import os
from pathlib import Path

from .config import COURSE_ID, gradebook_url
from .results import GradeResult

RUNS_DIR = "grader-runs"


def runs_dir(course_dir, assignment):
    """Directory of the per-submission results and logs of ``assignment``."""
    return Path(course_dir) / RUNS_DIR / assignment


def submitted_students(course_dir, assignment):
    """Students with a ``submitted/<student>/<assignment>/`` directory, sorted."""
    submitted = Path(course_dir) / "submitted"
    return sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())


def notebook_names(course_dir, assignment):
    """Names (without ``.ipynb``) of the assignment's notebooks, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb:
        return [notebook.name for notebook in gb.find_assignment(assignment).notebooks]


def fingerprint(course_dir, assignment, student):
    """SHA-256 over the names and contents of a submission's files."""
    digest = hashlib.sha256()
    folder = Path(course_dir) / "submitted" / student / assignment
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def stored_result(course_dir, assignment, student):
    """The stored result of a submission if its files have not changed since, else ``None``."""
    folder = runs_dir(course_dir, assignment)
    path, stamp = folder / f"{student}.json", folder / f"{student}.sha256"
    if not (path.exists() and stamp.exists()):
        return None
    if stamp.read_text() != fingerprint(course_dir, assignment, student):
        return None
    return GradeResult.from_json(path.read_text())


def store(course_dir, result, digest):
    """Write ``result`` and the fingerprint ``digest`` of its submission, each file replaced at once."""
    folder = runs_dir(course_dir, result.assignment)
    # the result first: a crash in between leaves a stale fingerprint, so it is graded again
    for suffix, text in ((".json", result.to_json()), (".sha256", digest)):
        tmp = folder / f".{result.student}{suffix}.tmp"
        tmp.write_text(text)
        os.replace(tmp, folder / f"{result.student}{suffix}")


def claim(course_dir, assignment, student):
    """Lock a submission for grading; return the lock's file descriptor, or ``None`` if another grader has it."""
    descriptor = os.open(runs_dir(course_dir, assignment) / f".{student}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def release(descriptor):
    """Unlock a submission claimed with :func:`claim`."""
    fcntl.flock(descriptor, fcntl.LOCK_UN)  # also for the copies forked children hold
    os.close(descriptor)


def pending(course_dir, assignment):
    """Students whose submission has no current result yet."""
    return [s for s in submitted_students(course_dir, assignment)
            if stored_result(course_dir, assignment, s) is None]
