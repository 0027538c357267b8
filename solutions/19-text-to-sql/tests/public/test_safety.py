"""Public tests: the SELECT-only safety check and running a query with a time limit."""

import pytest

from autograder.harness.expect import assert_equal

UNSAFE = "only a single SELECT statement is allowed"
FOREVER = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


@pytest.mark.points(2)
def test_is_safe_select_accepts_queries(student):
    """is_safe_select accepts single SELECTs: lowercase, subqueries, UNION, WITH, a trailing ';'."""
    for sql in ["SELECT 1", "select name\n\tfrom singer  where age>20;",
                "SELECT name FROM singer WHERE singer_id IN (SELECT singer_id FROM concert)",
                "SELECT name FROM singer UNION SELECT venue FROM concert",
                "WITH a AS (SELECT age FROM singer) SELECT max(age) FROM a"]:
        assert_equal(student.call("is_safe_select", sql), True, what="is_safe_select on a single SELECT")


@pytest.mark.points(2)
def test_is_safe_select_rejects_writes_and_stacked(student):
    """is_safe_select rejects writes, schema changes, PRAGMA, stacked statements, junk."""
    for sql in ["DROP TABLE singer", "UPDATE singer SET age = 1", "INSERT INTO singer VALUES (9, 'x', 'y', 1, 0)",
                "DELETE FROM concert", "PRAGMA table_info(singer)", "SELECT 1; DROP TABLE singer",
                "WITH x AS (SELECT 1) DELETE FROM singer", "SELEC name FROM singer", ""]:
        assert_equal(student.call("is_safe_select", sql), False, what="is_safe_select on an unsafe or broken input")


@pytest.mark.points(2)
def test_run_query_statuses(student, kit):
    """run_query: the rows SQLite returns; "error" with SQLite's message; "unsafe" runs nothing."""
    db = kit.concerts_instance(3)
    sql = "SELECT name, age FROM singer ORDER BY singer_id"
    assert_equal(student.call("run_query", db, sql),
                 {"status": "ok", "rows": kit.run_sqlite(db, sql), "message": ""}, what="run_query on a SELECT")
    assert_equal(student.call("run_query", db, "SELECT nme FROM singer"),
                 {"status": "error", "rows": None, "message": "no such column: nme"}, what="run_query on a bad column")
    assert_equal(student.call("run_query", db, "DROP TABLE singer"),
                 {"status": "unsafe", "rows": None, "message": UNSAFE}, what="run_query on DROP")


@pytest.mark.points(2)
@pytest.mark.limits(seconds=10)
def test_run_query_time_limit(student, kit):
    """run_query stops a query that never ends and reports "timeout" (within the time limit)."""
    db = kit.concerts_instance(4)
    assert_equal(student.call("run_query", db, FOREVER, 200),
                 {"status": "timeout", "rows": None, "message": "query exceeded the time limit of 200 ms"},
                 what="run_query on an endless recursive query")
