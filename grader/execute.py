"""The one place where a submission's code gets started, with its process limits.

Two layers, both defined here so that a sandbox (bubblewrap) can wrap them in
one spot:

* the **kernel** that runs a student's notebook is started (by
  :class:`grader.kernels.LimitedKernelManager`, which the bubblewrap
  sandbox of :mod:`grader.sandbox` builds on) with the command
  :func:`kernel_command` builds, which prefixes the kernelspec's command with
  ``python -P .../grader/execute.py --memory-mb N ... --``; that small launcher
  (:func:`main`) sets every resource limit of the kernel (memory, CPU time,
  processes, file size, open files, no core dumps) and ``exec``s the kernel in
  safe-path mode, so that no file of the submission's folder can pose as the
  launcher, the kernel or a module the tests import (this module imports
  only the standard library, so the launcher starts fast);
* the **grading process** for one submission (nbgrader's autograde for one
  student) runs in a forked child under a :class:`Supervisor`, in its own
  session, killed with its whole process tree when it passes the wall-clock
  or memory limit.
"""

import argparse
import os
import resource
import sys
import time
from dataclasses import dataclass

# PYTHONSAFEPATH: the submission's folder is not on the kernel's sys.path (Python and IPython both honour it)
KERNEL_ENV = {"MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "PYTHONSAFEPATH": "1"}
# Address space a kernel may map on top of its memory limit: shared libraries and
# regions reserved but never written (thread stacks, malloc arenas).  A kernel that
# has imported torch, matplotlib and ipywidgets maps about 2 GiB while using 0.6 GiB,
# so an address-space limit equal to the memory limit made imports fail at random.
ADDRESS_SPACE_HEADROOM_MB = 8192


@dataclass(frozen=True)
class KernelLimits:
    """Resource limits of one grading kernel, set by the launcher (see ``man setrlimit``).

    ``processes`` counts every process of the kernel's user, so it is set only
    when the kernel runs as a user of its own (the sandbox's); ``None`` leaves
    it alone.

    Examples
    --------
    >>> KernelLimits(memory_mb=512).launcher_args()[:4]
    ['--memory-mb', '512', '--cpu-s', '600']
    """

    memory_mb: int = 2048
    cpu_seconds: int = 600
    file_size_mb: int = 64
    open_files: int = 512
    processes: int = None

    def launcher_args(self):
        """The launcher's command-line options for these limits."""
        args = ["--memory-mb", str(int(self.memory_mb)), "--cpu-s", str(int(self.cpu_seconds)),
                "--fsize-mb", str(int(self.file_size_mb)), "--nofile", str(int(self.open_files))]
        return args + ["--nproc", str(int(self.processes))] if self.processes else args


@dataclass(frozen=True)
class Limits:
    """Limits for grading one submission.

    Attributes
    ----------
    cell_timeout : int
        Seconds one cell may run before it is interrupted (nbgrader's ``Execute.timeout``).
    wall_s : float
        Seconds the whole submission (all its notebooks) may take.
    memory_mb : int
        Memory the kernel may write to, in MiB (``RLIMIT_DATA``); the grading
        process tree is killed when its memory (shared pages counted once, see
        :class:`Supervisor`) passes this plus ``overhead_mb``.
    overhead_mb : int
        Memory allowed to nbgrader itself on top of the kernel's.
    processes : int
        Processes the grading process tree may have; more, and it is killed.
        A kernel that runs as root (no sandbox user can start the Python
        environment, see :mod:`grader.sandbox`) has no RLIMIT_NPROC that
        binds it: this count is its process limit.

    Examples
    --------
    >>> Limits(cell_timeout=5).wall_s
    600.0
    """

    cell_timeout: int = 60
    wall_s: float = 600.0
    memory_mb: int = 2048
    overhead_mb: int = 1024
    processes: int = 1024


def kernel_command(command, limits):
    """Return the command that starts a grading kernel with its limits.

    Parameters
    ----------
    command : list of str
        The kernel's own command (from its kernelspec, templates filled in).
    limits : KernelLimits
        What the launcher limits before it starts the kernel.

    Examples
    --------
    >>> cmd = kernel_command(["python", "-m", "ipykernel_launcher"], KernelLimits(memory_mb=512))
    >>> cmd[1], os.path.basename(cmd[2]), cmd[3:5], cmd[-4:]
    ('-P', 'execute.py', ['--memory-mb', '512'], ['--', 'python', '-m', 'ipykernel_launcher'])
    """
    return [sys.executable, "-P", os.path.abspath(__file__), *limits.launcher_args(), "--", *command]


def apply_limits(memory_mb, cpu_seconds=None, file_size_mb=None, open_files=None, processes=None):
    """Limit the current process: ``memory_mb`` MiB of data, no core dumps, and the rest if given.

    The data limit (``RLIMIT_DATA``) counts the private memory a process can
    write: heap, arrays, thread stacks.  The address space (``RLIMIT_AS``) gets
    ``ADDRESS_SPACE_HEADROOM_MB`` more, for libraries and reserved regions.

    Examples
    --------
    >>> import subprocess
    >>> code = "from grader.execute import apply_limits; apply_limits(300); bytearray(400 * 2**20)"
    >>> subprocess.run([sys.executable, "-c", code], capture_output=True).returncode
    1
    """
    mib = 2**20
    limits = {resource.RLIMIT_DATA: int(memory_mb) * mib,
              resource.RLIMIT_AS: (int(memory_mb) + ADDRESS_SPACE_HEADROOM_MB) * mib,
              resource.RLIMIT_CORE: 0, resource.RLIMIT_CPU: cpu_seconds,
              resource.RLIMIT_FSIZE: file_size_mb and int(file_size_mb) * mib,
              resource.RLIMIT_NOFILE: open_files, resource.RLIMIT_NPROC: processes}
    for which, value in limits.items():
        if value is not None:
            resource.setrlimit(which, (int(value), int(value)))


def main(argv=None):
    """Launcher: ``python -P execute.py --memory-mb N [--cpu-s S ...] -- CMD...`` limits itself, then execs CMD."""
    parser = argparse.ArgumentParser(prog="python -m grader.execute", description=main.__doc__)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-s", type=int, default=None)
    parser.add_argument("--fsize-mb", type=int, default=None)
    parser.add_argument("--nofile", type=int, default=None)
    parser.add_argument("--nproc", type=int, default=None)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to run")
    os.environ.update(KERNEL_ENV)
    apply_limits(args.memory_mb, args.cpu_s, args.fsize_mb, args.nofile, args.nproc)
    os.execvp(command[0], command)


def _run_in_session(target, args, parent):
    """The forked child: own session, killed with its parent, ``target(*args)``, then exit (0: it returned)."""
    code = 1
    try:
        os.setsid()
        if sys.platform.startswith("linux"):  # die with the grader: no orphan keeps writing grades
            import ctypes
            import signal

            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
            if os.getppid() != parent:
                os._exit(1)
        target(*args)
        code = 0
    except SystemExit as stop:
        code = 0 if stop.code is None else stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)  # never return into the parent's code, nor run its atexit handlers


