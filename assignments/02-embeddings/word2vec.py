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
    raise NotImplementedError


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
    raise NotImplementedError


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
    raise NotImplementedError


def skipgram_pairs(ids: np.ndarray, window: int) -> np.ndarray:
    """All (center, outside) pairs of a token-id sequence with a fixed window.

    ids: (N,) int array or list of ints.
    For every position i and every j with 0 < |i - j| <= window and 0 <= j < len(ids), emit
    (ids[i], ids[j]). Order: by i ascending, then by j ascending.
    Example: skipgram_pairs([5, 6, 7], 1) -> [[5, 6], [6, 5], [6, 7], [7, 6]].
    Returns an int64 array of shape (N, 2) (N = 0 gives shape (0, 2)).
    Raises ValueError if window < 1.
    """
    raise NotImplementedError


def unigram_noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """The negative-sampling noise distribution P(w) = count(w)^power / Σ_w' count(w')^power.

    counts: (V,) non-negative word counts (an int or float array, or a list).
    Words with count 0 get probability 0.
    Returns a float64 array of shape (V,) that sums to 1.
    Raises ValueError if a count is negative, if every count is 0, or if power <= 0.
    Example: counts [1, 16], power 0.75 -> [1, 8] / 9.
    """
    raise NotImplementedError


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
    raise NotImplementedError


# -----------------------------------------------------------------------------
# vector search: exact cosine top-k and an IVF index


def cosine_top_k(queries: np.ndarray, keys: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k of every query by cosine similarity against every key.

    queries: (Q, D), keys: (N, D). cos(q, x) = q·x / (|q| |x|).
    Returns (scores (Q, k) float64, ids (Q, k) int64): row i holds the k best keys of query i,
    by score descending; equal scores are ordered by the lower key id first.
    Raises ValueError if k < 1 or k > N, or if a query or key is the zero vector.
    """
    raise NotImplementedError


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
        raise NotImplementedError

    def train(self, vectors: np.ndarray) -> None:
        """k-means on the normalized rows of vectors (N, D). Raises ValueError if N < n_lists."""
        raise NotImplementedError

    def add(self, vectors: np.ndarray) -> None:
        """Add the normalized rows of vectors (N, D) to their lists; ids continue from earlier adds.

        Raises RuntimeError if called before train.
        """
        raise NotImplementedError

    def search(self, queries: np.ndarray, k: int, n_probe: int) -> tuple[np.ndarray, np.ndarray]:
        """Approximate cosine top-k: returns (scores (Q, k) float64, ids (Q, k) int64).

        Raises RuntimeError before train, ValueError if k < 1 or n_probe is not in [1, n_lists].
        """
        raise NotImplementedError
