"""Word embeddings and vector search from scratch with numpy.

Part 1, word2vec: skip-gram with negative sampling (SGNS), gradients derived by hand.

    sigmoid                      the logistic function, without overflow
    sgns_loss_and_grads          loss and gradients of one (center, outside) pair with K negatives
    sgns_batch_loss_and_grads    the same, summed over a batch, gradients for the full matrices
    skipgram_pairs               (center, outside) id pairs of a corpus for a fixed window
    unigram_noise_distribution   the noise distribution P(w) ∝ count(w)^0.75
    train_sgns                   mini-batch SGD on a corpus -> center and outside embeddings

Part 2, search: exact top-k by cosine similarity, and an inverted-file (IVF) index built on
k-means that only scans the lists of the n_probe centroids nearest to the query.

    cosine_top_k                 exact (brute-force) cosine top-k, ties to the lower id
    IVFIndex                     train (k-means) / add / search (n_probe lists)

Everything is float64 numpy. What it does not do: subsampling of frequent words, dynamic
window sizes, learning-rate decay, hierarchical softmax, or product quantization. It does
not use faiss, scikit-learn or torch.
"""

from __future__ import annotations

import numpy as np

# -----------------------------------------------------------------------------
# word2vec: skip-gram with negative sampling


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function σ(x) = 1 / (1 + e^(-x)), elementwise, float64.

    Must not overflow: σ(-1000) = 0.0 and σ(1000) = 1.0 (no inf, no nan).
    Example: sigmoid(np.array([0.0, 2.0])) -> [0.5, 0.8808...].
    """
    return 1.0 / (1.0 + np.exp(-x))


def sgns_loss_and_grads(
    center_vec: np.ndarray,
    outside_vecs: np.ndarray,
    outside_idx: int,
    negative_idx: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Skip-gram negative-sampling loss of one (center, outside) pair, and its gradients.

    center_vec: (D,) the center word's vector v_c.
    outside_vecs: (V, D) the outside ("context") vectors u_w of every word.
    outside_idx: o, the id of the true outside word.
    negative_idx: (K,) ids of the K negative samples; ids may repeat (and may equal o):
        every entry is its own term of the sum.

        J = -log σ(u_o · v_c) - Σ_k log σ(-u_{w_k} · v_c)

        dJ/dv_c     = (σ(u_o · v_c) - 1) u_o + Σ_k σ(u_{w_k} · v_c) u_{w_k}
        dJ/du_o    += (σ(u_o · v_c) - 1) v_c
        dJ/du_{w_k} += σ(u_{w_k} · v_c) v_c        (once per occurrence of w_k)

    Returns (loss as a float, grad_center (D,), grad_outside (V, D)); rows of grad_outside
    of words that are neither o nor a negative are zero. The loss is computed with
    log σ(x) = -logaddexp(0, -x), so it stays finite for dot products of any size.
    """
    u_o = outside_vecs[outside_idx]  # (D,)
    u_neg = outside_vecs[negative_idx]  # (K, D)
    s_o = u_o @ center_vec  # scalar
    s_neg = u_neg @ center_vec  # (K,)
    loss = -np.log(sigmoid(s_o)) - np.log(sigmoid(-s_neg)).sum()

    g_o = sigmoid(s_o) - 1.0  # dJ/ds_o, scalar
    g_neg = sigmoid(s_neg)  # dJ/ds_k, (K,)
    grad_center = g_o * u_o + g_neg @ u_neg  # (D,)
    grad_outside = np.zeros_like(outside_vecs)  # (V, D)
    grad_outside[outside_idx] += g_o * center_vec
    grad_outside[negative_idx] += g_neg[:, None] * center_vec[None, :]
    return float(loss), grad_center, grad_outside


