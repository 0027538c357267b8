"""Public tests: recall@k, MRR and nDCG@k."""

import math

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(1)
def test_recall_at_k_hand_values(student):
    """recall@k = |first k retrieved & relevant| / |relevant|, ids counted once."""
    assert_close(student.call("recall_at_k", [5, 2, 9, 1], [2, 1, 7], 2), 1 / 3, abs=1e-12)
    assert_close(student.call("recall_at_k", [5, 2, 9, 1], [2, 1, 7], 4), 2 / 3, abs=1e-12)
    assert_close(student.call("recall_at_k", [5, 2, 9, 1], [2, 1, 7], 10), 2 / 3, abs=1e-12)
    assert_close(student.call("recall_at_k", [2, 2, 2], [2, 3], 3), 0.5, abs=1e-12)
    assert_equal(student.call("recall_at_k", [], [4], 3), 0.0)


@pytest.mark.points(1)
def test_mrr_hand_values(student):
    """MRR is the mean of 1/rank of the first relevant id (1-based), 0 for a query with none."""
    value = student.call("mrr", [[4, 2, 9], [1, 3], [7, 8]], [[2], [1, 8], [5]])
    assert_close(value, (1 / 2 + 1 + 0) / 3, abs=1e-12)
    assert_close(student.call("mrr", [[3, 3, 1]], [[1]]), 1 / 3, abs=1e-12)


@pytest.mark.points(2)
def test_ndcg_hand_values(student):
    """nDCG@k with linear gains and 1/log2(i+1) discounts; IDCG over all relevance values; 0.0 when IDCG is 0."""
    relevance = {1: 3.0, 2: 2.0, 3: 0.0, 4: 1.0}
    dcg = 0 / 1 + 3 / math.log2(3) + 2 / math.log2(4)
    idcg = 3 / 1 + 2 / math.log2(3) + 1 / math.log2(4)
    assert_close(student.call("ndcg_at_k", [3, 1, 2], relevance, 3), dcg / idcg, abs=1e-12)
    assert_equal(student.call("ndcg_at_k", [3, 1, 2], relevance, 1), 0.0)
    assert_close(student.call("ndcg_at_k", [1, 2, 4], relevance, 3), 1.0, abs=1e-12)
    # k beyond the list: only the retrieved positions count, the ideal still uses k values
    dcg = 2 / 1
    idcg = 3 / 1 + 2 / math.log2(3) + 1 / math.log2(4)
    assert_close(student.call("ndcg_at_k", [2], relevance, 5), dcg / idcg, abs=1e-12)
    assert_equal(student.call("ndcg_at_k", [1, 2], {1: 0.0, 5: 0.0}, 2), 0.0)
    assert_equal(student.call("ndcg_at_k", [1, 2], {}, 2), 0.0)


@pytest.mark.points(2)
def test_ndcg_matches_sklearn(student, oracle):
    """ndcg_at_k equals sklearn.metrics.ndcg_score (graded relevance, relevant ids not retrieved) within 1e-12."""
    retrieved = [11, 4, 7, 0, 9, 3, 12, 5]
    relevance = {4: 2.0, 9: 3.0, 5: 1.0, 13: 3.0, 0: 0.5, 2: 1.0}
    for k in (1, 2, 3, 5, 8):
        expected = oracle.sklearn_ndcg(retrieved, relevance, k)
        assert_close(student.call("ndcg_at_k", retrieved, relevance, k), expected, abs=1e-12, what=f"k={k}")


@pytest.mark.points(1)
def test_metrics_reject_bad_arguments(student):
    """ValueError: k < 1, empty relevant list (recall), no query or mismatched lengths (MRR), negative relevance or duplicate ids (nDCG)."""
    calls = [
        ("recall_at_k", [1, 2], [1], 0),
        ("recall_at_k", [1, 2], [], 2),
        ("mrr", [], []),
        ("mrr", [[1]], [[1], [2]]),
        ("ndcg_at_k", [1, 2], {1: 1.0}, 0),
        ("ndcg_at_k", [1, 2], {1: -1.0}, 2),
        ("ndcg_at_k", [1, 2, 1], {1: 1.0}, 3),
    ]
    for name, *args in calls:
        with pytest.raises(StudentError) as err:
            student.call(name, *args)
        assert err.value.exc_type == "ValueError", f"{name}{tuple(args)}"
