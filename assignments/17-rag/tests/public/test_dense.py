"""Public tests: dense_top_k against faiss.IndexFlatIP and hand values."""

import numpy as np
import pytest

from autograder.harness import StudentError


def _random_inputs(seed, n_queries, n_docs, dim):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((n_queries, dim)).astype(np.float32)
    x = rng.standard_normal((n_docs, dim)).astype(np.float32)
    return q, x


@pytest.mark.points(2)
def test_dense_cosine_matches_faiss(student, oracle):
    """metric="cosine": ids equal faiss.IndexFlatIP on L2-normalized vectors, scores within 1e-5, shapes (Q, k), dtypes float64/int64."""
    q, x = _random_inputs(17, 4, 60, 16)
    oracle.assert_rows_separated(oracle.faiss_search(q, x, 6, "cosine")[0], 5, gap=1e-5)  # the 6 best cosines
    scores, ids = student.call("dense_top_k", q, x, 5, metric="cosine")
    ref_scores, ref_ids = oracle.faiss_search(q, x, 5, "cosine")
    assert isinstance(ids, np.ndarray) and isinstance(scores, np.ndarray)
    assert ids.shape == (4, 5) and scores.shape == (4, 5)
    assert ids.dtype == np.int64 and scores.dtype == np.float64
    np.testing.assert_array_equal(ids, ref_ids)
    np.testing.assert_allclose(scores, ref_scores, rtol=0, atol=1e-5)


@pytest.mark.points(2)
def test_dense_dot_matches_faiss(student, oracle):
    """metric="dot": ids equal faiss.IndexFlatIP on the raw vectors, scores within 1e-4 (unnormalized, float32 oracle)."""
    q, x = _random_inputs(170, 3, 40, 8)
    x *= np.linspace(0.5, 3.0, 40, dtype=np.float32)[:, None]  # norms differ: dot and cosine rank differently
    oracle.assert_rows_separated(q.astype(np.float64) @ x.T.astype(np.float64), 7, gap=1e-4)
    scores, ids = student.call("dense_top_k", q, x, 7, metric="dot")
    ref_scores, ref_ids = oracle.faiss_search(q, x, 7, "dot")
    np.testing.assert_array_equal(ids, ref_ids)
    np.testing.assert_allclose(scores, ref_scores, rtol=0, atol=1e-4)


@pytest.mark.points(2)
def test_dense_hand_example_ties_and_large_k(student):
    """Hand example: exact ties go to the lower doc id, k > N returns all N columns, an all-zero doc has cosine 0."""
    x = np.array([[1, 0, 0], [0, 2, 0], [1, 0, 0], [0, 0, 3], [1, 1, 0]], dtype=np.float64)
    q = np.array([[1, 0, 0], [0, 1, 1]], dtype=np.float64)
    scores, ids = student.call("dense_top_k", q, x, 3, metric="dot")
    np.testing.assert_array_equal(ids, [[0, 2, 4], [3, 1, 4]])
    np.testing.assert_allclose(scores, [[1, 1, 1], [3, 2, 1]], atol=1e-12)

    scores, ids = student.call("dense_top_k", q, x, 10, metric="cosine")
    np.testing.assert_array_equal(ids, [[0, 2, 4, 1, 3], [1, 3, 4, 0, 2]])
    r = 1 / np.sqrt(2)
    np.testing.assert_allclose(scores, [[1, 1, r, 0, 0], [r, r, 0.5, 0, 0]], atol=1e-12)

    x0 = np.vstack([np.zeros((1, 3)), x])  # doc 0 is all zeros
    scores, ids = student.call("dense_top_k", np.array([[0.0, 0.0, -1.0]]), x0, 6, metric="cosine")
    np.testing.assert_array_equal(ids, [[0, 1, 2, 3, 5, 4]])
    np.testing.assert_allclose(scores, [[0, 0, 0, 0, 0, -1]], atol=1e-12)


@pytest.mark.points(1)
def test_dense_rejects_bad_arguments(student):
    """dense_top_k raises ValueError for k < 1, an unknown metric, 1-D input or mismatched dimensions."""
    q, x = np.ones((2, 4)), np.ones((5, 4))
    bad = [((q, x, 0), {}), ((q, x, 2), {"metric": "l2"}), ((np.ones(4), x, 2), {}), ((q, np.ones((5, 3)), 2), {})]
    for args, kwargs in bad:
        with pytest.raises(StudentError) as err:
            student.call("dense_top_k", *args, **kwargs)
        assert err.value.exc_type == "ValueError"
