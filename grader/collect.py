"""Intake of submissions into the workspace's ``submitted/<student>/<assignment>/``.

Three kinds of source:

* nbgrader's tree: a folder holding ``submitted/<student>/<assignment>/`` (or
  that ``submitted`` folder itself); copied as it is;
* a folder of loose ``.ipynb`` files, one per student;
* an LMS download as a ``.zip``, one file per student.

For loose files and zip entries the student id comes from the file name
(:func:`student_from_name`) and the notebook is filed as ``<assignment>.ipynb``.
An earlier submission is never overwritten silently: the older of the two is
moved to ``<course-dir>/collect-archive/`` and the report says so.
"""

import hashlib
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

# Canvas: "doejane_LATE_12345_67890_name.ipynb"; Moodle: "Jane Doe_12345_assignsubmission_file_/name.ipynb";
# plain: "<student>.ipynb" or "<student>_<anything>.ipynb" / "<student>-<anything>.ipynb"
NAME_PATTERNS = (
    r"^(?P<student>[A-Za-z0-9.]+?)_(?:LATE_)?\d+_\d+_",
    r"^[^/_]*_(?P<student>\d+)_assignsubmission_file_",
    r"^(?P<student>[A-Za-z0-9.]+)(?:[_ -].*)?\.ipynb$",
)


def student_from_name(name):
    """The student id in an LMS file name, or ``None``.

    Examples
    --------
    >>> student_from_name("doejane_LATE_12345_67890_conv.ipynb")
    'doejane'
    >>> student_from_name("Jane Doe_4711_assignsubmission_file_/conv.ipynb")
    '4711'
    >>> student_from_name("alice-homework2.ipynb"), student_from_name("???.ipynb")
    ('alice', None)
    """
    for pattern in NAME_PATTERNS:
        match = re.match(pattern, name)
        if match:
            return match.group("student")
    return None


@dataclass
class Intake:
    """What ``collect`` did: placed, unchanged, replaced and unplaced files, in words."""

    placed: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)  # the same submission was there already
    replaced: list = field(default_factory=list)
    unplaced: list = field(default_factory=list)

    def lines(self):
        """One line per event, then a summary."""
        out = [f"placed   {line}" for line in self.placed]
        out += [f"same     {line}" for line in self.unchanged]
        out += [f"REPLACED {line}" for line in self.replaced]
        out += [f"UNPLACED {line}" for line in self.unplaced]
        out.append(f"{len(self.placed)} placed, {len(self.unchanged)} already there unchanged, "
                   f"{len(self.replaced)} replaced an earlier submission (kept in collect-archive/), "
                   f"{len(self.unplaced)} could not be placed")
        return out


def collect_submissions(source, course_dir, assignment):
    """File the submissions in ``source`` into ``course_dir``; return an :class:`Intake`."""
    source, course_dir, intake = Path(source), Path(course_dir), Intake()
    if source.suffix == ".zip":
        _from_zip(source, course_dir, assignment, intake)
    elif (source / "submitted").is_dir() or list(source.glob(f"*/{assignment}")):
        tree = source / "submitted" if (source / "submitted").is_dir() else source
        for folder in sorted(tree.glob(f"*/{assignment}")):
            _place_folder(folder, course_dir, assignment, folder.parent.name, intake)
    elif source.is_dir():
        for path in sorted(p for p in source.iterdir() if p.is_file()):
            _place_file(path.name, path.read_bytes(), _mtime(path), course_dir, assignment, intake)
    else:
        intake.unplaced.append(f"{source}: not a zip file or a folder")
    return intake


def _from_zip(source, course_dir, assignment, intake):
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            when = datetime(*info.date_time)  # naive UTC, as nbgrader's parse_utc gives
            _place_file(info.filename, archive.read(info), when, course_dir, assignment, intake)


def _mtime(path):
    return datetime.fromtimestamp(Path(path).stat().st_mtime, tz=timezone.utc).replace(tzinfo=None)


def _place_file(name, data, when, course_dir, assignment, intake):
    if not name.endswith(".ipynb"):
        intake.unplaced.append(f"{name}: not a notebook (.ipynb)")
        return
    student = student_from_name(name)
    if student is None:
        intake.unplaced.append(f"{name}: no student id in the file name")
        return
    staging = course_dir / ".collect-staging" / student / assignment
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    (staging / f"{assignment}.ipynb").write_bytes(data)
    (staging / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    _place_folder(staging, course_dir, assignment, student, intake, label=name)
    shutil.rmtree(staging.parent)


def _place_folder(folder, course_dir, assignment, student, intake, label=None):
    label = label or str(folder)
    target = course_dir / "submitted" / student / assignment
    if not target.exists():
        shutil.copytree(folder, target)
        intake.placed.append(f"{student}: {label}{_warning(target)}")
        return
    if _digest(target) == _digest(folder):
        intake.unchanged.append(f"{student}: {label} (same as the submission already there)")
        return
    new_time, old_time = _when(folder), _when(target)
    archive = course_dir / "collect-archive" / student / assignment
    archive.mkdir(parents=True, exist_ok=True)
    if new_time >= old_time:
        kept = archive / old_time.strftime("%Y%m%dT%H%M%S")
        shutil.move(str(target), kept)
        shutil.copytree(folder, target)
        intake.replaced.append(f"{student}: {label} is newer ({new_time:%Y-%m-%d %H:%M}) and replaces the "
                               f"earlier submission ({old_time:%Y-%m-%d %H:%M}), kept in {kept}{_warning(target)}")
    else:
        kept = archive / new_time.strftime("%Y%m%dT%H%M%S")
        shutil.copytree(folder, kept, dirs_exist_ok=True)
        intake.replaced.append(f"{student}: {label} ({new_time:%Y-%m-%d %H:%M}) is older than the submission "
                               f"already there ({old_time:%Y-%m-%d %H:%M}), which stays; this one is kept in {kept}")


def _warning(submission):
    """``""``, or what will make the placed submission score zero (an empty file, one that is not a notebook)."""
    from .autograde import precheck

    names = [path.stem for path in submission.glob("*.ipynb")] or [submission.name]
    problems = precheck(submission, names)
    return f"; WARNING: {'; '.join(problems)}: it will score zero unless the student submits again" if problems else ""


def _digest(folder):
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*.ipynb")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _when(folder):
    stamp = Path(folder) / "timestamp.txt"
    if stamp.exists():
        from nbgrader.utils import parse_utc

        try:
            return parse_utc(stamp.read_text().strip())
        except ValueError:
            pass
    notebooks = list(Path(folder).rglob("*.ipynb")) or [Path(folder)]
    return max(_mtime(p) for p in notebooks)
