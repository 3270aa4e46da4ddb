"""What travels between the grading coordinator and a Dask worker, which shares no files with it.

To a worker goes, once per assignment, a **bundle** (:func:`assignment_bundle`):
a fresh SQLite gradebook that holds only the assignment (its notebooks and
cells, with nbgrader's stored copies of the locked cells the tests are graded
from), and the files other than notebooks that nbgrader copies from the source
folder into every autograded submission. Then, per submission, a **packet**
(:func:`submission_packet`): the files of ``submitted/<student>/<assignment>/``
and the extension the student was granted.

Back comes what nbgrader wrote for the submission: the files of its
``autograded/`` folder, its log, and the rows of the worker's gradebook
(:func:`submission_rows`). The coordinator alone writes the workspace: it puts
the files in place and the rows into the workspace's gradebook, SQLite or
PostgreSQL (:func:`unpack_result`), where a local run's autograde would have
written them.
"""

import os
import shutil
import tempfile
from pathlib import Path

from .config import COURSE_ID, gradebook_creating_submissions, gradebook_url


def read_tree(folder, exclude=()):
    """``{relative path: bytes}`` of the files under ``folder`` (nbgrader's ``exclude`` globs left out).

    Examples
    --------
    >>> folder = Path(tempfile.mkdtemp()); (folder / "a.txt").write_text("hi")
    2
    >>> read_tree(folder)
    {'a.txt': b'hi'}
    """
    from nbgrader.utils import find_all_files

    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {str(Path(path).relative_to(folder)): Path(path).read_bytes()
            for path in sorted(find_all_files(str(folder), list(exclude)))}


def write_tree(folder, files):
    """Write ``{relative path: bytes}`` under ``folder``, which holds exactly those files afterwards."""
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for relative, data in files.items():
        target = (folder / relative).resolve()
        if folder.resolve() not in target.parents:
            raise ValueError(f"a file to write must lie inside {folder}, got {relative!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _new_gradebook_file(path, schema_version):
    """An empty nbgrader gradebook at ``path`` (SQLite) whose schema is at alembic revision ``schema_version``.

    This is what nbgrader's ``Gradebook`` does for a new database (its tables,
    then an ``alembic_version`` row), except that the revision comes from the
    coordinator's gradebook instead of an ``alembic heads`` subprocess, which
    takes seconds.
    """
    from nbgrader.api import Base
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{path}")
    try:
        Base.metadata.create_all(bind=engine)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:version)"),
                               {"version": schema_version})
    finally:
        engine.dispose()


def _copy_assignment(entry, gradebook):
    """Write the assignment ``entry`` of one gradebook, its notebooks and cells, into another ``gradebook``."""
    gradebook.update_or_create_assignment(entry.name, duedate=entry.duedate)
    for notebook in entry.notebooks:
        where = (notebook.name, entry.name)
        gradebook.update_or_create_notebook(*where, kernelspec=notebook.kernelspec)
        for cell in notebook.grade_cells:
            gradebook.update_or_create_grade_cell(cell.name, *where, max_score=cell.max_score,
                                                  cell_type=cell.cell_type)
        for cell in notebook.task_cells:
            gradebook.update_or_create_task_cell(cell.name, *where, max_score=cell.max_score,
                                                 cell_type=cell.cell_type)
        for cell in notebook.solution_cells:
            gradebook.update_or_create_solution_cell(cell.name, *where)
        for cell in notebook.source_cells:
            gradebook.update_or_create_source_cell(cell.name, *where, cell_type=cell.cell_type, locked=cell.locked,
                                                   source=cell.source, checksum=cell.checksum)


