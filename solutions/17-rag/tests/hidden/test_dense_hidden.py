"""Hidden tests: dense_top_k against faiss on other shapes, and exact ties."""

import numpy as np
import pytest

from autograder.harness import StudentError


@pytest.mark.parametrize("seed, n_queries, n_docs, dim, k", [(31, 9, 300, 48, 10), (32, 1, 7, 5, 7), (33, 5, 120, 3, 25)])
@pytest.mark.points(1)
def test_dense_cosine_faiss_other_shapes(student, oracle, seed, n_queries, n_docs, dim, k):
    """metric="cosine" ids equal faiss (normalized IndexFlatIP) and scores agree within 1e-5 on other shapes and k."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((n_queries, dim)).astype(np.float32) * 3.0
    x = rng.standard_normal((n_docs, dim)).astype(np.float32) * rng.uniform(0.1, 5.0, (n_docs, 1)).astype(np.float32)
    oracle.assert_rows_separated(oracle.cosine_matrix(q, x), k, gap=1e-5)
    scores, ids = student.call("dense_top_k", q, x, k)  # cosine is the default
    ref_scores, ref_ids = oracle.faiss_search(q, x, k, "cosine")
    assert ids.shape == (n_queries, min(k, n_docs))
    np.testing.assert_array_equal(ids, ref_ids)
    np.testing.assert_allclose(scores, ref_scores, rtol=0, atol=1e-5)


@pytest.mark.points(2)
def test_dense_dot_faiss_other_shapes(student, oracle):
    """metric="dot" ids equal faiss IndexFlatIP and scores agree within 1e-4 (float64 input, varied norms)."""
    rng = np.random.default_rng(34)
    q = rng.standard_normal((6, 24))
    x = rng.standard_normal((150, 24)) * rng.uniform(0.2, 4.0, (150, 1))
    oracle.assert_rows_separated(q @ x.T, 12, gap=1e-4)
    scores, ids = student.call("dense_top_k", q, x, 12, metric="dot")
    ref_scores, ref_ids = oracle.faiss_search(q, x, 12, "dot")
    np.testing.assert_array_equal(ids, ref_ids)
    np.testing.assert_allclose(scores, ref_scores, rtol=0, atol=1e-4)
    assert scores.dtype == np.float64 and ids.dtype == np.int64


@pytest.mark.points(2)
def test_dense_exact_ties_integer_vectors(student):
    """With small-integer vectors (exact dot products, many ties) every row is ordered by score then lower id."""
    rng = np.random.default_rng(35)
    x = rng.integers(-2, 3, size=(40, 4)).astype(np.float64)
    x[10:20] = x[0:10]  # exact duplicates
    q = rng.integers(-2, 3, size=(8, 4)).astype(np.float64)
    sims = q @ x.T
    expected = np.array([sorted(range(40), key=lambda i: (-sims[r, i], i))[:15] for r in range(8)])
    scores, ids = student.call("dense_top_k", q, x, 15, metric="dot")
    np.testing.assert_array_equal(ids, expected)
    np.testing.assert_allclose(scores, np.take_along_axis(sims, expected, axis=1), atol=1e-12)


@pytest.mark.points(1)
def test_dense_k_beyond_n_and_zero_query(student):
    """k > N returns N columns; an all-zero query under cosine scores 0 everywhere, so ids come in id order."""
    x = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    scores, ids = student.call("dense_top_k", np.array([[0.0, 0.0], [1.0, 0.0]]), x, 8, metric="cosine")
    assert ids.shape == (2, 3) and scores.shape == (2, 3)
    np.testing.assert_array_equal(ids[0], [0, 1, 2])
    np.testing.assert_allclose(scores[0], [0, 0, 0], atol=1e-12)
    np.testing.assert_array_equal(ids[1], [1, 2, 0])
    scores, ids = student.call("dense_top_k", np.array([[1.0, 0.0]]), x[:1], 1, metric="dot")
    np.testing.assert_array_equal(ids, [[0]])
    np.testing.assert_allclose(scores, [[1.0]], atol=1e-12)


@pytest.mark.points(1)
def test_dense_rejects_bad_arguments_hidden(student):
    """ValueError for k = 0 and a negative k, an unknown metric (also a wrong case), a 1-D query, a document array of the wrong rank and mismatched d.

    k = -2; metrics "l2" and "Cosine"; a 3-D document array."""
    rng = np.random.default_rng(36)
    q, x = rng.standard_normal((2, 4)), rng.standard_normal((6, 4))
    cases = [((q, x, 0), {}), ((q, x, -2), {"metric": "dot"}), ((q, x, 3), {"metric": "l2"}),
             ((q, x, 3), {"metric": "Cosine"}), ((q[0], x, 3), {"metric": "dot"}), ((q[0], x, 3), {}),
             ((q, x[None], 3), {"metric": "dot"}), ((q, rng.standard_normal((6, 5)), 2), {})]
    for args, kwargs in cases:
        with pytest.raises(StudentError) as err:
            student.call("dense_top_k", *args, **kwargs)
        assert err.value.exc_type == "ValueError", (len(args[0]), kwargs)
