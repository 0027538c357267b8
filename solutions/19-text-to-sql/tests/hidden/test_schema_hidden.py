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
    """link_schema: the default threshold is the handout's; a question that mentions nothing links nothing."""
    db = kit.concerts_instance(7)
    for q in ["Which singer_id had concerts?", "Hello there", "NET WORTH by Country", "yearly venues"]:
        assert_equal(student.call("link_schema", q, db), oracle.link(q, db, 0.5), what="link_schema")
