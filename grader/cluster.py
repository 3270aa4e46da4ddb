"""Autograde on a Dask distributed cluster: the coordinator (``grader autograde A --cluster ADDRESS``).

The coordinator decides what to grade exactly as local grading does (stored
results are kept, each submission is claimed under its lock), packs each
submission (:mod:`grader.packets`) and hands it to the cluster as one task,
``pure=False``: a worker that dies takes no submission with it, since the
scheduler gives its tasks to another worker. Workers share no files with the
coordinator; each result comes back as data, and only the coordinator writes the
workspace and the gradebook, through the same
:func:`grader.autograde.record_result` as local grading, so both store the same
result. Results are stored one by one as they arrive: an interrupted
coordinator loses only the submissions still out, and the next run sends only those.
On its way out it stops the grading of those on the workers
(:func:`grader.cluster_worker.stop_run`), so that they are free for the next run.

``ADDRESS`` is a scheduler's (``tcp://host:8786``, started with ``dask
scheduler``, dask-jobqueue, dask-kubernetes or dask-gateway) or
``local:N``, a ``LocalCluster`` of N single-threaded workers on this machine.
An assignment whose solution notebook says ``"cnnlab": {"wants_gpu": true}``
in its metadata goes to workers started with ``--resources GPU=1`` when the
cluster has any, else wherever there is room.
"""

import contextlib
import re
import time
import uuid
from pathlib import Path

from .autograde import precheck, record_result
from .packets import assignment_bundle, submission_packet, unpack_result
from .result_store import claim, fingerprint, notebook_names, release, runs_dir, stored_result, submitted_students

CONNECT_TIMEOUT_S = 5
RETRIES = 2  # a task that raised (not one whose worker died: the scheduler re-runs those by itself)


class ClusterError(RuntimeError):
    """The cluster cannot be used: unreachable, or a worker cannot grade as asked."""


def check_address(address):
    """Return ``address`` when it is ``local:N`` (N >= 1) or a Dask scheduler's ``[SCHEME://]HOST:PORT``.

    Anything else is a :class:`ClusterError`: ``--cluster`` checks its value
    with this when it is parsed, before anything starts.

    Examples
    --------
    >>> check_address("tcp://10.0.0.5:8786"), check_address("10.0.0.5:8786"), check_address("local:2")
    ('tcp://10.0.0.5:8786', '10.0.0.5:8786', 'local:2')
    >>> check_address("local:0")
    Traceback (most recent call last):
    ...
    grader.cluster.ClusterError: expected a Dask scheduler's address tcp://HOST:PORT, or local:N ...; got 'local:0'
    """
    if address.startswith("local:"):
        if re.fullmatch(r"local:[1-9][0-9]*", address):
            return address
    elif re.fullmatch(r"([a-z][a-z0-9+.-]*://)?(\[[0-9a-fA-F:.]+\]|[^\s:/\[\]]+):[0-9]+/?", address):
        return address
    raise ClusterError("expected a Dask scheduler's address tcp://HOST:PORT, or local:N for N >= 1 "
                       f"workers on this machine; got {address!r}")


