"""Hidden tests: normalisation, n-grams, shingle hashes, MinHash signatures, Jaccard and LSH on other inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(2)
def test_hidden_normalize_text(student):
    """normalize_text: NFD + drop combining marks, lower-case, every non-alphanumeric (incl. '_') to a space, whitespace collapsed."""
    cases = {
        "Ünïcödé  CAFÉ\tnaïve": "unicode cafe naive",
        "e\u0301te\u0301 l'été": "ete l ete",
        "x_y-z/w+v": "x y z w v",
        "Straße ΑΒΓ 3²": "straße αβγ 3²",
        "İstanbul": "istanbul",
        "": "",
        " \n\t ": "",
    }
    for text, expected in cases.items():
        assert student.call("normalize_text", text) == expected, repr(text)


@pytest.mark.points(2)
def test_hidden_word_ngrams(student):
    """word_ngrams: n=1 gives the distinct words sorted, n = number of words gives one n-gram, n < 1 raises ValueError."""
    assert student.call("word_ngrams", "Hello, hello! HELLO world", 1) == ["hello", "world"]
    assert student.call("word_ngrams", "Hello, hello! HELLO", 2) == ["hello hello"]
    assert student.call("word_ngrams", "c b a", 3) == ["c b a"]
    assert student.call("word_ngrams", "c b a", 4) == []
    assert student.call("word_ngrams", "z y x y x w", 2) == ["x w", "x y", "y x", "z y"]
    assert student.call("word_ngrams", "", 1) == []
    with pytest.raises(StudentError) as err:
        student.call("word_ngrams", "a b c", 0)
    assert err.value.exc_type == "ValueError"


@pytest.mark.points(1)
def test_hidden_shingle_hash(student, oracle):
    """shingle_hash equals datasketch's sha1_hash32 on non-ASCII, long and space-containing shingles."""
    for s in ["😀 emoji", "ünïcode text", "x" * 5000, "the quick brown fox jumps", " "]:
        assert student.call("shingle_hash", s) == oracle.sha1_hash32(s.encode("utf-8")), repr(s[:20])


@pytest.mark.points(2)
def test_hidden_minhash_signature_matches_datasketch(student, oracle):
    """minhash_signature equals datasketch's legacy MinHash (same a, b) for other seeds, num_perm (incl. 1) and n-gram sizes."""
    _, texts = oracle.load_licenses("hidden")
    for k, (num_perm, seed, n) in enumerate(((50, 12345, 3), (1, 0, 2), (200, 77, 7))):
        shingles = oracle.ref_word_ngrams(texts[k], n)
        got = np.asarray(student.call("minhash_signature", shingles, num_perm, seed))
        assert got.shape == (num_perm,)
        np.testing.assert_array_equal(got.astype(np.uint64), oracle.ds_signature(shingles, num_perm, seed))


@pytest.mark.points(2)
def test_hidden_minhash_signature_empty_order_duplicates(student, oracle):
    """No shingles gives the all-maximum signature (MAX_HASH in every entry); the signature ignores the order and repetition of shingles."""
    got = np.asarray(student.call("minhash_signature", [], 16, 3))
    assert got.shape == (16,) and (got.astype(np.uint64) == oracle.MAX_HASH).all()
    shingles = [f"s{i} t{i}" for i in range(40)]
    a = np.asarray(student.call("minhash_signature", shingles, 32, 5))
    b = np.asarray(student.call("minhash_signature", shingles[::-1] + shingles[:10], 32, 5))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a.astype(np.uint64), oracle.ds_signature(shingles, 32, 5))


@pytest.mark.points(2)
def test_hidden_estimate_and_exact_jaccard(student, oracle):
    """estimate_jaccard equals datasketch's MinHash.jaccard; jaccard is |A&B|/|A|B| on sets (0.0 for two empty lists)."""
    _, texts = oracle.load_licenses("hidden")
    sh = [oracle.ref_word_ngrams(t, 4) for t in texts[:4]]
    for i, j in ((0, 1), (1, 2), (2, 3)):
        si = oracle.ds_signature(sh[i], 96, 21)
        sj = oracle.ds_signature(sh[j], 96, 21)
        expected = oracle.ds_minhash(sh[i], 96, 21).jaccard(oracle.ds_minhash(sh[j], 96, 21))
        assert_close(student.call("estimate_jaccard", si, sj), expected, abs=1e-12)
        assert_close(student.call("jaccard", sh[i], sh[j]), oracle.ref_jaccard(sh[i], sh[j]), abs=1e-12)
    assert_equal(student.call("estimate_jaccard", si, si), 1.0)
    assert_close(student.call("jaccard", ["a", "b", "b", "c"], ["b", "c", "d"]), 0.5, abs=1e-12)
    assert_equal(student.call("jaccard", [], []), 0.0)
    assert_equal(student.call("jaccard", ["a"], []), 0.0)
    assert_equal(student.call("jaccard", ["x", "y"], ["y", "x", "x"]), 1.0)


