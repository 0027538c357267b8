"""The SQLite gradebook: idempotent writes, claims, two writers at once, a full disk."""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from autograder.gradebook import Gradebook, GradebookError, schema
from autograder.harness.feedback import TestRecord
from autograder.results import SubmissionResult


def _result(score: float, n_tests: int = 3) -> SubmissionResult:
    tests = tuple(TestRecord(id=f"tests/public/test_x.py::test_{i}", name=f"test_{i}", points=1.0,
                             score=1.0 if i < score else 0.0, status="passed" if i < score else "failed",
                             category="ok" if i < score else "wrong", visibility="public", output="Checks: x",
                             duration=0.01) for i in range(n_tests))
    return SubmissionResult(assignment="90-calc", submission="s", status="graded", score=float(score),
                            max_score=float(n_tests), tests=tests)


def _submission(book: Gradebook, student: str, content: str = "h1") -> int:
    return book.add_submission(student_id=student, assignment_id="90-calc", content_hash=content,
                               submitted_at=datetime(2027, 2, 1, tzinfo=timezone.utc), source="/x", layout="plain",
                               files={"calc.py": b"x = 1\n"})


def _setup(book: Gradebook) -> int:
    book.upsert_assignment("90-calc", title="Calc", tests_hash="t1", test_files={})
    return book.start_run(assignment_id="90-calc", tests_hash="t1", command="grade", kit_version="0", sandbox="local", jobs=1)


def test_same_submission_twice_is_one_row_with_the_earliest_time(tmp_path):
    with Gradebook(tmp_path / "gb.sqlite") as book:
        _setup(book)
        first = _submission(book, "s1")
        again = book.add_submission(student_id="s1", assignment_id="90-calc", content_hash="h1",
                                    submitted_at=datetime(2027, 2, 5, tzinfo=timezone.utc), source="/y", layout="plain")
        assert first == again
        assert book.submission(first).submitted_at == datetime(2027, 2, 1, tzinfo=timezone.utc)
        assert book.files("h1") == {"calc.py": b"x = 1\n"}


def test_recording_a_grade_again_replaces_it(tmp_path):
    with Gradebook(tmp_path / "gb.sqlite") as book:
        run = _setup(book)
        sub = _submission(book, "s1")
        book.record(run_id=run, submission_id=sub, tests_hash="t1", result=_result(1), started_at="a", finished_at="b")
        book.record(run_id=run, submission_id=sub, tests_hash="t1", result=_result(3), started_at="a", finished_at="c")
        assert book.counts()["grades"] == 1 and book.counts()["test_results"] == 3
        (row,) = book.current("90-calc")
        assert row.score == 3 and book.is_graded(sub, "t1") and not book.is_graded(sub, "t2")


def test_latest_submission_counts(tmp_path):
    with Gradebook(tmp_path / "gb.sqlite") as book:
        run = _setup(book)
        old = _submission(book, "s1", "old")
        new = book.add_submission(student_id="s1", assignment_id="90-calc", content_hash="new",
                                  submitted_at=datetime(2027, 2, 2, tzinfo=timezone.utc), source="/x", layout="plain")
        for sub, score in ((old, 3), (new, 1)):
            book.record(run_id=run, submission_id=sub, tests_hash="t1", result=_result(score), started_at="a", finished_at="b")
        (row,) = book.current("90-calc")
        assert (row.submission_id, row.score) == (new, 1)


def test_claim_of_a_killed_run_is_taken_over(tmp_path):
    with Gradebook(tmp_path / "gb.sqlite") as book:
        mine = _setup(book)
        other = book.start_run(assignment_id="90-calc", tests_hash="t1", command="grade", kit_version="0",
                               sandbox="local", jobs=1)
        sub = _submission(book, "s1")
        assert book.claim(sub, "t1", other) == "claimed"
        assert book.claim(sub, "t1", mine) == "busy"  # the other run is alive (it is this process)
        dead = subprocess.Popen(["true"])
        dead.wait()
        with sqlite3.connect(book.path) as con:
            con.execute("UPDATE runs SET pid = ? WHERE id = ?", (dead.pid, other))
        assert book.claim(sub, "t1", mine) == "claimed"
        book.record(run_id=mine, submission_id=sub, tests_hash="t1", result=_result(1), started_at="a", finished_at="b")
        assert book.claim(sub, "t1", other) == "graded" and book.claim(sub, "t1", other, force=True) == "claimed"
        book.start_run(assignment_id="90-calc", tests_hash="t1", command="grade", kit_version="0", sandbox="local", jobs=1)
        assert {r["id"]: r["status"] for r in book.runs()}[other] == "interrupted"


