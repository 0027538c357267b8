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
    ### BEGIN SOLUTION
    if size <= 0:
        raise ValueError(f"size must be positive, got {size}")
    if overlap < 0 or overlap >= size:
        raise ValueError(f"overlap must satisfy 0 <= overlap < size, got overlap={overlap}, size={size}")
    step = size - overlap
    chunks = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        chunks.append((start, end, text[start:end]))
        if end == len(text):
            break
        start += step
    return chunks
    ### END SOLUTION


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
        ### BEGIN SOLUTION
        if len(corpus_tokens) == 0:
            raise ValueError("the corpus is empty")
        self.k1 = k1
        self.b = b
        self.epsilon = epsilon
        self.n_docs = len(corpus_tokens)
        self.doc_len = [len(doc) for doc in corpus_tokens]
        if sum(self.doc_len) == 0:
            raise ValueError("the corpus holds no token")
        self.avgdl = sum(self.doc_len) / self.n_docs
        # term frequencies per document: list of {term: count}
        self.doc_tf = []
        for doc in corpus_tokens:
            tf = {}
            for token in doc:
                tf[token] = tf.get(token, 0) + 1
            self.doc_tf.append(tf)
        # document frequencies: {term: number of documents containing it}
        df = {}
        for tf in self.doc_tf:
            for token in tf:
                df[token] = df.get(token, 0) + 1
        # raw idf, then the floor for the negative ones
        self.idf = {t: math.log(self.n_docs - n + 0.5) - math.log(n + 0.5) for t, n in df.items()}
        mean_idf = sum(self.idf.values()) / len(self.idf)
        for t in self.idf:
            if self.idf[t] < 0:
                self.idf[t] = epsilon * mean_idf
        ### END SOLUTION

    def scores(self, query_tokens: list[str]) -> list[float]:
        """BM25 score of every document for the query: a list of n_docs floats."""
        ### BEGIN SOLUTION
        out = [0.0] * self.n_docs
        for t in query_tokens:
            idf = self.idf.get(t, 0.0)
            for i, tf_d in enumerate(self.doc_tf):
                tf = tf_d.get(t, 0)
                if tf == 0:  # contributes 0; skipping also avoids 0/0 when k1 = 0 or b = 1 and |d| = 0
                    continue
                norm = self.k1 * (1 - self.b + self.b * self.doc_len[i] / self.avgdl)
                out[i] += idf * (tf * (self.k1 + 1) / (tf + norm))
        return out
        ### END SOLUTION

    def top_k(self, query_tokens: list[str], k: int) -> list[int]:
        """Ids of the k best documents: score descending, ties to the lower id.

        Every document takes part (zero scores too); k > n_docs returns all
        n_docs ids. Raises ValueError if k < 1.
        """
        ### BEGIN SOLUTION
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        s = self.scores(query_tokens)
        order = sorted(range(self.n_docs), key=lambda i: (-s[i], i))
        return order[:k]
        ### END SOLUTION


# -----------------------------------------------------------------------------
# dense retrieval: exact (brute-force) nearest neighbours


