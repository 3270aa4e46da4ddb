"""Run each submission's kernel isolated: bubblewrap on Linux, process limits everywhere.

Student code is untrusted code run on the instructor's machine (nbgrader's FAQ:
it "does not protect against unsafe code"). :class:`SandboxedKernelManager`
is a drop-in ``KernelManager`` that nbgrader's ``Execute`` preprocessor uses
through plain config (``Execute.kernel_manager_class``), so nothing of
nbgrader is forked. Each kernel then runs

- without network (its own network namespace; the grader talks to it over
  the Unix sockets every grading kernel uses, in a private directory),
- in a private temporary copy of its submission's folder, the only writable
  place besides a fresh ``/tmp``; the course files (``solutions/``), the other
  submissions, the gradebook and the instructor's home are simply not there,
- with the Python environment and cnnlab mounted read-only,
- as an unprivileged user (when the grader runs as root), in its own PID
  namespace, with the limits every grading kernel gets (memory, CPU time,
  file size, open files; processes too, since the user is its own), all set
  by the one launcher of :mod:`grader.execute` that bubblewrap wraps.

Where bubblewrap is missing or cannot create namespaces, the grader says so and
falls back to the process limits alone, or refuses when the instructor asked
for ``--sandbox required``.  A grader running as root then still drops each
kernel to the sandbox user where that user can start the Python environment
(:func:`sandbox_user_status`); where it cannot (an interpreter under ``/root``,
as in many containers), the kernel runs as root without capabilities, and the
grader counts its processes instead (RLIMIT_NPROC does not bind root).
"""

import functools
import os
import shutil
import subprocess
import sys
import tempfile

from traitlets import Enum, Integer

from .kernels import LimitedKernelManager

SANDBOX_MODES = ("auto", "required", "off")

# The UIDs sandboxed kernels run as when the grader is root: unprivileged, and
# one per grading run and worker slot (see sandbox_uid) so that one student's
# fork bomb cannot use up another's process limit.
SANDBOX_UID_BASE = 61000
SLOTS_PER_RUN = 32


def sandbox_uid(slot):
    """The UID for a kernel of worker ``slot`` of this grading run.

    The process limit counts all processes of a UID, so kernels that run at
    the same time must not share one: the run is told apart by the parent of
    the grading process (the ``grader autograde`` process), the worker by its
    slot.

    Examples
    --------
    >>> SANDBOX_UID_BASE <= sandbox_uid(3) < SANDBOX_UID_BASE + 2000 * SLOTS_PER_RUN
    True
    >>> sandbox_uid(0) != sandbox_uid(1)
    True
    """
    run = os.getppid() % 2000
    return SANDBOX_UID_BASE + run * SLOTS_PER_RUN + slot % SLOTS_PER_RUN


@functools.lru_cache(maxsize=None)
def bubblewrap_status():
    """Return ``(usable, reason)``: can bubblewrap create a sandbox on this machine?

    Examples
    --------
    >>> usable, reason = bubblewrap_status()
    >>> isinstance(usable, bool) and isinstance(reason, str)
    True
    """
    if not sys.platform.startswith("linux"):
        return False, f"bubblewrap needs Linux; this is {sys.platform}"
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False, "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    probe = subprocess.run(
        [bwrap, "--unshare-all", "--ro-bind", "/", "/", "true"],
        capture_output=True, text=True, timeout=30,
    )
    if probe.returncode != 0:
        return False, f"bubblewrap cannot create namespaces here: {probe.stderr.strip()}"
    return True, "bubblewrap sandbox"


