"""Hidden tests: exact line dedup edge cases, near-duplicate removal and decontamination on other data."""

from __future__ import annotations

import random

import pytest


@pytest.mark.points(2)
def test_hidden_exact_line_dedup_edge_cases(student):
    """Empty lines and trailing newlines are lines, lines differing by a space are different, '\\r' is kept, empty input works."""
    docs = ["a\nb\n", "a \nc", "", "d\nd\ne", "x\r\ny"]
    assert student.call("exact_line_dedup", docs) == ["a\nb", "a \nc", "", "e", "x\r\ny"]
    assert student.call("exact_line_dedup", []) == []
    assert student.call("exact_line_dedup", ["only\nlines\nhere"]) == ["only\nlines\nhere"]
    assert student.call("exact_line_dedup", ["same", "same"]) == ["", ""]
    assert student.call("exact_line_dedup", ["k\nl\nk\nm"]) == ["l\nm"]


@pytest.mark.points(2)
def test_hidden_minhash_dedup_licenses(student, oracle):
    """minhash_dedup on other license files, with other banding and threshold, keeps exactly what the datasketch pipeline keeps.

    5-grams, 32 bands x 4 rows, threshold 0.8."""
    names, texts = oracle.load_licenses("hidden")
    expected = oracle.oracle_dedup(texts, 128, 32, 4, 5, 0.8, 4)
    assert [names[i] for i in expected] == [
        "annotated-types", "cloudpickle", "gloo", "jinja2", "kineto", "pygments", "splitmix64"
    ]  # the test itself: MIT copies go, the three closest BSD variants merge into gloo's cluster
    assert list(student.call("minhash_dedup", texts, 128, 32, 4, 5, 0.8, 4)) == expected
    expected = oracle.oracle_dedup(texts, 128, 16, 8, 5, 0.7, 1)
    assert [names[i] for i in expected] == ["annotated-types", "cloudpickle", "splitmix64"]
    assert list(student.call("minhash_dedup", texts, 128, 16, 8, 5, 0.7, 1)) == expected


@pytest.mark.points(2)
def test_hidden_minhash_dedup_keeps_lowest_index(student, oracle):
    """Shuffled planted families: each cluster keeps its lowest index even when that is an edited copy, not the original."""
    rng = random.Random(31)
    pool = oracle.word_pool(31, 600)
    originals = [oracle.random_doc(rng, pool, 120) for _ in range(10)]
    family = list(range(10))
    docs = list(originals)
    for k in (0, 3, 3, 3, 7, 9):
        docs.append(oracle.edit_words(originals[k], 0.02, rng, pool))
        family.append(k)
    order = list(range(len(docs)))
    rng.shuffle(order)
    docs = [docs[i] for i in order]
    family = [family[i] for i in order]
    first = {}
    for i, f in enumerate(family):
        first.setdefault(f, i)
    expected = sorted(first.values())
    assert expected == oracle.oracle_dedup(docs, 96, 24, 4, 4, 0.75, 13)  # the test itself
    assert list(student.call("minhash_dedup", docs, 96, 24, 4, 4, 0.75, 13)) == expected


@pytest.mark.points(2)
def test_hidden_minhash_dedup_clusters_are_connected_components(student, oracle):
    """A chain A~B, B~C with J(A, C) below the threshold is one cluster: only the lowest index of the chain is kept."""
    rng = random.Random(8)
    pool = oracle.word_pool(8, 500)
    a = oracle.random_doc(rng, pool, 200)
    b = oracle.edit_words(a, 0.06, rng, pool)
    c = oracle.edit_words(b, 0.06, rng, pool)
    other = oracle.random_doc(rng, pool, 200)
    docs = [other, c, a, b]  # chain members at 1, 2, 3
    sh = [oracle.ref_word_ngrams(d, 2) for d in docs]
    threshold = 0.7
    assert oracle.ref_jaccard(sh[2], sh[3]) >= threshold and oracle.ref_jaccard(sh[1], sh[3]) >= threshold
    assert oracle.ref_jaccard(sh[1], sh[2]) < threshold  # the test itself: a chain, not a clique
    expected = oracle.oracle_dedup(docs, 64, 16, 4, 2, threshold, 6)
    assert expected == [0, 1]
    assert list(student.call("minhash_dedup", docs, 64, 16, 4, 2, threshold, 6)) == expected


@pytest.mark.points(2)
def test_hidden_minhash_dedup_threshold_and_short_docs(student):
    """A pair at exactly the threshold Jaccard is a duplicate (>=); docs with fewer than ngram words are never duplicates; [] gives []."""
    docs = ["a b c", "B, C; D!", "x y z"]  # unigram Jaccard(0, 1) = 2 / 4 = 0.5
    assert list(student.call("minhash_dedup", docs, 32, 32, 1, 1, 0.5, 0)) == [0, 2]
    assert list(student.call("minhash_dedup", docs, 32, 32, 1, 1, 0.5000001, 0)) == [0, 1, 2]
    short = ["hi there", "hi there", "Hi, there!"]
    assert list(student.call("minhash_dedup", short, 32, 32, 1, 3, 0.5, 0)) == [0, 1, 2]
    assert list(student.call("minhash_dedup", short, 32, 32, 1, 2, 0.5, 0)) == [0]
    assert list(student.call("minhash_dedup", [], 32, 8, 4, 3, 0.5, 0)) == []


@pytest.mark.points(2)
def test_hidden_decontaminate_normalisation(student, oracle):
    """decontaminate with a smaller n: overlaps survive case, accents, punctuation and line breaks; overlaps one word shorter than n and short docs are kept.

    n=8."""
    rng = random.Random(77)
    pool = oracle.word_pool(77, 700)
    test_docs = [oracle.random_doc(rng, pool, 50), oracle.random_doc(rng, pool, 40)]
    t0, t1 = test_docs[0].split(), test_docs[1].split()
    noise = lambda k: oracle.random_doc(rng, pool, k)  # noqa: E731
    accented = " ".join(w.replace("e", "é").replace("a", "À") for w in t0[5:13])
    train = [
        noise(20) + " " + accented.upper() + " " + noise(20),  # 8-gram, case and accents changed
        noise(20) + " " + " ".join(t0[30:37]) + " " + noise(20),  # 7-gram only
        noise(10) + " " + "\n".join(t1[10:14]) + "-" + "-".join(t1[14:18]) + "... " + noise(10),  # 8-gram across breaks
        " ".join(t1[0:5]),  # fewer than 8 words
        noise(60),
        noise(15) + " " + " ".join(t1[-8:]),  # 8-gram at the very end
    ]
    assert student.call("decontaminate", train, test_docs, 8) == [1, 3, 4]
    assert student.call("decontaminate", train, [], 8) == [0, 1, 2, 3, 4, 5]
    assert student.call("decontaminate", [], test_docs, 8) == []


@pytest.mark.points(2)
def test_hidden_decontaminate_default_n(student, oracle):
    """decontaminate's default n is the handout's: an overlap of exactly n words removes a doc, one word shorter does not."""
    rng = random.Random(123)
    pool = oracle.word_pool(123, 700)
    test_doc = oracle.random_doc(rng, pool, 80)
    w = test_doc.split()
    train = [
        oracle.random_doc(rng, pool, 10) + " " + " ".join(w[40:52]) + " " + oracle.random_doc(rng, pool, 10),
        oracle.random_doc(rng, pool, 10) + " " + " ".join(w[40:53]) + " " + oracle.random_doc(rng, pool, 10),
        " ".join(w[:12]),
        test_doc,
    ]
    assert student.call("decontaminate", train, [test_doc]) == [0, 2]
