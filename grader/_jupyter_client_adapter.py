"""The one place where grader reaches into jupyter_client's private methods.

A grading kernel needs two things jupyter_client has no public hook for: a
word before the kernel starts (its sockets go into a private folder, its
working folder is a copy) and after its resources are cleaned up (those
folders go). :class:`HookedKernelManager` offers both as public methods and
overrides the two private coroutines they need; :data:`PRIVATE_METHODS` names
them, and importing this module fails loudly, naming the installed version,
when jupyter_client no longer has them (``tests/test_grader_units.py`` checks
that too).
"""

import jupyter_client
from jupyter_client.manager import AsyncKernelManager

PRIVATE_METHODS = ("_async_pre_start_kernel", "_async_cleanup_resources")
WRITTEN_FOR = "8.10.0"  # the jupyter_client these overrides were read against


def check_upstream():
    """Raise an ``ImportError`` naming jupyter_client's version if a method overridden here is gone.

    Examples
    --------
    >>> check_upstream()
    """
    missing = [name for name in PRIVATE_METHODS if not callable(getattr(AsyncKernelManager, name, None))]
    if missing:
        raise ImportError(
            f"jupyter_client {jupyter_client.__version__} has no AsyncKernelManager.{', '.join(missing)}: "
            f"grader/_jupyter_client_adapter.py was written for jupyter_client {WRITTEN_FOR} and must be "
            "updated (the grading kernels' socket folders and sandbox copies depend on it)")


check_upstream()


class HookedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` with two public hooks for subclasses.

    * :meth:`prepare_start` gets the keyword arguments of the kernel's start
      (``cwd``, ...) and returns them, changed as it likes;
    * :meth:`release_resources` runs after jupyter_client has cleaned up a
      kernel for good (not on a restart).

    A subclass that overrides one calls ``super()`` first, so hooks chain.
    """

    def prepare_start(self, kw):
        """Return the start's keyword arguments ``kw`` (here unchanged)."""
        return kw

    def release_resources(self):
        """Free what :meth:`prepare_start` took (here nothing)."""

    async def _async_pre_start_kernel(self, **kw):
        return await super()._async_pre_start_kernel(**self.prepare_start(kw))

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self.release_resources()

    cleanup_resources = _async_cleanup_resources  # AsyncKernelManager binds the base class's otherwise