@pytest.mark.points(1)
def test_hidden_estimate_jaccard_length_mismatch(student):
    """estimate_jaccard raises ValueError when the signatures differ in length."""
    a = np.arange(8, dtype=np.uint64)
    with pytest.raises(StudentError) as err:
        student.call("estimate_jaccard", a, a[:1])
    assert err.value.exc_type == "ValueError"


@pytest.mark.points(2)
def test_hidden_jaccard_estimate_bound(student, oracle):
    """With another num_perm and seed, the estimate is within 4 sigma of J for low, medium and high J.

    num_perm=128, seed 99, J = 0.1, 0.5 and 0.9."""
    for n_common, n_only in ((20, 90), (150, 75), (450, 25)):
        a, b = oracle.sets_with_jaccard(n_common, n_only, tag=f"h{n_only}")
        exact = n_common / (n_common + 2 * n_only)
        sa = student.call("minhash_signature", a, 128, 99)
        sb = student.call("minhash_signature", b, 128, 99)
        est = student.call("estimate_jaccard", sa, sb)
        assert abs(est - exact) <= 4 * math.sqrt(exact * (1 - exact) / 128), f"J={exact:.2f}: {est:.3f}"


@pytest.mark.points(2)
def test_hidden_lsh_bands_hand_built(student):
    """lsh_candidates: a match on only the first or only the last band counts, a partial band does not; pairs sorted, i < j."""
    base = np.arange(600, 606, dtype=np.uint64)  # 3 bands x 2 rows
    sigs = np.array([
        [1, 2, 3, 4, 5, 6],
        [9, 9, 9, 9, 5, 6],  # = doc 0 on the last band only
        [7, 8, 30, 31, 32, 33],
        [7, 8, 3, 40, 41, 42],  # = doc 2 on the first band; one row of band 1 equals doc 0
        [1, 2, 3, 4, 5, 6],  # = doc 0 everywhere
        base.tolist(),
    ], dtype=np.uint64)
    got = [tuple(p) for p in student.call("lsh_candidates", sigs, 3, 2)]
    assert got == [(0, 1), (0, 4), (1, 4), (2, 3)]
    got = [tuple(p) for p in student.call("lsh_candidates", sigs, 1, 6)]
    assert got == [(0, 4)]
    got = [tuple(p) for p in student.call("lsh_candidates", sigs, 6, 1)]
    assert got == [(0, 1), (0, 3), (0, 4), (1, 4), (2, 3), (3, 4)]


@pytest.mark.points(1)
def test_hidden_lsh_bands_times_rows(student):
    """lsh_candidates raises ValueError when bands * rows is larger or smaller than num_perm."""
    sigs = np.zeros((3, 12), dtype=np.uint64)
    for bands, rows in ((4, 4), (5, 2)):
        with pytest.raises(StudentError) as err:
            student.call("lsh_candidates", sigs, bands, rows)
        assert err.value.exc_type == "ValueError"


@pytest.mark.points(2)
def test_hidden_lsh_matches_datasketch(student, oracle):
    """lsh_candidates on the hidden licenses equals datasketch's MinHashLSH for other (bands, rows) splits.

    (32 bands, 4 rows) and (8, 16)."""
    _, texts = oracle.load_licenses("hidden")
    sigs = np.stack([oracle.ds_signature(oracle.ref_word_ngrams(t, 3), 128, 8) for t in texts])
    for bands, rows in ((32, 4), (8, 16)):
        got = [tuple(p) for p in student.call("lsh_candidates", sigs, bands, rows)]
        assert got == oracle.ds_lsh_pairs(sigs, bands, rows), (bands, rows)


@pytest.mark.points(2)
def test_hidden_lsh_candidate_rate(student):
    """Candidate rate over planted pairs is within five sigma of 1-(1-s^r)^b for other similarities and (b, r).

    400 pairs; s = 0.5 (b=20, r=5) and s = 0.85 (b=4, r=8)."""
    rng = np.random.default_rng(2024)
    n_pairs = 400
    for s, bands, rows in ((0.5, 20, 5), (0.85, 4, 8)):
        width = bands * rows
        base = rng.integers(0, 2**32, size=(n_pairs, width), dtype=np.uint64)
        other = rng.integers(0, 2**32, size=(n_pairs, width), dtype=np.uint64)
        twin = np.where(rng.random((n_pairs, width)) < s, base, other)
        sigs = np.concatenate([base, twin])  # pair k is (k, k + n_pairs)
        pairs = {tuple(p) for p in student.call("lsh_candidates", sigs, bands, rows)}
        assert all(j == i + n_pairs for i, j in pairs)
        p = 1 - (1 - s**rows) ** bands
        assert abs(len(pairs) / n_pairs - p) <= 5 * math.sqrt(p * (1 - p) / n_pairs), (s, len(pairs) / n_pairs, p)
