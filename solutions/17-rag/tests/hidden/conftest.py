"""Hidden-only oracles for the RAG tests (never released).

Plain re-implementations of what the handout asks the student to write: the top-k rule
(score descending, ties to the lower id), cosine similarity with zero rows, and MRR. They stay
out of the released tests/conftest.py (which keeps the library-backed oracles: rank_bm25, faiss,
sklearn); the public tests use values these produced once instead
(fixtures/public/expected_values.json, written by tools/make_public_expected.py).

This `oracle` fixture extends the one of tests/conftest.py with these helpers, so hidden tests
call `oracle.expected_top_k(...)` and `oracle.bm25(...)` alike.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

import numpy as np
import pytest


def expected_top_k(scores, k: int) -> list[int]:
    """Ids by score descending, ties to the lower id (the rule every ranking here follows)."""
    scores = [float(s) for s in scores]
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of a with every row of b, float64 (zero rows give 0)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    na = np.linalg.norm(a, axis=1, keepdims=True)
    nb = np.linalg.norm(b, axis=1, keepdims=True)
    a = a / np.where(na > 0, na, 1.0)
    b = b / np.where(nb > 0, nb, 1.0)
    return a @ b.T


def mean_reciprocal_rank(lists: list[list[int]], targets: list[int]) -> float:
    """Trusted MRR for one relevant document per query."""
    return float(np.mean([1.0 / (lst.index(t) + 1) if t in lst else 0.0 for lst, t in zip(lists, targets)]))


def hybrid_mrr(base, student, seed: int, groups: int, m: int, n_queries: int, k1: float = 1.5, b: float = 0.75) -> dict:
    """MRR of the student's BM25 alone, dense search alone and their RRF fusion (k=60), each
    retriever cut at depth m (the rankings come from tests/conftest.py's `hybrid_rankings`)."""
    lists, targets = base.hybrid_rankings(student, seed, groups, m, n_queries, k1=k1, b=b)
    return {name: mean_reciprocal_rank(ls, targets) for name, ls in lists.items()}


@pytest.fixture
def oracle(oracle) -> SimpleNamespace:
    """tests/conftest.py's `oracle` plus the hidden-only helpers above."""
    return SimpleNamespace(
        **vars(oracle), expected_top_k=expected_top_k, cosine_matrix=cosine_matrix,
        mean_reciprocal_rank=mean_reciprocal_rank, hybrid_mrr=functools.partial(hybrid_mrr, oracle),
    )
