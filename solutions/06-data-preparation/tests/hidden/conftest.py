"""Hidden-only oracles for the data-preparation tests (never released).

The handout's text normalisation, word n-grams and exact Jaccard, written independently here
because no library does exactly this, and the whole near-duplicate pipeline built on them
(datasketch's MinHash/MinHashLSH and scipy's connected components do the rest). They are the
algorithms the student writes, so they stay out of the released tests/conftest.py; the public
tests use values these produced once instead (fixtures/public/expected_values.json, written by
tools/make_public_expected.py).

This `oracle` fixture extends the one of tests/conftest.py with these helpers, so hidden tests
call `oracle.ref_word_ngrams(...)` and `oracle.ds_signature(...)` alike.
"""

from __future__ import annotations

import functools
import unicodedata
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


# -- normalisation (the handout's definition, written independently) -------------

def ref_normalize(text: str) -> str:
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.combining(ch) == 0)
    spaced = [ch if ch.isalnum() else " " for ch in stripped.lower()]
    return " ".join("".join(spaced).split())


def ref_word_ngrams(text: str, n: int) -> list[str]:
    words = ref_normalize(text).split()
    return sorted(set(" ".join(words[i : i + n]) for i in range(len(words) - n + 1)))


def ref_jaccard(a, b) -> float:
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a | b else 0.0


# -- the near-duplicate pipeline ------------------------------------------------------

def oracle_dedup(base, docs, num_perm, bands, rows, ngram, threshold, seed) -> list[int]:
    """The handout's minhash_dedup with datasketch (MinHash, MinHashLSH) and scipy (components).

    `base` is the namespace of tests/conftest.py (or that module): its `ds_signature` and
    `ds_lsh_pairs` are the datasketch oracles.
    """
    shingles = [ref_word_ngrams(d, ngram) for d in docs]
    sigs = np.array([base.ds_signature(s, num_perm, seed) for s in shingles],
                    dtype=np.uint64).reshape(len(docs), num_perm)
    edges = [(i, j) for i, j in base.ds_lsh_pairs(sigs, bands, rows)
             if ref_jaccard(shingles[i], shingles[j]) >= threshold]
    n = len(docs)
    graph = coo_matrix(([1] * len(edges), ([i for i, _ in edges], [j for _, j in edges])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    first = {}
    for i, lab in enumerate(labels):
        first.setdefault(lab, i)
    return sorted(first.values())


def hidden_helpers(base) -> dict:
    """The helpers of this file, bound to `base` where they need the shared oracles."""
    return dict(
        ref_normalize=ref_normalize,
        ref_word_ngrams=ref_word_ngrams,
        ref_jaccard=ref_jaccard,
        oracle_dedup=functools.partial(oracle_dedup, base),
    )


@pytest.fixture(scope="session")
def oracle(oracle) -> SimpleNamespace:
    """tests/conftest.py's `oracle` plus the hidden-only helpers above."""
    return SimpleNamespace(**vars(oracle), **hidden_helpers(oracle))
