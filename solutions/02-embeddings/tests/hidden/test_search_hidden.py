"""Hidden tests: cosine top-k and the IVF index on other shapes, seeds, ties and edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.harness import StudentError


def _raises(exc_type: str, fn, *args, **kwargs) -> None:
    with pytest.raises(StudentError) as err:
        fn(*args, **kwargs)
    assert err.value.exc_type == exc_type, f"expected {exc_type}, got {err.value.exc_type}"


# -- cosine_top_k ---------------------------------------------------------------


@pytest.mark.points(3)
def test_hidden_cosine_top_k_faiss_other_shapes(student, oracle):
    """cosine_top_k ids equal faiss.IndexFlatIP for other shapes, including a single query, k = 1 and k = N; scores within 1e-12 of float64 cosines.

    (Q, N, D, k) = (1, 50, 3, 1), (8, 33, 20, 33) and (3, 200, 64, 15)."""
    for seed, (Q, N, D, k) in enumerate(((1, 50, 3, 1), (8, 33, 20, 33), (3, 200, 64, 15)), start=500):
        rng = np.random.default_rng(seed)
        q, x = rng.standard_normal((Q, D)) * 4.0, rng.standard_normal((N, D)) * rng.uniform(0.1, 5, (N, 1))
        sims = oracle.normalize(q) @ oracle.normalize(x).T
        oracle.assert_rows_separated(sims, min(k, N - 1), gap=1e-5)
        scores, ids = student.call("cosine_top_k", q, x, k)
        assert scores.shape == (Q, k) and ids.shape == (Q, k) and ids.dtype == np.int64
        np.testing.assert_array_equal(ids, oracle.faiss_cosine(q, x, k)[1])
        np.testing.assert_allclose(scores, np.take_along_axis(sims, ids, axis=1), rtol=0, atol=1e-12)


@pytest.mark.points(2)
def test_hidden_cosine_top_k_many_ties(student, oracle):
    """Keys with many exact ties and duplicates (cosines computed exactly), k = N: ids ordered by score then lower id.

    Cosines are multiples of 1/4."""
    keys = oracle.tie_vectors(seed=501, n=30, dim=5)
    keys = np.concatenate([keys, keys[[4, 0, 4]] * 3.0])  # scaled duplicates of keys 4, 0, 4
    queries = np.concatenate([oracle.tie_vectors(seed=502, n=4, dim=5), keys[[0, 4]]])
    exact = oracle.normalize(queries) @ oracle.normalize(keys).T
    ref_scores, ref_ids = oracle.exact_top_k(exact, len(keys))
    scores, ids = student.call("cosine_top_k", queries, keys, len(keys))
    np.testing.assert_array_equal(ids, ref_ids)
    np.testing.assert_allclose(scores, ref_scores, rtol=0, atol=1e-12)
    assert ids[4, 0] == 0 and 31 in ids[4, :2]  # query 4 is key 0; its scaled copy 31 ties with it


@pytest.mark.points(1)
def test_hidden_cosine_top_k_scale_invariance(student, oracle):
    """Scaling queries and keys by positive per-row factors leaves ids unchanged and scores within 1e-12."""
    rng = np.random.default_rng(503)
    q, x = rng.standard_normal((5, 9)), rng.standard_normal((40, 9))
    oracle.assert_rows_separated(oracle.normalize(q) @ oracle.normalize(x).T, 6, gap=1e-9)
    s1, i1 = student.call("cosine_top_k", q, x, 6)
    s2, i2 = student.call("cosine_top_k", q * rng.uniform(0.01, 100, (5, 1)), x * rng.uniform(0.01, 100, (40, 1)), 6)
    np.testing.assert_array_equal(i1, i2)
    np.testing.assert_allclose(s1, s2, rtol=0, atol=1e-12)
    assert (s1[:, :-1] >= s1[:, 1:]).all() and (np.abs(s1) <= 1 + 1e-12).all()


@pytest.mark.points(1)
def test_hidden_cosine_top_k_errors(student):
    """A zero key row, k = N + 1, k = 0 and k = -1 raise ValueError; k = N is allowed."""
    q, keys = np.ones((2, 3)), np.arange(1.0, 16.0).reshape(5, 3)
    keys[2] = 0.0
    _raises("ValueError", student.call, "cosine_top_k", q, keys, 2)  # key 2 is the zero vector
    keys[2] = 1.0
    _raises("ValueError", student.call, "cosine_top_k", q, keys, 6)
    _raises("ValueError", student.call, "cosine_top_k", q, keys, 0)
    _raises("ValueError", student.call, "cosine_top_k", q, keys, -1)
    assert student.call("cosine_top_k", q, keys, 5)[1].shape == (2, 5)


# -- IVF: training ----------------------------------------------------------------


@pytest.mark.points(3)
def test_hidden_ivf_kmeans_other_settings(student, oracle):
    """IVF centroids equal the stated k-means with no iterations (the init rows, exactly), with other seeds and shapes, with a single list (the mean of all normalized vectors) and with many lists on few low-dimensional vectors.

    n_iter 0 and 5, n_lists 1, and 15 lists on 40 2-d vectors."""
    x = np.random.default_rng(510).standard_normal((300, 6)) * 3.0
    for n_lists, seed, n_iter in ((9, 7, 0), (9, 8, 5), (1, 9, 4)):
        index = student.new("IVFIndex", n_lists, seed, n_iter=n_iter)
        index.call("train", x)
        expected = oracle.kmeans_oracle(x, n_lists, seed=seed, n_iter=n_iter)
        np.testing.assert_allclose(index.get("centroids"), expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(expected[0], oracle.normalize(x).mean(axis=0), atol=1e-12)
    # many small lists in 2-d: some end with a single vector that is not their initial centroid
    x2 = np.random.default_rng(600).standard_normal((40, 2))
    index = student.new("IVFIndex", 15, 0, n_iter=10)
    index.call("train", x2)
    np.testing.assert_allclose(index.get("centroids"), oracle.kmeans_oracle(x2, 15, seed=0, n_iter=10), rtol=0, atol=1e-10)
    # the init rows come from default_rng(seed).choice(N, n_lists, replace=False)
    index = student.new("IVFIndex", 4, 21, n_iter=0)
    index.call("train", x)
    rows = np.random.default_rng(21).choice(300, size=4, replace=False)
    np.testing.assert_allclose(index.get("centroids"), oracle.normalize(x)[rows], rtol=0, atol=1e-10)


@pytest.mark.points(2)
def test_hidden_ivf_empty_lists_keep_their_centroid(student, oracle):
    """Duplicated one-hot data where some lists empty out: empty lists keep their centroid, ties go to the lower centroid id, and search probes the lower-id twin."""
    x = np.repeat(np.eye(4)[:3], 10, axis=0)  # ids 0-9: e0, 10-19: e1, 20-29: e2
    index = student.new("IVFIndex", 5, 4, n_iter=3)  # init rows 25, 24, 18, 14, 28: e2, e2, e1, e1, e2
    index.call("train", x)
    expected = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], dtype=float)
    np.testing.assert_array_equal(oracle.kmeans_oracle(x, 5, seed=4, n_iter=3, min_gap=None), expected)
    centroids = index.get("centroids")
    assert np.isfinite(centroids).all()
    np.testing.assert_allclose(centroids, expected, rtol=0, atol=1e-10)

    index.call("add", x)
    queries = np.array([[0.0, 0.0, 3.0, 0.0], [0.0, 2.0, 0.0, 0.0], [5.0, 0.0, 0.0, 0.0]])
    scores, ids = index.call("search", queries, 12, 1)
    np.testing.assert_array_equal(ids[0], list(range(20, 30)) + [-1, -1])
    np.testing.assert_array_equal(ids[1], list(range(10, 20)) + [-1, -1])
    np.testing.assert_array_equal(ids[2], list(range(0, 10)) + [-1, -1])
    assert np.isneginf(scores[:, 10:]).all() and (scores[:, :10] == 1.0).all()
    scores, ids = index.call("search", queries[2:], 12, 2)  # probes list 0 (e0) then list 1 (e2)
    np.testing.assert_array_equal(ids[0], list(range(0, 10)) + [20, 21])
    np.testing.assert_allclose(scores[0], [1.0] * 10 + [0.0, 0.0], atol=1e-15)


# -- IVF: search --------------------------------------------------------------------


@pytest.mark.points(3)
def test_hidden_ivf_search_matches_faiss_other_shapes(student, oracle):
    """IVF search on other shapes (vectors added in several calls, other n_lists, n_probe and k) returns faiss.IndexIVFFlat's ids on the same centroids.

    2400 x 20 vectors in three calls, 35 lists, n_probe 2 and 5, k 7."""
    rng = np.random.default_rng(520)
    x, q = rng.standard_normal((2400, 20)), rng.standard_normal((30, 20))
    index = student.new("IVFIndex", 35, 3, n_iter=8)
    index.call("train", x[:1200])  # train on a subset, index everything
    for part in (x[:700], x[700:701], x[701:]):
        index.call("add", part)
    centroids = index.get("centroids")
    np.testing.assert_allclose(centroids, oracle.kmeans_oracle(x[:1200], 35, seed=3, n_iter=8), rtol=0, atol=1e-10)
    for n_probe in (2, 5):
        oracle.assert_ivf_separated(centroids, x, q, n_probe)
        scores, ids = index.call("search", q, 7, n_probe)
        ref_scores, ref_ids = oracle.faiss_ivf(centroids, x, q, 7, n_probe)
        np.testing.assert_array_equal(ids, ref_ids)
        np.testing.assert_allclose(scores, ref_scores, rtol=0, atol=1e-5)


@pytest.mark.points(2)
def test_hidden_ivf_padding_when_lists_are_short(student, oracle):
    """k larger than the probed lists: rows are padded with id -1 and score -inf, and the found ids equal faiss.IndexIVFFlat's."""
    rng = np.random.default_rng(530)
    x, q = rng.standard_normal((120, 5)), rng.standard_normal((10, 5))
    index = student.new("IVFIndex", 12, 0, n_iter=5)
    index.call("train", x)
    index.call("add", x)
    centroids = index.get("centroids")
    oracle.assert_ivf_separated(centroids, x, q, 1)
    scores, ids = index.call("search", q, 40, 1)
    ref_scores, ref_ids = oracle.faiss_ivf(centroids, x, q, 40, 1)
    assert (ref_ids == -1).any(), "test setup: no padding"
    np.testing.assert_array_equal(ids, ref_ids)
    assert np.isneginf(scores[ids == -1]).all()
    np.testing.assert_allclose(scores[ids != -1], ref_scores[ref_ids != -1], rtol=0, atol=1e-5)