def assignment_bundle(course_dir, assignment, source_dir):
    """Pack what every worker needs to grade ``assignment``: its gradebook entry and source files.

    Parameters
    ----------
    course_dir : Path
        The coordinator's workspace; its gradebook must know the assignment.
    assignment : str
        The assignment id.
    source_dir : Path
        nbgrader's source directory (``solutions/``); only its files other
        than notebooks travel, as nbgrader copies only those.

    Returns
    -------
    dict
        ``assignment``, ``gradebook`` (the bytes of a SQLite file) and ``source_files``.
    """
    from nbgrader.api import Gradebook
    from nbgrader.coursedir import CourseDirectory
    from sqlalchemy import text

    with tempfile.TemporaryDirectory(prefix="grader-bundle-") as scratch:
        mini_path = Path(scratch) / "gradebook.db"
        with Gradebook(gradebook_url(course_dir), COURSE_ID) as real:
            version = real.db.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            _new_gradebook_file(mini_path, schema_version=version)
            with Gradebook(f"sqlite:///{mini_path}", COURSE_ID) as mini:
                _copy_assignment(real.find_assignment(assignment), mini)
        ignore = [*CourseDirectory().ignore, "*.ipynb"]
        return {"assignment": assignment, "gradebook": mini_path.read_bytes(),
                "source_files": read_tree(Path(source_dir) / assignment, exclude=ignore)}


def submission_packet(course_dir, assignment, student):
    """Pack one submission: its files and the extension granted to the student, if any."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb:
        try:
            extension = gb.find_submission(assignment, student).extension
        except MissingEntry:
            extension = None
    return {"student": student, "extension": extension,
            "files": read_tree(Path(course_dir) / "submitted" / student / assignment)}


def submission_rows(course_dir, assignment, student):
    """What nbgrader's autograde wrote to ``course_dir``'s gradebook for one submission (``None``: nothing).

    Returns
    -------
    dict or None
        ``timestamp``, and per notebook its ``late_submission_penalty``, each
        grade's ``auto_score`` and ``needs_manual_grade``, each comment's ``auto_comment``.
    """
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return None
        return {"timestamp": submission.timestamp, "notebooks": {
            notebook.name: {
                "late_submission_penalty": notebook.late_submission_penalty,
                "grades": {g.name: (g.auto_score, g.needs_manual_grade) for g in notebook.grades},
                "comments": {c.name: c.auto_comment for c in notebook.comments},
            } for notebook in submission.notebooks}}


def apply_rows(course_dir, assignment, student, rows):
    """Write rows from :func:`submission_rows` into the workspace's gradebook, as autograde would have.

    A grade that an instructor has graded by hand keeps its manual score and
    stays marked for review, as nbgrader's ``SaveAutoGrades`` leaves it.
    """
    with gradebook_creating_submissions(course_dir) as gb:
        gb.update_or_create_student(student)
        if rows is None:
            return
        stamp = {"timestamp": rows["timestamp"]} if rows["timestamp"] is not None else {}
        submission = gb.update_or_create_submission(assignment, student, **stamp)
        for notebook in submission.notebooks:
            sent = rows["notebooks"].get(notebook.name)
            if sent is None:
                continue
            notebook.late_submission_penalty = sent["late_submission_penalty"]
            for grade in notebook.grades:
                if grade.name in sent["grades"]:
                    auto_score, needs_manual = sent["grades"][grade.name]
                    grade.auto_score = auto_score
                    grade.needs_manual_grade = needs_manual or grade.manual_score is not None
            for comment in notebook.comments:
                if comment.name in sent["comments"]:
                    comment.auto_comment = sent["comments"][comment.name]
        gb.db.commit()


def unpack_result(course_dir, assignment, student, sent, log_path):
    """Put what a worker sent back for one submission into the workspace: gradebook rows, files, log."""
    apply_rows(course_dir, assignment, student, sent["rows"])
    autograded = Path(course_dir) / "autograded" / student / assignment
    if sent["autograded"] is None:
        shutil.rmtree(autograded, ignore_errors=True)
    else:
        write_tree(autograded, sent["autograded"])
    Path(log_path).write_text(f"graded on Dask worker {sent['worker']}\n{sent['log']}")
    os.chmod(log_path, 0o644)
