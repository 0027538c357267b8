"""Shared helpers and oracles for the data-preparation tests (released to students: nothing hidden here).

Oracles run here, on the trusted side: datasketch's `sha1_hash32`, `MinHash` (the "legacy"
scheme, given the same (a, b) parameters, computes exactly the signature the handout defines)
and `MinHashLSH` (banding). Only library-backed oracles, data and loaders live here: the
oracles that re-implement the handout's own algorithms (normalisation, n-grams, Jaccard, the
dedup pipeline) are in tests/hidden/conftest.py, and the public tests read the values they
produced from fixtures/public/expected_values.json (`oracle.expected(...)`). Tests run with
`--import-mode=importlib`, so they reach these helpers through the `oracle` fixture
(`oracle.ds_signature(...)`) rather than `import conftest`.
"""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from datasketch.hashfunc import sha1_hash32

from autograder.expected_values import expected_value

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MAX_HASH = (1 << 32) - 1
EMAIL_MASK = "|||EMAIL_ADDRESS|||"
PHONE_MASK = "|||PHONE_NUMBER|||"
IP_MASK = "|||IP_ADDRESS|||"


# -- fixtures -------------------------------------------------------------------

def load_licenses(visibility: str) -> tuple[list[str], list[str]]:
    """(names, texts) of fixtures/<visibility>/licenses/*.txt, sorted by file name."""
    paths = sorted((FIXTURES / visibility / "licenses").glob("*.txt"))
    return [p.stem for p in paths], [p.read_text(encoding="utf-8") for p in paths]


def expected(name: str):
    """A committed expected value from fixtures/public/expected_values.json (see tools/)."""
    return expected_value(FIXTURES.parent, name)


# -- MinHash / LSH oracles (datasketch) -------------------------------------------

def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The handout's (a, b): numpy default_rng(seed), a in [1, 2^32), then b in [0, 2^32)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 1 << 32, size=num_perm, dtype=np.uint64)
    b = rng.integers(0, 1 << 32, size=num_perm, dtype=np.uint64)
    return a, b


def ds_minhash(shingles, num_perm: int, seed: int) -> MinHash:
    """A datasketch MinHash (legacy scheme) over the shingles with the handout's (a, b).

    datasketch's legacy update is min(((a*h + b) mod (2^61 - 1)) & (2^32 - 1)) with
    h = sha1_hash32(shingle bytes): the handout's definition exactly.
    """
    m = MinHash(num_perm=num_perm, scheme="legacy", permutations=permutations(num_perm, seed))
    m.update_batch([s.encode("utf-8") for s in shingles])
    return m


def ds_signature(shingles, num_perm: int, seed: int) -> np.ndarray:
    return ds_minhash(shingles, num_perm, seed).hashvalues.astype(np.uint64)


def ds_lsh_pairs(signatures: np.ndarray, bands: int, rows: int) -> list[tuple[int, int]]:
    """Candidate pairs by datasketch's MinHashLSH with params (bands, rows)."""
    signatures = np.asarray(signatures, dtype=np.uint64)
    n, num_perm = signatures.shape
    lsh = MinHashLSH(num_perm=num_perm, params=(bands, rows))
    sketches = [MinHash(scheme="legacy", hashvalues=row) for row in signatures]
    for i, m in enumerate(sketches):
        lsh.insert(i, m)
    pairs = set()
    for i, m in enumerate(sketches):
        for j in lsh.query(m):
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    return sorted(pairs)


# -- synthetic text ---------------------------------------------------------------

def word_pool(seed: int, size: int) -> list[str]:
    """`size` distinct lower-case pseudo-words (3..9 letters)."""
    rng = random.Random(seed)
    pool = set()
    while len(pool) < size:
        pool.add("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))))
    return sorted(pool)


def random_doc(rng: random.Random, pool: list[str], n_words: int) -> str:
    return " ".join(rng.choice(pool) for _ in range(n_words))


def edit_words(doc: str, frac: float, rng: random.Random, pool: list[str]) -> str:
    """Replace round(frac * n_words) randomly chosen words by random pool words."""
    words = doc.split()
    for i in rng.sample(range(len(words)), round(frac * len(words))):
        words[i] = rng.choice(pool)
    return " ".join(words)


def sets_with_jaccard(n_common: int, n_only: int, tag: str) -> tuple[list[str], list[str]]:
    """Two shingle lists sharing n_common items, each with n_only items of its own.

    Jaccard = n_common / (n_common + 2 n_only).
    """
    common = [f"{tag} c{i}" for i in range(n_common)]
    return common + [f"{tag} a{i}" for i in range(n_only)], common + [f"{tag} b{i}" for i in range(n_only)]


@pytest.fixture(scope="session")
def oracle() -> SimpleNamespace:
    """The helpers of this file as attributes, e.g. `oracle.ds_signature(shingles, 128, 1)`."""
    return SimpleNamespace(
        load_licenses=load_licenses,
        expected=expected,
        permutations=permutations,
        ds_minhash=ds_minhash,
        ds_signature=ds_signature,
        ds_lsh_pairs=ds_lsh_pairs,
        sha1_hash32=sha1_hash32,
        word_pool=word_pool,
        random_doc=random_doc,
        edit_words=edit_words,
        sets_with_jaccard=sets_with_jaccard,
        MAX_HASH=MAX_HASH,
        EMAIL_MASK=EMAIL_MASK,
        PHONE_MASK=PHONE_MASK,
        IP_MASK=IP_MASK,
    )
