"""How nbgrader is configured for the course: its own pipelines, with cnnlab's steps put in.

Every pipeline starts from nbgrader's default list for that converter (read
from the installed nbgrader, so an upstream change comes along) and puts
cnnlab's steps in at named places:

* autograde, sanitize: :class:`~grader.tamper.CheckTampering` before ``OverwriteCells``;
* autograde, execute: :class:`~grader.tamper.GuardTests` before ``Execute``, which becomes
  :class:`~grader.preprocessors.GuardedExecute` (sandboxed, limited kernels), and
  :class:`~grader.tamper.ReportTampering` after ``SaveAutoGrades``;
* release: :class:`~grader.preprocessors.TagRaisesException` at the end (Run All reaches the end);
* feedback: :class:`~grader.preprocessors.HideHiddenTests` and :class:`~grader.preprocessors.RenderMath`
  after ``GetGrades``.

A step that nbgrader no longer has raises, naming the nbgrader version, rather
than silently dropping cnnlab's step.
"""

from pathlib import Path

import nbgrader
from nbgrader.converters import Autograde, GenerateAssignment, GenerateFeedback

from .config import COURSE_ID, DEFAULT_CELL_TIMEOUT, DEFAULT_MEMORY_MB, gradebook_url
from .preprocessors import GuardedExecute, HideHiddenTests, RenderMath, TagRaisesException
from .sandbox import SandboxedKernelManager
from .tamper import CheckTampering, GuardTests, ReportTampering

FEEDBACK_TEMPLATES = Path(__file__).resolve().parent / "templates"  # the feedback page (see RenderMath)


def _default(converter, trait):
    return list(converter.class_traits()[trait].default())


def _names(pipeline):
    return [step.__name__ for step in pipeline]


def _insert(pipeline, anchor, *, before=(), after=(), replace=None):
    """``pipeline`` with steps put in around the step named ``anchor`` (or ``anchor`` replaced)."""
    names = _names(pipeline)
    if anchor not in names:
        raise RuntimeError(f"nbgrader {nbgrader.__version__} has no {anchor} step in its pipeline "
                           f"{names}: grader/pipelines.py must be updated for this nbgrader")
    at = names.index(anchor)
    middle = [replace] if replace is not None else [pipeline[at]]
    return pipeline[:at] + list(before) + middle + list(after) + pipeline[at + 1:]


def sanitize_pipeline():
    """nbgrader's ``Autograde.sanitize_preprocessors`` with the tamper check before ``OverwriteCells``.

    Examples
    --------
    >>> _names(sanitize_pipeline())
    ['ClearOutput', 'DeduplicateIds', 'OverwriteKernelspec', 'CheckTampering', 'OverwriteCells', 'CheckCellMetadata']
    """
    return _insert(_default(Autograde, "sanitize_preprocessors"), "OverwriteCells", before=[CheckTampering])


def autograde_pipeline():
    """nbgrader's ``Autograde.autograde_preprocessors``, guarded and sandboxed.

    Examples
    --------
    >>> _names(autograde_pipeline())  # doctest: +NORMALIZE_WHITESPACE
    ['GuardTests', 'GuardedExecute', 'IgnorePattern', 'ClearMetadataPreprocessor', 'LimitOutput',
     'SaveAutoGrades', 'ReportTampering', 'AssignLatePenalties', 'CheckCellMetadata']
    """
    pipeline = _default(Autograde, "autograde_preprocessors")
    pipeline = _insert(pipeline, "Execute", before=[GuardTests], replace=GuardedExecute)
    return _insert(pipeline, "SaveAutoGrades", after=[ReportTampering])


def release_pipeline():
    """nbgrader's ``GenerateAssignment.preprocessors``, then Run All-friendly tags on answer and test cells."""
    return [*_default(GenerateAssignment, "preprocessors"), TagRaisesException]


def feedback_pipeline():
    """nbgrader's ``GenerateFeedback.preprocessors`` with hidden tests hidden and maths as MathML.

    Examples
    --------
    >>> _names(feedback_pipeline())
    ['GetGrades', 'HideHiddenTests', 'RenderMath', 'CSSHTMLHeaderPreprocessor']
    """
    return _insert(_default(GenerateFeedback, "preprocessors"), "GetGrades",
                   after=[HideHiddenTests, RenderMath])


def nbgrader_templates():
    """The folder of nbgrader's own formgrader templates (its feedback page extends them)."""
    return Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"


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
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.source_directory = str(source)
    c.CourseDirectory.release_directory = str(release)
    if course_dir is not None:
        c.CourseDirectory.root = str(Path(course_dir).resolve())
        c.CourseDirectory.db_url = gradebook_url(course_dir)
    c.Autograde.sanitize_preprocessors = sanitize_pipeline()
    c.Autograde.autograde_preprocessors = autograde_pipeline()
    c.OverwriteCells.add_missing_cells = True  # a deleted test cell is graded from the stored copy
    c.GuardedExecute.timeout = int(cell_timeout or DEFAULT_CELL_TIMEOUT)
    c.GuardedExecute.kernel_manager_class = SandboxedKernelManager
    c.SandboxedKernelManager.sandbox = sandbox
    c.LimitedKernelManager.memory_mb = int(memory_mb or DEFAULT_MEMORY_MB)
    c.GenerateAssignment.preprocessors = release_pipeline()
    c.GenerateFeedback.preprocessors = feedback_pipeline()
    # nbgrader's feedback page without its MathJax from a CDN (RenderMath wrote the maths as MathML)
    c.GenerateFeedback.HTMLExporter.template_name = "cnnlab_feedback"
    c.GenerateFeedback.HTMLExporter.extra_template_basedirs = [str(FEEDBACK_TEMPLATES), str(nbgrader_templates())]
    return c
