"""Public tests: schema text and schema linking (expected values written by hand)."""

import pytest

from autograder.harness.expect import assert_equal

CONCERTS_SCHEMA = (
    "concert(concert_id INTEGER PRIMARY KEY, singer_id INTEGER REFERENCES singer(singer_id), "
    "year INTEGER, venue TEXT, attendance INTEGER)\n"
    "singer(singer_id INTEGER PRIMARY KEY, name TEXT, country TEXT, age INTEGER, net_worth REAL)"
)


@pytest.mark.points(2)
def test_schema_text_concerts(student, kit):
    """schema_text: one line per table, sorted by name, PRIMARY KEY and REFERENCES marks."""
    db = kit.concerts_instance(1)
    assert_equal(student.call("schema_text", db), CONCERTS_SCHEMA, what="schema_text")


@pytest.mark.points(1)
def test_schema_text_skips_views_indexes_and_internal_tables(student, kit):
    """schema_text: views, indexes and sqlite_ tables are left out; an undeclared type is left out."""
    db = kit.make_db(
        "CREATE TABLE Pet (id INTEGER PRIMARY KEY AUTOINCREMENT, nick varchar(20), tag);"
        "CREATE VIEW names AS SELECT nick FROM Pet;"
        "CREATE INDEX by_nick ON Pet(nick);",
        {"Pet": [(1, "Rex", None)]},
    )
    assert_equal(student.call("schema_text", db), "Pet(id INTEGER PRIMARY KEY, nick varchar(20), tag)",
                 what="schema_text")


@pytest.mark.points(2)
def test_link_schema_keys_and_threshold(student, kit):
    """link_schema: token overlap, plural 's' dropped, keys of linked tables added."""
    db = kit.concerts_instance(2)
    q = "What is the average age of singers from each country?"
    assert_equal(student.call("link_schema", q, db),
                 {"singer": ["singer_id", "country", "age"], "concert": ["concert_id", "singer_id"]},
                 what="link_schema at threshold 0.5")
    assert_equal(student.call("link_schema", q, db, 1.0),
                 {"singer": ["singer_id", "country", "age"]},
                 what="link_schema at threshold 1.0")
    assert_equal(student.call("link_schema", "Venues with the largest attendance", db),
                 {"concert": ["concert_id", "venue", "attendance"]},
                 what="link_schema on a question about one table")
