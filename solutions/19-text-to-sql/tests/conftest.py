"""Shared data and fakes for the 19-text-to-sql tests (released: nothing hidden here).

Everything here runs on the trusted side (the grader). Databases are built here with `sqlite3`
and sent to your code as bytes (`Connection.serialize()`); your code opens them with `open_db`.

- `make_db(ddl, rows)`: a database from a DDL script and {table: [row tuples]}.
- `concerts_instance(seed)`: one randomly populated instance of the concerts schema below
  (test-suite evaluation runs each query on several such instances). Small value pools, so
  duplicate rows, ties and NULLs are common; REAL values are multiples of 0.25 (exact floats).
- `run_sqlite(db, sql)`: the rows SQLite itself returns (the field's own engine as the oracle).
- `scripted_llm(script)`: a fake model that answers script[k] on its k-th call; lent to your code
  with `student.callback`, so every prompt it receives is recorded on the grader's side.
"""

from __future__ import annotations

import random
import sqlite3
from types import SimpleNamespace

import pytest

CONCERTS_DDL = """
CREATE TABLE singer (
    singer_id INTEGER PRIMARY KEY,
    name TEXT,
    country TEXT,
    age INTEGER,
    net_worth REAL
);
CREATE TABLE concert (
    concert_id INTEGER PRIMARY KEY,
    singer_id INTEGER REFERENCES singer(singer_id),
    year INTEGER,
    venue TEXT,
    attendance INTEGER
);
"""

NAMES = ["Ana", "Bo", "Cy", "Dee", "Eli", "Fay"]
COUNTRIES = ["France", "Chile", "Japan", "Ghana"]
VENUES = ["Hall", "Arena", "Club"]


def make_db(ddl: str, rows: dict[str, list[tuple]] | None = None) -> bytes:
    """A SQLite database (as bytes) from a DDL script and the rows of each table."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(ddl)
        for table, table_rows in (rows or {}).items():
            for row in table_rows:
                marks = ", ".join("?" for _ in row)
                conn.execute(f'INSERT INTO "{table}" VALUES ({marks})', row)
        conn.commit()
        return conn.serialize()
    finally:
        conn.close()


def concerts_instance(seed: int) -> bytes:
    """A random instance of the concerts schema (deterministic in `seed`)."""
    rng = random.Random(seed)
    n_singers = rng.randint(0, 7) if seed % 5 else rng.randint(1, 3)
    singers = []
    for sid in range(1, n_singers + 1):
        singers.append((
            sid,
            rng.choice(NAMES),
            None if rng.random() < 0.15 else rng.choice(COUNTRIES),
            None if rng.random() < 0.1 else rng.randint(20, 26),
            None if rng.random() < 0.1 else rng.randint(0, 12) * 0.25,
        ))
    concerts = []
    for cid in range(1, rng.randint(0, 10) + 1):
        concerts.append((
            cid,
            rng.randint(1, n_singers) if n_singers else None,
            rng.randint(2018, 2021),
            rng.choice(VENUES),
            rng.randint(1, 4) * 100,
        ))
    return make_db(CONCERTS_DDL, {"singer": singers, "concert": concerts})


def run_sqlite(db: bytes, sql: str) -> list[tuple]:
    """The rows sqlite3 returns for `sql` on `db` (no time limit, no safety check)."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.deserialize(db)
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()


def sqlite_error(db: bytes, sql: str) -> str:
    """str() of the sqlite3.Error that running `sql` on `db` raises."""
    try:
        run_sqlite(db, sql)
    except sqlite3.Error as e:
        return str(e)
    raise AssertionError("the query ran without an error")


def scripted_llm(script: list[str]):
    """A fake model: script[k] on its k-th call (the last entry again after the script ends)."""
    state = {"k": 0}

    def llm(prompt):
        if type(prompt) is not str or len(prompt) > 100_000:
            raise TypeError("llm(prompt: str)")
        k = state["k"]
        state["k"] += 1
        return script[min(k, len(script) - 1)]
    return llm


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The helpers above, for test modules (which cannot import conftest by name)."""
    return SimpleNamespace(
        CONCERTS_DDL=CONCERTS_DDL, make_db=make_db, concerts_instance=concerts_instance,
        run_sqlite=run_sqlite, sqlite_error=sqlite_error, scripted_llm=scripted_llm,
    )
