"""Hidden tests: the SELECT-only check and run_query (statuses, rows, messages, time limits)."""

import random

import pytest

from autograder.harness.expect import assert_equal

UNSAFE = "only a single SELECT statement is allowed"

SAFE = [
    "  SELECT 1  ", "sElEcT\n\n  name FROM singer", "SELECT 1;;", "SELECT * FROM singer; ",
    "SELECT 1 -- ; DROP TABLE singer", "SELECT 'DROP TABLE singer'", 'SELECT "name" FROM singer',
    "SELECT a FROM t INTERSECT SELECT a FROM u", "SELECT a FROM t EXCEPT SELECT a FROM u",
    "SELECT name FROM singer WHERE age > (SELECT avg(age) FROM singer WHERE country IN (SELECT country FROM singer))",
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c LIMIT 3",
    "SELECT * FROM (SELECT name FROM singer ORDER BY name) LIMIT 2 OFFSET 1",
]
UNSAFE_SQL = [
    "drop table singer", "DROP\tTABLE\nsinger", "update singer set age=age+1", "DELETE FROM concert WHERE year < 2000",
    "INSERT INTO singer SELECT * FROM singer", "REPLACE INTO singer VALUES (1, 'a', 'b', 1, 1)",
    "CREATE TABLE x AS SELECT 1", "ALTER TABLE singer ADD COLUMN z INT", "ATTACH DATABASE 'x.db' AS x",
    "DETACH x", "PRAGMA writable_schema = 1", "VACUUM", "BEGIN", "EXPLAIN SELECT 1",
    "SELECT 1; SELECT 2", "SELECT 1 /* hidden */; DROP TABLE singer", "select 1 -- x\n; drop table singer",
    "SELECT name FROM singer LIMIT 1; ATTACH 'x' AS y",
    "WITH x AS (DELETE FROM singer RETURNING *) SELECT * FROM x", "WITH x AS (SELECT 1) UPDATE singer SET age = 1",
    "UPDATE singer SET age = (SELECT 1)", "(SELECT 1)", ";", "   ", "SELECT (", "SELECT * FROM singer WHERE",
]


@pytest.mark.points(1)
def test_is_safe_select_accepts_read_only_queries(student):
    """is_safe_select accepts every single read-only query (whitespace, case, comments, set operations, nesting)."""
    for sql in SAFE:
        assert_equal(student.call("is_safe_select", sql), True, what="is_safe_select on a single SELECT")


@pytest.mark.points(2)
def test_is_safe_select_rejects_everything_else(student):
    """is_safe_select rejects writes, schema and session statements, stacked or hidden statements, junk."""
    for sql in UNSAFE_SQL:
        assert_equal(student.call("is_safe_select", sql), False, what="is_safe_select on an unsafe or broken input")


QUERIES = [
    "SELECT * FROM singer ORDER BY singer_id",
    "SELECT country, count(*), avg(net_worth) FROM singer GROUP BY country ORDER BY country",
    "SELECT s.name, c.venue, c.attendance FROM singer s JOIN concert c ON s.singer_id = c.singer_id ORDER BY c.concert_id",
    "SELECT net_worth * 2, NULL, x'00ff' FROM singer ORDER BY singer_id",
    "SELECT year, sum(attendance) FROM concert GROUP BY year HAVING count(*) > 1 ORDER BY year",
    "SELECT name FROM singer WHERE age IS NULL ORDER BY singer_id",
]
ERRORS = ["SELECT nme FROM singer", "SELECT * FROM singers", "SELECT name FROM singer GROUP BY", "SELECT max() FROM singer"]


@pytest.mark.points(2)
def test_run_query_rows_and_errors(student, kit, oracle):
    """run_query returns SQLite's rows (values and order) or "error" with SQLite's own message."""
    for seed in (20, 21, 22):
        db = kit.concerts_instance(seed)
        for sql in QUERIES:
            assert_equal(student.call("run_query", db, sql, 5000),
                         {"status": "ok", "rows": kit.run_sqlite(db, sql), "message": ""}, what="run_query on a SELECT")
        for sql in ERRORS:
            if not oracle.safe(sql):
                continue
            assert_equal(student.call("run_query", db, sql),
                         {"status": "error", "rows": None, "message": kit.sqlite_error(db, sql)},
                         what="run_query on a failing query")


@pytest.mark.points(1)
def test_run_query_unsafe_runs_nothing(student, kit):
    """run_query reports "unsafe" for anything but a single SELECT, before running it."""
    db = kit.concerts_instance(23)
    for sql in ["SELECT 1; DROP TABLE singer", "DELETE FROM singer", "SELEC 1", "PRAGMA table_info(singer)"]:
        assert_equal(student.call("run_query", db, sql),
                     {"status": "unsafe", "rows": None, "message": UNSAFE}, what="run_query on an unsafe input")


@pytest.mark.points(2)
@pytest.mark.limits(seconds=12)
def test_run_query_time_limits(student, kit):
    """run_query: endless queries stop at the limit with "timeout"; the limit is per call, in milliseconds.

    Staff: an endless recursive CTE that streams rows, one that aggregates, a cross join that is
    slow but finite under a short limit, and a finite query well under a long limit.
    """
    db = kit.concerts_instance(24)
    stream = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c"
    agg = "WITH RECURSIVE c(x) AS (VALUES(0) UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c"
    slow = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000) "
            "SELECT count(*) FROM c a, c b, c d")
    for sql, ms in [(stream, 150), (agg, 300), (slow, 120)]:
        assert_equal(student.call("run_query", db, sql, ms),
                     {"status": "timeout", "rows": None, "message": f"query exceeded the time limit of {ms} ms"},
                     what="run_query on a query past its time limit")
    finite = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) SELECT count(*), sum(x) FROM c"
    assert_equal(student.call("run_query", db, finite, 8000),
                 {"status": "ok", "rows": [(20000, 200010000)], "message": ""}, what="run_query within its time limit")
    rng = random.Random(1903)
    assert_equal(student.call("run_query", db, stream, rng.randint(90, 110))["status"], "timeout",
                 what="the status of a second endless query")
