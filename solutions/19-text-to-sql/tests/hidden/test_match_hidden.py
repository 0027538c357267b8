"""Hidden tests: result_eq against test-suite evaluation's own code, and execution match on instances."""

import random

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal

VALUES = [0, 1, 2, 1.0, 2.5, -1, None, "a", "b", "A", "", b"a", 10]


def _rows(rng, n_rows, n_cols):
    return [tuple(rng.choice(VALUES[: rng.randint(3, len(VALUES))]) for _ in range(n_cols)) for _ in range(n_rows)]


def _pred_from(rng, gold):
    """A prediction near the gold rows: a column permutation, a shuffle, and maybe one perturbation."""
    n_cols = len(gold[0]) if gold else rng.randint(1, 3)
    perm = list(range(n_cols))
    rng.shuffle(perm)
    pred = [tuple(r[i] for i in perm) for r in gold]
    kind = rng.randrange(9)
    if kind == 0:
        rng.shuffle(pred)
    elif kind == 1 and pred:
        pred[rng.randrange(len(pred))] = pred[rng.randrange(len(pred))]  # duplicate one row over another
    elif kind == 2 and pred:
        i = rng.randrange(len(pred))
        row = list(pred[i])
        row[rng.randrange(n_cols)] = rng.choice(VALUES)
        pred[i] = tuple(row)
    elif kind == 3 and pred and n_cols > 1:
        i = rng.randrange(len(pred))
        pred[i] = tuple(reversed(pred[i]))  # one row's values moved: not a column permutation
    elif kind == 4 and pred:
        pred = pred[:-1]
    elif kind == 5:
        pred = [r + (1,) for r in pred]
    elif kind == 6 and pred:
        pred = [tuple(float(v) if type(v) is int else v for v in r) for r in pred]  # 1 == 1.0
    return pred


@pytest.mark.points(3)
def test_result_eq_unordered_random(student, oracle):
    """result_eq when order does not matter: bags of rows under some column permutation, compared with ==.

    Staff: 300 (gold, prediction) pairs from _rows/_pred_from, 0-6 rows, 1-5 columns; the verdict
    of test-suite-sql-eval's result_eq (ported in the hidden conftest) is the expected value.
    """
    rng = random.Random(1904)
    golds, preds = [], []
    for _ in range(300):
        gold = _rows(rng, rng.randint(0, 6), rng.randint(1, 5))
        golds.append(gold)
        preds.append(_pred_from(rng, gold))
    verdicts = [oracle.result_eq(g, p, False) for g, p in zip(golds, preds)]
    assert 60 < sum(verdicts) < 240, "the generated cases mix matches and mismatches"
    for g, p, want in zip(golds, preds, verdicts):
        assert_equal(student.call("result_eq", g, p, False), want, what="result_eq without order")


@pytest.mark.points(2)
def test_result_eq_ordered_random(student, oracle):
    """result_eq when order matters: lists of rows under some column permutation.

    Staff: 200 pairs as above, order_matters=True.
    """
    rng = random.Random(1905)
    for _ in range(200):
        gold = _rows(rng, rng.randint(1, 6), rng.randint(1, 4))
        pred = _pred_from(rng, gold)
        assert_equal(student.call("result_eq", gold, pred, True), oracle.result_eq(gold, pred, True),
                     what="result_eq with order")


@pytest.mark.points(1)
def test_result_eq_edge_cases(student, oracle):
    """result_eq edge cases: empty results, widths, duplicate-heavy bags, permutations that must be one for all rows."""
    cases = [
        ([], [(1,)], False), ([(1,)], [], True), ([], [], False),
        ([(1, 2), (2, 1)], [(2, 1), (1, 2)], True),
        ([(1, 2), (3, 4)], [(2, 1), (3, 4)], False),
        ([(1, 1, 2)] * 3, [(1, 2, 1)] * 3, True),
        ([(1, 1), (1, 1), (2, 2)], [(1, 1), (2, 2), (2, 2)], False),
        ([("x", None, 1, 2.0, b"z", 5)], [(5, b"z", 2, 1, None, "x")], True),
        ([(1, "a", None, 3, 4, 5), (2, "b", None, 3, 4, 6)], [(5, 4, 3, None, "a", 1), (6, 4, 3, None, "b", 2)], True),
        ([(1, "a", None, 3, 4, 5), (2, "b", None, 3, 4, 6)], [(6, 4, 3, None, "a", 1), (5, 4, 3, None, "b", 2)], False),
    ]
    for gold, pred, order in cases:
        assert_equal(student.call("result_eq", gold, pred, order), oracle.result_eq(gold, pred, order),
                     what="result_eq on an edge case")