@functools.lru_cache(maxsize=None)
def sandbox_user_status():
    """Return ``(usable, reason)``: can the sandbox user start a grading kernel outside bubblewrap?

    The probe runs what a kernel runs, as that user: the limiting launcher of
    :mod:`grader.execute`, which then starts this Python and imports what a
    kernel imports.  Inside bubblewrap the question does not arise: the
    environment is mounted readable there.

    Examples
    --------
    >>> usable, reason = sandbox_user_status()
    >>> isinstance(usable, bool) and isinstance(reason, str)
    True
    """
    from .config import nbgrader_env
    from .execute import KernelLimits, kernel_command

    uid = SANDBOX_UID_BASE
    command = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
               *kernel_command([sys.executable, "-c", "import ipykernel, cnnlab"], KernelLimits())]
    try:
        probe = subprocess.run(command, cwd="/", env=nbgrader_env(), capture_output=True, text=True, timeout=60)
    except OSError as err:
        return False, f"the sandbox user could not be tried ({err})"
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["no output"])[-1]
        return False, (f"the unprivileged sandbox user (uid {uid}) cannot start {os.path.realpath(sys.executable)} "
                       f"with this environment ({last})")
    return True, f"kernels run as the unprivileged sandbox user (uid {uid} and up)"


def _system_dirs():
    """Read-only system folders a Python kernel needs (only those that exist)."""
    return [d for d in ("/usr", "/bin", "/lib", "/lib32", "/lib64", "/sbin", "/etc") if os.path.isdir(d)]


def _python_dirs():
    """The interpreter, the virtual environment, cnnlab and grader (its launcher), resolved through links.

    The environment also appears where the kernel's command names it
    (``sys.prefix`` as started), when that path runs through a link: a
    virtual environment linked into a checkout is started by that path.
    """
    import cnnlab

    dirs = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), os.path.abspath(sys.prefix),
            os.path.dirname(os.path.realpath(cnnlab.__file__)), os.path.dirname(os.path.realpath(__file__))}
    return sorted(dirs)


def bwrap_args(workdir, private_dir, mount_point, user_namespace):
    """The bubblewrap command line that isolates one kernel.

    ``workdir`` (a private copy of the submission) appears at ``mount_point``
    (the submission's own path, so relative paths behave), ``private_dir``
    holds the connection file and sockets; nothing else is writable. A grader
    running as root skips the user namespace: the kernel then drops to a real
    unprivileged UID inside, which the process limit can count.
    """
    namespaces = ["--unshare-all"] if user_namespace else [
        "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    args = ["bwrap", *namespaces, "--die-with-parent", "--new-session", "--unsetenv", "JPY_PARENT_PID"]
    for path in _system_dirs():
        args += ["--ro-bind", path, path]
    home = os.path.expanduser("~")
    if os.path.isdir(home) and home != "/":
        args += ["--tmpfs", home, "--chmod", "0755", home]  # the instructor's home: empty inside
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "01777", "--tmpfs", "/tmp"]
    for path in _python_dirs():  # after /tmp's tmpfs, which would hide any of them below /tmp
        args += ["--ro-bind", path, path]
    args += ["--bind", private_dir, private_dir,
             "--bind", workdir, mount_point]
    for folder in _created_ancestors([*_python_dirs(), private_dir, mount_point]):
        args += ["--chmod", "0755", folder]  # bwrap creates mount points' parents as 0700
    args += ["--chdir", mount_point,
             "--setenv", "HOME", mount_point, "--setenv", "MPLCONFIGDIR", "/tmp", "--setenv", "TMPDIR", "/tmp",
             "--setenv", "PYTHONDONTWRITEBYTECODE", "1"]
    return args


def _created_ancestors(paths):
    """Folders above ``paths`` that bubblewrap creates itself (not under a system folder, not ``/tmp``).

    ``/tmp`` is the sandbox's own scratch tmpfs and stays writable for everyone (01777).

    Examples
    --------
    >>> _created_ancestors(["/tmp/grading/alice/ex", "/srv/course/x"])
    ['/srv', '/srv/course', '/tmp/grading', '/tmp/grading/alice']
    """
    system = tuple(d + "/" for d in _system_dirs())
    folders = set()
    for path in paths:
        parent = os.path.dirname(path)
        while parent not in ("/", "/tmp", "") and not parent.startswith(system):
            folders.add(parent)
            parent = os.path.dirname(parent)
    return sorted(folders)