class Supervisor:
    """Run ``target(*args)`` in a forked child (own session) under wall-clock and memory limits.

    Poll it with :meth:`poll`; it returns ``None`` while running, then
    ``"ok"``, ``"exit N"``, ``"wall-clock limit"``, ``"memory limit"`` or
    ``"process limit"`` (more than ``limits.processes`` processes in the tree).

    The memory of the child's process tree is its proportional set size
    (PSS): a page shared by ``k`` processes counts ``1/k`` in each, so the
    copies a fork bomb makes of the kernel count once, while one process
    that allocates past the limit counts in full.  PSS is read from
    ``/proc/<pid>/smaps_rollup``, which walks the page tables: 0.3 ms per
    forked copy of a small kernel, 1.6 ms of one that imported torch, so up
    to 0.8 s for a tree of 500, against 10 to 20 ms for the resident sizes
    (RSS) of the same 500.  So the tree's summed RSS, never less than its
    PSS, is read every ``memory_check_s``, and PSS only while that sum is
    over the limit, at most once per four times the last PSS reading took
    (a fork bomb's copies then cost the grader a fifth of a core at most;
    growth past the limit is caught that much later).

    Examples
    --------
    >>> sup = Supervisor(time.sleep, (30,), Limits(wall_s=0.5))
    >>> while sup.poll() is None:
    ...     time.sleep(0.1)
    >>> sup.outcome
    'wall-clock limit'
    """

    memory_check_s = 0.2

    def __init__(self, target, args, limits):
        self.limits = limits
        self.outcome = None
        self.started = time.monotonic()
        self._next_memory_check = self._next_pss_check = self.started
        parent = os.getpid()
        # os.fork, not multiprocessing: a Dask worker is a daemonic process, which multiprocessing
        # forbids to have children
        self._pid = os.fork()
        if self._pid == 0:
            _run_in_session(target, args, parent)
        self._exitcode = None

    @property
    def elapsed(self):
        """Seconds since the child started."""
        return time.monotonic() - self.started

    def poll(self):
        """Return the outcome once the child has ended (killing it if over a limit), else ``None``."""
        if self.outcome is not None:
            return self.outcome
        code = self._reap()
        if code is not None:
            self.outcome = "ok" if code == 0 else f"exit {code}"
        elif self.elapsed > self.limits.wall_s:
            self.kill("wall-clock limit")
        elif over := self._over_limit():
            self.kill(over)
        return self.outcome

    def kill(self, reason="killed"):
        """Kill the child and everything it started; record ``reason`` as the outcome."""
        import psutil

        for process in self._tree():
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        self._reap(wait=True)
        self.outcome = reason

    def _reap(self, wait=False):
        """The child's exit code (``-N``: killed by signal N) once it has ended, else ``None``."""
        if self._exitcode is None:
            pid, status = os.waitpid(self._pid, 0 if wait else os.WNOHANG)
            if pid:
                self._exitcode = os.waitstatus_to_exitcode(status)
        return self._exitcode

    def _tree(self):
        """The child and all its descendants (``[]`` once it is gone)."""
        import psutil

        try:
            child = psutil.Process(self._pid)
            return [child, *child.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def _over_limit(self):
        """``"process limit"`` or ``"memory limit"`` when the tree is over one, else ``None``.

        Measured no more often than the class docstring says.
        """
        now = time.monotonic()
        if now < self._next_memory_check:
            return None
        self._next_memory_check = now + self.memory_check_s
        processes = self._tree()
        if len(processes) > self.limits.processes:
            return "process limit"
        limit = (self.limits.memory_mb + self.limits.overhead_mb) * 2**20
        if _memory(processes, "rss") <= limit or now < self._next_pss_check:
            return None
        over = _memory(processes, "pss") > limit
        measured = time.monotonic()
        self._next_pss_check = measured + 4 * (measured - now)
        return "memory limit" if over else None


def _memory(processes, kind):
    """Bytes of ``kind`` ('rss' or 'pss') summed over ``processes`` (psutil processes).

    A process whose PSS cannot be read counts with its RSS, one that has
    ended with nothing.

    Examples
    --------
    >>> import psutil
    >>> 0 < _memory([psutil.Process()], "pss") <= _memory([psutil.Process()], "rss")
    True
    """
    return sum(_process_memory(process, kind) for process in processes)


def _process_memory(process, kind):
    import psutil

    try:
        if kind == "pss":
            try:
                return process.memory_full_info().pss
            except psutil.AccessDenied:
                pass
        return process.memory_info().rss
    except psutil.NoSuchProcess:
        return 0


if __name__ == "__main__":
    main()