def sgns_batch_loss_and_grads(
    center_embeddings: np.ndarray,
    outside_embeddings: np.ndarray,
    centers: np.ndarray,
    outsides: np.ndarray,
    negatives: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray]:
    """SGNS loss summed over a batch of B pairs, with gradients for both embedding matrices.

    center_embeddings: (V, D), row w is v_w. outside_embeddings: (V, D), row w is u_w.
    centers: (B,) center ids c_b. outsides: (B,) outside ids o_b. negatives: (B, K),
    row b holds the K negative ids of pair b. The id arrays may also be given as (nested) lists.

        loss = Σ_b J(v_{c_b}, o_b, negatives[b])      (J as in sgns_loss_and_grads)

    Returns (loss as a float, grad_center_embeddings (V, D), grad_outside_embeddings (V, D)).
    Ids may repeat anywhere (the same center in several pairs, the same negative twice):
    gradients accumulate, so the result equals the sum of sgns_loss_and_grads over the batch
    (with grad_center added into row c_b).
    """
    negatives = np.asarray(negatives)  # (B, K)
    v_c = center_embeddings[centers]  # (B, D)
    u_o = outside_embeddings[outsides]  # (B, D)
    u_neg = outside_embeddings[negatives]  # (B, K, D)
    s_o = np.einsum("bd,bd->b", u_o, v_c)  # (B,)
    s_neg = np.einsum("bkd,bd->bk", u_neg, v_c)  # (B, K)
    loss = np.logaddexp(0.0, -s_o).sum() + np.logaddexp(0.0, s_neg).sum()

    g_o = sigmoid(s_o) - 1.0  # (B,)
    g_neg = sigmoid(s_neg)  # (B, K)
    d_v_c = g_o[:, None] * u_o + np.einsum("bk,bkd->bd", g_neg, u_neg)  # (B, D)
    d_u_o = g_o[:, None] * v_c  # (B, D)
    d_u_neg = g_neg[:, :, None] * v_c[:, None, :]  # (B, K, D)

    grad_center = np.zeros_like(center_embeddings)  # (V, D)
    grad_outside = np.zeros_like(outside_embeddings)  # (V, D)
    np.add.at(grad_center, centers, d_v_c)
    np.add.at(grad_outside, outsides, d_u_o)
    np.add.at(grad_outside, negatives, d_u_neg)  # row negatives[b, k] += d_u_neg[b, k]
    return float(loss), grad_center, grad_outside


def skipgram_pairs(ids: np.ndarray, window: int) -> np.ndarray:
    """All (center, outside) pairs of a token-id sequence with a fixed window.

    ids: (N,) int array or list of ints.
    For every position i and every j with 0 < |i - j| <= window and 0 <= j < len(ids), emit
    (ids[i], ids[j]). Order: by i ascending, then by j ascending.
    Example: skipgram_pairs([5, 6, 7], 1) -> [[5, 6], [6, 5], [6, 7], [7, 6]].
    Returns an int64 array of shape (N, 2) (N = 0 gives shape (0, 2)).
    Raises ValueError if window < 1.
    """
    if window < 1:
        raise ValueError(f"skipgram_pairs: window must be >= 1, got {window}")
    n = len(ids)
    pairs = []
    for i in range(n):
        for j in range(i - window, i + window):
            if j != i and 0 <= j < n:
                pairs.append((ids[i], ids[j]))
    return np.array(pairs, dtype=np.int64).reshape(len(pairs), 2)


def unigram_noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """The negative-sampling noise distribution P(w) = count(w)^power / Σ_w' count(w')^power.

    counts: (V,) non-negative word counts (an int or float array, or a list).
    Words with count 0 get probability 0.
    Returns a float64 array of shape (V,) that sums to 1.
    Raises ValueError if a count is negative, if every count is 0, or if power <= 0.
    Example: counts [1, 16], power 0.75 -> [1, 8] / 9.
    """
    counts = np.asarray(counts)
    if power <= 0:
        raise ValueError(f"unigram_noise_distribution: power must be > 0, got {power}")
    if (counts < 0).any():
        raise ValueError("unigram_noise_distribution: counts must be non-negative")
    if counts.sum() == 0:
        raise ValueError("unigram_noise_distribution: every count is 0")
    weights = counts**power  # (V,)
    return weights / weights.sum()


