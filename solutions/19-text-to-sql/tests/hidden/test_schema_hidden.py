"""Hidden tests: schema text and schema linking on random schemas (oracles in tests/hidden/conftest.py)."""

import random

import pytest

from autograder.harness.expect import assert_equal


@pytest.mark.points(2)
def test_schema_text_random_schemas(student, kit, oracle):
    """schema_text matches the handout's format on random schemas (composite keys, foreign keys, decoys).

    Staff: 40 schemas from random_schema (views, indexes, AUTOINCREMENT, table-level keys).
    """
    rng = random.Random(1901)
    for _ in range(40):
        ddl, _names = oracle.random_schema(rng)
        db = kit.make_db(ddl)
        assert_equal(student.call("schema_text", db), oracle.schema(db), what="schema_text")


@pytest.mark.points(1)
def test_schema_text_empty_database(student, kit):
    """schema_text of a database without tables is the empty string."""
    assert_equal(student.call("schema_text", kit.make_db("CREATE VIEW v AS SELECT 1 AS x;")), "",
                 what="schema_text without tables")


@pytest.mark.points(3)
def test_link_schema_random_questions(student, kit, oracle):
    """link_schema follows the handout's scoring, threshold and key rules on random questions.

    Staff: 40 random schemas x 3 questions, thresholds 0.34, 0.5, 0.67 and 1.0.
    """
    rng = random.Random(1902)
    for _ in range(40):
        ddl, names = oracle.random_schema(rng)
        db = kit.make_db(ddl)
        for _ in range(3):
            q = oracle.random_question(rng, names)
            th = rng.choice([0.34, 0.5, 0.67, 1.0])
            assert_equal(student.call("link_schema", q, db, th), oracle.link(q, db, th), what="link_schema")


@pytest.mark.points(1)
def test_link_schema_default_threshold_and_no_match(student, kit, oracle):
    """link_schema: the default threshold is the handout's; nothing mentioned links nothing; a name without tokens scores 0."""
    db = kit.concerts_instance(7)
    for q in ["Which singer_id had concerts?", "Hello there", "NET WORTH by Country", "yearly venues"]:
        assert_equal(student.call("link_schema", q, db), oracle.link(q, db, 0.5), what="link_schema")
    odd = kit.make_db('CREATE TABLE "__" ("_" INTEGER PRIMARY KEY, "ñ" TEXT, name TEXT);'
                      'CREATE TABLE pets (pet_id INTEGER PRIMARY KEY, "-" REAL);')
    for q, th in [("name?", 0.5), ("Pets", 0.5), ("ñ _ -", 0.5), ("", 0.5), ("name", 0.0), ("", 0.0)]:
        assert_equal(student.call("link_schema", q, odd, th), oracle.link(q, odd, th),
                     what="link_schema with names that have no tokens")
