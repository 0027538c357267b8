"""The gradebook: one SQLite file per term, with one verb set per entity.

Every write is its own short `BEGIN IMMEDIATE` transaction, so a grade is on
disk as soon as its submission finishes, a process killed at any moment leaves
the file consistent (WAL), and two grading processes take turns instead of
failing. Claims stop two processes from grading the same submission at once;
a claim held by a process that is gone (killed) is taken over.

This module is the only user of sqlite3. It stores and returns plain rows; it
decides nothing about scores, late penalties or what to regrade.
"""

from __future__ import annotations

import io
import json
import os
import socket
import sqlite3
import sys
import threading
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

from autograder.errors import GraderFailure
from autograder.gradebook import schema
from autograder.gradebook.schema import PRAGMAS
from autograder.harness.feedback import TestRecord
from autograder.outcomes import Failure
from autograder.results import SubmissionResult
from autograder.sandbox.base import pid_alive


class GradebookError(GraderFailure):
    """The gradebook file cannot be opened or written (disk full, not writable, corrupt)."""


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def to_iso(stamp: datetime | None) -> str | None:
    return stamp.astimezone(timezone.utc).isoformat(timespec="seconds") if stamp else None


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Submission:
    id: int
    student_id: str
    assignment_id: str
    content_hash: str
    submitted_at: datetime | None
    source: str
    late_flag: bool


@dataclass(frozen=True)
class GradeRow:
    """The current grade of one student's latest submission of one assignment."""

    student_id: str
    name: str
    email: str
    canvas_id: str
    sis_id: str
    section: str
    assignment_id: str
    submission_id: int
    content_hash: str
    submitted_at: datetime | None
    late_flag: bool
    grade_id: int | None
    status: str  # graded | error | ungraded
    score: float
    max_score: float
    message: str
    execution_time: float
    tests_hash: str
    finished_at: str
    failure: Failure | None = None  # why the submission has no score (outcomes.Failure); None when graded
    flagged: bool = False  # graded, but broke the import policy: review it