@pytest.mark.points(2)
def test_hidden_ivf_ties_and_full_probe(student, oracle):
    """Vectors with exact cosine ties: IVF search at n_probe = n_lists equals brute force with ties to the lower id; at n_probe 2 it equals the stated rule."""
    x = oracle.tie_vectors(seed=540, n=60, dim=6)
    q = oracle.tie_vectors(seed=541, n=6, dim=6) * 2.0
    index = student.new("IVFIndex", 6, 2, n_iter=4)
    index.call("train", x)
    index.call("add", x)
    centroids = index.get("centroids")
    np.testing.assert_allclose(centroids, oracle.kmeans_oracle(x, 6, seed=2, n_iter=4, min_gap=None), rtol=0, atol=1e-10)
    scores, ids = index.call("search", q, 15, 6)
    ref_scores, ref_ids = oracle.exact_top_k(oracle.normalize(q) @ oracle.normalize(x).T, 15)
    np.testing.assert_array_equal(ids, ref_ids)
    np.testing.assert_allclose(scores, ref_scores, rtol=0, atol=1e-12)
    scores, ids = index.call("search", q, 15, 2)
    ref_scores, ref_ids = oracle.ivf_search_oracle(centroids, x, q, 15, 2)
    np.testing.assert_array_equal(ids, ref_ids)


