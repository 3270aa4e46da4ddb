"""`grader.collect`: intake from nbgrader trees, loose files and LMS zips; nothing overwritten silently."""

import os
import zipfile
from pathlib import Path

from grader.collect import collect_submissions, student_from_name

A = "fixture"


def notebook(text):
    return '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5, "x": "%s"}' % text


def submitted(course, student):
    return (course / "submitted" / student / A / f"{A}.ipynb").read_text()


def test_student_ids_from_lms_names():
    assert student_from_name("smithj_12345_67890_fixture.ipynb") == "smithj"
    assert student_from_name("smithj_LATE_12345_67890_fixture-1.ipynb") == "smithj"
    assert student_from_name("John Smith_98765_assignsubmission_file_/fixture.ipynb") == "98765"
    assert student_from_name("bob.ipynb") == "bob"


def test_zip_intake_files_by_student_and_reports_what_it_cannot_place(tmp_path):
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(zipfile.ZipInfo("alice_111_222_fixture.ipynb", (2026, 1, 5, 10, 0, 0)), notebook("alice"))
        zf.writestr(zipfile.ZipInfo("bob_LATE_333_444_homework.ipynb", (2026, 1, 6, 10, 0, 0)), notebook("bob"))
        zf.writestr("carol_555_666_report.pdf", b"%PDF")
        zf.writestr("###.ipynb", notebook("?"))
    intake = collect_submissions(archive, tmp_path / "course", A)
    assert submitted(tmp_path / "course", "alice").endswith('"alice"}')
    assert "2026-01-06 10:00:00" in (tmp_path / "course" / "submitted" / "bob" / A / "timestamp.txt").read_text()
    assert len(intake.placed) == 2 and len(intake.unplaced) == 2
    assert any("report.pdf: not a notebook" in line for line in intake.unplaced)
    assert any("no student id" in line for line in intake.unplaced)
    assert intake.lines()[-1].startswith("2 placed, 0 already there unchanged, 0 replaced")


def test_newer_submission_wins_and_the_older_is_kept(tmp_path):
    course, loose = tmp_path / "course", tmp_path / "loose"
    loose.mkdir()
    (loose / "alice.ipynb").write_text(notebook("first"))
    os.utime(loose / "alice.ipynb", (1_700_000_000, 1_700_000_000))
    collect_submissions(loose, course, A)
    (loose / "alice.ipynb").write_text(notebook("second"))
    os.utime(loose / "alice.ipynb", (1_800_000_000, 1_800_000_000))
    intake = collect_submissions(loose, course, A)
    assert submitted(course, "alice").endswith('"second"}')
    assert len(intake.replaced) == 1 and "is newer" in intake.replaced[0] and "replaces" in intake.replaced[0]
    kept = list((course / "collect-archive" / "alice" / A).glob("*/fixture.ipynb"))
    assert len(kept) == 1 and kept[0].read_text().endswith('"first"}')

    (loose / "alice.ipynb").write_text(notebook("stale"))
    os.utime(loose / "alice.ipynb", (1_600_000_000, 1_600_000_000))
    intake = collect_submissions(loose, course, A)
    assert submitted(course, "alice").endswith('"second"}')
    assert "is older than the submission already there" in intake.replaced[0]
    assert len(list((course / "collect-archive" / "alice" / A).iterdir())) == 2


def test_nbgrader_tree_is_copied_as_it_is(tmp_path):
    tree = tmp_path / "exchange" / "submitted"
    for student in ("ann", "ben"):
        folder = tree / student / A
        folder.mkdir(parents=True)
        (folder / "fixture.ipynb").write_text(notebook(student))
        (folder / "timestamp.txt").write_text("2026-01-01 12:00:00.000000 UTC")
    intake = collect_submissions(tmp_path / "exchange", tmp_path / "course", A)
    assert len(intake.placed) == 2 and submitted(tmp_path / "course", "ben").endswith('"ben"}')
    again = collect_submissions(tree, tmp_path / "course", A)
    assert not again.placed and len(again.unchanged) == 2
    assert all("same as the submission already there" in line for line in again.unchanged)
    assert again.lines()[-1].startswith("0 placed, 2 already there unchanged, 0 replaced")


def test_a_submission_that_will_score_zero_is_flagged_when_collected(tmp_path):
    import nbformat

    loose = tmp_path / "loose"
    loose.mkdir()
    nbformat.write(nbformat.v4.new_notebook(), loose / "alice.ipynb")
    (loose / "eve.ipynb").write_text('{"cells": [')
    (loose / "mallory.ipynb").write_text("")
    intake = collect_submissions(loose, tmp_path / "course", A)
    alice, eve, mallory = intake.placed
    assert alice == "alice: alice.ipynb"
    assert eve.startswith("eve: eve.ipynb; WARNING: fixture.ipynb is not a readable notebook (NotJSONError")
    assert mallory == ("mallory: mallory.ipynb; WARNING: fixture.ipynb is empty (0 bytes): it will score zero "
                       "unless the student submits again")
    assert submitted(tmp_path / "course", "eve") == '{"cells": ['  # placed as it came: its grade says why
