"""Batch intake: Canvas, Gradescope and plain layouts, the roster, and reconciling the two."""

from __future__ import annotations

import stat
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from staff_helpers import SUBMISSIONS, plain_batch, write_roster, zip_folder

from autograder.lms_download import load_roster, open_batch, reconcile
from autograder.errors import ConfigError, SubmissionError

GOOD = (SUBMISSIONS / "full" / "calc.py").read_bytes()


def _canvas_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("doejane_1001_555001_calc.py", (2027, 2, 1, 10, 0, 0)), GOOD)
        zf.writestr(zipfile.ZipInfo("doejane_1001_555002_notes.txt", (2027, 2, 1, 10, 0, 0)), b"notes")
        zf.writestr(zipfile.ZipInfo("roebob_LATE_1002_555003_calc-1.py", (2027, 2, 3, 9, 0, 0)), GOOD)
        inner = path.parent / "inner.zip"
        with zipfile.ZipFile(inner, "w") as z2:
            z2.writestr("hw/calc.py", GOOD)
        zf.writestr(zipfile.ZipInfo("smithal_1003_555004_hw1.zip", (2027, 2, 1, 8, 0, 0)), inner.read_bytes())
        zf.writestr("stray.txt", b"?")
    return path


def test_canvas_download_groups_files_per_student(tmp_path):
    """Canvas names carry name, LATE, user id and submission id; resubmission suffixes are dropped."""
    batch = open_batch(_canvas_zip(tmp_path / "submissions.zip"), tmp_path / "work")
    assert batch.layout == "canvas"
    by_key = {e.key: e for e in batch.entries}
    assert set(by_key) == {"1001", "1002", "1003"}
    jane = by_key["1001"]
    assert jane.name == "doejane" and sorted(p.name for p in jane.source.iterdir()) == ["calc.py", "notes.txt"]
    assert by_key["1002"].late_flag and (by_key["1002"].source / "calc.py").is_file()
    assert by_key["1003"].source.suffix == ".zip"  # one uploaded zip is graded as that zip
    assert by_key["1002"].submitted_at > jane.submitted_at
    assert any("stray.txt" in p for p in batch.problems)


def test_gradescope_export_reads_metadata(tmp_path):
    """submission_metadata.yml gives each folder's submitters (a group counts for each) and its time."""
    root = tmp_path / "export"
    for sub in ("submission_11", "submission_12"):
        (root / sub).mkdir(parents=True)
        (root / sub / "calc.py").write_bytes(GOOD)
    (root / "submission_99").mkdir()
    (root / "submission_99" / "calc.py").write_bytes(GOOD)
    (root / "submission_metadata.yml").write_text(
        "submission_11:\n"
        "  :submitters:\n  - :name: Jane Doe\n    :sid: 's1'\n    :email: jane@uni.edu\n"
        "  :created_at: 2027-02-01 23:10:05.123456789 -08:00\n  :score: 0.0\n"
        "submission_12:\n"
        "  :submitters:\n  - :name: Al\n    :sid: 's2'\n  - :name: Bo\n    :sid: 's3'\n"
        "  :created_at: 2027-02-02 07:00:00.000000000 +00:00\n")
    batch = open_batch(zip_folder(root, tmp_path / "gs.zip"), tmp_path / "work")
    assert batch.layout == "gradescope"
    by_key = {e.key: e for e in batch.entries}
    assert set(by_key) == {"s1", "s2", "s3"}
    assert by_key["s1"].submitted_at == datetime(2027, 2, 2, 7, 10, 5, 123456, tzinfo=timezone.utc)
    assert by_key["s2"].source == by_key["s3"].source and by_key["s1"].email == "jane@uni.edu"
    assert any("submission_99" in p for p in batch.problems)


def test_plain_layout_folders_and_zips(tmp_path):
    root = plain_batch(tmp_path / "b", {"s1": "full"}, when=datetime(2027, 2, 1, 12, tzinfo=timezone.utc))
    zip_folder(SUBMISSIONS / "full", root / "s2.zip")
    (root / "README.txt").write_text("not a submission")
    batch = open_batch(root, tmp_path / "work")
    assert batch.layout == "plain"
    assert {e.key for e in batch.entries} == {"s1", "s2"}
    assert next(e for e in batch.entries if e.key == "s1").submitted_at == datetime(2027, 2, 1, 12, tzinfo=timezone.utc)
    assert any("README.txt" in p for p in batch.problems)