@pytest.mark.points(2)
def test_hidden_ivf_recall_on_clustered_data(student, oracle):
    """Vectors drawn around well-separated Gaussian centres: recall@10 >= 0.9 with a small n_probe, and exactly 1.0 with n_probe = n_lists.

    3000 vectors from 20 clusters in 24-d, 30 lists, n_probe 2."""
    rng = np.random.default_rng(400)
    centers = rng.standard_normal((20, 24))
    x = centers[rng.integers(20, size=3000)] + 0.35 * rng.standard_normal((3000, 24))
    q = centers[rng.integers(20, size=60)] + 0.35 * rng.standard_normal((60, 24))
    sims = oracle.normalize(q) @ oracle.normalize(x).T
    oracle.assert_rows_separated(sims, 10, gap=1e-9)
    _, true_ids = oracle.exact_top_k(sims, 10)
    index = student.new("IVFIndex", 30, 0)
    index.call("train", x)
    index.call("add", x)
    assert oracle.recall_at_k(index.call("search", q, 10, 2)[1], true_ids) >= 0.9
    assert oracle.recall_at_k(index.call("search", q, 10, 30)[1], true_ids) == 1.0


@pytest.mark.points(3)
def test_hidden_ivf_errors(student):
    """ValueError for n_lists 0, n_iter -1, fewer training vectors than lists, k 0, n_probe 0 or > n_lists; RuntimeError for add/search before train. n_lists = N and n_probe = n_lists are allowed."""
    x = np.random.default_rng(550).standard_normal((8, 3))
    _raises("ValueError", student.new, "IVFIndex", 0, 0)
    _raises("ValueError", student.new, "IVFIndex", 2, 0, n_iter=-1)
    index = student.new("IVFIndex", 9, 0)
    _raises("ValueError", index.call, "train", x)
    index = student.new("IVFIndex", 3, 0, n_iter=0)
    _raises("RuntimeError", index.call, "add", x)
    _raises("RuntimeError", index.call, "search", x, 1, 1)
    index.call("train", x)
    index.call("add", x)
    _raises("ValueError", index.call, "search", x, 0, 1)
    _raises("ValueError", index.call, "search", x, 2, 0)
    _raises("ValueError", index.call, "search", x, 2, 4)
    assert index.call("search", x, 8, 3)[1].shape == (8, 8)
    full = student.new("IVFIndex", 8, 1, n_iter=2)  # as many lists as vectors
    full.call("train", x)
    full.call("add", x)
    np.testing.assert_array_equal(full.call("search", x, 1, 1)[1][:, 0], np.arange(8))
