"""Public tests: exact line dedup, normalisation and n-grams, MinHash, LSH, near-duplicate removal, decontamination."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from autograder.harness.expect import assert_close


@pytest.mark.points(2)
def test_exact_line_dedup_example(student):
    """exact_line_dedup drops every line seen more than once in the collection (also within one doc), keeps order and doc count."""
    docs = [
        "Copyright 2024\nreal content A\nshared footer",
        "header\nreal content B\nshared footer",
        "header\nunique line\nunique line",
        "nothing shared here",
    ]
    expected = ["Copyright 2024\nreal content A", "real content B", "", "nothing shared here"]
    assert student.call("exact_line_dedup", docs) == expected
    assert student.call("exact_line_dedup", ["a\nb", "b\nc\nc"]) == ["a", ""]


@pytest.mark.points(2)
def test_normalize_and_word_ngrams(student):
    """normalize_text strips accents, lower-cases and turns punctuation into spaces; word_ngrams are distinct, sorted, space-joined."""
    assert student.call("normalize_text", "Résumé: state-of-the-art!") == "resume state of the art"
    assert student.call("normalize_text", "  Hello,\tWORLD...\n42  ") == "hello world 42"
    assert student.call("word_ngrams", "A b a B", 2) == ["a b", "b a"]
    assert student.call("word_ngrams", "The cat. The cat sat!", 3) == ["cat the cat", "the cat sat", "the cat the"]
    assert student.call("word_ngrams", "too short", 3) == []


@pytest.mark.points(1)
def test_shingle_hash_matches_datasketch(student, oracle):
    """shingle_hash equals datasketch's sha1_hash32 (first 4 bytes of SHA-1, little-endian)."""
    for s in ["", "the cat sat", "état de l'art", "a b c d e"]:
        assert student.call("shingle_hash", s) == oracle.sha1_hash32(s.encode("utf-8")), repr(s)


@pytest.mark.points(3)
def test_minhash_signature_matches_datasketch(student, oracle):
    """minhash_signature equals datasketch's MinHash (legacy scheme, same a, b) exactly, for 5-gram shingles of a license."""
    shingles = oracle.expected("minhash_license")["shingles"]  # the 5-grams of the first public license
    got = np.asarray(student.call("minhash_signature", shingles, 128, 1))
    assert got.shape == (128,)
    np.testing.assert_array_equal(got.astype(np.uint64), oracle.ds_signature(shingles, 128, 1))


@pytest.mark.points(2)
def test_jaccard_estimate_within_bound(student, oracle):
    """estimate_jaccard of two signatures is within 4 sigma = 4 sqrt(J(1-J)/num_perm) of the exact Jaccard, for several J."""
    num_perm = 256
    for n_common, n_only in ((300, 50), (200, 100), (100, 200), (40, 300)):
        a, b = oracle.sets_with_jaccard(n_common, n_only, tag=f"p{n_common}")
        exact = n_common / (n_common + 2 * n_only)
        assert_close(student.call("jaccard", a, b), exact, abs=1e-12)
        sa = student.call("minhash_signature", a, num_perm, 7)
        sb = student.call("minhash_signature", b, num_perm, 7)
        est = student.call("estimate_jaccard", sa, sb)
        sigma = math.sqrt(exact * (1 - exact) / num_perm)
        assert abs(est - exact) <= 4 * sigma, f"J={exact:.3f}: estimate {est:.3f} off by more than 4 sigma ({sigma:.3f})"


@pytest.mark.points(2)
def test_lsh_candidates_match_datasketch(student, oracle):
    """lsh_candidates on license signatures equals the candidate pairs of datasketch's MinHashLSH (16 bands x 8 rows)."""
    committed = oracle.expected("lsh_license_signatures")  # datasketch signatures of each license's 5-grams
    assert committed["licenses"] == oracle.load_licenses("public")[0]
    sigs = np.array(committed["signatures"], dtype=np.uint64)
    got = [tuple(p) for p in student.call("lsh_candidates", sigs, 16, 8)]
    assert got == oracle.ds_lsh_pairs(sigs, 16, 8)


