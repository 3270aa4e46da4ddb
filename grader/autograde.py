"""Parallel, resumable autograding on nbgrader's own ``autograde``.

Each submission is graded by nbgrader's ``AutogradeApp`` for one student, in a
forked child under :class:`grader.execute.Supervisor` (wall-clock and memory
limits, whole process tree killed when over).  ``jobs`` children run at once.
When a child finishes, its result (scores from the gradebook, messages and
notes from the autograded notebook) is written to
``<course-dir>/grader-runs/<assignment>/<student>.json`` together with a
fingerprint of the submission; a later run skips every submission whose result
is there and whose files have not changed, so an interrupted run loses nothing.
A submission is graded under a lock (``grader-runs/<assignment>/.<student>.lock``),
so two graders running at once on the same workspace never grade the same
submission at the same time: the second one takes the first one's result.
Everything a child creates for itself (the kernel's private copy of the
submission, its socket folder) lies in one temporary folder per submission,
which the parent removes once the child has ended, however it ended: a child
killed for a limit runs no clean-up of its own.  The folders of a grader that
was killed itself go at the start of the next run
(:func:`grader.scratch.remove_abandoned_scratch_folders`).

This module schedules; the results, fingerprints and locks are
:mod:`grader.result_store`'s, the temporary folders :mod:`grader.scratch`'s.
"""

import os
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

from .execute import Limits, Supervisor
from .result_store import claim, fingerprint, notebook_names, release, runs_dir, store, stored_result, submitted_students
from .results import read_result, zero_submission
from .scratch import new_scratch_folder, remove_abandoned_scratch_folders, remove_tree

def _grade_in_child(course_dir, assignment, student, limits, log_path, slot, sandbox, scratch):
    """Child body: nbgrader autograde for one student, output to ``log_path``, temporary files in ``scratch``."""
    from .config import nbgrader_env

    os.environ.update(nbgrader_env())
    os.environ["TMPDIR"] = tempfile.tempdir = scratch  # tempfile cached the parent's before the fork
    os.chdir(course_dir)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    from nbgrader.apps.autogradeapp import AutogradeApp

    app = AutogradeApp()
    app.initialize([assignment, f"--student={student}", f"--course-dir={course_dir}", "--force",
                    f"--GuardedExecute.timeout={limits.cell_timeout}",
                    f"--LimitedKernelManager.memory_mb={limits.memory_mb}",
                    f"--SandboxedKernelManager.slot={slot}", f"--SandboxedKernelManager.sandbox={sandbox}"])
    app.start()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip atexit handlers inherited from the parent


def _failure_notes(outcome, log_path):
    reasons = {"wall-clock limit": "grading passed the wall-clock limit and was stopped",
               "memory limit": "grading passed the memory limit and was stopped",
               "process limit": "grading started more processes than allowed and was stopped"}
    notes = [reasons.get(outcome, f"nbgrader could not grade this submission ({outcome})")]
    try:
        lines = Path(log_path).read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    errors = [line.strip() for line in lines if re.match(r"^\s*[\w.]*(Error|Exception): ", line)]
    return notes + errors[-1:]


def precheck(folder, notebook_names):
    """Say why a submission folder cannot be graded at all, or return ``[]``.

    Catches what makes nbgrader give up on a submission before running it: no
    notebook with an expected name, an empty file, a file that is not JSON or
    not a notebook.

    Examples
    --------
    >>> precheck(tempfile.mkdtemp(), ["01-why-convolution"])
    ['no notebook named 01-why-convolution.ipynb in the submission; found: nothing']
    """
    import nbformat

    folder = Path(folder)
    present = [name for name in notebook_names if (folder / f"{name}.ipynb").exists()]
    if not present:
        found = sorted(p.name for p in folder.rglob("*") if p.is_file()) or ["nothing"]
        wanted = ", ".join(f"{name}.ipynb" for name in notebook_names)
        return [f"no notebook named {wanted} in the submission; found: {', '.join(found)}"]
    problems = []
    for name in present:
        path = folder / f"{name}.ipynb"
        text = path.read_text(errors="replace")
        if not text.strip():
            problems.append(f"{path.name} is empty ({path.stat().st_size} bytes)")
            continue
        try:
            with warnings.catch_warnings():  # e.g. cells without ids: nbgrader copes
                warnings.simplefilter("ignore")
                nbformat.validate(nbformat.reads(text, as_version=4))
        except Exception as err:  # NotJSONError, ValidationError, ...: all mean "not a notebook"
            first = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
            problems.append(f"{path.name} is not a readable notebook ({type(err).__name__}: {first})")
    return problems


