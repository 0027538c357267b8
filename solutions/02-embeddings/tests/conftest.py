"""Shared helpers and oracles for the 02-embeddings tests (released to students: nothing hidden here).

Everything here runs on the trusted side; the student's code is reached only through the
`student` fixture. The oracles:
- torch autograd (float64) for the SGNS loss and gradients;
- centred differences of the student's own loss (the CS224N gradcheck);
- scipy.special.expit for the sigmoid;
- faiss.IndexFlatIP (exact cosine top-k) and faiss.IndexIVFFlat built on the student's
  centroids (IVF search), sklearn.cluster.KMeans (IVF training);
- a generated corpus with planted topic clusters for training.
Only library-backed oracles, data and loaders live here: the plain re-implementations of what
the handout asks for (skip-gram pairs, exact top-k, k-means, IVF search) are in
tests/hidden/conftest.py, and the public tests read the values they produced from
fixtures/public/expected_values.json (`oracle.expected(...)`). Tests run with
`--import-mode=importlib`, so they reach these helpers through the `oracle` fixture
(`oracle.torch_sgns(...)`) rather than `import conftest`.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import faiss
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.expected_values import expected_value

torch.set_num_threads(2)
faiss.omp_set_num_threads(1)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# -- SGNS oracles ---------------------------------------------------------------


def torch_sgns(center_vec, outside_vecs, outside_idx, negative_idx):
    """(loss, grad_center, grad_outside) of J = -log σ(u_o·v_c) - Σ_k log σ(-u_k·v_c), by autograd."""
    v = torch.tensor(center_vec, dtype=torch.float64, requires_grad=True)
    U = torch.tensor(outside_vecs, dtype=torch.float64, requires_grad=True)
    neg = torch.as_tensor(np.asarray(negative_idx, dtype=np.int64))
    loss = -F.logsigmoid(U[int(outside_idx)] @ v) - F.logsigmoid(-(U[neg] @ v)).sum()
    loss.backward()
    return loss.item(), v.grad.numpy(), U.grad.numpy()


def torch_sgns_batch(C, U, centers, outsides, negatives):
    """(loss, grad_C, grad_U) of the batch loss Σ_b J_b, by autograd."""
    Ct = torch.tensor(C, dtype=torch.float64, requires_grad=True)
    Ut = torch.tensor(U, dtype=torch.float64, requires_grad=True)
    c = torch.as_tensor(np.asarray(centers, dtype=np.int64))
    o = torch.as_tensor(np.asarray(outsides, dtype=np.int64))
    n = torch.as_tensor(np.asarray(negatives, dtype=np.int64))
    v = Ct[c]  # (B, D)
    pos = (Ut[o] * v).sum(-1)  # (B,)
    negs = torch.einsum("bkd,bd->bk", Ut[n], v)  # (B, K)
    loss = -F.logsigmoid(pos).sum() - F.logsigmoid(-negs).sum()
    loss.backward()
    return loss.item(), Ct.grad.numpy(), Ut.grad.numpy()


def centred_difference(f, x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Numerical gradient of the scalar f at x: (f(x + h e_i) - f(x - h e_i)) / 2h for every i."""
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / (2 * h)
    return grad


def gradcheck_rel_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """CS224N's relative error: max_i |a_i - n_i| / max(1, |a_i|, |n_i|)."""
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    return float((np.abs(a - n) / np.maximum(1.0, np.maximum(np.abs(a), np.abs(n)))).max())


def sgns_inputs(seed: int, vocab: int, dim: int, n_neg: int, scale: float = 0.5):
    """Random float64 (center_vec (D,), outside_vecs (V, D), outside_idx, negative_idx (K,))."""
    rng = np.random.default_rng(seed)
    center = rng.standard_normal(dim) * scale
    outside = rng.standard_normal((vocab, dim)) * scale
    o = int(rng.integers(vocab))
    neg = rng.integers(vocab, size=n_neg)
    return center, outside, o, neg


def batch_inputs(seed: int, vocab: int, dim: int, batch: int, n_neg: int, scale: float = 0.5):
    """Random float64 (C (V, D), U (V, D), centers (B,), outsides (B,), negatives (B, K)).

    With small vocab, ids repeat across and within the index arrays.
    """
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((vocab, dim)) * scale
    U = rng.standard_normal((vocab, dim)) * scale
    centers = rng.integers(vocab, size=batch)
    outsides = rng.integers(vocab, size=batch)
    negatives = rng.integers(vocab, size=(batch, n_neg))
    return C, U, centers, outsides, negatives


# -- corpus ---------------------------------------------------------------------


def topic_corpus(seed: int, n_topics: int, words_per_topic: int, n_docs: int, doc_len: int,
                 n_shared: int = 0, p_shared: float = 0.2):
    """A corpus with planted clusters: every document draws all its words from one topic.

    Topic t owns the ids t*words_per_topic ... (t+1)*words_per_topic - 1 (uniformly drawn);
    the last n_shared ids are "stop words" that replace each token with probability p_shared
    in every topic. Documents are concatenated. Returns (corpus_ids (N,) int64, vocab_size,
    labels (n_topics*words_per_topic,) the topic of every topic word).
    """
    rng = np.random.default_rng(seed)
    n_topic_words = n_topics * words_per_topic
    docs = []
    for _ in range(n_docs):
        t = rng.integers(n_topics)
        ids = t * words_per_topic + rng.integers(words_per_topic, size=doc_len)
        if n_shared:
            stop = rng.random(doc_len) < p_shared
            ids[stop] = n_topic_words + rng.integers(n_shared, size=int(stop.sum()))
        docs.append(ids)
    labels = np.repeat(np.arange(n_topics), words_per_topic)
    return np.concatenate(docs).astype(np.int64), n_topic_words + n_shared, labels