class Gradebook:
    """Open (creating if needed) the gradebook at `path`. Thread-safe; use as a context manager."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            for pragma in PRAGMAS:
                _execute_patiently(self._db, pragma)
            self._migrate()
        except GradebookError:
            self._db.close()
            raise
        except (sqlite3.Error, OSError) as exc:
            raise self._error(exc, "open") from None

    def _migrate(self) -> None:
        """Bring the file to the newest schema (see `schema`): the migrations it lacks, in order, then
        the DDL, then its user_version, in one transaction. A file newer than this code is refused."""
        migrations = schema.MIGRATIONS  # read at open time, so a test can add one
        newest = len(migrations)
        with self._tx() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > newest:
                raise GradebookError(
                    f"{self.path}: written by a newer llmkit (gradebook schema version {version}; this llmkit "
                    f"knows versions up to {newest}); upgrade llmkit to open it "
                    "(update the kit, then reinstall it: pip install -c constraints.txt -e .)")
            for target in range(version + 1, newest + 1):
                try:
                    migrations[target - 1](db)
                except sqlite3.Error as exc:
                    raise self._error(exc, f"upgrade it from schema version {target - 1} to {target}") from None
            schema.apply_ddl(db)
            if version != newest:
                db.execute(f"PRAGMA user_version = {int(newest)}")

    def _error(self, exc: Exception, doing: str) -> GradebookError:
        text = str(exc)
        hint = "check the path and its permissions"
        if "full" in text or getattr(exc, "errno", None) == 28:
            hint = "free disk space, then rerun: finished grades are kept and the rest are graded then"
        elif "readonly" in text or "permission" in text.lower():
            hint = "make the file and its folder writable, or pass another --gradebook"
        elif "not a database" in text or "malformed" in text:
            hint = "restore the file from a backup or start a new one with --gradebook"
        return GradebookError(f"gradebook {self.path}: cannot {doing} ({text}); {hint}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> "Gradebook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                # subtle: on SQLITE_FULL and some I/O errors SQLite has already rolled back by itself
                if self._db.in_transaction:
                    try:
                        self._db.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                raise

    @contextmanager
    def _writing(self, doing: str) -> Iterator[sqlite3.Connection]:
        try:
            with self._tx() as db:
                yield db
        except sqlite3.Error as exc:
            raise self._error(exc, doing) from None

    def _read(self, sql: str, args: tuple = ()) -> list[dict]:
        with self._lock:
            try:
                cur = self._db.execute(sql, args)
                cols = [d[0] for d in cur.description]
                return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
            except sqlite3.Error as exc:
                raise self._error(exc, "read") from None

    # --- students ------------------------------------------------------------------------------

    def upsert_students(self, students: Iterable, *, on_roster: bool = True) -> None:
        """Add or update roster students (objects with id, name, email, canvas_id, sis_id, section)."""
        with self._writing("record the roster") as db:
            for s in students:
                db.execute(
                    "INSERT INTO students (id, name, email, canvas_id, sis_id, section, on_roster) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
                    "email = excluded.email, canvas_id = excluded.canvas_id, sis_id = excluded.sis_id, "
                    "section = excluded.section, on_roster = MAX(on_roster, excluded.on_roster)",
                    (s.id, s.name, s.email, s.canvas_id, s.sis_id, s.section, int(on_roster)))

    def students(self) -> list[dict]:
        return self._read("SELECT * FROM students ORDER BY id")

    # --- assignments and submissions -----------------------------------------------------------

    def upsert_assignment(self, assignment_id: str, *, title: str, tests_hash: str, test_files: dict[str, str]) -> None:
        with self._writing("record the assignment") as db:
            db.execute(
                "INSERT INTO assignments (id, title, tests_hash, test_files, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET title = excluded.title, tests_hash = excluded.tests_hash, "
                "test_files = excluded.test_files, updated_at = excluded.updated_at",
                (assignment_id, title, tests_hash, json.dumps(test_files, sort_keys=True), now_iso()))

    def assignment(self, assignment_id: str) -> dict | None:
        rows = self._read("SELECT * FROM assignments WHERE id = ?", (assignment_id,))
        return rows[0] if rows else None

    def add_submission(self, *, student_id: str, assignment_id: str, content_hash: str,
                       submitted_at: datetime | None, source: str, layout: str, late_flag: bool = False,
                       files: dict[str, bytes] | None = None, name: str = "", email: str = "") -> int:
        """Record a submission (idempotent) and keep its files for `regrade`; return its id.

        The same content submitted again keeps its earliest submission time.
        """
        with self._writing("record a submission") as db:
            db.execute("INSERT INTO students (id, name, email) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
                       (student_id, name, email))
            db.execute(
                "INSERT INTO submissions (student_id, assignment_id, content_hash, submitted_at, received_at, "
                "source, layout, late_flag) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (student_id, assignment_id, content_hash) DO UPDATE SET "
                "submitted_at = CASE WHEN submissions.submitted_at IS NULL OR "
                "(excluded.submitted_at IS NOT NULL AND excluded.submitted_at < submissions.submitted_at) "
                "THEN excluded.submitted_at ELSE submissions.submitted_at END, "
                "source = CASE WHEN excluded.layout = 'regrade' THEN submissions.source ELSE excluded.source END",
                (student_id, assignment_id, content_hash, to_iso(submitted_at), now_iso(), source, layout,
                 int(late_flag)))
            if files is not None:
                db.execute("INSERT INTO blobs (content_hash, data) VALUES (?, ?) ON CONFLICT DO NOTHING",
                           (content_hash, _zip_files(files)))
            return db.execute("SELECT id FROM submissions WHERE student_id = ? AND assignment_id = ? AND "
                              "content_hash = ?", (student_id, assignment_id, content_hash)).fetchone()[0]

    def submission(self, submission_id: int) -> Submission:
        row = self._read("SELECT * FROM submissions WHERE id = ?", (submission_id,))[0]
        return Submission(id=row["id"], student_id=row["student_id"], assignment_id=row["assignment_id"],
                          content_hash=row["content_hash"], submitted_at=from_iso(row["submitted_at"]),
                          source=row["source"], late_flag=bool(row["late_flag"]))

    def files(self, content_hash: str) -> dict[str, bytes] | None:
        rows = self._read("SELECT data FROM blobs WHERE content_hash = ?", (content_hash,))
        if not rows:
            return None
        with zipfile.ZipFile(io.BytesIO(rows[0]["data"])) as zf:
            return {n: zf.read(n) for n in zf.namelist()}

    # --- runs and claims -----------------------------------------------------------------------

    def start_run(self, *, assignment_id: str, tests_hash: str, command: str, kit_version: str, sandbox: str,
                  jobs: int, image_digest: str = "", seeds: dict | None = None) -> int:
        """Open a grading run; runs of this host whose process is gone are marked interrupted first."""
        host = socket.gethostname()
        with self._writing("start a grading run") as db:
            for run_id, pid in db.execute("SELECT id, pid FROM runs WHERE status = 'running' AND host = ?",
                                          (host,)).fetchall():
                if not pid_alive(pid):
                    db.execute("UPDATE runs SET status = 'interrupted', message = 'the process was killed' "
                               "WHERE id = ?", (run_id,))
            cur = db.execute(
                "INSERT INTO runs (assignment_id, tests_hash, command, started_at, kit_version, sandbox, "
                "image_digest, jobs, host, pid, python, seeds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (assignment_id, tests_hash, command, now_iso(), kit_version, sandbox, image_digest, jobs, host,
                 os.getpid(), sys.version.split()[0], json.dumps(seeds or {}, sort_keys=True)))
            run_id = cur.lastrowid
            if run_id is None:  # sqlite3 sets it after every INSERT
                raise RuntimeError("the gradebook did not number the new run")
            return run_id

    def finish_run(self, run_id: int, *, status: str, seconds: float, counts: dict, message: str = "",
                   image_digest: str = "") -> None:
        with self._writing("finish the grading run") as db:
            db.execute("UPDATE runs SET status = ?, finished_at = ?, seconds = ?, counts = ?, message = ?, "
                       "image_digest = CASE WHEN ? = '' THEN image_digest ELSE ? END WHERE id = ?",
                       (status, now_iso(), round(seconds, 3), json.dumps(counts), message, image_digest,
                        image_digest, run_id))
            db.execute("DELETE FROM claims WHERE run_id = ?", (run_id,))

    def runs(self) -> list[dict]:
        return self._read("SELECT * FROM runs ORDER BY id")

    def claim(self, submission_id: int, tests_hash: str, run_id: int, *, force: bool = False) -> str:
        """Take the right to grade this submission under these tests.

        Returns "claimed", "graded" (a grade exists already; never with `force`) or "busy" (a live
        run holds the claim). Checked and taken in one transaction, so two runs never both win.
        """
        with self._writing("claim a submission") as db:
            if not force and db.execute("SELECT 1 FROM grades WHERE submission_id = ? AND tests_hash = ?",
                                        (submission_id, tests_hash)).fetchone():
                return "graded"
            row = db.execute(
                "SELECT c.run_id, r.status, r.host, r.pid FROM claims c JOIN runs r ON r.id = c.run_id "
                "WHERE c.submission_id = ? AND c.tests_hash = ?", (submission_id, tests_hash)).fetchone()
            if row is not None and row[0] != run_id:
                _, status, host, pid = row
                alive = status == "running" and (host != socket.gethostname() or pid_alive(pid))
                if alive:
                    return "busy"
            db.execute("INSERT INTO claims (submission_id, tests_hash, run_id, claimed_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (submission_id, tests_hash) DO UPDATE SET run_id = excluded.run_id, "
                       "claimed_at = excluded.claimed_at", (submission_id, tests_hash, run_id, now_iso()))
            return "claimed"

    def release(self, submission_id: int, tests_hash: str, run_id: int) -> None:
        with self._writing("release a claim") as db:
            db.execute("DELETE FROM claims WHERE submission_id = ? AND tests_hash = ? AND run_id = ?",
                       (submission_id, tests_hash, run_id))

    # --- grades --------------------------------------------------------------------------------

    def is_graded(self, submission_id: int, tests_hash: str) -> bool:
        return bool(self._read("SELECT 1 FROM grades WHERE submission_id = ? AND tests_hash = ?",
                               (submission_id, tests_hash)))

    def record(self, *, run_id: int, submission_id: int, tests_hash: str, result: SubmissionResult,
               started_at: str, finished_at: str) -> int:
        """Store one finished submission and its per-test results in one transaction; return the grade id."""
        with self._writing("record a grade") as db:
            db.execute(
                "INSERT INTO grades (submission_id, tests_hash, run_id, status, score, max_score, message, "
                "execution_time, started_at, finished_at, meta, failure, flagged) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (submission_id, tests_hash) DO UPDATE SET run_id = excluded.run_id, "
                "status = excluded.status, score = excluded.score, max_score = excluded.max_score, "
                "message = excluded.message, execution_time = excluded.execution_time, "
                "started_at = excluded.started_at, finished_at = excluded.finished_at, meta = excluded.meta, "
                "failure = excluded.failure, flagged = excluded.flagged",
                (submission_id, tests_hash, run_id, result.status, result.score, result.max_score, result.message,
                 result.execution_time, started_at, finished_at, json.dumps(result.meta, sort_keys=True, default=str),
                 result.failure.value if result.failure else "", int(result.flagged)))
            grade_id = db.execute("SELECT id FROM grades WHERE submission_id = ? AND tests_hash = ?",
                                  (submission_id, tests_hash)).fetchone()[0]
            db.execute("DELETE FROM test_results WHERE grade_id = ?", (grade_id,))
            db.executemany(
                "INSERT INTO test_results (grade_id, test_id, name, points, score, status, category, visibility, "
                "duration, output) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(grade_id, t.id, t.name, t.points, t.score, t.status, t.category, t.visibility, t.duration,
                  t.output) for t in result.tests])
            db.execute("DELETE FROM claims WHERE submission_id = ? AND tests_hash = ?", (submission_id, tests_hash))
            return grade_id

    def test_results(self, grade_id: int) -> list[TestRecord]:
        rows = self._read("SELECT * FROM test_results WHERE grade_id = ? ORDER BY rowid", (grade_id,))
        return [TestRecord(id=r["test_id"], name=r["name"], points=r["points"], score=r["score"],
                           status=r["status"], category=r["category"], visibility=r["visibility"],
                           output=r["output"], duration=r["duration"]) for r in rows]

    def current(self, assignment_id: str | None = None) -> list[GradeRow]:
        """Each student's latest submission per assignment, with its most recent grade (if any)."""
        where = "WHERE s.assignment_id = ?" if assignment_id else ""
        rows = self._read(
            f"""
            WITH ranked AS (
                SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.student_id, s.assignment_id
                    ORDER BY COALESCE(s.submitted_at, s.received_at) DESC, s.id DESC) AS rn
                FROM submissions s {where}
            ), latest_grade AS (
                SELECT g.*, ROW_NUMBER() OVER (PARTITION BY g.submission_id ORDER BY g.finished_at DESC, g.id DESC) AS rn
                FROM grades g
            )
            SELECT st.id AS student_id, st.name, st.email, st.canvas_id, st.sis_id, st.section,
                   r.assignment_id, r.id AS submission_id, r.content_hash, r.submitted_at, r.late_flag,
                   g.id AS grade_id, COALESCE(g.status, 'ungraded') AS status, COALESCE(g.score, 0) AS score,
                   COALESCE(g.max_score, 0) AS max_score, COALESCE(g.message, '') AS message,
                   COALESCE(g.execution_time, 0) AS execution_time, COALESCE(g.tests_hash, '') AS tests_hash,
                   COALESCE(g.finished_at, '') AS finished_at, COALESCE(g.failure, '') AS failure,
                   COALESCE(g.flagged, 0) AS flagged
            FROM ranked r JOIN students st ON st.id = r.student_id
            LEFT JOIN latest_grade g ON g.submission_id = r.id AND g.rn = 1
            WHERE r.rn = 1 ORDER BY r.assignment_id, st.id
            """, (assignment_id,) if assignment_id else ())
        return [GradeRow(**{**r, "submitted_at": from_iso(r["submitted_at"]), "late_flag": bool(r["late_flag"]),
                            "failure": Failure(r["failure"]) if r["failure"] else None, "flagged": bool(r["flagged"])})
                for r in rows]

    def counts(self) -> dict[str, int]:
        """Row counts per table (for checks and the CLI)."""
        tables = ("students", "assignments", "submissions", "runs", "claims", "grades", "test_results")
        return {t: self._read(f"SELECT COUNT(*) AS n FROM {t}")[0]["n"] for t in tables}

    def integrity(self) -> str:
        return self._read("PRAGMA integrity_check")[0]["integrity_check"]


def _execute_patiently(db: sqlite3.Connection, statement: str, seconds: float = 60.0) -> None:
    """Run a set-up statement, retrying while another process holds the file: switching a new file to
    WAL needs it alone, and SQLite answers "locked" at once there instead of waiting its busy timeout
    (two `bulk` runs starting on one new gradebook)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            db.execute(statement)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _zip_files(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))  # same files, same bytes
            zf.writestr(info, files[name])
    return buf.getvalue()