def train_sgns(
    corpus_ids: np.ndarray,
    vocab_size: int,
    dim: int,
    window: int,
    negatives: int,
    epochs: int,
    lr: float,
    seed: int,
    batch_size: int = 128,
) -> tuple[np.ndarray, np.ndarray]:
    """Train skip-gram with negative sampling by mini-batch SGD on the summed loss.

    corpus_ids: (N,) token ids in [0, vocab_size). Pairs come from skipgram_pairs(corpus, window);
    negatives are drawn i.i.d. from unigram_noise_distribution of the corpus counts (power 0.75),
    `negatives` per pair. Each epoch visits every pair once, in a random order, in batches of
    `batch_size` pairs; each batch takes one step  C -= lr * dC,  U -= lr * dU  with the
    gradients of sgns_batch_loss_and_grads (a sum over the batch, so lr is a per-pair step size).
    Init (word2vec's): C uniform in [-0.5/dim, 0.5/dim), U = 0.
    All randomness comes from np.random.default_rng(seed): the same seed gives the same result.
    Returns (center_embeddings C (V, dim), outside_embeddings U (V, dim)), float64.
    """
    rng = np.random.default_rng(seed)
    pairs = skipgram_pairs(corpus_ids, window)  # (P, 2)
    noise = unigram_noise_distribution(np.bincount(corpus_ids, minlength=vocab_size))  # (V,)
    C = (rng.random((vocab_size, dim)) - 0.5) / dim  # (V, dim)
    U = np.zeros((vocab_size, dim))  # (V, dim)
    for _ in range(epochs):
        order = rng.permutation(len(pairs))
        for start in range(0, len(pairs), batch_size):
            batch = pairs[order[start : start + batch_size]]  # (B, 2)
            neg = rng.choice(vocab_size, size=(len(batch), negatives), p=noise)  # (B, K)
            _, dC, dU = sgns_batch_loss_and_grads(C, U, batch[:, 0], batch[:, 1], neg)
            C -= lr * dC
            U -= lr * dU
    return C, U


# -----------------------------------------------------------------------------
# vector search: exact cosine top-k and an IVF index


def _normalize_rows(x: np.ndarray) -> np.ndarray:
    """Rows of x (N, D) divided by their L2 norm, float64. Raises ValueError for a zero row."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)  # (N, 1)
    if (norms == 0).any():
        raise ValueError("cannot normalize a zero vector")
    return x / norms


def _sq_dists(x: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """(N, L) squared L2 distances between the rows of x (N, D) and centroids (L, D)."""
    diff = x[:, None, :] - centroids[None, :, :]  # (N, L, D)
    return (diff**2).sum(axis=-1)


def _nearest_centroid(x: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """(N,) id of the centroid nearest to each row of x; argmin takes the lower id on ties."""
    return _sq_dists(x, centroids).argmin(axis=1)


def cosine_top_k(queries: np.ndarray, keys: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k of every query by cosine similarity against every key.

    queries: (Q, D), keys: (N, D). cos(q, x) = q·x / (|q| |x|).
    Returns (scores (Q, k) float64, ids (Q, k) int64): row i holds the k best keys of query i,
    by score descending; equal scores are ordered by the lower key id first.
    Raises ValueError if k < 1 or k > N, or if a query or key is the zero vector.
    """
    if not 1 <= k <= len(keys):
        raise ValueError(f"cosine_top_k: need 1 <= k <= {len(keys)}, got k={k}")
    sims = _normalize_rows(queries) @ _normalize_rows(keys).T  # (Q, N)
    ids = np.argsort(sims, axis=1)[:, ::-1][:, :k]  # (Q, k), best first
    return np.take_along_axis(sims, ids, axis=1), ids


