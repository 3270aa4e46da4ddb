"""Where the course files are and how nbgrader is configured for them.

One function, :func:`configure`, fills a traitlets config: the repository's
``grader/nbgrader_config.py`` calls it, and so does the ``nbgrader_config.py``
that :func:`write_course_config` puts into every grading workspace, so that the
plain ``nbgrader`` CLI run inside a workspace behaves exactly like ``python -m grader``.
"""

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
COURSE_ID = "cnnlab"
DEFAULT_COURSE_DIR = REPO_ROOT / "grading"
DEFAULT_CELL_TIMEOUT = 60
DEFAULT_MEMORY_MB = 2048
FORMGRADE_PORT = 8867
FEEDBACK_TEMPLATES = Path(__file__).resolve().parent / "templates"  # the feedback page (see RenderMath)

_COURSE_CONFIG = '''\
# Written by `python -m grader`: this grading workspace belongs to the course files below.
# Edit grader/config.py in the repository, not this file.
import sys
sys.path.insert(0, {grader_root!r})
from grader.config import configure

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


def configure(c, *, source, release, course_dir=None, cell_timeout=None, memory_mb=None, sandbox="auto"):
    """Fill the traitlets config ``c`` for the cnnlab course.

    Parameters
    ----------
    c : traitlets.config.Config
        The config to update (``get_config()`` in a config file).
    source, release : str or Path
        Absolute source (solutions) and release (student notebooks) directories.
    course_dir : str or Path, optional
        The grading workspace (nbgrader's course root); the gradebook lives there.
    cell_timeout : int, optional
        Seconds one cell may run when autograding (default 60).
    memory_mb : int, optional
        Memory limit of a grading kernel in MiB (default 2048).
    sandbox : {'auto', 'required', 'off'}
        Kernels run in the bubblewrap sandbox of :mod:`grader.sandbox` where
        it is usable (``auto``), must (``required``) or never (``off``).

    Returns
    -------
    traitlets.config.Config
        ``c``, updated.

    Examples
    --------
    >>> from traitlets.config import Config
    >>> c = configure(Config(), source="/r/solutions", release="/r/notebooks")
    >>> c.CourseDirectory.source_directory
    '/r/solutions'
    """
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    import nbgrader
    from nbgrader.converters import GenerateAssignment
    from nbgrader.preprocessors import (
        AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, GetGrades, IgnorePattern,
        LimitOutput, OverwriteCells, OverwriteKernelspec, SaveAutoGrades)

    from .preprocessors import GuardedExecute, HideHiddenTests, RenderMath, TagRaisesException
    from .sandbox import SandboxedKernelManager
    from .tamper import CheckTampering, GuardTests, ReportTampering

    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.source_directory = str(source)
    c.CourseDirectory.release_directory = str(release)
    if course_dir is not None:
        c.CourseDirectory.root = str(Path(course_dir).resolve())
        c.CourseDirectory.db_url = gradebook_url(course_dir)
    # nbgrader's own pipelines, with tamper checks around OverwriteCells and Execute swapped for GuardedExecute
    c.Autograde.sanitize_preprocessors = [
        ClearOutput, DeduplicateIds, OverwriteKernelspec, CheckTampering, OverwriteCells, CheckCellMetadata]
    c.Autograde.autograde_preprocessors = [
        GuardTests, GuardedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
        SaveAutoGrades, ReportTampering, AssignLatePenalties, CheckCellMetadata]
    c.OverwriteCells.add_missing_cells = True  # a deleted test cell is graded from the stored copy
    c.GuardedExecute.timeout = int(cell_timeout or DEFAULT_CELL_TIMEOUT)
    c.GuardedExecute.kernel_manager_class = SandboxedKernelManager
    c.SandboxedKernelManager.sandbox = sandbox
    c.LimitedKernelManager.memory_mb = int(memory_mb or DEFAULT_MEMORY_MB)
    # the student version: nbgrader's pipeline, then Run All-friendly tags on answer and test cells
    c.GenerateAssignment.preprocessors = [
        *GenerateAssignment.class_traits()["preprocessors"].default(), TagRaisesException]
    # feedback: maths as MathML, and nbgrader's feedback page without its MathJax from a CDN
    c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, RenderMath, CSSHTMLHeaderPreprocessor]
    c.GenerateFeedback.HTMLExporter.template_name = "cnnlab_feedback"
    nbgrader_templates = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"
    c.GenerateFeedback.HTMLExporter.extra_template_basedirs = [str(FEEDBACK_TEMPLATES), str(nbgrader_templates)]
    return c


def write_course_config(course_dir, *, source, release, db_url=None):
    """Create the workspace ``course_dir`` with an ``nbgrader_config.py`` pointing at the course files.

    ``db_url``, when given, becomes the workspace's gradebook (see
    :func:`gradebook_url`); otherwise the one chosen before is kept.
    Returns the workspace as an absolute ``Path``.

    Examples
    --------
    >>> import tempfile
    >>> root = write_course_config(tempfile.mkdtemp(), source="/r/solutions", release="/r/notebooks")
    >>> "configure(get_config()" in (root / "nbgrader_config.py").read_text()
    True
    """
    root = Path(course_dir).resolve()
    root.mkdir(parents=True, exist_ok=True)
    text = _COURSE_CONFIG.format(grader_root=str(REPO_ROOT), source=str(Path(source).resolve()),
                                 release=str(Path(release).resolve()), course_dir=str(root))
    path = root / "nbgrader_config.py"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    if db_url:
        (root / GRADEBOOK_URL_FILE).write_text(db_url + "\n")
    return root


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