def _writer(path: str, offset: int) -> None:
    with Gradebook(Path(path)) as book:
        run = book.start_run(assignment_id="90-calc", tests_hash="t1", command="grade", kit_version="0",
                             sandbox="local", jobs=1)
        for i in range(40):
            n = (i + offset) % 40
            sub = _submission(book, f"s{n:02d}")
            book.record(run_id=run, submission_id=sub, tests_hash="t1", result=_result(n % 4),
                        started_at="a", finished_at="b")


def test_two_processes_writing_at_once_leave_no_duplicates(tmp_path):
    """Two writers record the same 40 submissions in opposite orders: one row each, file intact."""
    path = tmp_path / "gb.sqlite"
    with Gradebook(path) as book:
        book.upsert_assignment("90-calc", title="Calc", tests_hash="t1", test_files={})
    procs = [multiprocessing.get_context("fork").Process(target=_writer, args=(str(path), off)) for off in (0, 20)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    with Gradebook(path) as book:
        counts = book.counts()
        assert (counts["submissions"], counts["grades"], counts["test_results"]) == (40, 40, 120)
        assert book.integrity() == "ok"


def test_full_disk_gives_a_clear_error_and_keeps_what_was_recorded(tmp_path, monkeypatch):
    """SQLite's page limit stands in for a full disk: the failed write rolls back, earlier grades stay."""
    path = tmp_path / "gb.sqlite"
    with Gradebook(path) as book:
        run = _setup(book)
        sub = _submission(book, "s0")
        book.record(run_id=run, submission_id=sub, tests_hash="t1", result=_result(2), started_at="a", finished_at="b")
        pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    monkeypatch.setattr(schema, "PRAGMAS", [*schema.PRAGMAS, f"PRAGMA max_page_count = {pages + 2}"])
    from autograder.gradebook import store

    monkeypatch.setattr(store, "PRAGMAS", schema.PRAGMAS)
    with Gradebook(path) as book:
        with pytest.raises(GradebookError) as info:
            for i in range(200):
                sub = _submission(book, f"s{i + 1}", content=f"h{i}" * 200)
                book.record(run_id=run, submission_id=sub, tests_hash="t1", result=_result(3, n_tests=50),
                            started_at="a", finished_at="b")
        assert "full" in str(info.value) and "free disk space" in str(info.value) and str(path) in str(info.value)
    with Gradebook(path) as book:
        assert book.integrity() == "ok"
        grades = book.counts()["grades"]
        assert book.counts()["test_results"] == 3 + 50 * (grades - 1)  # every grade complete, none half-written


# --- schema versions and migrations ----------------------------------------------------------------

def _version_1_file(path: Path) -> None:
    """A gradebook as version 1 wrote it: its DDL, user_version 1, and one submission."""
    db = sqlite3.connect(path)
    db.executescript(schema.DDL)
    for column in ("failure", "flagged"):  # added by version 2
        db.execute(f"ALTER TABLE grades DROP COLUMN {column}")
    db.execute("INSERT INTO students (id, name) VALUES ('s1', 'Jane')")
    db.execute("INSERT INTO assignments (id, updated_at) VALUES ('90-calc', '2027-01-01')")
    db.execute("INSERT INTO submissions (student_id, assignment_id, content_hash, received_at) "
               "VALUES ('s1', '90-calc', 'h1', '2027-02-01')")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()


def _user_version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()


def test_new_file_gets_the_newest_version(tmp_path):
    with Gradebook(tmp_path / "gb.sqlite"):
        pass
    assert _user_version(tmp_path / "gb.sqlite") == len(schema.MIGRATIONS) == schema.SCHEMA_VERSION


def test_version_1_file_opens_and_keeps_its_rows(tmp_path):
    path = tmp_path / "gb.sqlite"
    _version_1_file(path)
    with Gradebook(path) as book:
        assert book._read("SELECT student_id, content_hash FROM submissions") == [
            {"student_id": "s1", "content_hash": "h1"}]
        _setup(book)
        assert _submission(book, "s1", "h1") == 1  # the same row, not a new one
    assert _user_version(path) == schema.SCHEMA_VERSION


def test_version_2_gives_version_1_grades_their_failure_and_flag(tmp_path):
    """Version 1 told a grader failure or a flagged submission by its message's first words; the
    upgrade turns those into the structured columns the staff report reads."""
    from autograder.outcomes import Failure

    path = tmp_path / "gb.sqlite"
    _version_1_file(path)
    db = sqlite3.connect(path)
    db.execute("INSERT INTO students (id) VALUES ('s2'), ('s3')")
    for student, content in (("s2", "h2"), ("s3", "h3")):
        db.execute("INSERT INTO submissions (student_id, assignment_id, content_hash, received_at) "
                   "VALUES (?, '90-calc', ?, '2027-02-01')", (student, content))
    db.execute("INSERT INTO runs (assignment_id, tests_hash, started_at, kit_version, sandbox, jobs, host, pid) "
               "VALUES ('90-calc', 't', '2027-02-01', '0.1', 'docker', 1, 'h', 1)")
    for sub, status, message in ((1, "error", "Submission refused: x.zip: not a zip"),
                                 (2, "graded", "Policy violation: calc.py imports numpy"),
                                 (3, "graded", "")):
        db.execute("INSERT INTO grades (submission_id, tests_hash, run_id, status, score, max_score, message, "
                   "started_at, finished_at) VALUES (?, 't', 1, ?, 0, 9, ?, '2027-02-01', '2027-02-01')",
                   (sub, status, message))
    db.commit()
    db.close()
    with Gradebook(path) as book:
        rows = {r.student_id: r for r in book.current("90-calc")}
    assert (rows["s1"].failure, rows["s1"].flagged) == (Failure.REFUSED, False)
    assert (rows["s2"].failure, rows["s2"].flagged) == (None, True)
    assert (rows["s3"].failure, rows["s3"].flagged) == (None, False)


def _v2_add_note(db: sqlite3.Connection) -> None:
    """A synthetic migration 1 -> 2: a column, added only when missing (idempotent)."""
    if "note" not in {row[1] for row in db.execute("PRAGMA table_info(submissions)")}:
        db.execute("ALTER TABLE submissions ADD COLUMN note TEXT NOT NULL DEFAULT 'migrated'")


def test_a_new_migration_upgrades_a_version_1_file_and_keeps_its_data(tmp_path, monkeypatch):
    path = tmp_path / "gb.sqlite"
    _version_1_file(path)
    ran = []
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, lambda db: (ran.append(2), _v2_add_note(db))])
    with Gradebook(path) as book:
        assert book._read("SELECT student_id, content_hash, note FROM submissions") == [
            {"student_id": "s1", "content_hash": "h1", "note": "migrated"}]
    newest = schema.SCHEMA_VERSION + 1
    assert _user_version(path) == newest and ran == [2]
    with Gradebook(path):  # already the newest: nothing runs again
        pass
    assert ran == [2]
    fresh = tmp_path / "fresh.sqlite"  # a brand-new file runs every migration, from 1
    with Gradebook(fresh):
        pass
    assert _user_version(fresh) == newest and ran == [2, 2]


def test_a_failing_migration_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "gb.sqlite"
    _version_1_file(path)

    def broken(db):
        db.execute("ALTER TABLE submissions ADD COLUMN note TEXT")
        db.execute("ALTER TABLE no_such_table ADD COLUMN x TEXT")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, broken])
    with pytest.raises(GradebookError, match=f"from schema version {schema.SCHEMA_VERSION} to {schema.SCHEMA_VERSION + 1}"):
        Gradebook(path)
    assert _user_version(path) == 1
    db = sqlite3.connect(path)
    assert "note" not in {row[1] for row in db.execute("PRAGMA table_info(submissions)")}
    db.close()


def test_a_file_newer_than_the_code_is_refused_naming_both_versions(tmp_path):
    path = tmp_path / "gb.sqlite"
    _version_1_file(path)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 4}")
    db.commit()
    db.close()
    with pytest.raises(GradebookError) as info:
        Gradebook(path)
    message = str(info.value)
    assert f"schema version {schema.SCHEMA_VERSION + 4}" in message
    assert f"up to {schema.SCHEMA_VERSION}" in message and "upgrade llmkit" in message
    assert _user_version(path) == schema.SCHEMA_VERSION + 4