@contextlib.contextmanager
def connect(address):
    """A ``distributed.Client`` for ``address`` (:func:`check_address`), or :class:`ClusterError`.

    Use it in a ``with`` statement: a ``local:N`` cluster stops at its end.

    Examples
    --------
    >>> with connect("local:zero"):
    ...     pass
    Traceback (most recent call last):
    ...
    grader.cluster.ClusterError: expected a Dask scheduler's address tcp://HOST:PORT, or local:N ...; got 'local:zero'
    """
    from distributed import Client, LocalCluster

    if check_address(address).startswith("local:"):
        count = address.split(":", 1)[1]
        with LocalCluster(n_workers=int(count), threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(address, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError, ValueError) as err:
        raise ClusterError(f"--cluster: cannot reach the Dask scheduler at {address} ({type(err).__name__}: "
                           f"{err}); is `dask scheduler` running there, and is the address right?") from None
    with client:
        yield client


def wants_gpu(source_dir, assignment):
    """True when a notebook of ``assignment`` in ``source_dir`` asks for a GPU in its metadata.

    Examples
    --------
    >>> from grader.config import solutions_dir, REPO_ROOT
    >>> wants_gpu(solutions_dir(REPO_ROOT), "09-cnn-end-to-end"), wants_gpu(solutions_dir(REPO_ROOT), "03-padding-and-stride")
    (True, False)
    """
    import nbformat

    return any(nbformat.read(path, as_version=4).metadata.get("cnnlab", {}).get("wants_gpu", False)
               for path in sorted((Path(source_dir) / assignment).glob("*.ipynb")))


def gpu_workers(client):
    """Addresses of the workers that advertise a ``GPU`` resource."""
    workers = client.scheduler_info(n_workers=-1)["workers"]
    return sorted(address for address, info in workers.items() if info.get("resources", {}).get("GPU", 0) >= 1)


def check_workers(client, sandbox, log=print):
    """Refuse (:class:`ClusterError`) when ``sandbox='required'`` and a worker lacks bubblewrap; else say which do.

    Returns the number of workers.
    """
    from .cluster_worker import sandbox_status

    statuses = client.run(sandbox_status)
    if not statuses:
        raise ClusterError(f"the Dask scheduler at {client.scheduler.address} has no workers; start some with "
                           f"`dask worker {client.scheduler.address}`")
    missing = {worker: reason for worker, (usable, reason) in sorted(statuses.items()) if not usable}
    if sandbox == "required" and missing:
        worker, reason = next(iter(missing.items()))
        raise ClusterError(f"--sandbox required, but {len(missing)} of {len(statuses)} workers cannot sandbox "
                           f"(worker {worker}: {reason})")
    if sandbox == "auto" and missing:
        log(f"sandbox: NOT AVAILABLE on {len(missing)} of {len(statuses)} workers "
            f"({next(iter(missing.values()))}); kernels there run with process limits only. "
            "Use --sandbox required to refuse.")
    return len(statuses)


def warm_up(client):
    """Have every worker import what grading needs, all at the same time, as local grading does first.

    One task per worker (:func:`grader.cluster_worker.warm_up_worker`); returns
    their futures without waiting: a busy worker runs its warm-up when it is
    free, and tasks submitted later queue behind it. A worker that joins later
    warms up in its first grading task.
    """
    from .cluster_worker import warm_up_worker

    workers = sorted(client.scheduler_info(n_workers=-1)["workers"])
    return [client.submit(warm_up_worker, key=f"warm-up-{worker}-{time.time_ns()}", workers=[worker],
                          allow_other_workers=True, pure=False) for worker in workers]


def share(client, value, key):
    """Put ``value`` on the cluster for many tasks; return its future.

    It is the result of a task (:func:`grader.cluster_worker.held`), not
    scattered data. Dask's Active Memory Manager soon keeps one copy of either.
    When the worker with that copy dies, the scheduler computes a task's result
    again, from the task it keeps, but scattered data is lost, and so is every
    task that needs it ("cancelled: already forgotten").
    """
    from .cluster_worker import held

    return client.submit(held, value, key=f"{key}-{time.time_ns()}", pure=False)


def autograde_on_cluster(client, course_dir, assignment, source_dir, *, limits, students=None, force=False,
                         progress=None, sandbox="auto"):
    """Grade the submissions of ``assignment`` on the cluster of ``client``; return ``{student: GradeResult}``.

    The parameters are those of :func:`grader.autograde.autograde`, with
    ``source_dir`` (nbgrader's source directory) for what travels with the
    tasks and for :func:`wants_gpu`. Submissions that :func:`~grader.autograde.precheck`
    rejects are recorded here without a task. The workers warm up
    (:func:`warm_up`) once there is something to send.
    """
    from distributed import as_completed

    from .cluster_worker import grade_on_worker, stop_run

    course_dir = Path(course_dir).resolve()
    runs_dir(course_dir, assignment).mkdir(parents=True, exist_ok=True)
    wanted = list(students) if students else submitted_students(course_dir, assignment)
    results, claimed, names = {}, {}, notebook_names(course_dir, assignment)
    resources = {"GPU": 1} if wants_gpu(source_dir, assignment) and gpu_workers(client) else None
    bundle, warming, run = None, [], uuid.uuid4().hex
    futures = {}
    try:
        for student in wanted:
            done = None if (force or students) else stored_result(course_dir, assignment, student)
            if done is None:
                lock = claim(course_dir, assignment, student)
                if lock is None:  # another grader is on it
                    continue
                done = None if (force or students) else stored_result(course_dir, assignment, student)
                if done is not None:  # that grader stored it just now
                    release(lock)
            if done is not None:
                results[student] = done
                continue
            claimed[student] = (lock, fingerprint(course_dir, assignment, student))
            problems = precheck(course_dir / "submitted" / student / assignment, names)
            if problems:
                results[student] = _record(course_dir, assignment, student, claimed, "not gradable",
                                           problems=problems)
                if progress:
                    progress(results[student])
                continue
            if bundle is None:
                warming = warm_up(client)
                bundle = share(client, assignment_bundle(course_dir, assignment, source_dir),
                               key=f"bundle-{assignment}")
            future = client.submit(grade_on_worker, bundle, submission_packet(course_dir, assignment, student),
                                   limits, sandbox, run, key=f"grade-{assignment}-{student}-{time.time_ns()}",
                                   pure=False, retries=RETRIES, resources=resources)
            futures[future] = student
        for future in as_completed(list(futures)):
            student = futures.pop(future)
            sent = _result_or_raise(future, student)
            log_path = runs_dir(course_dir, assignment) / f"{student}.log"
            unpack_result(course_dir, assignment, student, sent, log_path)
            results[student] = _record(course_dir, assignment, student, claimed, sent["outcome"],
                                       seconds=sent["seconds"], log_path=log_path)
            if progress:
                progress(results[student])
    finally:
        if futures:  # interrupted, or a task broke: what is still out would hold its worker up to --wall
            client.run(stop_run, run, on_error="ignore")
        client.cancel([*futures, *warming, *([bundle] if bundle is not None else [])])
        for lock, _ in claimed.values():
            release(lock)
    return results


def _result_or_raise(future, student):
    from .cluster_worker import SandboxUnavailable

    try:
        return future.result()
    except SandboxUnavailable as err:
        raise ClusterError(str(err)) from None
    except Exception as err:  # the task itself broke (after its retries): stop, the results so far are kept
        raise ClusterError(f"grading {student} failed on the cluster after {RETRIES + 1} tries "
                           f"({type(err).__name__}: {err})") from err


def _record(course_dir, assignment, student, claimed, outcome, **details):
    lock, digest = claimed.pop(student)
    try:
        return record_result(course_dir, assignment, student, outcome, digest=digest, **details)
    finally:
        release(lock)


def describe(client, log=print):
    """Say (``log(line)``) where the cluster is and where its dashboard shows the tasks."""
    info = client.scheduler_info(n_workers=-1)
    threads = sum(w.get("nthreads", 1) for w in info["workers"].values())
    gpus = gpu_workers(client)
    log(f"cluster: scheduler {client.scheduler.address}, {len(info['workers'])} workers ({threads} threads"
        f"{f', {len(gpus)} with a GPU' if gpus else ''}); dashboard: {client.dashboard_link}")
