"""Hidden tests: retrieval metrics on random inputs, nDCG against sklearn."""

import math
import random

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(3)
def test_ndcg_sklearn_random(student, oracle):
    """ndcg_at_k equals sklearn.metrics.ndcg_score within 1e-12 on random graded relevance (ints and floats) and several k."""
    rng = random.Random(2718)
    for trial in range(25):
        pool = rng.randint(5, 40)
        relevant = rng.sample(range(pool), rng.randint(1, pool))
        if trial % 2:
            relevance = {d: float(rng.randint(0, 4)) for d in relevant}
        else:
            relevance = {d: round(rng.uniform(0, 2), 3) for d in relevant}
        retrieved = rng.sample(range(pool + 5), rng.randint(1, pool + 5))
        k = rng.randint(1, len(retrieved))
        expected = oracle.sklearn_ndcg(retrieved, relevance, k)
        assert_close(student.call("ndcg_at_k", retrieved, relevance, k), expected, abs=1e-12, what=f"trial {trial}")


@pytest.mark.points(1)
def test_ndcg_edge_cases(student):
    """nDCG: perfect order gives 1, nothing relevant retrieved gives 0, k larger than both lists uses all of them."""
    relevance = {10: 1.0, 20: 4.0, 30: 2.0}
    assert_close(student.call("ndcg_at_k", [20, 30, 10], relevance, 3), 1.0, abs=1e-12)
    assert_equal(student.call("ndcg_at_k", [1, 2, 3, 4], relevance, 4), 0.0)
    got = student.call("ndcg_at_k", [30, 99, 20], relevance, 10)
    dcg = 2 / math.log2(2) + 4 / math.log2(4)
    idcg = 4 / math.log2(2) + 2 / math.log2(3) + 1 / math.log2(4)
    assert_close(got, dcg / idcg, abs=1e-12)
    assert_equal(student.call("ndcg_at_k", [], relevance, 3), 0.0)


@pytest.mark.points(1)
def test_recall_random(student):
    """recall_at_k matches |set(retrieved[:k]) & set(relevant)| / |set(relevant)| on random lists with repeats."""
    rng = random.Random(3141)
    for _ in range(30):
        retrieved = [rng.randrange(20) for _ in range(rng.randint(0, 15))]
        relevant = [rng.randrange(20) for _ in range(rng.randint(1, 6))]
        k = rng.randint(1, 20)
        expected = len(set(retrieved[:k]) & set(relevant)) / len(set(relevant))
        assert_close(student.call("recall_at_k", retrieved, relevant, k), expected, abs=1e-12)


@pytest.mark.points(1)
def test_mrr_random(student):
    """mrr matches the mean reciprocal rank on random queries, including queries with no relevant id retrieved or an empty relevant list."""
    rng = random.Random(1618)
    retrieved_lists, relevant_lists, total = [], [], 0.0
    for i in range(40):
        retrieved = rng.sample(range(30), rng.randint(0, 10))
        relevant = [] if i % 9 == 0 else rng.sample(range(30), rng.randint(1, 4))
        ranks = [r for r, d in enumerate(retrieved, start=1) if d in relevant]
        total += 1.0 / ranks[0] if ranks else 0.0
        retrieved_lists.append(retrieved)
        relevant_lists.append(relevant)
    assert_close(student.call("mrr", retrieved_lists, relevant_lists), total / 40, abs=1e-12)


@pytest.mark.points(1)
def test_metrics_boundary_values(student):
    """k = 1 is valid for recall and nDCG, one query is valid for mrr, and nDCG is 0.0 when every relevance is 0 or none is given."""
    assert_equal(student.call("recall_at_k", [8, 3, 5], [3, 5], 1), 0.0)
    assert_close(student.call("recall_at_k", [3, 8], [3, 5], 1), 0.5, abs=1e-12)
    assert_close(student.call("mrr", [[6, 4, 2]], [[2, 9]]), 1 / 3, abs=1e-12)
    assert_close(student.call("ndcg_at_k", [7, 2], {2: 3.0, 7: 1.0}, 1), 1 / 3, abs=1e-12)
    assert_equal(student.call("ndcg_at_k", [4, 6, 8], {4: 0.0, 6: 0.0, 9: 0.0}, 2), 0.0)
    assert_equal(student.call("ndcg_at_k", [4, 6], {}, 1), 0.0)


@pytest.mark.points(1)
def test_metrics_reject_bad_arguments_hidden(student):
    """ValueError for k = 0, an empty relevant list (recall), no query or lists of different lengths (mrr), a negative relevance or a duplicate retrieved id (nDCG)."""
    cases = [("recall_at_k", ([1, 2], [2], 0)), ("recall_at_k", ([1, 2], [], 2)),
             ("mrr", ([], [])), ("mrr", ([[1], [2]], [[1]])), ("mrr", ([[1]], [[1], [2]])),
             ("ndcg_at_k", ([1, 2], {1: 1.0}, 0)), ("ndcg_at_k", ([1, 2], {1: 1.0, 2: -0.25}, 2)),
             ("ndcg_at_k", ([5, 1, 5], {1: 1.0}, 2))]
    for name, args in cases:
        with pytest.raises(StudentError) as err:
            student.call(name, *args)
        assert err.value.exc_type == "ValueError", name