def cluster_scores(embeddings: np.ndarray, labels: np.ndarray) -> tuple[float, float, float]:
    """(mean intra-cluster cosine, mean inter-cluster cosine, nearest-neighbour purity).

    Only the rows with a label (the topic words) are scored; a word's nearest neighbour is the
    other labelled word with the highest cosine, and purity is the fraction of words whose
    nearest neighbour has the same label.
    """
    X = np.asarray(embeddings, dtype=np.float64)[: len(labels)]
    X = X / np.linalg.norm(X, axis=1, keepdims=True)
    S = X @ X.T
    same = labels[:, None] == labels[None, :]
    off_diag = ~np.eye(len(labels), dtype=bool)
    intra = float(S[same & off_diag].mean())
    inter = float(S[~same].mean())
    np.fill_diagonal(S, -np.inf)
    purity = float((labels[S.argmax(axis=1)] == labels).mean())
    return intra, inter, purity


# -- search oracles -------------------------------------------------------------


def normalize(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def faiss_cosine(queries, keys, k: int):
    """Exact cosine top-k by faiss.IndexFlatIP on L2-normalized float32 copies: (scores, ids)."""
    q = np.ascontiguousarray(normalize(queries), dtype=np.float32)
    x = np.ascontiguousarray(normalize(keys), dtype=np.float32)
    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    return index.search(q, k)


def assert_rows_separated(sims, k: int, gap: float) -> None:
    """Precondition on test data: the k + 1 best scores of each row are at least `gap` apart,
    so that the expected ranking does not hinge on float rounding."""
    for row in np.atleast_2d(np.asarray(sims, dtype=np.float64)):
        top = np.sort(row)[::-1][: k + 1]
        assert (np.diff(-top) > gap).all(), "test data has a near-tie; pick another seed"


def tie_vectors(seed: int, n: int, dim: int, nonzeros: int = 4) -> np.ndarray:
    """n vectors with exactly `nonzeros` entries in {-1, +1} (the rest 0), float64.

    With nonzeros = 4 every norm is 2, so normalized entries are ±0.5 and every cosine is a
    multiple of 1/4, computed exactly in any summation order: exact ties are exact.
    """
    rng = np.random.default_rng(seed)
    x = np.zeros((n, dim))
    for i in range(n):
        cols = rng.choice(dim, size=nonzeros, replace=False)
        x[i, cols] = rng.choice([-1.0, 1.0], size=nonzeros)
    return x


def faiss_ivf(centroids, vectors, queries, k: int, n_probe: int):
    """faiss.IndexIVFFlat (inner product) whose coarse quantizer is an IndexFlatL2 holding
    `centroids`: lists by nearest centroid (L2), probes the n_probe nearest, float32.
    Returns (scores, ids); faiss pads missing results with id -1."""
    d = centroids.shape[1]
    quantizer = faiss.IndexFlatL2(d)
    quantizer.add(np.ascontiguousarray(centroids, dtype=np.float32))
    index = faiss.IndexIVFFlat(quantizer, d, len(centroids), faiss.METRIC_INNER_PRODUCT)
    assert index.is_trained
    index.add(np.ascontiguousarray(normalize(vectors), dtype=np.float32))
    index.nprobe = n_probe
    return index.search(np.ascontiguousarray(normalize(queries), dtype=np.float32), k)


def assert_ivf_separated(centroids, vectors, queries, n_probe: int, gap: float = 1e-5) -> None:
    """Precondition: list assignment and probe order are far from float32 near-ties."""
    c = np.asarray(centroids, dtype=np.float64)
    for x, n in ((normalize(vectors), 1), (normalize(queries), n_probe)):
        d2 = np.sort(((x[:, None, :] - c[None, :, :]) ** 2).sum(-1), axis=1)
        if n < len(c):
            assert (d2[:, n] - d2[:, n - 1]).min() > gap, "test data: near-tie between centroids; pick another seed"


def expected(name: str):
    """A committed expected value from fixtures/public/expected_values.json (see tools/)."""
    return expected_value(FIXTURES.parent, name)


def recall_at_k(found_ids, true_ids) -> float:
    """Mean over queries of |found ∩ true| / k."""
    k = np.asarray(true_ids).shape[1]
    return float(np.mean([len(set(map(int, f)) & set(map(int, t))) / k for f, t in zip(found_ids, true_ids)]))


# -- the fixture that hands the helpers to the tests -----------------------------


@pytest.fixture(scope="session")
def oracle() -> SimpleNamespace:
    """The helpers of this file as attributes, e.g. `oracle.torch_sgns(...)`."""
    return SimpleNamespace(
        torch_sgns=torch_sgns,
        torch_sgns_batch=torch_sgns_batch,
        centred_difference=centred_difference,
        gradcheck_rel_error=gradcheck_rel_error,
        sgns_inputs=sgns_inputs,
        batch_inputs=batch_inputs,
        topic_corpus=topic_corpus,
        cluster_scores=cluster_scores,
        normalize=normalize,
        faiss_cosine=faiss_cosine,
        expected=expected,
        assert_rows_separated=assert_rows_separated,
        tie_vectors=tie_vectors,
        faiss_ivf=faiss_ivf,
        assert_ivf_separated=assert_ivf_separated,
        recall_at_k=recall_at_k,
    )
