"""The retrieval half of retrieval-augmented generation (RAG), from scratch.

    text --chunk_text--> chunks --BM25.top_k------------\
                                                          reciprocal_rank_fusion --> mmr --> context
    query --embed--> vector --dense_top_k---------------/

plus the three metrics used to evaluate a retriever: recall@k, MRR and nDCG@k.

Only the standard library and numpy. Documents are identified by their index
("doc id") in the corpus: 0, 1, 2, ...

Every ranking in this file uses the same order: score descending, then doc id
ascending (ties go to the lower id).

But: no embedding model lives here. Vectors come in already computed; the tests
use a tiny hashing embedder so that nothing has to be downloaded.
"""

from __future__ import annotations

import math

import numpy as np

# -----------------------------------------------------------------------------
# chunking


def chunk_text(text: str, size: int, overlap: int = 0) -> list[tuple[int, int, str]]:
    """Split `text` into overlapping windows of `size` characters.

    Window i starts at i * (size - overlap). Windows are emitted until one
    reaches the end of the text; that last window ends at len(text) and may
    be shorter than `size`. Each chunk is (start, end, text[start:end]).

    Example: chunk_text("abcdefg", 3, 1) -> [(0, 3, "abc"), (2, 5, "cde"), (4, 7, "efg")]
             chunk_text("abcdefgh", 3, 1) -> [..., (4, 7, "efg"), (6, 8, "gh")]

    "" gives []. Raises ValueError if size <= 0, overlap < 0 or overlap >= size.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# sparse retrieval: BM25 (the Okapi variant of rank_bm25.BM25Okapi)


class BM25:
    """Okapi BM25 over a pre-tokenized corpus.

    With N documents, n(t) the number of documents containing term t,
    tf(t, d) the count of t in d, |d| the length of d and avgdl the mean length:

        idf(t)      = ln(N - n(t) + 0.5) - ln(n(t) + 0.5)
        # floor: a term with idf(t) < 0 gets epsilon * mean_idf instead, where
        # mean_idf is the mean of the raw idf over every distinct corpus term
        score(q, d) = sum over query tokens t (repeats count again) of
                      idf(t) * tf(t, d) * (k1 + 1) / (tf(t, d) + k1 * (1 - b + b * |d| / avgdl))

    A query token that never occurs in the corpus contributes 0, and so does a
    token absent from d (even where the denominator is 0: k1 = 0, or b = 1 and |d| = 0).

    Attributes: n_docs (int), avgdl (float), doc_len (list[int]),
    idf (dict[str, float], after the floor).
    Raises ValueError if the corpus is empty or holds no token at all.
    """

    def __init__(self, corpus_tokens: list[list[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25):
        raise NotImplementedError

    def scores(self, query_tokens: list[str]) -> list[float]:
        """BM25 score of every document for the query: a list of n_docs floats."""
        raise NotImplementedError

    def top_k(self, query_tokens: list[str], k: int) -> list[int]:
        """Ids of the k best documents: score descending, ties to the lower id.

        Every document takes part (zero scores too); k > n_docs returns all
        n_docs ids. Raises ValueError if k < 1.
        """
        raise NotImplementedError


# -----------------------------------------------------------------------------
# dense retrieval: exact (brute-force) nearest neighbours


def dense_top_k(query_vectors: np.ndarray, doc_vectors: np.ndarray, k: int,
                metric: str = "cosine") -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k search of every query against every document.

    query_vectors (Q, d), doc_vectors (N, d). metric "dot" scores q . x;
    "cosine" first divides every row by its L2 norm (an all-zero row stays
    zero, so it scores 0 against everything) and then takes the dot product.
    Computed in float64.

    Returns (scores, ids), both of shape (Q, min(k, N)): scores float64, ids
    int64, each row sorted by score descending, ties to the lower doc id.
    Raises ValueError if k < 1, the metric is unknown, an input is not 2-D or
    the dimensions d differ.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# hybrid retrieval: reciprocal rank fusion


def reciprocal_rank_fusion(rankings: list[list[int]], k: float = 60) -> list[tuple[int, float]]:
    """Fuse several rankings: RRF(d) = sum over rankings r containing d of 1 / (k + rank_r(d)).

    rank_r(d) is the 1-based position of d in r. If an id occurs more than once
    in one ranking, only its first position counts (later copies are skipped
    and do not renumber the others). Scores are accumulated in float, ranking
    by ranking, in the order of `rankings`, starting from 0.0.

    Returns [(doc_id, score), ...] for every id that occurs anywhere, sorted by
    score descending, ties to the lower id. Raises ValueError if k < 0.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# reranking: maximal marginal relevance


def mmr(query_vec: np.ndarray, doc_vecs: np.ndarray, candidate_ids: list[int],
        lambda_: float = 0.5, n: int = 5) -> list[int]:
    """Maximal Marginal Relevance (Carbonell & Goldstein, 1998): relevant but not redundant.

    Greedy: S = []; repeat min(n, len(candidate_ids)) times, add to S the
    remaining candidate c with the largest

        lambda_ * cos(q, x_c) - (1 - lambda_) * max_{s in S} cos(x_c, x_s)

    (the max term is 0 while S is empty), ties to the lower doc id.
    query_vec (d,), doc_vecs (N, d); cosine as in dense_top_k (zero vector -> 0).
    Returns the ids in the order they were picked.
    Raises ValueError if lambda_ is outside [0, 1], n < 1, candidate_ids holds
    a duplicate or an id outside [0, N).
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# evaluation metrics


def recall_at_k(retrieved: list[int], relevant: list[int], k: int) -> float:
    """Fraction of the relevant ids found in the first k retrieved: |top-k & relevant| / |relevant|.

    Both lists are treated as sets (a repeated id counts once).
    Raises ValueError if k < 1 or `relevant` is empty.
    """
    raise NotImplementedError


def mrr(retrieved_lists: list[list[int]], relevant_lists: list[list[int]]) -> float:
    """Mean reciprocal rank: the mean over queries of 1 / (1-based rank of the first relevant id).

    A query whose retrieved list holds no relevant id contributes 0 (no cutoff).
    Raises ValueError if there is no query or the two lists differ in length.
    """
    raise NotImplementedError


def ndcg_at_k(retrieved: list[int], relevance: dict[int, float], k: int) -> float:
    """Normalized discounted cumulative gain with linear gains (as sklearn.metrics.ndcg_score).

        DCG@k  = sum_{i=1}^{min(k, len(retrieved))} rel(retrieved[i-1]) / log2(i + 1)
        IDCG@k = the same sum over the relevance values sorted descending (first k)
        nDCG@k = DCG@k / IDCG@k, and 0.0 when IDCG@k == 0

    rel(d) = relevance.get(d, 0.0). Raises ValueError if k < 1, a relevance is
    negative, or `retrieved` holds a duplicate id.
    """
    raise NotImplementedError