def test_plain_layout_takes_notebooks_and_grades_them(tmp_path):
    """A plain batch of one notebook per student: each entry is the notebook, converted at intake."""
    from autograder.catalog import resolve
    from autograder.grade import grade_batch
    from autograder.notebooks import starter_notebook
    from staff_helpers import KIT

    root = tmp_path / "b"
    root.mkdir()
    full = (SUBMISSIONS / "full" / "calc.py").read_text()
    (root / "s1.ipynb").write_text(starter_notebook("90-calc", "calc", "# calc", {"calc.py": full}))
    (root / "s2.ipynb").write_text("{ not json")
    batch = open_batch(root, tmp_path / "work")
    assert batch.layout == "plain" and {e.key for e in batch.entries} == {"s1", "s2"}
    results = grade_batch(assignment=resolve("90-calc", root=KIT), sources=[e.source for e in batch.entries],
                          out_root=tmp_path / "out", sandbox="local")
    by_name = {r.submission: r for r in results}
    assert by_name["s1"].full_marks, by_name["s1"].message
    assert by_name["s2"].status == "error" and "s2.ipynb" in by_name["s2"].message


def test_roster_reconcile_reports_unknown_and_missing(tmp_path):
    """Roster matching uses the id, the Canvas id, the SIS id or the email, whichever the layout gives."""
    roster = load_roster(write_roster(tmp_path / "roster.csv", ["s1", "s2", "s9"]))
    batch = open_batch(plain_batch(tmp_path / "b", {"s1": "full", "1001": "full", "intruder": "full"}), tmp_path / "w")
    matched = reconcile(batch, roster)
    assert [e.student for e in matched.entries] == ["s1", "s2"]  # 1001 is s2's canvas id
    assert [e.key for e in matched.unknown] == ["intruder"]
    assert [s.id for s in matched.missing] == ["s9"]


def test_canvas_gradebook_export_works_as_roster(tmp_path):
    path = tmp_path / "canvas.csv"
    path.write_text("Student,ID,SIS User ID,SIS Login ID,Section,HW1 (77)\n"
                    "    Points Possible,,,,,9\n"
                    '"Doe, Jane",1001,900,jdoe,A,\n')
    (student,) = load_roster(path)
    assert (student.id, student.canvas_id, student.sis_id, student.name) == ("jdoe", "1001", "900", "Doe, Jane")


@pytest.mark.parametrize("text, words", [
    ("name,email\nJane,j@x\n", "no student id column"),
    ("id,name\ns1,A\ns1,B\n", "line 3: student id 's1' already on line 2"),
    ("id,name\n,A\n", "line 2: column 'id' is empty"),
])
def test_malformed_roster_names_file_line_and_fix(tmp_path, text, words):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_roster(path)
    assert str(path) in str(info.value) and words in str(info.value)


def test_batch_zip_with_escaping_entry_is_refused(tmp_path):
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../evil/calc.py", GOOD)
    with pytest.raises(SubmissionError, match="points outside the batch"):
        open_batch(archive, tmp_path / "work")
    assert not (tmp_path / "evil").exists()


def test_truncated_batch_zip_is_a_clear_error(tmp_path):
    archive = zip_folder(SUBMISSIONS / "full", tmp_path / "batch.zip")
    archive.write_bytes(archive.read_bytes()[:40])
    with pytest.raises(SubmissionError, match="batch.zip: the batch is not a readable zip"):
        open_batch(archive, tmp_path / "work")


def test_one_student_batch_is_not_mistaken_for_a_wrapper(tmp_path):
    """A batch holding a single student folder stays a batch of one; a zipped download folder is unwrapped."""
    root = plain_batch(tmp_path / "one", {"s1": "full"})
    assert [e.key for e in open_batch(root, tmp_path / "w1").entries] == ["s1"]
    wrapped = plain_batch(tmp_path / "wrap" / "downloads", {"s1": "full", "s2": "full"})
    archive = zip_folder(wrapped.parent, tmp_path / "batch.zip")
    assert [e.key for e in open_batch(archive, tmp_path / "w2").entries] == ["s1", "s2"]


def _entry(name: str, file_type: int = 0) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (file_type | 0o644) << 16
    return info


@pytest.mark.parametrize("name, file_type, reason", [
    ("/etc/calc.py", 0, "absolute"), ("\\etc\\calc.py", 0, "absolute"), ("C:/calc.py", 0, "absolute"),
    ("../../calc.py", 0, "parent"), ("hw\\..\\..\\calc.py", 0, "parent"),
    ("calc.py", stat.S_IFLNK, "symlink"), ("calc.py", stat.S_IFIFO, "special"),
])
def test_one_zip_entry_check_for_submissions_and_batches(tmp_path, name, file_type, reason):
    """intake (a student's zip) and batch (the LMS download) refuse the same entries, through one
    function, each with its own wording."""
    from autograder.intake import UnsafeZipEntry, take_in, zip_entry_path

    assert zip_entry_path(_entry("hw\\calc.py", stat.S_IFREG)).as_posix() == "hw/calc.py"
    with pytest.raises(UnsafeZipEntry) as info:
        zip_entry_path(_entry(name, file_type))
    assert info.value.reason == reason
    archive = tmp_path / "s.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(_entry(name, file_type), GOOD)
    with pytest.raises(SubmissionError, match="re-create the zip|plain files only"):
        take_in(archive, ("calc.py",), tmp_path / "one")
    with pytest.raises(SubmissionError, match="re-download the batch"):
        open_batch(archive, tmp_path / "work")
