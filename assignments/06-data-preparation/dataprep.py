"""Cleaning a web-text corpus for LLM pre-training, with the standard library and numpy.

    mask_emails, mask_phone_numbers, mask_ips   replace PII by fixed tokens, count the replacements
    gopher_*_ok, gopher_quality_filter          the Gopher heuristic quality rules (Rae et al., 2021)
    exact_line_dedup                            drop every line that occurs more than once in a collection
    normalize_text, word_ngrams                 text normalisation and word n-gram shingles
    shingle_hash, minhash_permutations          the 32-bit shingle hash and the permutation family
    minhash_signature, estimate_jaccard,
    jaccard                                     MinHash sketches and the Jaccard similarity they estimate
    lsh_candidates                              LSH banding: pairs that agree on at least one band
    minhash_dedup                               near-duplicate removal (MinHash + LSH + exact Jaccard)
    decontaminate                               drop training documents that share an n-gram with a test set

What it does not do: HTML extraction, language identification, classifier-based quality
filtering, or streaming over files; every function works on in-memory strings. It does not
use datasketch (the tests use it as the oracle).
"""

from __future__ import annotations

import hashlib
import re
import string
import unicodedata

import numpy as np

EMAIL_MASK = "|||EMAIL_ADDRESS|||"
PHONE_MASK = "|||PHONE_NUMBER|||"
IP_MASK = "|||IP_ADDRESS|||"

# Gopher's stop-word list: a real English document uses at least two of these words
STOP_WORDS = ("the", "be", "to", "of", "and", "that", "have", "with")

MERSENNE_PRIME = (1 << 61) - 1  # p = 2^61 - 1, the modulus of the permutation family
MAX_HASH = (1 << 32) - 1  # signature values are 32-bit; an empty set's signature is all MAX_HASH

# -----------------------------------------------------------------------------
# PII masking


def mask_emails(text: str) -> tuple[str, int]:
    """Replace every email address by EMAIL_MASK; return (masked text, number replaced).

    Example: "mail bob@example.com!" -> ("mail |||EMAIL_ADDRESS|||!", 1)
    The grammar and the boundary rules are in the handout.
    """
    raise NotImplementedError


def mask_phone_numbers(text: str) -> tuple[str, int]:
    """Replace every (North American, 10-digit) phone number by PHONE_MASK.

    Example: "call (283) 182-3829." -> ("call |||PHONE_NUMBER|||.", 1)
    """
    raise NotImplementedError


def mask_ips(text: str) -> tuple[str, int]:
    """Replace every IPv4 address (four octets 0..255, no leading zeros) by IP_MASK.

    Example: "host 10.0.0.255 is up" -> ("host |||IP_ADDRESS||| is up", 1); "256.1.1.1" stays.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# Gopher quality rules. Words are text.split(); a rule returns True when the text passes.


def gopher_word_count_ok(text: str, min_words: int = 50, max_words: int = 100_000) -> bool:
    """min_words <= number of words <= max_words."""
    raise NotImplementedError


def gopher_mean_word_length_ok(text: str, min_len: float = 3.0, max_len: float = 10.0) -> bool:
    """min_len <= mean number of characters per word <= max_len; False if there are no words."""
    raise NotImplementedError


def gopher_ellipsis_lines_ok(text: str, max_fraction: float = 0.3) -> bool:
    """Fraction of lines (text.splitlines()) ending in "..." or "…" <= max_fraction.

    A line ends in an ellipsis if line.rstrip() does. A text with no lines passes.
    """
    raise NotImplementedError


def gopher_alpha_words_ok(text: str, min_fraction: float = 0.8) -> bool:
    """Fraction of words with at least one alphabetic character (str.isalpha) >= min_fraction.

    False if there are no words.
    """
    raise NotImplementedError


def gopher_stop_words_ok(text: str, min_count: int = 2) -> bool:
    """At least min_count words are stop words (occurrences, not distinct words).

    A word w counts if w.strip(string.punctuation).lower() is in STOP_WORDS: "The," counts.
    """
    raise NotImplementedError


def gopher_quality_filter(text: str) -> bool:
    """True iff the text passes all five rules above with their default thresholds."""
    raise NotImplementedError


# -----------------------------------------------------------------------------
# exact line deduplication


def exact_line_dedup(docs: list[str]) -> list[str]:
    """Remove every line that occurs more than once in the whole collection.

    Lines are doc.split("\\n"), compared exactly (no stripping; empty lines are lines too).
    A line is counted once per occurrence, so a line repeated inside one document goes too.
    Each output document is its surviving lines, in order, joined by "\\n".
    Example: ["a\\nb", "b\\nc\\nc"] -> ["a", ""]
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# normalisation and shingles


