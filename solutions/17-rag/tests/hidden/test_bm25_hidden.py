"""Hidden tests: BM25 against rank_bm25.BM25Okapi on other corpora, parameters and edge cases."""

import random

import numpy as np
import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal


def _queries(seed, vocab_size, n):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        q = [f"w{rng.randrange(vocab_size + 10)}" for _ in range(rng.randint(1, 6))]  # some never occur
        if rng.random() < 0.3:
            q += q[:2]  # repeated tokens
        out.append(q)
    return out


def _compare_scores(student, oracle, corpus, queries, **params):
    ref = oracle.bm25(corpus, **params)
    bm25 = student.new("BM25", corpus, **params)
    for q in queries:
        got = np.asarray(bm25.call("scores", q), dtype=np.float64)
        np.testing.assert_allclose(got, ref.get_scores(q), rtol=0, atol=1e-9, err_msg=f"query {q}")


@pytest.mark.points(3)
def test_bm25_random_corpora(student, oracle):
    """scores match rank_bm25 (default parameters) within 1e-9 on random Zipf corpora, with repeated and unseen query tokens."""
    for seed, n_docs, vocab in [(501, 30, 40), (502, 80, 150), (503, 7, 12)]:
        corpus = oracle.random_corpus(seed, n_docs, vocab)
        _compare_scores(student, oracle, corpus, _queries(seed, vocab, 12))


@pytest.mark.parametrize("k1, b, epsilon", [(1.2, 0.75, 0.25), (2.0, 0.3, 0.5), (0.9, 1.0, 0.1), (1.5, 0.0, 0.25)])
@pytest.mark.points(1)
def test_bm25_other_parameters(student, oracle, k1, b, epsilon):
    """scores match rank_bm25 within 1e-9 with other k1, b, epsilon (passed as keywords)."""
    corpus = oracle.random_corpus(600, 40, 60, min_len=2, max_len=30)
    _compare_scores(student, oracle, corpus, _queries(600, 60, 10), k1=k1, b=b, epsilon=epsilon)


@pytest.mark.points(2)
def test_bm25_hidden_text_corpus(student, oracle):
    """scores and top_k match rank_bm25 on a hidden corpus of short natural-language documents."""
    corpus = [oracle.tokenize(d) for d in oracle.load_docs("hidden")]
    ref = oracle.bm25(corpus)
    bm25 = student.new("BM25", corpus)
    for query in ["how much water for the plant", "bicycle tyre pressure", "the the the water", "router wifi slow",
                  "bread dough starter flour", "quantum"]:
        q = oracle.tokenize(query)
        scores = ref.get_scores(q)
        np.testing.assert_allclose(bm25.call("scores", q), scores, rtol=0, atol=1e-9)
        oracle.assert_separated(scores)
        assert oracle.ids(bm25.call("top_k", q, 5)) == oracle.expected_top_k(scores, 5)


@pytest.mark.points(2)
def test_bm25_negative_mean_idf(student, oracle):
    """When most terms occur in over half the documents the mean idf is negative, and so is the floor; scores still match."""
    corpus = [["a", "b", "c"], ["a", "b", "c", "d"], ["a", "b"], ["a", "c", "e"], ["b", "c", "a", "a"]]
    ref = oracle.bm25(corpus)
    assert ref.average_idf < 0  # precondition of this test
    bm25 = student.new("BM25", corpus)
    idf = bm25.get("idf")
    assert set(idf) == set(ref.idf)
    for t, v in ref.idf.items():
        assert_close(idf[t], v, abs=1e-12, what=f"idf[{t!r}]")
    _compare_scores(student, oracle, corpus, [["a"], ["a", "d"], ["e", "b", "b"], ["c", "zz"]])


@pytest.mark.points(1)
def test_bm25_zero_idf_is_not_floored(student, oracle):
    """A term in exactly half of the documents has idf exactly 0 and keeps it (only idf < 0 is floored)."""
    corpus = [["k", "x"], ["k", "y"], ["z"], ["w", "v"]]
    bm25 = student.new("BM25", corpus)
    assert_equal(bm25.get("idf")["k"], 0.0)
    np.testing.assert_allclose(bm25.call("scores", ["k"]), [0.0] * 4, atol=0)
    _compare_scores(student, oracle, corpus, [["k", "z"], ["x", "k"]])


