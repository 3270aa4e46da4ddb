"""The task a Dask worker runs: grade one submission in a course folder of its own, send the result back.

:func:`grade_on_worker` builds a private grading workspace from the bundle and
packet of :mod:`grader.packets` (in the worker's local directory, readable by
the worker's user only), grades the submission exactly as local grading does
(:func:`grader.autograde._grade_in_child` under a :class:`~grader.execute.Supervisor`,
with the same limits, sandbox and tamper checks), packs what nbgrader wrote and
removes the folder. Nothing of the course is needed on the worker machine but
the pinned environment (``pip install -e ".[grader]"``).
"""

import os
import tempfile
import threading
import time
from pathlib import Path

from .config import put_environment_on_path, write_course_config
from .packets import read_tree, submission_rows, write_tree

_slots_in_use = set()  # sandbox slots of the tasks this worker process runs now (one per worker thread)
_slots_lock = threading.Lock()
_stopped_runs = set()  # coordinators' runs whose tasks stop grading (:func:`stop_run`)


class SandboxUnavailable(RuntimeError):
    """``--sandbox required``, and this worker cannot build the bubblewrap sandbox."""


def sandbox_status():
    """``(usable, reason)`` of bubblewrap on this worker (run on every worker by the coordinator)."""
    from .sandbox import bubblewrap_status

    return bubblewrap_status()


def _worker():
    """The running Dask worker, or ``None`` when called outside one."""
    from distributed import get_worker

    try:
        return get_worker()
    except ValueError:
        return None


def _task_folder():
    """A new folder for one task: in the Dask worker's local directory when run by one."""
    worker = _worker()
    folder = tempfile.mkdtemp(prefix="grader-task-", dir=worker.local_directory if worker else None)
    os.chmod(folder, 0o700)  # the gradebook holds the hidden tests: no kernel's user may read it
    return Path(folder)


def _take_slot():
    with _slots_lock:
        slot = min(set(range(len(_slots_in_use) + 1)) - _slots_in_use)
        _slots_in_use.add(slot)
        return slot


def _give_back_slot(slot):
    with _slots_lock:
        _slots_in_use.discard(slot)


def held(value):
    """Return ``value``: the task whose result is the assignment bundle (see :func:`grader.cluster.share`)."""
    return value


def warm_up_worker():
    """Ready this worker process to grade: the environment's ``bin/`` first on PATH (a `dask worker` started from
    any shell then finds nbgrader's alembic), and what every grading child needs imported (:func:`grader.autograde.preload`)."""
    from .autograde import preload

    put_environment_on_path()
    preload()


def stop_run(run):
    """Stop this worker's grading for the coordinator's ``run``: it has gone, nobody wants the results.

    Run on every worker by the coordinator (``client.run``) on its way out. A
    task keeps its thread until its grading ends, and Dask cannot interrupt a
    thread, so without this a task that loops would hold its worker for up to
    the wall-clock limit after its coordinator is gone.
    """
    _stopped_runs.add(run)


def grade_on_worker(bundle, packet, limits, sandbox, run=None):
    """Grade one submission on this worker; return what the coordinator needs to record it.

    Parameters
    ----------
    bundle : dict
        :func:`grader.packets.assignment_bundle` of the assignment.
    packet : dict
        :func:`grader.packets.submission_packet` of the submission.
    limits : Limits
        The per-submission limits (as in local grading).
    sandbox : {'auto', 'required', 'off'}
        As in local grading; ``required`` on a worker without bubblewrap raises
        :class:`SandboxUnavailable` before anything runs.
    run : str, optional
        The coordinator's run; :func:`stop_run` of it kills the grading child.

    Returns
    -------
    dict
        ``outcome`` and ``seconds`` (the Supervisor's), ``rows``
        (:func:`grader.packets.submission_rows`), ``autograded`` (the files of
        the autograded folder, or ``None``), ``log`` and ``worker`` (the Dask worker's address).
    """
    from nbgrader.api import Gradebook

    from .autograde import _grade_in_child
    from .config import COURSE_ID, gradebook_url
    from .execute import Supervisor
    from .scratch import new_scratch_folder, remove_abandoned_scratch_folders, remove_tree

    warm_up_worker()  # PATH for alembic, and the imports once per worker process (then nothing to do)
    if sandbox == "required" and not sandbox_status()[0]:
        raise SandboxUnavailable(f"--sandbox required, but on worker {os.uname().nodename}: {sandbox_status()[1]}")
    remove_abandoned_scratch_folders()  # those of a worker process killed on this machine
    assignment, student = bundle["assignment"], packet["student"]
    course = _task_folder()
    slot = _take_slot()
    try:
        write_course_config(course, source=course / "source", release=course / "release")
        (course / "gradebook.db").write_bytes(bundle["gradebook"])
        write_tree(course / "source" / assignment, bundle["source_files"])
        write_tree(course / "submitted" / student / assignment, packet["files"])
        if packet["extension"] is not None:
            with Gradebook(gradebook_url(course), COURSE_ID) as gb:
                gb.update_or_create_student(student)
                gb.update_or_create_submission(assignment, student, extension=packet["extension"])
        log_path = course / f"{student}.log"
        scratch, scratch_lock = new_scratch_folder()
        try:
            supervisor = Supervisor(_grade_in_child, (str(course), assignment, student, limits, str(log_path),
                                                      slot, sandbox, scratch), limits)
            while supervisor.poll() is None:
                if run in _stopped_runs:
                    supervisor.kill("stopped: the coordinator has gone")
                time.sleep(0.05)
        finally:
            remove_tree(scratch)
            os.close(scratch_lock)
        autograded, worker = course / "autograded" / student / assignment, _worker()
        return {"outcome": supervisor.outcome, "seconds": round(supervisor.elapsed, 2),
                "rows": submission_rows(course, assignment, student),
                "autograded": read_tree(autograded) if autograded.is_dir() else None,
                "log": log_path.read_text(errors="replace") if log_path.exists() else "",
                "worker": worker.address if worker else os.uname().nodename}
    finally:
        _give_back_slot(slot)
        remove_tree(course)