@pytest.mark.points(2)
def test_lsh_candidate_rate(student):
    """Over 300 planted pairs agreeing on each position with probability s, the candidate rate is within 5 sigma of 1-(1-s^r)^b."""
    rng = np.random.default_rng(11)
    bands, rows, n_pairs = 8, 4, 300
    for s in (0.3, 0.7):
        base = rng.integers(0, 2**32, size=(n_pairs, bands * rows), dtype=np.uint64)
        other = rng.integers(0, 2**32, size=(n_pairs, bands * rows), dtype=np.uint64)
        twin = np.where(rng.random((n_pairs, bands * rows)) < s, base, other)
        sigs = np.empty((2 * n_pairs, bands * rows), dtype=np.uint64)
        sigs[0::2], sigs[1::2] = base, twin  # pair k is (2k, 2k + 1)
        pairs = {tuple(p) for p in student.call("lsh_candidates", sigs, bands, rows)}
        assert all(j == i + 1 and i % 2 == 0 for i, j in pairs), "only planted pairs can collide"
        p = 1 - (1 - s**rows) ** bands
        sigma = math.sqrt(p * (1 - p) / n_pairs)
        assert abs(len(pairs) / n_pairs - p) <= 5 * sigma, f"s={s}: rate {len(pairs) / n_pairs:.3f} vs {p:.3f}"


@pytest.mark.points(2)
def test_minhash_dedup_licenses(student, oracle):
    """minhash_dedup on license files removes MIT and BSD near-copies, keeping the lowest index of each cluster."""
    names, texts = oracle.load_licenses("public")
    kept = student.call("minhash_dedup", texts, 128, 16, 8, 5, 0.7, 0)
    expected = oracle.expected("dedup_licenses_kept")  # what the datasketch + scipy pipeline keeps
    assert [names[i] for i in expected] == ["fsspec", "libdivide", "markdown-it-py", "requests"]  # the test itself
    assert list(kept) == expected, f"kept {[names[i] for i in kept]}"


@pytest.mark.points(2)
def test_minhash_dedup_planted_duplicates(student, oracle):
    """Planted near-copies (2% of words edited) of random documents are removed; the originals and distinct documents stay."""
    rng = random.Random(5)
    pool = oracle.word_pool(5, 400)
    originals = [oracle.random_doc(rng, pool, 150) for _ in range(8)]
    docs = list(originals)
    for k in (1, 4, 4, 6):
        docs.append(oracle.edit_words(originals[k], 0.02, rng, pool))
    kept = student.call("minhash_dedup", docs, 64, 16, 4, 3, 0.8, 2)
    assert list(kept) == list(range(8))
    assert list(kept) == oracle.expected("dedup_planted_kept")


@pytest.mark.points(2)
def test_decontaminate_planted(student, oracle):
    """decontaminate drops training docs sharing a normalised 13-gram with the test set, keeps 12-word overlaps."""
    rng = random.Random(9)
    pool = oracle.word_pool(9, 500)
    test_docs = [oracle.random_doc(rng, pool, 60) for _ in range(3)]
    words = test_docs[1].split()
    leak13 = " ".join(words[20:33])
    leak12 = " ".join(words[20:32])
    train = [
        oracle.random_doc(rng, pool, 40),
        oracle.random_doc(rng, pool, 30) + " " + leak13.upper().replace(" ", ", ") + " " + oracle.random_doc(rng, pool, 30),
        oracle.random_doc(rng, pool, 30) + " " + leak12 + " " + oracle.random_doc(rng, pool, 30),
        test_docs[2],
        "short doc",
    ]
    assert student.call("decontaminate", train, test_docs, 13) == [0, 2, 4]
