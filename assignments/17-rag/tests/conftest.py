"""Shared helpers and oracles for the RAG tests (released to students: nothing hidden here).

Oracles run here, on the trusted side: rank_bm25.BM25Okapi for BM25,
faiss.IndexFlatIP for exact dense search, sklearn.metrics.ndcg_score for nDCG.
The hybrid-retrieval check uses a generated corpus and a hashing embedder
defined below, so no model is needed. Only library-backed oracles, data and
loaders live here: the plain re-implementations of what the handout asks for
(the top-k tie rule, cosine similarity, MRR) are in tests/hidden/conftest.py,
and the public tests read the values they produced from
fixtures/public/expected_values.json (`oracle.expected(...)`). Tests run with
`--import-mode=importlib`, so they reach these helpers through the `oracle`
fixture (`oracle.tokenize(...)`, `oracle.bm25(...)`) rather than `import conftest`.
"""

from __future__ import annotations

import hashlib
import random
import re
from pathlib import Path
from types import SimpleNamespace

import faiss
import numpy as np
import pytest
from rank_bm25 import BM25Okapi
from sklearn.metrics import ndcg_score

from autograder.expected_values import expected_value

faiss.omp_set_num_threads(1)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


# -- text ---------------------------------------------------------------------

def tokenize(text: str) -> list[str]:
    """Lower-case alphanumeric words: the tokenizer the tests use for BM25."""
    return re.findall(r"[a-z0-9]+", text.lower())


