"""RAG retrieval assignment -- my attempt."""

import math

import numpy as np


def chunk_text(text, size, overlap=0):
    if size <= 0:
        raise ValueError("size must be positive")
    if overlap < 0 or overlap >= size:
        raise ValueError("bad overlap")
    step = size - overlap
    chunks = []
    for start in range(0, len(text), step):
        end = min(start + size, len(text))
        chunks.append((start, end, text[start:end]))
    return chunks


class BM25:
    def __init__(self, corpus_tokens, k1=1.5, b=0.75, epsilon=0.25):
        if not corpus_tokens or sum(len(d) for d in corpus_tokens) == 0:
            raise ValueError("empty corpus")
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.n_docs = len(corpus_tokens)
        self.doc_len = [len(d) for d in corpus_tokens]
        self.avgdl = sum(self.doc_len) / self.n_docs
        self.tfs = []
        df = {}
        for doc in corpus_tokens:
            tf = {}
            for w in doc:
                tf[w] = tf.get(w, 0) + 1
            self.tfs.append(tf)
            for w in tf:
                df[w] = df.get(w, 0) + 1
        self.idf = {}
        for w, n in df.items():
            self.idf[w] = math.log(self.n_docs - n + 0.5) - math.log(n + 0.5)
        avg = sum(self.idf.values()) / len(self.idf)
        for w in self.idf:
            if self.idf[w] <= 0:  # no negative idf
                self.idf[w] = self.epsilon * avg

    def scores(self, query_tokens):
        out = []
        for i, tf in enumerate(self.tfs):
            s = 0.0
            for q in query_tokens:
                f = tf.get(q, 0)
                denom = f + self.k1 * (1 - self.b + self.b * self.doc_len[i] / self.avgdl)
                s += self.idf.get(q, 0.0) * f * (self.k1 + 1) / denom
            out.append(s)
        return out

    def top_k(self, query_tokens, k):
        if k < 1:
            raise ValueError("k >= 1")
        s = self.scores(query_tokens)
        return sorted(range(len(s)), key=lambda i: (-s[i], i))[:k]


def _normalize(x):
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    n[n == 0] = 1.0
    return x / n


def dense_top_k(query_vectors, doc_vectors, k, metric="cosine"):
    q = np.asarray(query_vectors, dtype=np.float64)
    x = np.asarray(doc_vectors, dtype=np.float64)
    if k < 1 or metric not in ("cosine", "dot") or q.ndim != 2 or x.ndim != 2 or q.shape[1] != x.shape[1]:
        raise ValueError("bad arguments")
    if metric == "cosine":
        q, x = _normalize(q), _normalize(x)
    sims = q @ x.T
    k = min(k, x.shape[0])
    ids = np.argsort(sims, axis=1)[:, ::-1][:, :k]
    return np.take_along_axis(sims, ids, axis=1), ids.astype(np.int64)


def reciprocal_rank_fusion(rankings, k=60):
    if k < 0:
        raise ValueError("k must be >= 0")
    scores = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda t: (-t[1], t[0]))


def mmr(query_vec, doc_vecs, candidate_ids, lambda_=0.5, n=5):
    if not 0 <= lambda_ <= 1 or n < 1:
        raise ValueError("bad lambda or n")
    if len(set(candidate_ids)) != len(candidate_ids):
        raise ValueError("duplicate candidate")
    x = np.asarray(doc_vecs, dtype=np.float64)
    if any(c < 0 or c >= len(x) for c in candidate_ids):
        raise ValueError("bad id")
    q = np.asarray(query_vec, dtype=np.float64)
    rel = _normalize(x) @ _normalize(q)
    selected, remaining = [], sorted(candidate_ids)
    while remaining and len(selected) < n:
        best, best_score = None, -math.inf
        for c in remaining:
            red = max([float(x[c] @ x[s]) for s in selected], default=0.0)
            score = lambda_ * rel[c] - (1 - lambda_) * red
            if score > best_score:
                best, best_score = c, score
        selected.append(best)
        remaining.remove(best)
    return selected


def recall_at_k(retrieved, relevant, k):
    if k < 1 or not relevant:
        raise ValueError("bad arguments")
    return len(set(retrieved[:k]) & set(relevant)) / len(set(relevant))


def mrr(retrieved_lists, relevant_lists):
    if not retrieved_lists or len(retrieved_lists) != len(relevant_lists):
        raise ValueError("bad arguments")
    total = 0.0
    for retrieved, relevant in zip(retrieved_lists, relevant_lists):
        for i, d in enumerate(retrieved):
            if d in relevant:
                total += 1 / (i + 1)
                break
    return total / len(retrieved_lists)


def ndcg_at_k(retrieved, relevance, k):
    if k < 1 or any(v < 0 for v in relevance.values()) or len(set(retrieved)) != len(retrieved):
        raise ValueError("bad arguments")
    gains = [relevance.get(d, 0.0) for d in retrieved[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(gains, reverse=True)
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0