class SandboxedKernelManager(LimitedKernelManager):
    """A :class:`~grader.kernels.LimitedKernelManager` whose kernels run sandboxed.

    The limits stay where they are set for every grading kernel (the traits of
    ``LimitedKernelManager``, applied by the launcher of
    :func:`grader.execute.kernel_command`); this class only wraps that
    command: bubblewrap outside, the sandbox user inside. Wire it into
    nbgrader with ``c.GuardedExecute.kernel_manager_class =
    "grader.sandbox.SandboxedKernelManager"`` and set the traits below through
    the same config (``c.SandboxedKernelManager.sandbox = "required"``).
    """

    sandbox = Enum(SANDBOX_MODES, default_value="auto", config=True,
                   help="auto: bubblewrap when usable, else limits only; required: refuse "
                        "without bubblewrap; off: limits only")
    slot = Integer(0, config=True, help="worker slot; picks the sandbox UID when running as root")

    @property
    def own_user(self):
        """True when the kernel is dropped to a sandbox user of its own (the grader runs as root).

        Outside bubblewrap only where that user can start the Python environment
        (:func:`sandbox_user_status`); otherwise the kernel stays root, without
        capabilities (see :meth:`format_kernel_cmd`).
        """
        if os.geteuid() != 0 or self.sandbox == "off":
            return False
        return bubblewrap_status()[0] or sandbox_user_status()[0]

    def isolation(self):
        """Return ``(uses_bubblewrap, reason)`` for the configured mode, refusing where it must."""
        if self.sandbox == "off":
            return False, "sandbox switched off: process limits only"
        usable, reason = bubblewrap_status()
        if not usable and self.sandbox == "required":
            raise RuntimeError(f"--sandbox required, but {reason}")
        return usable, reason

    def prepare_start(self, kw):
        """Copy the working folder to a private one, where the kernel will run."""
        kw = super().prepare_start(kw)
        cwd = os.path.realpath(kw.get("cwd") or os.getcwd())
        self._sandbox_workdir = tempfile.mkdtemp(prefix="cnnlab-work-")
        shutil.copytree(cwd, self._sandbox_workdir, dirs_exist_ok=True, symlinks=True)
        self._sandbox_mount = cwd
        kw["cwd"] = self._sandbox_workdir  # without bubblewrap the private copy is the cwd
        # a signal to bubblewrap does not reach the kernel in its PID namespace: interrupt by message
        self.kernel_spec.interrupt_mode = "message"
        return kw

    def format_kernel_cmd(self, extra_arguments=None):
        """The launcher's command (all limits), run as the sandbox user inside bubblewrap."""
        cmd = super().format_kernel_cmd(extra_arguments)
        use_bwrap, _ = self.isolation()
        if self.own_user:  # the connection file is written by now: hand everything to the sandbox user
            uid = sandbox_uid(self.slot)
            for folder in (self._socket_dir, self._sandbox_workdir):
                _chown_tree(folder, uid)
            cmd = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs", *cmd]
        elif os.geteuid() == 0:  # root, no user of its own: at least no capabilities (no mounts, no kill)
            cmd = ["setpriv", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", *cmd]
        if not use_bwrap:
            return cmd
        return bwrap_args(self._sandbox_workdir, self._socket_dir, self._sandbox_mount,
                          user_namespace=os.geteuid() != 0) + cmd

    def release_resources(self):
        """Remove the private copy of the working folder."""
        super().release_resources()
        if getattr(self, "_sandbox_workdir", None):
            shutil.rmtree(self._sandbox_workdir, ignore_errors=True)


def _chown_tree(folder, uid):
    """Give ``folder`` and everything in it to ``uid`` (the sandbox user)."""
    for root, dirs, files in os.walk(folder):
        os.chown(root, uid, uid)
        for name in files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)