def normalize_text(text: str) -> str:
    """NFD, drop combining marks, lower-case, non-alphanumerics -> space, collapse whitespace.

    Example: "Résumé: state-of-the-art!" -> "resume state of the art"
    """
    raise NotImplementedError


def word_ngrams(text: str, n: int) -> list[str]:
    """The distinct word n-grams of normalize_text(text), each joined by one space, sorted.

    Example: word_ngrams("A b a B", 2) -> ["a b", "b a"]. Fewer than n words -> [].
    Raises ValueError if n < 1.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# MinHash


def shingle_hash(shingle: str) -> int:
    """32-bit hash of a shingle: the first 4 bytes of sha1(shingle as UTF-8), little-endian.

    This is datasketch's sha1_hash32. Example: shingle_hash("") == 4003674586.
    """
    raise NotImplementedError


def minhash_permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The parameters (a, b) of the num_perm hash functions; given, do not change.

    a[i] in [1, 2^32), b[i] in [0, 2^32), both uint64 arrays of shape (num_perm,).
    """
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 1 << 32, size=num_perm, dtype=np.uint64)
    b = rng.integers(0, 1 << 32, size=num_perm, dtype=np.uint64)
    return a, b


def minhash_signature(shingles: list[str], num_perm: int, seed: int) -> np.ndarray:
    """MinHash signature of the set of shingles: a uint64 array of shape (num_perm,).

        h(s)   = shingle_hash(s)
        sig[i] = min over s of ((a[i] * h(s) + b[i]) mod p) mod 2^32,   p = 2^61 - 1

    with (a, b) = minhash_permutations(num_perm, seed). Reduce mod 2^32 *before* taking the
    min. No shingles -> every entry is MAX_HASH. Duplicates in `shingles` do not matter.
    """
    raise NotImplementedError


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Fraction of positions where the two signatures agree: an unbiased estimate of Jaccard.

    Raises ValueError if the signatures have different lengths.
    """
    raise NotImplementedError


def jaccard(shingles_a: list[str], shingles_b: list[str]) -> float:
    """Exact Jaccard similarity |A & B| / |A | B| of the two lists taken as sets; 0.0 if both are empty."""
    raise NotImplementedError


def lsh_candidates(signatures: np.ndarray, bands: int, rows: int) -> list[tuple[int, int]]:
    """LSH banding. signatures: (N, num_perm). Band k is columns k*rows ... (k+1)*rows - 1.

    Documents i and j are candidates if their signatures are equal on every column of at
    least one band. Returns the sorted list of distinct pairs (i, j) with i < j.
    Raises ValueError if bands * rows != num_perm.
    """
    raise NotImplementedError


def minhash_dedup(
    docs: list[str], num_perm: int, bands: int, rows: int, ngram: int, threshold: float, seed: int
) -> list[int]:
    """Near-duplicate removal. Returns the sorted indices of the documents to keep.

    1. shingles_i = word_ngrams(docs[i], ngram); sig_i = minhash_signature(shingles_i, num_perm, seed)
    2. candidates = lsh_candidates(all signatures, bands, rows)
    3. a candidate pair (i, j) is a duplicate pair if jaccard(shingles_i, shingles_j) >= threshold
    4. clusters are the connected components of the duplicate pairs; keep the lowest index of
       each cluster (a document in no duplicate pair is its own cluster and is kept).
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# decontamination


def decontaminate(train_docs: list[str], test_docs: list[str], n: int = 13) -> list[int]:
    """Sorted indices of the training documents that share no word n-gram with any test document.

    n-grams are word_ngrams(doc, n) (after normalize_text). A document with fewer than n
    words has no n-grams and is kept.
    """
    raise NotImplementedError
