"""Hidden tests: extract_sql and the self-correction loop (prompts and call counts seen by the grader)."""

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal

UNSAFE = "only a single SELECT statement is allowed"


@pytest.mark.points(1)
def test_extract_sql_cases(student):
    """extract_sql: fences with or without a language line, several fences, no closing fence."""
    cases = [
        ("```\nSELECT 1\n```", "SELECT 1"),
        ("```SQLite \nSELECT 2;\n```", "SELECT 2;"),
        ("```sql SELECT 3```", "sql SELECT 3"),
        ("a ```sql\nSELECT 4\n``` b ```sql\nSELECT 5\n```", "SELECT 4"),
        ("```python\nSELECT 6\n```", "python\nSELECT 6"),
        ("```sql\nSELECT 7", "```sql\nSELECT 7"),
        ("\n\tSELECT 8;\n", "SELECT 8;"),
        ("``````", ""),
    ]
    for reply, want in cases:
        assert_equal(student.call("extract_sql", reply), want, what="extract_sql")


@pytest.mark.points(3)
@pytest.mark.limits(seconds=12)
def test_self_correct_error_unsafe_timeout_then_success(student, kit, oracle):
    """self_correct: each retry prompt adds the failed SQL and its error, timeout or unsafe message; stops at the first success.

    Staff: a script of a bad table, a DROP, an endless query, then a fenced correct answer.
    """
    db = kit.make_db("CREATE TABLE Dept (id INTEGER PRIMARY KEY, title TEXT, budget REAL);"
                     "CREATE TABLE staff (sid INTEGER PRIMARY KEY, dept INTEGER REFERENCES Dept(id), pay REAL);",
                     {"Dept": [(1, "ops", 2.5), (2, "r&d", 4.0)], "staff": [(1, 1, 1.0), (2, 2, 3.0), (3, 2, 3.0)]})
    forever = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT sum(x) FROM c"
    good = "SELECT d.title, sum(s.pay) FROM Dept d JOIN staff s ON s.dept = d.id GROUP BY d.title ORDER BY d.title"
    script = ["SELECT * FROM depts", "DROP TABLE staff", f"Sure!\n```sql\n{forever}\n```", f"```sql\n{good}\n```",
              "SELECT 1"]
    llm = student.callback(kit.scripted_llm(script))
    q = "Total pay per department title?"
    out = student.call("self_correct", q, db, llm, 6, 150)
    p = [f"### SQLite schema\n{oracle.schema(db)}\n### Question\n{q}\n### SQL\n"]
    p.append(p[-1] + "SELECT * FROM depts\n### Error\n" + kit.sqlite_error(db, "SELECT * FROM depts") + "\n### SQL\n")
    p.append(p[-1] + "DROP TABLE staff\n### Error\n" + UNSAFE + "\n### SQL\n")
    p.append(p[-1] + forever + "\n### Error\nquery exceeded the time limit of 150 ms\n### SQL\n")
    assert_equal([args for args, _ in llm.calls], [[x] for x in p], what="the prompts sent to the model")
    assert_equal(out, {"sql": good, "status": "ok", "rows": kit.run_sqlite(db, good), "tries": 4},
                 what="self_correct's result")


@pytest.mark.points(1)
def test_self_correct_budget(student, kit):
    """self_correct: success on the first try makes one call; max_tries bounds the calls; max_tries < 1 raises ValueError before any call."""
    db = kit.concerts_instance(40)
    llm = student.callback(kit.scripted_llm(["SELECT count(*) FROM concert"]))
    out = student.call("self_correct", "How many concerts?", db, llm)
    assert_equal(llm.count, 1, what="the number of model calls")
    assert_equal(out, {"sql": "SELECT count(*) FROM concert", "status": "ok",
                       "rows": kit.run_sqlite(db, "SELECT count(*) FROM concert"), "tries": 1}, what="self_correct's result")
    llm = student.callback(kit.scripted_llm(["SELECT oops FROM concert"]))
    out = student.call("self_correct", "?", db, llm)
    assert_equal(llm.count, 3, what="the number of model calls with the default max_tries")
    assert_equal(out, {"sql": "SELECT oops FROM concert", "status": "error", "rows": None, "tries": 3},
                 what="self_correct's result after the last try")
    for max_tries, script, status in [(1, ["DROP TABLE concert"], "unsafe"), (2, ["SELECT x FROM nowhere"], "error"),
                                      (1, ["SELECT 1 FROM concert LIMIT 0"], "ok")]:
        llm = student.callback(kit.scripted_llm(script))
        out = student.call("self_correct", "?", db, llm, max_tries)
        assert_equal((out["status"], out["tries"], llm.count),
                     (status, max_tries, max_tries), what="status, tries and calls with a small max_tries")
    llm = student.callback(kit.scripted_llm(["SELECT 1"]))
    with pytest.raises(StudentError) as info:
        student.call("self_correct", "?", db, llm, 0)
    assert info.value.exc_type == "ValueError", "max_tries < 1 raises ValueError"
    assert_equal(llm.count, 0, what="the number of model calls with max_tries = 0")
