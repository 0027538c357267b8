"""Public tests: exact cosine top-k against faiss, and the IVF index (k-means, lists, probing)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans

from autograder.harness import StudentError


@pytest.mark.points(3)
def test_cosine_top_k_matches_faiss(student, oracle):
    """cosine_top_k (Q=6, N=80, D=12, k=7): ids equal faiss.IndexFlatIP on normalized vectors, scores equal float64 cosines within 1e-12; shapes (Q, k), float64/int64."""
    rng = np.random.default_rng(11)
    q, x = rng.standard_normal((6, 12)), rng.standard_normal((80, 12)) * rng.uniform(0.5, 3.0, (80, 1))
    sims = oracle.normalize(q) @ oracle.normalize(x).T
    oracle.assert_rows_separated(sims, 7, gap=1e-5)
    scores, ids = student.call("cosine_top_k", q, x, 7)
    assert isinstance(ids, np.ndarray) and ids.shape == (6, 7) and ids.dtype == np.int64
    assert isinstance(scores, np.ndarray) and scores.shape == (6, 7) and scores.dtype == np.float64
    ref_scores, ref_ids = oracle.faiss_cosine(q, x, 7)
    np.testing.assert_array_equal(ids, ref_ids)
    np.testing.assert_allclose(scores, np.take_along_axis(sims, ref_ids, axis=1), rtol=0, atol=1e-12)


@pytest.mark.points(2)
def test_cosine_top_k_ties_go_to_lower_id(student, oracle):
    """Exact ties are ordered by the lower key id: a hand example, and vectors whose cosines are exact multiples of 1/4."""
    keys = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [1.0, 1.0]])
    scores, ids = student.call("cosine_top_k", np.array([[3.0, 0.0]]), keys, 4)
    np.testing.assert_array_equal(ids, [[0, 2, 3, 4]])
    np.testing.assert_allclose(scores, [[1.0, 1.0, 1.0, np.sqrt(0.5)]], rtol=0, atol=1e-12)

    committed = oracle.expected("cosine_ties_top9")  # tie_vectors (seeds 12, 13) and their exact top-9
    keys, queries = np.array(committed["keys"]), np.array(committed["queries"])
    ref_scores, ref_ids = np.array(committed["scores"]), np.array(committed["ids"], dtype=np.int64)
    assert (np.diff(ref_scores, axis=1) == 0).any(), "test setup: no ties"
    scores, ids = student.call("cosine_top_k", queries, keys, 9)
    np.testing.assert_array_equal(ids, ref_ids)
    np.testing.assert_allclose(scores, ref_scores, rtol=0, atol=1e-12)


@pytest.mark.points(1)
def test_cosine_top_k_errors(student):
    """k = 0, k > N and a zero query vector raise ValueError."""
    keys = np.eye(3)
    for q, k in ((np.ones((1, 3)), 0), (np.ones((1, 3)), 4), (np.zeros((1, 3)), 1)):
        with pytest.raises(StudentError) as err:
            student.call("cosine_top_k", q, keys, k)
        assert err.value.exc_type == "ValueError"


@pytest.mark.points(3)
def test_ivf_kmeans_matches_sklearn(student, oracle):
    """IVFIndex(12, seed=5, n_iter=10).train on 600x8 vectors: centroids equal sklearn KMeans (lloyd) started from the stated init, within 1e-10."""
    x = np.random.default_rng(14).standard_normal((600, 8))
    xn = oracle.normalize(x)
    init = xn[np.random.default_rng(5).choice(600, size=12, replace=False)]
    km = KMeans(n_clusters=12, init=init, n_init=1, max_iter=10, tol=0.0, algorithm="lloyd").fit(xn)
    expected = np.array(oracle.expected("ivf_kmeans_centroids"))  # the stated k-means, computed once
    np.testing.assert_allclose(km.cluster_centers_, expected, rtol=0, atol=1e-12)  # the two oracles agree

    index = student.new("IVFIndex", 12, 5, n_iter=10)
    index.call("train", x)
    centroids = index.get("centroids")
    assert isinstance(centroids, np.ndarray) and centroids.shape == (12, 8)
    np.testing.assert_allclose(centroids, expected, rtol=0, atol=1e-10)


@pytest.mark.points(3)
def test_ivf_search_matches_faiss_ivfflat(student, oracle):
    """IVF search (n_probe 1 and 3, vectors added in two calls) returns the ids of faiss.IndexIVFFlat built on the same centroids; scores within 1e-5."""
    rng = np.random.default_rng(15)
    x, q = rng.standard_normal((1500, 16)), rng.standard_normal((40, 16))
    index = student.new("IVFIndex", 20, 0, n_iter=10)
    index.call("train", x)
    index.call("add", x[:1000])
    index.call("add", x[1000:])  # ids continue: 1000 .. 1499
    centroids = index.get("centroids")
    for n_probe in (1, 3):
        oracle.assert_ivf_separated(centroids, x, q, n_probe)
        scores, ids = index.call("search", q, 10, n_probe)
        ref_scores, ref_ids = oracle.faiss_ivf(centroids, x, q, 10, n_probe)
        assert ids.shape == (40, 10) and ids.dtype == np.int64 and scores.dtype == np.float64
        np.testing.assert_array_equal(ids, ref_ids)
        np.testing.assert_allclose(scores, ref_scores, rtol=0, atol=1e-5)


@pytest.mark.points(2)
def test_ivf_full_probe_equals_brute_force(student, oracle):
    """With n_probe == n_lists the IVF search is exact: ids equal the brute-force cosine top-10 and scores agree within 1e-12."""
    rng = np.random.default_rng(16)
    x, q = rng.standard_normal((800, 10)), rng.standard_normal((25, 10))
    sims = oracle.normalize(q) @ oracle.normalize(x).T
    oracle.assert_rows_separated(sims, 10, gap=1e-9)
    index = student.new("IVFIndex", 16, 1)
    index.call("train", x)
    index.call("add", x)
    scores, ids = index.call("search", q, 10, 16)
    committed = oracle.expected("ivf_full_probe_top10")  # exact cosine top-10 (ties to the lower id)
    ref_scores, ref_ids = np.array(committed["scores"]), np.array(committed["ids"], dtype=np.int64)
    np.testing.assert_array_equal(ids, ref_ids)
    np.testing.assert_allclose(scores, ref_scores, rtol=0, atol=1e-12)


@pytest.mark.points(2)
def test_ivf_recall_at_10(student, oracle):
    """5000 random 32-d vectors, 50 lists (seed 0, default n_iter 20): recall@10 >= 0.75 at n_probe 16, and it does not drop from n_probe 4 to 16."""
    rng = np.random.default_rng(17)
    x, q = rng.standard_normal((5000, 32)), rng.standard_normal((100, 32))
    true_ids = np.array(oracle.expected("ivf_recall_true_top10"), dtype=np.int64)  # exact cosine top-10
    index = student.new("IVFIndex", 50, 0)
    index.call("train", x)
    index.call("add", x)
    recall_4 = oracle.recall_at_k(index.call("search", q, 10, 4)[1], true_ids)
    recall_16 = oracle.recall_at_k(index.call("search", q, 10, 16)[1], true_ids)
    assert recall_16 >= 0.75, f"recall@10 at n_probe=16 is {recall_16:.3f}"
    assert recall_4 <= recall_16
