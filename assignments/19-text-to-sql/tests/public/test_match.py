"""Public tests: test-suite result equality and execution match (expected values by hand)."""

import pytest

from autograder.harness.expect import assert_equal


@pytest.mark.points(2)
def test_result_eq_bags_and_permutations(student):
    """result_eq: rows are bags (duplicates count), columns may be permuted, values use ==."""
    cases = [
        ([(1, "a"), (2, "b")], [(2, "b"), (1, "a")], False, True),
        ([(1, "a"), (1, "a"), (2, "b")], [(1, "a"), (2, "b"), (2, "b")], False, False),
        ([(1, "a"), (2, "b")], [("a", 1), ("b", 2)], False, True),
        ([(1, 2)], [(1, 2, 3)], False, False),
        ([], [], True, True),
        ([(None, 1.0)], [(1, None)], False, True),
        ([(1,), (2,)], [(1,)], False, False),
    ]
    for gold, pred, order, want in cases:
        assert_equal(student.call("result_eq", gold, pred, order), want, what="result_eq")


@pytest.mark.points(1)
def test_result_eq_order(student):
    """result_eq: with order_matters the row order must agree (after the column permutation)."""
    assert_equal(student.call("result_eq", [(1, "a"), (2, "b")], [(2, "b"), (1, "a")], True), False,
                 what="result_eq with order_matters")
    assert_equal(student.call("result_eq", [(1, "a"), (2, "b")], [("a", 1), ("b", 2)], True), True,
                 what="result_eq with order_matters and permuted columns")


@pytest.mark.points(2)
def test_execution_match_on_instances(student, kit):
    """execution_match: column order free, ORDER BY in gold enforces order, every instance counts."""
    dbs = [kit.concerts_instance(s) for s in (10, 11, 12)]
    cases = [
        ("SELECT name, age FROM singer", "SELECT age, name FROM singer", True),
        ("SELECT name FROM singer ORDER BY age DESC, singer_id", "SELECT name FROM singer ORDER BY age, singer_id", False),
        ("SELECT count(*) FROM singer", "SELECT count(singer_id) FROM singer", True),
        ("SELECT DISTINCT country FROM singer", "SELECT country FROM singer", False),
        ("SELECT name FROM singer", "SELECT nme FROM singer", False),
    ]
    for gold, pred, want in cases:
        assert_equal(student.call("execution_match", gold, pred, dbs), want, what="execution_match")
