"""The temporary folder of each submission being graded, and the removal of those a killed grader left.

Everything a grading child creates for itself (the kernel's private copy of
the submission, its socket folder) lies in one such folder, locked
(``.in-use``) while its grader runs; a folder whose lock nobody holds belongs
to a grader that was killed and goes at the next run.
"""

import fcntl
import os
import shutil
import tempfile
from pathlib import Path

SCRATCH_PREFIX = "grader-job-"  # + 8 random characters: the temporary folder of one submission
IN_USE = ".in-use"  # in each such folder: locked while its grader (or a grading child) runs


def scratch_root():
    """Where the submissions' temporary folders go: short enough for the kernel's sockets below them."""
    from .kernels import SOCKET_FOLDER_ROOM, short_temp_root  # imports jupyter_client: not at module level

    return short_temp_root(SOCKET_FOLDER_ROOM + len(SCRATCH_PREFIX) + 9)  # "/" + prefix + 8 random characters


def new_scratch_folder():
    """A new temporary folder for grading one submission, and the descriptor of its lock, held while in use."""
    folder = tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=scratch_root())
    os.chmod(folder, 0o711)  # a sandbox user without bubblewrap must reach its copy and sockets inside
    setup = os.path.join(folder, IN_USE + ".new")
    lock = os.open(setup, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)
    os.rename(setup, os.path.join(folder, IN_USE))  # so another grader never finds it unlocked while in use
    return folder, lock


def remove_abandoned_scratch_folders():
    """Remove the temporary folders of graders that were killed: no process holds their lock any more.

    A grader killed as a whole (``kill -9``, out of memory) cleans nothing up;
    its grading children and kernels die with it, and the next run removes
    what they left.  Folders of other users, and those of graders still
    running, stay.

    Examples
    --------
    >>> folder, lock = new_scratch_folder()
    >>> remove_abandoned_scratch_folders(); os.path.isdir(folder)
    True
    >>> os.close(lock); remove_abandoned_scratch_folders(); os.path.isdir(folder)
    False
    """
    for folder in Path(scratch_root()).glob(SCRATCH_PREFIX + "*"):
        try:
            lock = os.open(folder / IN_USE, os.O_RDWR)
        except OSError:  # another user's, or not set up yet
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            remove_tree(folder)
        except BlockingIOError:  # its grader is alive
            pass
        finally:
            os.close(lock)


def remove_tree(folder):
    """Remove ``folder``, also where the submission's code took the owner's rights on a folder in it away.

    Root needs no rights to remove anything; any other user gets them back first.
    """
    if os.geteuid() != 0:
        for root, dirs, _ in os.walk(folder):  # top-down: a folder gets its rights before walk opens it
            for path in (os.path.join(root, name) for name in dirs):
                if not os.path.islink(path):
                    os.chmod(path, 0o700)
    shutil.rmtree(folder, ignore_errors=True)