PAIRS = [
    # gold, prediction
    ("SELECT name, country FROM singer", "SELECT country, name FROM singer"),
    ("SELECT name FROM singer", "SELECT DISTINCT name FROM singer"),
    ("SELECT country FROM singer", "SELECT country FROM singer GROUP BY country"),
    ("SELECT name FROM singer WHERE age > 22", "SELECT name FROM singer WHERE age >= 23"),
    ("SELECT name FROM singer WHERE age > 22", "SELECT name FROM singer WHERE age > 23"),
    ("SELECT name FROM singer WHERE country = 'France'", "SELECT name FROM singer WHERE country = 'France' OR country IS NULL"),
    ("SELECT name FROM singer WHERE age = (SELECT max(age) FROM singer)", "SELECT name FROM singer ORDER BY age DESC LIMIT 1"),
    ("SELECT max(age) FROM singer", "SELECT age FROM singer WHERE age IS NOT NULL ORDER BY age DESC LIMIT 1"),
    ("SELECT max(age) FROM singer", "SELECT age FROM singer ORDER BY age DESC LIMIT 1"),
    ("SELECT name, age FROM singer ORDER BY age, singer_id", "SELECT age, name FROM singer ORDER BY age, singer_id"),
    ("SELECT name, age FROM singer ORDER BY age, singer_id", "SELECT name, age FROM singer ORDER BY age DESC, singer_id"),
    ("SELECT name FROM singer ORDER BY singer_id", "SELECT name FROM singer ORDER BY singer_id DESC"),
    ("SELECT name FROM (SELECT name, singer_id FROM singer ORDER BY singer_id)", "SELECT name FROM singer ORDER BY singer_id DESC"),
    ("SELECT name FROM singer UNION SELECT venue FROM concert ORDER BY 1", "SELECT venue FROM concert UNION SELECT name FROM singer"),
    ("SELECT avg(net_worth) FROM singer", "SELECT sum(net_worth) / count(net_worth) FROM singer"),
    ("SELECT avg(net_worth) FROM singer", "SELECT sum(net_worth) / count(*) FROM singer"),
    ("SELECT count(*) FROM concert", "SELECT count(singer_id) FROM concert"),
    ("SELECT count(*) FROM singer WHERE country IS NULL", "SELECT count(*) FROM singer WHERE country = NULL"),
    ("SELECT s.name FROM singer s JOIN concert c ON s.singer_id = c.singer_id",
     "SELECT name FROM singer WHERE singer_id IN (SELECT singer_id FROM concert)"),
    ("SELECT year, count(*) FROM concert GROUP BY year", "SELECT count(*), year FROM concert GROUP BY year"),
    ("SELECT venue, sum(attendance) FROM concert GROUP BY venue", "SELECT venue, max(attendance) FROM concert GROUP BY venue"),
    ("SELECT name FROM singer WHERE net_worth > 1.5", "SELECT name FROM singer WHERE net_worth >= 1.75"),
    ("SELECT name FROM singer", "SELECT nme FROM singer"),
    ("SELECT name FROM singer", "DROP TABLE singer"),
    ("SELECT name FROM singer", "SELECT name FROM singer; DELETE FROM singer"),
]


@pytest.mark.points(3)
def test_execution_match_on_random_instances(student, kit, oracle):
    """execution_match agrees with test-suite execution match over several random instances of the database.

    Staff: PAIRS on 6 instances; some predictions match on the first instance only, so
    checking a single instance fails this test.
    """
    dbs = [kit.concerts_instance(s) for s in (30, 31, 32, 33, 34, 35)]
    wants = [oracle.exec_match(g, p, dbs) for g, p in PAIRS]
    first_only = [oracle.exec_match(g, p, dbs[:1]) for g, p in PAIRS]
    assert first_only != wants and 5 < sum(wants) < len(PAIRS) - 5, "the pairs separate one instance from six"
    for (gold, pred), want in zip(PAIRS, wants):
        assert_equal(student.call("execution_match", gold, pred, dbs), want, what="execution_match")


@pytest.mark.points(2)
@pytest.mark.limits(seconds=12)
def test_execution_match_order_failures_and_bad_gold(student, kit):
    """execution_match: order from the outermost ORDER BY only; failing predictions do not match; a failing gold raises ValueError."""
    dbs = [kit.make_db("CREATE TABLE t (a INTEGER, b TEXT);", {"t": [(3, "x"), (1, "y"), (2, "x"), (1, "y")]})]
    ordered = [
        ("SELECT a FROM t ORDER BY a", "SELECT a FROM t ORDER BY a DESC", False),
        ("SELECT a, b FROM t ORDER BY a, b", "SELECT b, a FROM t ORDER BY a, b", True),
        ("SELECT a FROM (SELECT a FROM t ORDER BY a)", "SELECT a FROM t ORDER BY a DESC", True),
        ("SELECT a FROM t UNION ALL SELECT 0 ORDER BY 1", "SELECT 0 UNION ALL SELECT a FROM t", False),
        ("WITH s AS (SELECT a FROM t) SELECT a FROM s ORDER BY a", "SELECT a FROM t ORDER BY a", True),
        ("SELECT b FROM t", "SELECT b FROM t WHERE a > 0", True),
        ("SELECT b FROM t", "SELECT DISTINCT b FROM t", False),
        ("SELECT a FROM t", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c", False),
        ("SELECT a FROM t", "SELECT a FROM t; SELECT 1", False),
        ("SELECT a FROM t", "SELECT z FROM t", False),
    ]
    for gold, pred, want in ordered:
        assert_equal(student.call("execution_match", gold, pred, dbs, 300), want, what="execution_match")
    for gold, where in [("SELECT z FROM t", dbs), ("DELETE FROM t", dbs), ("SELEC a FROM t", dbs), ("DROP TABLE t", [])]:
        with pytest.raises(StudentError) as info:
            student.call("execution_match", gold, "SELECT a FROM t", where, 300)
        assert info.value.exc_type == "ValueError", "a failing or unsafe gold query raises ValueError"
    assert_equal(student.call("execution_match", "SELECT a FROM t", "SELECT b FROM t", []), True,
                 what="execution_match on no databases")