### BEGIN SOLUTION
def _l2_normalize(x: np.ndarray) -> np.ndarray:
    """Divide each row by its L2 norm; an all-zero row stays zero."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)  # (n, 1)
    return x / np.where(norms > 0, norms, 1.0)


### END SOLUTION
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
    ### BEGIN SOLUTION
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if metric not in ("cosine", "dot"):
        raise ValueError(f"unknown metric {metric!r}")
    q = np.asarray(query_vectors, dtype=np.float64)  # (Q, d)
    x = np.asarray(doc_vectors, dtype=np.float64)  # (N, d)
    if q.ndim != 2 or x.ndim != 2 or q.shape[1] != x.shape[1]:
        raise ValueError(f"expected (Q, d) and (N, d), got {q.shape} and {x.shape}")
    if metric == "cosine":
        q, x = _l2_normalize(q), _l2_normalize(x)
    sims = q @ x.T  # (Q, N)
    k = min(k, x.shape[0])
    # subtle: a stable sort of -sims keeps equal scores in id order
    ids = np.argsort(-sims, axis=1, kind="stable")[:, :k]  # (Q, k)
    scores = np.take_along_axis(sims, ids, axis=1)  # (Q, k)
    return scores, ids.astype(np.int64)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    fused = {}  # doc id -> score
    for ranking in rankings:
        seen = set()
        for rank, doc in enumerate(ranking, start=1):
            if doc in seen:
                continue
            seen.add(doc)
            fused[doc] = fused.get(doc, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    if not 0.0 <= lambda_ <= 1.0:
        raise ValueError(f"lambda_ must be within [0, 1], got {lambda_}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    x = _l2_normalize(np.asarray(doc_vecs, dtype=np.float64))  # (N, d)
    q = _l2_normalize(np.asarray(query_vec, dtype=np.float64).reshape(1, -1))[0]  # (d,)
    if len(set(candidate_ids)) != len(candidate_ids):
        raise ValueError("candidate_ids holds a duplicate")
    if any(not 0 <= c < x.shape[0] for c in candidate_ids):
        raise ValueError("candidate id out of range")
    relevance = x @ q  # (N,)
    selected = []
    remaining = sorted(candidate_ids)  # scanning in id order makes ">" break ties to the lower id
    while remaining and len(selected) < n:
        best, best_score = None, -math.inf
        for c in remaining:
            redundancy = max((float(x[c] @ x[s]) for s in selected), default=0.0)
            score = lambda_ * float(relevance[c]) - (1 - lambda_) * redundancy
            if score > best_score:
                best, best_score = c, score
        selected.append(best)
        remaining.remove(best)
    return selected
    ### END SOLUTION


# -----------------------------------------------------------------------------
# evaluation metrics


def recall_at_k(retrieved: list[int], relevant: list[int], k: int) -> float:
    """Fraction of the relevant ids found in the first k retrieved: |top-k & relevant| / |relevant|.

    Both lists are treated as sets (a repeated id counts once).
    Raises ValueError if k < 1 or `relevant` is empty.
    """
    ### BEGIN SOLUTION
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    relevant_set = set(relevant)
    if not relevant_set:
        raise ValueError("no relevant document")
    return len(set(retrieved[:k]) & relevant_set) / len(relevant_set)
    ### END SOLUTION


def mrr(retrieved_lists: list[list[int]], relevant_lists: list[list[int]]) -> float:
    """Mean reciprocal rank: the mean over queries of 1 / (1-based rank of the first relevant id).

    A query whose retrieved list holds no relevant id contributes 0 (no cutoff).
    Raises ValueError if there is no query or the two lists differ in length.
    """
    ### BEGIN SOLUTION
    if len(retrieved_lists) == 0 or len(retrieved_lists) != len(relevant_lists):
        raise ValueError("need one relevant list per retrieved list, and at least one query")
    total = 0.0
    for retrieved, relevant in zip(retrieved_lists, relevant_lists):
        relevant_set = set(relevant)
        for rank, doc in enumerate(retrieved, start=1):
            if doc in relevant_set:
                total += 1.0 / rank
                break
    return total / len(retrieved_lists)
    ### END SOLUTION


def ndcg_at_k(retrieved: list[int], relevance: dict[int, float], k: int) -> float:
    """Normalized discounted cumulative gain with linear gains (as sklearn.metrics.ndcg_score).

        DCG@k  = sum_{i=1}^{min(k, len(retrieved))} rel(retrieved[i-1]) / log2(i + 1)
        IDCG@k = the same sum over the relevance values sorted descending (first k)
        nDCG@k = DCG@k / IDCG@k, and 0.0 when IDCG@k == 0

    rel(d) = relevance.get(d, 0.0). Raises ValueError if k < 1, a relevance is
    negative, or `retrieved` holds a duplicate id.
    """
    ### BEGIN SOLUTION
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if any(r < 0 for r in relevance.values()):
        raise ValueError("relevance values must be >= 0")
    if len(set(retrieved)) != len(retrieved):
        raise ValueError("retrieved holds a duplicate id")
    dcg = sum(relevance.get(d, 0.0) / math.log2(i + 1) for i, d in enumerate(retrieved[:k], start=1))
    ideal = sorted(relevance.values(), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 1) for i, r in enumerate(ideal, start=1))
    return dcg / idcg if idcg > 0 else 0.0
    ### END SOLUTION