@pytest.mark.points(1)
def test_bm25_attributes_random(student, oracle):
    """n_docs, avgdl, doc_len and the floored idf dict equal rank_bm25's corpus_size, avgdl, doc_len and idf."""
    corpus = oracle.random_corpus(777, 25, 30)
    ref = oracle.bm25(corpus, epsilon=0.4)
    bm25 = student.new("BM25", corpus, epsilon=0.4)
    assert bm25.get("n_docs") == ref.corpus_size
    assert list(bm25.get("doc_len")) == list(ref.doc_len)
    assert_close(bm25.get("avgdl"), ref.avgdl, abs=1e-12)
    idf = bm25.get("idf")
    assert set(idf) == set(ref.idf)
    for t, v in ref.idf.items():
        assert_close(idf[t], v, abs=1e-12, what=f"idf[{t!r}]")


@pytest.mark.points(1)
def test_bm25_empty_documents(student, oracle):
    """Empty documents (length 0) take part in N and avgdl and score 0; scores match rank_bm25."""
    corpus = [["alpha", "beta"], [], ["beta", "gamma", "gamma"], [], ["delta"]]
    _compare_scores(student, oracle, corpus, [["beta"], ["gamma", "delta"], ["alpha", "alpha"]])
    bm25 = student.new("BM25", corpus)
    assert oracle.ids(bm25.call("top_k", ["epsilon"], 3)) == [0, 1, 2]


@pytest.mark.parametrize("k1, b", [(0.0, 0.75), (1.3, 1.0)])
@pytest.mark.points(1)
def test_bm25_zero_denominator_scores_zero(student, oracle, k1, b):
    """A document without the query token gets 0 from it where the denominator is 0 (k1 = 0, or b = 1
    and an empty document): scores are finite and match rank_bm25 with its per-token NaNs read as 0."""
    corpus = [["kappa", "lambda", "kappa"], [], ["lambda", "mu"], ["nu"], []]
    ref = oracle.bm25(corpus, k1=k1, b=b)
    bm25 = student.new("BM25", corpus, k1=k1, b=b)
    for q in (["kappa"], ["lambda", "nu", "xi"], ["mu", "mu"]):
        got = np.asarray(bm25.call("scores", q), dtype=np.float64)
        assert np.isfinite(got).all(), "scores must be finite (never NaN) when a denominator is 0"
        # rank_bm25 sums NaNs across tokens, so read its scores token by token
        want = sum(np.nan_to_num(ref.get_scores([t]), nan=0.0) for t in q)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


@pytest.mark.points(3)
def test_bm25_top_k_random_with_duplicate_docs(student, oracle):
    """top_k equals the oracle ranking (score descending, ties to the lower id) on a corpus with duplicated documents, for k from 1 to beyond n_docs."""
    base = oracle.random_corpus(888, 30, 50)
    rng = random.Random(888)
    corpus = base + [list(base[i]) for i in rng.sample(range(30), 8)]  # 8 exact copies at higher ids
    rng.shuffle(corpus)
    ref = oracle.bm25(corpus)
    bm25 = student.new("BM25", corpus)
    for q in _queries(889, 50, 15):
        scores = ref.get_scores(q)
        oracle.assert_separated(scores)
        for k in (1, 5, 13, 38, 100):
            assert oracle.ids(bm25.call("top_k", q, k)) == oracle.expected_top_k(scores, k), (q, k)


@pytest.mark.points(1)
def test_bm25_rejects_empty_corpus(student, oracle):
    """BM25 raises ValueError for an empty corpus and for a corpus with no token; top_k raises ValueError for a negative k."""
    for corpus in ([], [[], []]):
        with pytest.raises(StudentError) as err:
            student.new("BM25", corpus)
        assert err.value.exc_type == "ValueError"
    bm25 = student.new("BM25", [["a"], ["b"]])
    with pytest.raises(StudentError) as err:
        bm25.call("top_k", ["a"], -2)
    assert err.value.exc_type == "ValueError"


@pytest.mark.points(1)
def test_bm25_single_document_and_top_k_zero(student, oracle):
    """A one-document corpus is valid and matches rank_bm25; top_k with k = 0 raises ValueError."""
    corpus = [["solo", "doc", "solo", "words"]]
    _compare_scores(student, oracle, corpus, [["solo"], ["doc", "missing"], []])
    bm25 = student.new("BM25", corpus)
    assert_equal(bm25.get("n_docs"), 1)
    assert oracle.ids(bm25.call("top_k", ["doc"], 4)) == [0]
    bm25 = student.new("BM25", [["x", "y"], ["y", "z"], ["z"]])
    with pytest.raises(StudentError) as err:
        bm25.call("top_k", ["y"], 0)
    assert err.value.exc_type == "ValueError"
