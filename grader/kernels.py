"""The grading kernel's manager: every kernel starts through the limiting launcher, over private sockets.

Its client (:class:`GradingKernelClient`) waits for messages in a way that cannot miss one.

:class:`LimitedKernelManager` is what nbgrader's ``Execute`` (grader's
:class:`~grader.preprocessors.GuardedExecute`) starts kernels with; the
bubblewrap sandbox (:class:`grader.sandbox.SandboxedKernelManager`) subclasses it.
"""

import os
import shutil
import tempfile
import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Integer, Type, default

from ._jupyter_client_adapter import HookedKernelManager
from .execute import KernelLimits, kernel_command

SOCKET_PATH_MAX = 100  # bytes: below the 107 Linux allows for a Unix socket path
SOCKET_FOLDER_ROOM = 40  # bytes below the temporary folder: "/grader-kernel-XXXXXXXX/kernel-12345" and spare
WAKE_EVERY_S = 0.1  # the longest a channel waits before it looks at its socket again


class WakefulChannel(AsyncZMQSocketChannel):
    """A kernel channel whose wait for a message looks at the socket at least every ``WAKE_EVERY_S``.

    jupyter_client's channel waits on ZeroMQ's notification, which is edge
    triggered: a message can sit in the socket while the wait sleeps on. That
    happens when the same socket sends while it waits, as nbclient's stand-in
    for an ``Output`` widget does (an ``interact`` cell): the reply to that
    cell then waited for the cell's whole timeout, 60 s by default, in about one
    widget cell in sixty here (nbclient issue #312). Waking up every 0.1 s
    bounds the delay at that; a message is read as soon as the wake-up sees it.
    """

    async def get_msg(self, timeout=None):
        """The next message; ``queue.Empty`` when none has come within ``timeout`` seconds (``None``: no limit)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = WAKE_EVERY_S if deadline is None else min(WAKE_EVERY_S, deadline - time.monotonic())
            if await self.socket.poll(max(0, int(left * 1000))):
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty


class GradingKernelClient(AsyncKernelClient):
    """The client nbclient drives a grading kernel through: jupyter_client's, with :class:`WakefulChannel` s."""

    shell_channel_class = Type(WakefulChannel)
    iopub_channel_class = Type(WakefulChannel)
    stdin_channel_class = Type(WakefulChannel)
    control_channel_class = Type(WakefulChannel)


class LimitedKernelManager(HookedKernelManager):
    """A kernel manager that starts every kernel through :func:`grader.execute.kernel_command`.

    Its traits are the one place where a grading kernel's limits are set
    (the sandbox of :mod:`grader.sandbox` subclasses it and only wraps the
    command).  Kernels talk over Unix sockets in a private folder (ZeroMQ's
    ``ipc`` transport), which also holds the connection file: kernels started
    at the same moment by parallel graders cannot race for the same TCP
    ports, and nothing listens on the network.
    """

    memory_mb = Integer(KernelLimits.memory_mb, help="Memory a grading kernel may write to (RLIMIT_DATA), MiB.").tag(config=True)
    cpu_seconds = Integer(KernelLimits.cpu_seconds, help="CPU-time limit of a grading kernel, s.").tag(config=True)
    file_size_mb = Integer(KernelLimits.file_size_mb, help="Largest file a kernel may write, MiB.").tag(config=True)
    open_files = Integer(KernelLimits.open_files, help="Open files a kernel may hold.").tag(config=True)
    processes = Integer(512, help="Processes and threads of a kernel that runs as a user of its own.").tag(config=True)

    own_user = False  # True where the kernel runs as a user of its own: only then is the process limit set

    @default("client_factory")
    def _client_factory_default(self):
        return GradingKernelClient

    @property
    def limits(self):
        """The :class:`~grader.execute.KernelLimits` the launcher sets."""
        return KernelLimits(self.memory_mb, self.cpu_seconds, self.file_size_mb, self.open_files,
                            self.processes if self.own_user else None)

    def prepare_start(self, kw):
        """Put the kernel's sockets and connection file into a private folder."""
        kw = super().prepare_start(kw)
        self._socket_dir = _socket_folder()
        self.transport = "ipc"
        self.ip = os.path.join(self._socket_dir, "kernel")
        self.connection_file = os.path.join(self._socket_dir, "kernel.json")
        return kw

    def release_resources(self):
        """Remove the connection file and the socket folder."""
        super().release_resources()
        if getattr(self, "_socket_dir", None):
            shutil.rmtree(self._socket_dir, ignore_errors=True)

    def format_kernel_cmd(self, extra_arguments=None):
        """Wrap the kernelspec's command in the limiting launcher."""
        return kernel_command(super().format_kernel_cmd(extra_arguments), self.limits)


def _socket_folder():
    """A private folder for the kernel's sockets, short enough for a Unix socket path.

    Linux allows 107 bytes for such a path; a long ``TMPDIR`` (pytest's, say)
    would overflow it, so the folder then goes to ``/tmp`` (see :func:`short_temp_root`).

    Examples
    --------
    >>> folder = _socket_folder()
    >>> len(os.path.join(folder, "kernel-12345")) < SOCKET_PATH_MAX
    True
    >>> os.rmdir(folder)
    """
    return tempfile.mkdtemp(prefix="grader-kernel-", dir=short_temp_root())


def short_temp_root(room=SOCKET_FOLDER_ROOM):
    """The temporary folder if a path ``room`` bytes longer still fits a Unix socket path, else ``/tmp``.

    ``room`` is what goes below it: by default a kernel's socket folder and
    socket; the grader's folder for one submission asks for its own name's
    length more, so that the socket folder fits inside it.

    Examples
    --------
    >>> short_temp_root() in (tempfile.gettempdir(), "/tmp")
    True
    >>> short_temp_root(room=SOCKET_PATH_MAX)
    '/tmp'
    """
    base = tempfile.gettempdir()
    return base if len(base) + room <= SOCKET_PATH_MAX else "/tmp"
