"""Public tests: extracting SQL from a reply and the self-correction loop (a scripted model)."""

import pytest

from autograder.harness.expect import assert_equal

SCHEMA = (
    "concert(concert_id INTEGER PRIMARY KEY, singer_id INTEGER REFERENCES singer(singer_id), "
    "year INTEGER, venue TEXT, attendance INTEGER)\n"
    "singer(singer_id INTEGER PRIMARY KEY, name TEXT, country TEXT, age INTEGER, net_worth REAL)"
)


@pytest.mark.points(1)
def test_extract_sql(student):
    """extract_sql: a fenced block (language line dropped) or the whole reply, stripped."""
    for reply, want in [("  SELECT 1 \n", "SELECT 1"),
                        ("Here:\n```sql\nSELECT name\nFROM singer\n```\nDone.", "SELECT name\nFROM singer"),
                        ("```SELECT 2```", "SELECT 2")]:
        assert_equal(student.call("extract_sql", reply), want, what="extract_sql")


@pytest.mark.points(3)
def test_self_correct_sees_its_error(student, kit):
    """self_correct: the retry prompt holds the failed SQL and SQLite's error; stops on success."""
    db = kit.concerts_instance(5)
    q = "Names of all singers?"
    llm = student.callback(kit.scripted_llm(["SELECT nme FROM singer", "```sql\nSELECT name FROM singer\n```"]))
    out = student.call("self_correct", q, db, llm, 3)
    first = f"### SQLite schema\n{SCHEMA}\n### Question\n{q}\n### SQL\n"
    second = first + "SELECT nme FROM singer\n### Error\nno such column: nme\n### SQL\n"
    assert_equal([args for args, _ in llm.calls], [[first], [second]], what="the prompts sent to the model")
    assert_equal(out, {"sql": "SELECT name FROM singer", "status": "ok",
                       "rows": kit.run_sqlite(db, "SELECT name FROM singer"), "tries": 2}, what="self_correct's result")


@pytest.mark.points(1)
def test_self_correct_gives_up_after_max_tries(student, kit):
    """self_correct calls the model at most max_tries times and reports the last failure."""
    db = kit.concerts_instance(6)
    llm = student.callback(kit.scripted_llm(["DELETE FROM singer"]))
    out = student.call("self_correct", "Remove everyone", db, llm, 2)
    assert_equal(llm.count, 2, what="the number of model calls")
    assert_equal(out, {"sql": "DELETE FROM singer", "status": "unsafe", "rows": None, "tries": 2},
                 what="self_correct's result")