def load_docs(visibility: str) -> list[str]:
    """One document per non-empty line of fixtures/<visibility>/docs.txt."""
    text = (FIXTURES / visibility / "docs.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def expected(name: str):
    """A committed expected value from fixtures/public/expected_values.json (see tools/)."""
    return expected_value(FIXTURES.parent, name)


def random_corpus(seed: int, n_docs: int, vocab_size: int, min_len: int = 1, max_len: int = 20) -> list[list[str]]:
    """A corpus of token lists over a Zipf-like vocabulary (frequent words are common)."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(vocab_size)]
    weights = [1.0 / (i + 1) for i in range(vocab_size)]
    return [rng.choices(vocab, weights, k=rng.randint(min_len, max_len)) for _ in range(n_docs)]


# -- BM25 ---------------------------------------------------------------------

def bm25_oracle(corpus: list[list[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25) -> BM25Okapi:
    return BM25Okapi(corpus, k1=k1, b=b, epsilon=epsilon)


def ids(values) -> list[int]:
    """A returned id list as Python ints (a list, tuple or 1-D numpy array is accepted)."""
    return [int(v) for v in values]


def assert_separated(scores, gap: float = 1e-7) -> None:
    """Precondition on test data: scores are either exactly equal or at least `gap` apart,
    so the expected ranking does not hinge on the last bits of a float."""
    values = sorted(set(float(s) for s in np.ravel(scores)))
    for lo, hi in zip(values, values[1:]):
        assert hi - lo > gap, f"test data has a near-tie ({lo!r}, {hi!r}); pick another seed"


def assert_rows_separated(sims, k: int, gap: float) -> None:
    """assert_separated for the k + 1 best scores of each row (what decides a top-k list)."""
    for row in np.atleast_2d(np.asarray(sims, dtype=np.float64)):
        assert_separated(np.sort(row)[::-1][: k + 1], gap)


# -- dense --------------------------------------------------------------------

def faiss_search(queries: np.ndarray, docs: np.ndarray, k: int, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Exact inner-product search with faiss (on L2-normalized copies for cosine)."""
    q = np.ascontiguousarray(queries, dtype=np.float32).copy()
    x = np.ascontiguousarray(docs, dtype=np.float32).copy()
    if metric == "cosine":
        faiss.normalize_L2(q)
        faiss.normalize_L2(x)
    index = faiss.IndexFlatIP(int(x.shape[1]))
    index.add(x)
    scores, ids = index.search(q, int(min(k, x.shape[0])))
    return scores, ids


# -- metrics ------------------------------------------------------------------

def sklearn_ndcg(retrieved: list[int], relevance: dict[int, float], k: int) -> float:
    """nDCG@k by sklearn: retrieved ids get decreasing scores, every other id a lower one.

    Only valid when len(retrieved) >= k (otherwise sklearn would also count
    unretrieved documents inside the top k)."""
    assert len(retrieved) >= k
    universe = sorted(set(retrieved) | set(relevance))
    position = {d: i for i, d in enumerate(retrieved)}
    y_true = np.array([[float(relevance.get(d, 0.0)) for d in universe]])
    y_score = np.array([[float(len(retrieved) - position[d]) if d in position else -1.0 for d in universe]])
    return float(ndcg_score(y_true, y_score, k=k))


# -- a generated corpus for hybrid retrieval ------------------------------------

_SYLLABLES = ["ka", "lo", "mi", "ru", "te", "sa", "no", "pi", "vu", "de", "zo", "ga", "fe", "hi", "ju", "bo"]


def make_hybrid_corpus(seed: int, groups: int = 12, m: int = 4, n_queries: int = 20):
    """A corpus where each query carries two cues that are ambiguous on their own.

    Every document has one main concept (written with one of two "document
    synonyms"), one secondary concept, an error code such as "e4821" (1-2
    times) and filler words. Each concept is the main concept of exactly m
    documents, each code occurs in exactly m documents, and a (concept, code)
    pair occurs at most once.

    A query is [code, a "query synonym" of the main concept]: the code is an
    exact term (BM25 finds the m documents with it, the embedder does not know
    it); the query synonym never occurs in any document (BM25 cannot match it,
    the embedder maps it to its concept). Only the target document matches both.

    Returns (docs: list of token lists, queries: list of (tokens, target id),
    concept_of: dict word -> concept id, for hash_embed).
    """
    rng = random.Random(seed)
    used: set[str] = set()

    def word(n_syllables: int) -> str:
        while True:
            w = "".join(rng.choice(_SYLLABLES) for _ in range(n_syllables))
            if w not in used:
                used.add(w)
                return w

    synonyms = [[word(3) for _ in range(4)] for _ in range(groups)]  # 0, 1: in documents; 2, 3: in queries only
    codes: list[str] = []
    while len(codes) < groups:
        c = "e" + "".join(rng.choice("0123456789") for _ in range(4))
        if c not in codes:
            codes.append(c)
    filler = [word(2) for _ in range(30)]
    steps = [s for s in range(1, groups) if all((j * s) % groups != 0 for j in range(1, m))]
    step = rng.choice(steps)
    cells = [(i, (i + j * step) % groups) for i in range(groups) for j in range(m)]  # (concept, code)
    rng.shuffle(cells)
    docs, meta = [], []
    for concept, code in cells:
        second = rng.choice([c for c in range(groups) if c != concept])
        tokens = [synonyms[concept][rng.randrange(2)] for _ in range(2)]
        tokens += [synonyms[second][rng.randrange(2)]]
        tokens += [codes[code]] * rng.randint(1, 2)
        tokens += [rng.choice(filler) for _ in range(rng.randint(4, 12))]
        rng.shuffle(tokens)
        docs.append(tokens)
        meta.append((concept, code))
    queries = []
    for target in rng.sample(range(len(docs)), n_queries):
        concept, code = meta[target]
        queries.append(([codes[code], synonyms[concept][rng.choice([2, 3])]], target))
    concept_of = {w: c for c, ws in enumerate(synonyms) for w in ws}
    return docs, queries, concept_of


def hash_embed(tokens: list[str], concept_of: dict[str, int], dim: int = 64) -> np.ndarray:
    """A toy "semantic" embedder: the sum of one fixed random vector per known concept.

    Synonyms share their concept's vector (seeded by a hash of the concept id);
    unknown tokens (codes, fillers) are dropped, like out-of-vocabulary words.
    """
    v = np.zeros(dim)
    for t in tokens:
        if t in concept_of:
            digest = hashlib.sha256(f"concept-{concept_of[t]}".encode()).digest()
            v += np.random.default_rng(int.from_bytes(digest[:8], "little")).standard_normal(dim)
    return v


def hybrid_rankings(student, seed: int, groups: int, m: int, n_queries: int, k1: float = 1.5, b: float = 0.75):
    """The student's rankings on a generated corpus: BM25 alone, dense search alone and their RRF
    fusion (k=60), each retriever cut at depth m. Returns ({"bm25" | "dense" | "hybrid": one id
    list per query}, the target id of each query)."""
    docs, queries, concept_of = make_hybrid_corpus(seed, groups=groups, m=m, n_queries=n_queries)
    doc_vecs = np.stack([hash_embed(d, concept_of) for d in docs])  # (N, 64)
    query_vecs = np.stack([hash_embed(q, concept_of) for q, _ in queries])  # (Q, 64)
    bm25 = student.new("BM25", docs, k1=k1, b=b)
    _, dense_ids = student.call("dense_top_k", query_vecs, doc_vecs, m, metric="cosine")
    lists = {"bm25": [], "dense": [], "hybrid": []}
    for i, (q, _) in enumerate(queries):
        sparse = [int(d) for d in bm25.call("top_k", q, m)]
        dense = [int(d) for d in dense_ids[i]]
        fused = student.call("reciprocal_rank_fusion", [sparse, dense], k=60)
        lists["bm25"].append(sparse)
        lists["dense"].append(dense)
        lists["hybrid"].append([int(d) for d, _ in fused])
    return lists, [t for _, t in queries]


@pytest.fixture
def oracle() -> SimpleNamespace:
    """The helpers above, for the test modules."""
    return SimpleNamespace(
        tokenize=tokenize, load_docs=load_docs,
        expected=expected, random_corpus=random_corpus, bm25=bm25_oracle, ids=ids,
        assert_separated=assert_separated, assert_rows_separated=assert_rows_separated, faiss_search=faiss_search,
        sklearn_ndcg=sklearn_ndcg, make_hybrid_corpus=make_hybrid_corpus, hash_embed=hash_embed,
        hybrid_rankings=hybrid_rankings,
    )