class _Job:
    """One submission being graded (or, when :func:`precheck` objects, failed at once)."""

    def __init__(self, course_dir, assignment, student, limits, notebook_names, slot, sandbox, lock):
        self.course_dir, self.assignment, self.student, self.slot = course_dir, assignment, student, slot
        self.lock = lock
        self.digest = fingerprint(course_dir, assignment, student)
        self.log_path = runs_dir(course_dir, assignment) / f"{student}.log"
        self.problems = precheck(Path(course_dir) / "submitted" / student / assignment, notebook_names)
        self.scratch, self.scratch_lock = (None, None) if self.problems else new_scratch_folder()
        self.supervisor = None if self.problems else Supervisor(
            _grade_in_child,
            (str(course_dir), assignment, student, limits, str(self.log_path), slot, sandbox, self.scratch), limits)

    def poll(self):
        """The outcome once finished, else ``None``."""
        return "not gradable" if self.problems else self.supervisor.poll()

    def kill(self):
        """Stop grading (the run was interrupted)."""
        if self.supervisor:
            self.supervisor.kill("interrupted")
            self._remove_scratch()
        release(self.lock)

    def _remove_scratch(self):
        remove_tree(self.scratch)
        os.close(self.scratch_lock)

    def finish(self):
        """Read, store and return the result."""
        if self.problems:
            result = record_result(self.course_dir, self.assignment, self.student, "not gradable",
                                   digest=self.digest, problems=self.problems)
        else:
            self._remove_scratch()
            result = record_result(self.course_dir, self.assignment, self.student, self.supervisor.outcome,
                                   digest=self.digest, seconds=round(self.supervisor.elapsed, 2),
                                   log_path=self.log_path)
        release(self.lock)
        return result


def record_result(course_dir, assignment, student, outcome, *, digest, seconds=0.0, problems=(), log_path=None):
    """Read the result of one graded submission from the workspace, store it and return it.

    ``outcome`` is the :class:`~grader.execute.Supervisor`'s (``"ok"``, or why
    grading stopped); ``problems`` are :func:`precheck`'s, for a submission that
    was never run. Anything but ``"ok"`` scores zero, with the reason as a note.
    The cluster's coordinator (:mod:`grader.cluster`) records what its workers
    send back through here too, so both paths store the same result.
    """
    if problems:
        zero_submission(course_dir, assignment, student)
        result = read_result(course_dir, assignment, student, status="failed", notes=list(problems))
    elif outcome == "ok":
        result = read_result(course_dir, assignment, student, seconds=seconds)
    else:
        zero_submission(course_dir, assignment, student)
        result = read_result(course_dir, assignment, student, status="failed",
                             notes=_failure_notes(outcome, log_path), seconds=seconds)
        for cell in result.cells.values():
            cell.score = 0.0
        result.score = 0.0
    store(course_dir, result, digest)
    return result


def preload():
    """Import once, in this process, what every forked grading child needs (nbgrader, nbconvert, the course
    config's classes), so that no child imports them again. Dask workers call it too (:mod:`grader.cluster_worker`)."""
    import sqlite3  # noqa: F401

    import ipykernel.kernelspec  # noqa: F401  (nbclient looks the python3 kernel up through it)
    import IPython  # noqa: F401
    import nbgrader.apps.autogradeapp  # noqa: F401
    import psutil  # noqa: F401
    import sqlalchemy.dialects.sqlite  # noqa: F401
    from traitlets.config import Config

    from .pipelines import configure

    configure(Config(), source="", release="")


def autograde(course_dir, assignment, *, jobs=None, limits=Limits(), students=None, force=False,
              progress=None, sandbox="auto"):
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
    sandbox : {'auto', 'required', 'off'}
        Run the kernels in the bubblewrap sandbox (:mod:`grader.sandbox`) where usable, always, or never.
    """
    preload()
    remove_abandoned_scratch_folders()

    course_dir = Path(course_dir).resolve()
    wanted = list(students) if students else submitted_students(course_dir, assignment)
    results, todo = {}, []
    for student in wanted:
        done = None if (force or students) else stored_result(course_dir, assignment, student)
        if done is None:
            todo.append(student)
        else:
            results[student] = done
    running, names = [], notebook_names(course_dir, assignment)
    runs_dir(course_dir, assignment).mkdir(parents=True, exist_ok=True)
    jobs = max(1, jobs or os.cpu_count() or 1)
    try:
        while todo or running:
            for student in list(todo):
                if len(running) >= jobs:
                    break
                lock = claim(course_dir, assignment, student)
                if lock is None:  # another grader is on it: come back later and take its result
                    continue
                todo.remove(student)
                done = None if (force or students) else stored_result(course_dir, assignment, student)
                if done is not None:
                    release(lock)
                    results[student] = done
                    if progress:
                        progress(done)
                    continue
                slot = min(set(range(jobs)) - {job.slot for job in running})
                running.append(_Job(course_dir, assignment, student, limits, names, slot, sandbox, lock))
            time.sleep(0.05)
            for job in [j for j in running if j.poll() is not None]:
                running.remove(job)
                results[job.student] = job.finish()
                if progress:
                    progress(results[job.student])
    finally:
        for job in running:
            job.kill()
    return results
