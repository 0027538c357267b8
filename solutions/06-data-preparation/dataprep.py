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

### BEGIN SOLUTION
# local@domain: local part [A-Za-z0-9._%+-]+, then dot-terminated labels [A-Za-z0-9-]+ and a
# TLD of two or more letters; the lookarounds are the boundary rules of the handout
_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+@-])"  # not inside a longer local part, not after '@'
    r"[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}"
    r"(?![A-Za-z0-9_@-])(?!\.[A-Za-z0-9-])"  # the domain does not go on
)

# [PREFIX] AREA S DDD S DDDD, PREFIX = "+1" S or "1" SEP, AREA = DDD or (DDD),
# SEP = one of ' ', '-', '.', and S = an optional SEP
_PHONE_RE = re.compile(
    r"(?<![A-Za-z0-9.+-])"
    r"(?:\+1[ .-]?|1[ .-])?(?:\([0-9]{3}\)|[0-9]{3})[ .-]?[0-9]{3}[ .-]?[0-9]{4}"
    r"(?![A-Za-z0-9])(?![.-][0-9])"
)

# an octet is 0..255 written without leading zeros; longer alternatives first
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IP_RE = re.compile(
    r"(?<![A-Za-z0-9.])" + _OCTET + r"(?:\." + _OCTET + r"){3}" + r"(?![A-Za-z0-9])(?!\.[0-9])"
)
### END SOLUTION


def mask_emails(text: str) -> tuple[str, int]:
    """Replace every email address by EMAIL_MASK; return (masked text, number replaced).

    Example: "mail bob@example.com!" -> ("mail |||EMAIL_ADDRESS|||!", 1)
    The grammar and the boundary rules are in the handout.
    """
    ### BEGIN SOLUTION
    return _EMAIL_RE.subn(EMAIL_MASK, text)
    ### END SOLUTION


def mask_phone_numbers(text: str) -> tuple[str, int]:
    """Replace every (North American, 10-digit) phone number by PHONE_MASK.

    Example: "call (283) 182-3829." -> ("call |||PHONE_NUMBER|||.", 1)
    """
    ### BEGIN SOLUTION
    return _PHONE_RE.subn(PHONE_MASK, text)
    ### END SOLUTION


def mask_ips(text: str) -> tuple[str, int]:
    """Replace every IPv4 address (four octets 0..255, no leading zeros) by IP_MASK.

    Example: "host 10.0.0.255 is up" -> ("host |||IP_ADDRESS||| is up", 1); "256.1.1.1" stays.
    """
    ### BEGIN SOLUTION
    return _IP_RE.subn(IP_MASK, text)
    ### END SOLUTION


# -----------------------------------------------------------------------------
# Gopher quality rules. Words are text.split(); a rule returns True when the text passes.


def gopher_word_count_ok(text: str, min_words: int = 50, max_words: int = 100_000) -> bool:
    """min_words <= number of words <= max_words."""
    ### BEGIN SOLUTION
    n = len(text.split())
    return min_words <= n <= max_words
    ### END SOLUTION


def gopher_mean_word_length_ok(text: str, min_len: float = 3.0, max_len: float = 10.0) -> bool:
    """min_len <= mean number of characters per word <= max_len; False if there are no words."""
    ### BEGIN SOLUTION
    words = text.split()
    if not words:
        return False
    mean = sum(len(w) for w in words) / len(words)
    return min_len <= mean <= max_len
    ### END SOLUTION


def gopher_ellipsis_lines_ok(text: str, max_fraction: float = 0.3) -> bool:
    """Fraction of lines (text.splitlines()) ending in "..." or "…" <= max_fraction.

    A line ends in an ellipsis if line.rstrip() does. A text with no lines passes.
    """
    ### BEGIN SOLUTION
    lines = text.splitlines()
    if not lines:
        return True
    n_ellipsis = sum(line.rstrip().endswith(("...", "…")) for line in lines)
    return n_ellipsis / len(lines) <= max_fraction
    ### END SOLUTION


def gopher_alpha_words_ok(text: str, min_fraction: float = 0.8) -> bool:
    """Fraction of words with at least one alphabetic character (str.isalpha) >= min_fraction.

    False if there are no words.
    """
    ### BEGIN SOLUTION
    words = text.split()
    if not words:
        return False
    n_alpha = sum(any(c.isalpha() for c in w) for w in words)
    return n_alpha / len(words) >= min_fraction
    ### END SOLUTION


def gopher_stop_words_ok(text: str, min_count: int = 2) -> bool:
    """At least min_count words are stop words (occurrences, not distinct words).

    A word w counts if w.strip(string.punctuation).lower() is in STOP_WORDS: "The," counts.
    """
    ### BEGIN SOLUTION
    n_stop = sum(w.strip(string.punctuation).lower() in STOP_WORDS for w in text.split())
    return n_stop >= min_count
    ### END SOLUTION


def gopher_quality_filter(text: str) -> bool:
    """True iff the text passes all five rules above with their default thresholds."""
    ### BEGIN SOLUTION
    return (
        gopher_word_count_ok(text)
        and gopher_mean_word_length_ok(text)
        and gopher_ellipsis_lines_ok(text)
        and gopher_alpha_words_ok(text)
        and gopher_stop_words_ok(text)
    )
    ### END SOLUTION


# -----------------------------------------------------------------------------
# exact line deduplication


