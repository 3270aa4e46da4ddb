"""Parallel, resumable autograding on nbgrader's own ``autograde``.

Each submission is graded by nbgrader's ``AutogradeApp`` for one student, in a
forked child under :class:`grader.execute.Supervisor` (wall-clock and memory
limits, whole process tree killed when over).  ``jobs`` children run at once.
When a child finishes, its result (scores from the gradebook, messages and
notes from the autograded notebook) is written to
``<course-dir>/grader-runs/<assignment>/<student>.json`` together with a
fingerprint of the submission; a later run skips every submission whose result
is there and whose files have not changed, so an interrupted run loses nothing.
"""

import hashlib
import os
import sys
import time
from pathlib import Path

from .execute import Limits, Supervisor
from .results import GradeResult, read_result, zero_submission

RUNS_DIR = "grader-runs"


def runs_dir(course_dir, assignment):
    """Directory of the per-submission results and logs of ``assignment``."""
    return Path(course_dir) / RUNS_DIR / assignment


def submitted_students(course_dir, assignment):
    """Students with a ``submitted/<student>/<assignment>/`` directory, sorted."""
    submitted = Path(course_dir) / "submitted"
    return sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())


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


def _store(course_dir, result, digest):
    folder = runs_dir(course_dir, result.assignment)
    # the result first: a crash in between leaves a stale fingerprint, so it is graded again
    for suffix, text in ((".json", result.to_json()), (".sha256", digest)):
        tmp = folder / f".{result.student}{suffix}.tmp"
        tmp.write_text(text)
        os.replace(tmp, folder / f"{result.student}{suffix}")


def _grade_in_child(course_dir, assignment, student, limits, log_path):
    """Child body: nbgrader autograde for one student, output to ``log_path``."""
    from .config import nbgrader_env

    os.environ.update(nbgrader_env())
    os.chdir(course_dir)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    from nbgrader.apps.autogradeapp import AutogradeApp

    app = AutogradeApp()
    app.initialize([assignment, f"--student={student}", f"--course-dir={course_dir}", "--force",
                    f"--GuardedExecute.timeout={limits.cell_timeout}",
                    f"--LimitedKernelManager.memory_mb={limits.memory_mb}"])
    app.start()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip atexit handlers inherited from the parent


def _failure_notes(outcome, log_path):
    reasons = {"wall-clock limit": "grading passed the wall-clock limit and was stopped",
               "memory limit": "grading passed the memory limit and was stopped"}
    notes = [reasons.get(outcome, f"nbgrader could not grade this submission ({outcome})")]
    try:
        lines = Path(log_path).read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    notes += [line.split("]", 1)[-1].strip() for line in lines
              if "ERROR" in line or "WARNING | Skipping unknown notebook" in line or "No submitted file" in line
              ][:5]
    return notes


class _Job:
    """One submission being graded."""

    def __init__(self, course_dir, assignment, student, limits):
        self.course_dir, self.assignment, self.student = course_dir, assignment, student
        self.digest = fingerprint(course_dir, assignment, student)
        folder = runs_dir(course_dir, assignment)
        folder.mkdir(parents=True, exist_ok=True)
        self.log_path = folder / f"{student}.log"
        self.supervisor = Supervisor(_grade_in_child, (str(course_dir), assignment, student, limits,
                                                       str(self.log_path)), limits)

    def finish(self):
        outcome, seconds = self.supervisor.outcome, round(self.supervisor.elapsed, 2)
        if outcome == "ok":
            result = read_result(self.course_dir, self.assignment, self.student, seconds=seconds)
        else:
            zero_submission(self.course_dir, self.assignment, self.student)
            result = read_result(self.course_dir, self.assignment, self.student, status="failed",
                                 notes=_failure_notes(outcome, self.log_path), seconds=seconds)
            for cell in result.cells.values():
                cell.score = 0.0
            result.score = 0.0
        _store(self.course_dir, result, self.digest)
        return result


def autograde(course_dir, assignment, *, jobs=None, limits=Limits(), students=None, force=False,
              progress=None):
    """Grade the submissions of ``assignment`` in parallel; return ``{student: GradeResult}``.

    Parameters
    ----------
    course_dir : Path
        The grading workspace (nbgrader's course root, with ``submitted/``).
    assignment : str
        The assignment id.
    jobs : int, optional
        Submissions graded at once (default: all cores).
    limits : Limits
        Per-cell timeout, per-submission wall-clock and memory limits.
    students : list of str, optional
        Grade only these (always re-graded); default: every submission.
    force : bool
        Re-grade submissions that already have a current result.
    progress : callable, optional
        ``progress(result)`` after each submission (the CLI's progress bar).
    """
    import nbgrader.apps.autogradeapp  # noqa: F401  (imported once here, shared by every forked child)

    course_dir = Path(course_dir).resolve()
    wanted = list(students) if students else submitted_students(course_dir, assignment)
    results, todo = {}, []
    for student in wanted:
        done = None if (force or students) else stored_result(course_dir, assignment, student)
        if done is None:
            todo.append(student)
        else:
            results[student] = done
    running = []
    jobs = max(1, jobs or os.cpu_count() or 1)
    try:
        while todo or running:
            while todo and len(running) < jobs:
                running.append(_Job(course_dir, assignment, todo.pop(0), limits))
            time.sleep(0.05)
            for job in [j for j in running if j.supervisor.poll() is not None]:
                running.remove(job)
                results[job.student] = job.finish()
                if progress:
                    progress(results[job.student])
    finally:
        for job in running:
            job.supervisor.kill("interrupted")
    return results


def pending(course_dir, assignment):
    """Students whose submission has no current result yet."""
    return [s for s in submitted_students(course_dir, assignment)
            if stored_result(course_dir, assignment, s) is None]
