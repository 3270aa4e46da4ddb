"""Where the course files are: the repository, the grading workspace, its gradebook, nbgrader's PATH.

:func:`write_course_config` puts an ``nbgrader_config.py`` into every grading
workspace that calls :func:`grader.pipelines.configure`, as the repository's
``grader/nbgrader_config.py`` does, so that the plain ``nbgrader`` CLI run
inside a workspace behaves exactly like ``python -m grader``. This module is
the bottom of :mod:`grader`: it imports nothing of it.
"""

import contextlib
import os
import sys
import warnings
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
COURSE_ID = "cnnlab"
DEFAULT_COURSE_DIR = REPO_ROOT / "grading"
DEFAULT_CELL_TIMEOUT = 60
DEFAULT_MEMORY_MB = 2048
FORMGRADE_PORT = 8867

_COURSE_CONFIG = '''\
# Written by `python -m grader`: this grading workspace belongs to the course files below.
# Edit grader/config.py in the repository, not this file.
import sys
sys.path.insert(0, {grader_root!r})
from grader.pipelines import configure

configure(get_config(), source={source!r}, release={release!r}, course_dir={course_dir!r})
'''


def solutions_dir(repo_root):
    """Return nbgrader's source directory, ``<repo_root>/solutions``.

    Examples
    --------
    >>> solutions_dir("/course").as_posix()
    '/course/solutions'
    """
    return Path(repo_root).resolve() / "solutions"


def release_dir(repo_root):
    """Return nbgrader's release directory, ``<repo_root>/notebooks``.

    Examples
    --------
    >>> release_dir("/course").as_posix()
    '/course/notebooks'
    """
    return Path(repo_root).resolve() / "notebooks"


GRADEBOOK_URL_FILE = "gradebook.url"
EXCHANGE_ENV = "CNNLAB_EXCHANGE"
DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"


def exchange_root(root=None):
    """nbgrader's exchange folder: ``root`` if given, else ``$CNNLAB_EXCHANGE``, else ``/srv/nbgrader/exchange``.

    The grader's exchange commands, the hub and the students' nbgrader
    (``deploy/jupyterhub/``) all ask here.

    Examples
    --------
    >>> exchange_root("/x").as_posix(), exchange_root().as_posix() == os.environ.get(EXCHANGE_ENV, DEFAULT_EXCHANGE)
    ('/x', True)
    """
    return Path(root or os.environ.get(EXCHANGE_ENV) or DEFAULT_EXCHANGE)


@contextlib.contextmanager
def gradebook_creating_submissions(course_dir):
    """The workspace's nbgrader ``Gradebook``, for code that creates submissions in it, quiet about SAWarnings.

    nbgrader's ``update_or_create_submission`` autoflushes half-made rows, and
    SQLAlchemy 2 warns ("Object of type <SubmittedNotebook> not in session");
    nbgrader adds them right after (its own autograde writes the same into its log).
    """
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb, warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=SAWarning)
        yield gb


def gradebook_url(course_dir):
    """Return the URL of the workspace's gradebook: the one chosen with ``--db``, else its SQLite file.

    A URL chosen with ``--db`` (any SQLAlchemy URL nbgrader accepts, e.g.
    ``postgresql+psycopg2://user@host/db``) is kept in ``<course_dir>/gradebook.url``.
    The SQLite busy timeout lets parallel graders wait for each other's short writes.

    Examples
    --------
    >>> gradebook_url("/g")
    'sqlite:////g/gradebook.db?timeout=120'
    """
    chosen = Path(course_dir) / GRADEBOOK_URL_FILE
    if chosen.is_file():
        return chosen.read_text().strip()
    return f"sqlite:///{Path(course_dir).resolve() / 'gradebook.db'}?timeout=120"


def uses_sqlite_file(course_dir):
    """True when the workspace's gradebook is its default SQLite file."""
    return not (Path(course_dir) / GRADEBOOK_URL_FILE).is_file()


def write_course_config(course_dir, *, source, release, db_url=None):
    """Create the workspace ``course_dir`` with an ``nbgrader_config.py`` pointing at the course files.

    ``db_url``, when given, becomes the workspace's gradebook (see
    :func:`gradebook_url`); otherwise the one chosen before is kept. A new
    workspace is readable by its owner only: its gradebook holds the hidden tests.
    Returns the workspace as an absolute ``Path``.

    Examples
    --------
    >>> import tempfile
    >>> root = write_course_config(tempfile.mkdtemp(), source="/r/solutions", release="/r/notebooks")
    >>> "configure(get_config()" in (root / "nbgrader_config.py").read_text()
    True
    """
    root = Path(course_dir).resolve()
    if not root.exists():
        root.mkdir(parents=True)
        os.chmod(root, 0o700)  # the gradebook holds the hidden tests: the instructor's alone
    text = _COURSE_CONFIG.format(grader_root=str(REPO_ROOT), source=str(Path(source).resolve()),
                                 release=str(Path(release).resolve()), course_dir=str(root))
    path = root / "nbgrader_config.py"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    if db_url:
        (root / GRADEBOOK_URL_FILE).write_text(db_url + "\n")
    return root


def put_environment_on_path():
    """Put this Python's ``bin/`` first on this process's PATH (once): nbgrader runs ``alembic`` from there.

    nbgrader creates a new gradebook by calling the ``alembic`` command; the
    CLI and :func:`grader.packets.assignment_bundle` create gradebooks in this process.

    Examples
    --------
    >>> put_environment_on_path(); put_environment_on_path()
    >>> os.environ["PATH"].split(os.pathsep).count(os.path.dirname(sys.executable)) >= 1
    True
    """
    here = os.path.dirname(sys.executable)
    paths = os.environ.get("PATH", "").split(os.pathsep)
    if paths[:1] != [here]:
        os.environ["PATH"] = os.pathsep.join([here, *paths])


def nbgrader_env():
    """Return the environment for running nbgrader: the venv's bin first on PATH, grader importable.

    Examples
    --------
    >>> nbgrader_env()["PATH"].split(os.pathsep)[0] == os.path.dirname(sys.executable)
    True
    """
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(REPO_ROOT), env.get("PYTHONPATH", "")] if p)
    env.setdefault("MPLBACKEND", "Agg")
    return env