def exact_line_dedup(docs: list[str]) -> list[str]:
    """Remove every line that occurs more than once in the whole collection.

    Lines are doc.split("\\n"), compared exactly (no stripping; empty lines are lines too).
    A line is counted once per occurrence, so a line repeated inside one document goes too.
    Each output document is its surviving lines, in order, joined by "\\n".
    Example: ["a\\nb", "b\\nc\\nc"] -> ["a", ""]
    """
    ### BEGIN SOLUTION
    counts = {}  # line -> number of occurrences in the collection
    for doc in docs:
        for line in doc.split("\n"):
            counts[line] = counts.get(line, 0) + 1
    return ["\n".join(line for line in doc.split("\n") if counts[line] == 1) for doc in docs]
    ### END SOLUTION


# -----------------------------------------------------------------------------
# normalisation and shingles


def normalize_text(text: str) -> str:
    """NFD, drop combining marks, lower-case, non-alphanumerics -> space, collapse whitespace.

    Example: "Résumé: state-of-the-art!" -> "resume state of the art"
    """
    ### BEGIN SOLUTION
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))  # "é" = "e" + U+0301 -> "e"
    text = text.lower()
    text = "".join(c if c.isalnum() else " " for c in text)
    return " ".join(text.split())
    ### END SOLUTION


def word_ngrams(text: str, n: int) -> list[str]:
    """The distinct word n-grams of normalize_text(text), each joined by one space, sorted.

    Example: word_ngrams("A b a B", 2) -> ["a b", "b a"]. Fewer than n words -> [].
    Raises ValueError if n < 1.
    """
    ### BEGIN SOLUTION
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    words = normalize_text(text).split()
    return sorted({" ".join(words[i : i + n]) for i in range(len(words) - n + 1)})
    ### END SOLUTION


# -----------------------------------------------------------------------------
# MinHash


def shingle_hash(shingle: str) -> int:
    """32-bit hash of a shingle: the first 4 bytes of sha1(shingle as UTF-8), little-endian.

    This is datasketch's sha1_hash32. Example: shingle_hash("") == 4003674586.
    """
    ### BEGIN SOLUTION
    return int.from_bytes(hashlib.sha1(shingle.encode("utf-8")).digest()[:4], "little")
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    a, b = minhash_permutations(num_perm, seed)  # (num_perm,), (num_perm,)
    h = np.array([shingle_hash(s) for s in shingles], dtype=np.uint64)  # (S,)
    # subtle: a < 2^32 and h < 2^32, so a*h + b < 2^64 never overflows uint64
    values = (h[:, None] * a[None, :] + b[None, :]) % np.uint64(MERSENNE_PRIME)  # (S, num_perm)
    values = values % np.uint64(1 << 32)
    return values.min(axis=0, initial=np.uint64(MAX_HASH))  # (num_perm,); all MAX_HASH when S = 0
    ### END SOLUTION


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Fraction of positions where the two signatures agree: an unbiased estimate of Jaccard.

    Raises ValueError if the signatures have different lengths.
    """
    ### BEGIN SOLUTION
    if sig_a.shape != sig_b.shape:
        raise ValueError(f"signatures differ in length: {sig_a.shape} vs {sig_b.shape}")
    return float(np.mean(sig_a == sig_b))
    ### END SOLUTION


def jaccard(shingles_a: list[str], shingles_b: list[str]) -> float:
    """Exact Jaccard similarity |A & B| / |A | B| of the two lists taken as sets; 0.0 if both are empty."""
    ### BEGIN SOLUTION
    a, b = set(shingles_a), set(shingles_b)
    union = len(a | b)
    if union == 0:
        return 0.0
    return len(a & b) / union
    ### END SOLUTION


def lsh_candidates(signatures: np.ndarray, bands: int, rows: int) -> list[tuple[int, int]]:
    """LSH banding. signatures: (N, num_perm). Band k is columns k*rows ... (k+1)*rows - 1.

    Documents i and j are candidates if their signatures are equal on every column of at
    least one band. Returns the sorted list of distinct pairs (i, j) with i < j.
    Raises ValueError if bands * rows != num_perm.
    """
    ### BEGIN SOLUTION
    n_docs, num_perm = signatures.shape
    if bands * rows != num_perm:
        raise ValueError(f"bands * rows must equal num_perm, got {bands} * {rows} and {num_perm}")
    pairs = set()
    for k in range(bands):
        buckets = {}  # band values -> ids of the documents that have them
        for i in range(n_docs):
            key = signatures[i, k * rows : (k + 1) * rows].tobytes()
            buckets.setdefault(key, []).append(i)
        for ids in buckets.values():
            for x in range(len(ids)):
                for y in range(x + 1, len(ids)):
                    pairs.add((ids[x], ids[y]))
    return sorted(pairs)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    shingles = [word_ngrams(doc, ngram) for doc in docs]
    sigs = np.array([minhash_signature(s, num_perm, seed) for s in shingles], dtype=np.uint64)  # (N, num_perm)
    sigs = sigs.reshape(len(docs), num_perm)
    parent = list(range(len(docs)))  # union-find forest; each root is its cluster's lowest index

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in lsh_candidates(sigs, bands, rows):
        if jaccard(shingles[i], shingles[j]) >= threshold:
            ri, rj = find(i), find(j)
            parent[max(ri, rj)] = min(ri, rj)
    return [i for i in range(len(docs)) if find(i) == i]
    ### END SOLUTION


# -----------------------------------------------------------------------------
# decontamination


def decontaminate(train_docs: list[str], test_docs: list[str], n: int = 13) -> list[int]:
    """Sorted indices of the training documents that share no word n-gram with any test document.

    n-grams are word_ngrams(doc, n) (after normalize_text). A document with fewer than n
    words has no n-grams and is kept.
    """
    ### BEGIN SOLUTION
    test_ngrams = set()
    for doc in test_docs:
        test_ngrams.update(word_ngrams(doc, n))
    return [i for i, doc in enumerate(train_docs) if test_ngrams.isdisjoint(word_ngrams(doc, n))]
    ### END SOLUTION
