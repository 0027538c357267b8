"""The gradebook's SQLite schema (one file per course term) and the pragmas every connection sets.

Uniqueness is the database's job, not the caller's: one submission per
(student, assignment, content hash), one grade per (submission, tests hash),
one result per (grade, test). Two grading processes writing at once therefore
cannot create duplicate rows, whatever order they finish in.

Versions: a file records its schema version in SQLite's `PRAGMA user_version` (0: a brand-new
file, or one from before versioning). `MIGRATIONS[k - 1]` upgrades a file at version k-1 to k;
opening a gradebook runs the missing ones in order, then the DDL, then sets user_version, all in
one transaction (a failure leaves the file as it was). `DDL` always describes the newest schema
and is applied to every file (CREATE ... IF NOT EXISTS), so a brand-new file gets the newest
tables from migration 1 and every later migration must be idempotent: check before it alters
(e.g. add a column only if `PRAGMA table_info` lacks it). To change the schema: update DDL and
append a migration. A file newer than this code is refused with both versions named.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from autograder.outcomes import POLICY_VIOLATION, Failure

# subtle: a list, so a test can append e.g. "PRAGMA max_page_count = 40" to simulate a full disk
PRAGMAS = [
    "PRAGMA journal_mode = WAL",  # readers never block the writer; a killed writer leaves the file consistent
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 60000",
]

DDL = """
CREATE TABLE IF NOT EXISTS students (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    canvas_id TEXT NOT NULL DEFAULT '',
    sis_id TEXT NOT NULL DEFAULT '',
    section TEXT NOT NULL DEFAULT '',
    on_roster INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS assignments (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    tests_hash TEXT NOT NULL DEFAULT '',
    test_files TEXT NOT NULL DEFAULT '{}',          -- JSON: test file -> sha256, for `regrade`
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS blobs (
    content_hash TEXT PRIMARY KEY,
    data BLOB NOT NULL                             -- a zip of the taken-in files, for `regrade`
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    student_id TEXT NOT NULL REFERENCES students(id),
    assignment_id TEXT NOT NULL REFERENCES assignments(id),
    content_hash TEXT NOT NULL,
    submitted_at TEXT,                             -- ISO 8601 UTC, NULL when the layout does not say
    received_at TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    layout TEXT NOT NULL DEFAULT '',
    late_flag INTEGER NOT NULL DEFAULT 0,
    UNIQUE (student_id, assignment_id, content_hash)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    assignment_id TEXT NOT NULL,
    tests_hash TEXT NOT NULL,
    command TEXT NOT NULL DEFAULT 'grade',
    status TEXT NOT NULL DEFAULT 'running',        -- running | finished | failed | interrupted
    started_at TEXT NOT NULL,
    finished_at TEXT,
    seconds REAL,
    kit_version TEXT NOT NULL,
    sandbox TEXT NOT NULL,
    image_digest TEXT NOT NULL DEFAULT '',
    jobs INTEGER NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    python TEXT NOT NULL DEFAULT '',
    seeds TEXT NOT NULL DEFAULT '{}',
    counts TEXT NOT NULL DEFAULT '{}',
    message TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS claims (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    tests_hash TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (submission_id, tests_hash)
);
CREATE TABLE IF NOT EXISTS grades (
    id INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    tests_hash TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    status TEXT NOT NULL,                          -- graded | error
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    execution_time REAL NOT NULL DEFAULT 0,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    failure TEXT NOT NULL DEFAULT '',              -- '' (graded) or an outcomes.Failure: refused | grader | sandbox
    flagged INTEGER NOT NULL DEFAULT 0,            -- graded, but broke the import policy: review it
    UNIQUE (submission_id, tests_hash)
);
CREATE TABLE IF NOT EXISTS test_results (
    grade_id INTEGER NOT NULL REFERENCES grades(id) ON DELETE CASCADE,
    test_id TEXT NOT NULL,
    name TEXT NOT NULL,
    points REAL NOT NULL,
    score REAL NOT NULL,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    visibility TEXT NOT NULL,
    duration REAL NOT NULL,
    output TEXT NOT NULL,
    PRIMARY KEY (grade_id, test_id)
);
CREATE INDEX IF NOT EXISTS submissions_by_assignment ON submissions (assignment_id, student_id);
CREATE INDEX IF NOT EXISTS grades_by_submission ON grades (submission_id, finished_at);
"""


def _statements(ddl: str) -> list[str]:
    return [statement for statement in ddl.split(";") if statement.strip()]


def apply_ddl(db: sqlite3.Connection) -> None:
    """Create whatever of the newest schema is missing (tables, indexes); idempotent."""
    for statement in _statements(DDL):
        db.execute(statement)


def _v1(db: sqlite3.Connection) -> None:
    """0 -> 1: the first versioned schema. A brand-new file, or one written before versioning (its
    tables are those of version 1), gets the tables and indexes it lacks."""
    apply_ddl(db)


def _v2(db: sqlite3.Connection) -> None:
    """1 -> 2: grades say why a submission has no score (`failure`) and whether it is flagged for
    review as structured columns; rows of version 1 get them from their message's first words,
    which is how version 1 told these apart."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(grades)")}
    if "failure" not in columns:
        db.execute("ALTER TABLE grades ADD COLUMN failure TEXT NOT NULL DEFAULT ''")
        for failure in Failure:
            db.execute("UPDATE grades SET failure = ? WHERE status = 'error' AND message LIKE ?",
                       (failure.value, failure.prefix + "%"))
    if "flagged" not in columns:
        db.execute("ALTER TABLE grades ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0")
        db.execute("UPDATE grades SET flagged = 1 WHERE status = 'graded' AND message LIKE ?", (POLICY_VIOLATION + "%",))


# MIGRATIONS[k - 1]: version k-1 -> k. Append only; never edit or reorder a released migration.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2]

SCHEMA_VERSION = len(MIGRATIONS)  # the newest version this code writes