class IVFIndex:
    """An inverted-file index for cosine search: k-means cells, scan only the nearest few.

    Every vector given to train, add and search is first L2-normalized; scores are inner
    products of normalized vectors (cosines).

    train(vectors): Lloyd's k-means with n_lists centroids on the normalized vectors.
        Init: rng = np.random.default_rng(seed); the centroids are the normalized training
        vectors at rows rng.choice(len(vectors), size=n_lists, replace=False), in that order.
        Then exactly n_iter iterations of: assign every vector to its nearest centroid by
        squared L2 distance (ties to the lower centroid id); set every centroid to the mean
        of its vectors (a centroid with no vectors keeps its value). Centroids are not
        re-normalized. Sets self.centroids, (n_lists, D) float64.
    add(vectors): ids continue from the vectors already added (0, 1, 2, ... over all calls);
        each vector goes to the list of its nearest centroid (squared L2, ties to the lower id).
    search(queries, k, n_probe): for each query, the n_probe centroids nearest to the query
        (squared L2, ties to the lower id) are probed, and the k best vectors of those lists
        are returned by cosine, score descending, ties to the lower id. If the probed lists
        hold fewer than k vectors, the row is padded with id -1 and score -inf.
    """

    def __init__(self, n_lists: int, seed: int, n_iter: int = 20):
        """n_lists >= 1 lists (k-means centroids), seed for the k-means init, n_iter iterations.

        Raises ValueError if n_lists < 1 or n_iter < 0.
        """
        if n_lists < 1:
            raise ValueError(f"IVFIndex: n_lists must be >= 1, got {n_lists}")
        if n_iter < 0:
            raise ValueError(f"IVFIndex: n_iter must be >= 0, got {n_iter}")
        self.n_lists = n_lists
        self.seed = seed
        self.n_iter = n_iter
        self.centroids = None  # (n_lists, D) float64 after train

    def train(self, vectors: np.ndarray) -> None:
        """k-means on the normalized rows of vectors (N, D). Raises ValueError if N < n_lists."""
        x = _normalize_rows(vectors)  # (N, D)
        rng = np.random.default_rng(self.seed)
        # subtle: choice(..., replace=False) itself raises ValueError when N < n_lists
        self.centroids = x[rng.choice(len(x), size=self.n_lists, replace=False)]  # (L, D)
        for _ in range(self.n_iter):
            assign = _nearest_centroid(x, self.centroids)  # (N,)
            for j in range(self.n_lists):
                members = x[assign == j]
                if len(members) > 0:
                    self.centroids[j] = members.mean(axis=0)
        self.vectors = np.zeros((0, x.shape[1]))  # (N, D) normalized vectors added, row = id
        self.list_of = np.zeros(0, dtype=np.int64)  # (N,) the list of each added vector

    def add(self, vectors: np.ndarray) -> None:
        """Add the normalized rows of vectors (N, D) to their lists; ids continue from earlier adds.

        Raises RuntimeError if called before train.
        """
        if self.centroids is None:
            raise RuntimeError("IVFIndex.add: call train first")
        x = _normalize_rows(vectors)  # (N, D)
        self.list_of = np.concatenate([self.list_of, _nearest_centroid(x, self.centroids)])
        self.vectors = np.concatenate([self.vectors, x])

    def search(self, queries: np.ndarray, k: int, n_probe: int) -> tuple[np.ndarray, np.ndarray]:
        """Approximate cosine top-k: returns (scores (Q, k) float64, ids (Q, k) int64).

        Raises RuntimeError before train, ValueError if k < 1 or n_probe is not in [1, n_lists].
        """
        if self.centroids is None:
            raise RuntimeError("IVFIndex.search: call train first")
        if k < 1:
            raise ValueError(f"IVFIndex.search: k must be >= 1, got {k}")
        if not 1 <= n_probe <= self.n_lists:
            raise ValueError(f"IVFIndex.search: need 1 <= n_probe <= {self.n_lists}, got {n_probe}")
        q = _normalize_rows(queries)  # (Q, D)
        probes = np.argsort(-(q @ self.centroids.T), axis=1)[:, :n_probe]  # most similar centroids
        scores = np.full((len(q), k), -np.inf)
        ids = np.full((len(q), k), -1, dtype=np.int64)
        for i in range(len(q)):
            cand = np.flatnonzero(np.isin(self.list_of, probes[i]))  # candidate ids, ascending
            sims = self.vectors[cand] @ q[i]  # (n_cand,)
            best = np.argsort(-sims, kind="stable")[:k]  # ties: lower id (cand is ascending)
            scores[i, : len(best)] = sims[best]
            ids[i, : len(best)] = cand[best]
        return scores, ids
