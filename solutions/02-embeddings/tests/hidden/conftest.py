"""Hidden-only oracles for the 02-embeddings tests (never released).

Plain numpy re-implementations of what the handout asks the student to write: the skip-gram
pair list, exact top-k with its tie rule, the stated k-means, and IVF search. They stay out of
the released tests/conftest.py (which keeps only library-backed oracles: torch, faiss, scipy,
sklearn); the public tests use values these produced once instead
(fixtures/public/expected_values.json, written by tools/make_public_expected.py).

This `oracle` fixture extends the one of tests/conftest.py with these helpers, so hidden tests
call `oracle.kmeans_oracle(...)` and `oracle.faiss_ivf(...)` alike.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest


def _normalize(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def skipgram_pairs_oracle(ids, window: int) -> np.ndarray:
    """(center, outside) pairs, by center position then outside position (the handout's order)."""
    ids = list(ids)
    out = [(ids[i], ids[j]) for i in range(len(ids)) for j in range(len(ids)) if 0 < abs(i - j) <= window]
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def exact_top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise top-k of a score matrix, score descending, ties to the lower column id."""
    scores = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    cols = np.arange(scores.shape[1])
    ids = np.array([np.lexsort((cols, -row))[:k] for row in scores])  # last key sorts first
    return np.take_along_axis(scores, ids, axis=1), ids.astype(np.int64)


def kmeans_oracle(vectors, n_lists: int, seed: int, n_iter: int, min_gap: float | None = 1e-9):
    """The handout's k-means on normalized vectors, float64: init rows from
    default_rng(seed).choice(N, n_lists, replace=False); n_iter rounds of assign (squared L2,
    ties to the lower id) and mean update (an empty list keeps its centroid).

    If min_gap is set, checks that every assignment's best and second-best squared distances
    differ by more than min_gap (a check on the test data: no near-ties).
    """
    x = _normalize(vectors)
    rng = np.random.default_rng(seed)
    cent = x[rng.choice(len(x), size=n_lists, replace=False)].copy()
    for _ in range(n_iter):
        d2 = ((x[:, None, :] - cent[None, :, :]) ** 2).sum(-1)  # (N, L)
        if min_gap is not None and n_lists > 1:
            two = np.sort(d2, axis=1)[:, :2]
            assert (two[:, 1] - two[:, 0]).min() > min_gap, "test data: near-tie in k-means; pick another seed"
        assign = d2.argmin(axis=1)
        for j in range(n_lists):
            if (assign == j).any():
                cent[j] = x[assign == j].mean(axis=0)
    return cent


def ivf_search_oracle(centroids, vectors, queries, k: int, n_probe: int):
    """The handout's IVF search in float64: lists and probes by squared L2 to the centroids
    (ties to the lower centroid id), cosine ranking with ties to the lower id, padding with
    id -1 and score -inf. `vectors` are all added vectors in id order."""
    c = np.asarray(centroids, dtype=np.float64)
    x, q = _normalize(vectors), _normalize(queries)
    lists = np.array([min(range(len(c)), key=lambda j: (((v - c[j]) ** 2).sum(), j)) for v in x])
    scores = np.full((len(q), k), -np.inf)
    ids = np.full((len(q), k), -1, dtype=np.int64)
    for i, qi in enumerate(q):
        probes = sorted(range(len(c)), key=lambda j: (((qi - c[j]) ** 2).sum(), j))[:n_probe]
        cand = [int(v) for v in np.flatnonzero(np.isin(lists, probes))]
        ranked = sorted(cand, key=lambda v: (-(x[v] @ qi), v))[:k]
        ids[i, : len(ranked)] = ranked
        scores[i, : len(ranked)] = [x[v] @ qi for v in ranked]
    return scores, ids


HIDDEN_HELPERS = dict(
    skipgram_pairs_oracle=skipgram_pairs_oracle,
    exact_top_k=exact_top_k,
    kmeans_oracle=kmeans_oracle,
    ivf_search_oracle=ivf_search_oracle,
)


@pytest.fixture(scope="session")
def oracle(oracle) -> SimpleNamespace:
    """tests/conftest.py's `oracle` plus the hidden-only helpers above."""
    return SimpleNamespace(**vars(oracle), **HIDDEN_HELPERS)
