"""Data preparation: PII masking, Gopher rules, dedup, MinHash, decontamination (my attempt)."""

from __future__ import annotations

import hashlib
import re
import string

import numpy as np

EMAIL_MASK = "|||EMAIL_ADDRESS|||"
PHONE_MASK = "|||PHONE_NUMBER|||"
IP_MASK = "|||IP_ADDRESS|||"

STOP_WORDS = ("the", "be", "to", "of", "and", "that", "have", "with")

MERSENNE_PRIME = (1 << 61) - 1
MAX_HASH = (1 << 32) - 1

EMAIL_RE = re.compile(r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![\w-])")
PHONE_RE = re.compile(r"(?<![\w.+-])(?:\+1[ .-]?)?(?:\(\d{3}\)|\d{3})[ .-]?\d{3}[ .-]?\d{4}(?!\w)")
IP_RE = re.compile(r"(?<![\w.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w.])")


def mask_emails(text: str) -> tuple[str, int]:
    return EMAIL_RE.subn(EMAIL_MASK, text)


def mask_phone_numbers(text: str) -> tuple[str, int]:
    return PHONE_RE.subn(PHONE_MASK, text)


def mask_ips(text: str) -> tuple[str, int]:
    # TODO: check that each octet is <= 255
    return IP_RE.subn(IP_MASK, text)


def gopher_word_count_ok(text: str, min_words: int = 50, max_words: int = 100_000) -> bool:
    n = len(text.split())
    return min_words <= n <= max_words


def gopher_mean_word_length_ok(text: str, min_len: float = 3.0, max_len: float = 10.0) -> bool:
    words = text.split()
    if not words:
        return False
    return min_len <= np.mean([len(w) for w in words]) <= max_len


def gopher_ellipsis_lines_ok(text: str, max_fraction: float = 0.3) -> bool:
    lines = text.split("\n")
    n = sum(1 for line in lines if line.endswith("..."))
    return n / len(lines) <= max_fraction


def gopher_alpha_words_ok(text: str, min_fraction: float = 0.8) -> bool:
    words = text.split()
    if not words:
        return False
    n = sum(1 for w in words if re.search("[a-zA-Z]", w))
    return n / len(words) > min_fraction


def gopher_stop_words_ok(text: str, min_count: int = 2) -> bool:
    found = {w.strip(string.punctuation).lower() for w in text.split()} & set(STOP_WORDS)
    return len(found) >= min_count


def gopher_quality_filter(text: str) -> bool:
    return (
        gopher_word_count_ok(text)
        and gopher_mean_word_length_ok(text)
        and gopher_ellipsis_lines_ok(text)
        and gopher_alpha_words_ok(text)
        and gopher_stop_words_ok(text)
    )


def exact_line_dedup(docs: list[str]) -> list[str]:
    counts = {}
    for doc in docs:
        for line in set(doc.split("\n")):  # each line once per document
            counts[line] = counts.get(line, 0) + 1
    return ["\n".join(l for l in doc.split("\n") if counts[l] == 1) for doc in docs]


def normalize_text(text: str) -> str:
    text = text.lower()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def word_ngrams(text: str, n: int) -> list[str]:
    words = normalize_text(text).split()
    grams = set()
    for i in range(len(words) - n + 1):
        grams.add(" ".join(words[i : i + n]))
    return sorted(grams)


def shingle_hash(shingle: str) -> int:
    return int.from_bytes(hashlib.sha1(shingle.encode("utf-8")).digest()[:4], "little")


def minhash_permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 1 << 32, size=num_perm, dtype=np.uint64)
    b = rng.integers(0, 1 << 32, size=num_perm, dtype=np.uint64)
    return a, b


def minhash_signature(shingles: list[str], num_perm: int, seed: int) -> np.ndarray:
    a, b = minhash_permutations(num_perm, seed)
    sig = np.full(num_perm, MERSENNE_PRIME, dtype=np.uint64)
    for s in shingles:
        h = np.uint64(shingle_hash(s))
        sig = np.minimum(sig, (a * h + b) % np.uint64(MERSENNE_PRIME))
    return sig % np.uint64(1 << 32)


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    return float(np.mean(sig_a == sig_b))


def jaccard(shingles_a: list[str], shingles_b: list[str]) -> float:
    a, b = set(shingles_a), set(shingles_b)
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def lsh_candidates(signatures: np.ndarray, bands: int, rows: int) -> list[tuple[int, int]]:
    n = len(signatures)
    pairs = set()
    for k in range(bands):
        buckets = {}
        for i in range(n):
            key = tuple(signatures[i][k * rows : (k + 1) * rows])
            buckets.setdefault(key, []).append(i)
        for ids in buckets.values():
            for x in ids:
                for y in ids:
                    if x < y:
                        pairs.add((x, y))
    return sorted(pairs)


def minhash_dedup(docs, num_perm, bands, rows, ngram, threshold, seed):
    shingles = [word_ngrams(d, ngram) for d in docs]
    sigs = np.array([minhash_signature(s, num_perm, seed) for s in shingles])
    removed = set()
    for i, j in lsh_candidates(sigs, bands, rows):
        if jaccard(shingles[i], shingles[j]) >= threshold:
            removed.add(j)  # j > i: drop the later copy
    return [i for i in range(len(docs)) if i not in removed]


def decontaminate(train_docs: list[str], test_docs: list[str], n: int = 13) -> list[int]:
    test_grams = set()
    for doc in test_docs:
        test_grams |= set(word_ngrams(doc, n))
    return [i for i, doc in enumerate(train_docs) if not (set(word_ngrams(doc, n)) & test_grams)]
