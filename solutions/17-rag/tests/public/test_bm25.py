"""Public tests: BM25 against rank_bm25.BM25Okapi and hand values."""

import math

import numpy as np
import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close

QUERIES = [
    "how does bm25 reward rare query terms",
    "cosine similarity between embeddings",
    "the cache of keys and values",
    "fusion of rankings from several retrievers",
    "attention attention softmax",   # a repeated query token counts twice
    "zebra unicorn",                 # terms the corpus never saw
    "",
]


@pytest.mark.points(3)
def test_bm25_matches_rank_bm25(student, oracle):
    """BM25.scores equals rank_bm25.BM25Okapi.get_scores (default k1, b, epsilon) within 1e-9 on the public corpus."""
    corpus = [oracle.tokenize(d) for d in oracle.load_docs("public")]
    ref = oracle.bm25(corpus)
    bm25 = student.new("BM25", corpus)
    for query in QUERIES:
        q = oracle.tokenize(query)
        got = np.asarray(bm25.call("scores", q), dtype=np.float64)
        assert got.shape == (len(corpus),)
        np.testing.assert_allclose(got, ref.get_scores(q), rtol=0, atol=1e-9, err_msg=f"query {query!r}")


@pytest.mark.points(2)
def test_bm25_top_k_public_corpus(student, oracle):
    """BM25.top_k returns the ids of the k best scores (descending, ties to the lower id) on the public corpus."""
    corpus = [oracle.tokenize(d) for d in oracle.load_docs("public")]
    ref = oracle.bm25(corpus)
    bm25 = student.new("BM25", corpus)
    top = oracle.expected("bm25_public_top_k")  # the ids of rank_bm25's k best scores, ties to the lower id
    for query in QUERIES:
        q = oracle.tokenize(query)
        scores = ref.get_scores(q)
        oracle.assert_separated(scores)
        for k in (1, 3, 7):
            assert oracle.ids(bm25.call("top_k", q, k)) == top[query][str(k)], f"query {query!r}, k={k}"


@pytest.mark.points(2)
def test_bm25_idf_floor_hand_values(student, oracle):
    """idf(t) = ln(N-n+0.5) - ln(n+0.5), a negative idf is replaced by epsilon * (mean raw idf); scores follow the Okapi formula."""
    corpus = [["a", "b"], ["a", "c"], ["a", "d"], ["e"], ["f"]]
    bm25 = student.new("BM25", corpus)
    raw_a = math.log(5 - 3 + 0.5) - math.log(3 + 0.5)   # "a" is in 3 of 5 documents: negative
    raw_rare = math.log(5 - 1 + 0.5) - math.log(1 + 0.5)  # b, c, d, e, f: in 1 document each
    mean_idf = (raw_a + 5 * raw_rare) / 6
    idf = bm25.get("idf")
    assert set(idf) == {"a", "b", "c", "d", "e", "f"}
    assert_close(idf["a"], 0.25 * mean_idf, abs=1e-12)
    assert_close(idf["b"], raw_rare, abs=1e-12)
    assert_close(bm25.get("avgdl"), 8 / 5, abs=1e-12)
    k1, b, avgdl = 1.5, 0.75, 8 / 5
    expected = [
        0.25 * mean_idf * (k1 + 1) / (1 + k1 * (1 - b + b * 2 / avgdl)),     # "a" once, |d| = 2
        0.25 * mean_idf * (k1 + 1) / (1 + k1 * (1 - b + b * 2 / avgdl)),
        0.25 * mean_idf * (k1 + 1) / (1 + k1 * (1 - b + b * 2 / avgdl)),
        0.0,
        raw_rare * (k1 + 1) / (1 + k1 * (1 - b + b * 1 / avgdl)),             # "f" once, |d| = 1
    ]
    np.testing.assert_allclose(bm25.call("scores", ["a", "f"]), expected, rtol=0, atol=1e-12)


@pytest.mark.points(2)
def test_bm25_top_k_ties_and_large_k(student, oracle):
    """top_k breaks exact ties (identical documents, zero scores) by the lower id and returns every id when k > n_docs."""
    corpus = [["x", "y"], ["q", "z"], ["y"], ["q", "z"], ["y", "y", "w"]]
    bm25 = student.new("BM25", corpus)
    assert oracle.ids(bm25.call("top_k", ["q"], 1)) == [1]
    assert oracle.ids(bm25.call("top_k", ["q"], 4)) == [1, 3, 0, 2]
    assert oracle.ids(bm25.call("top_k", ["q"], 50)) == [1, 3, 0, 2, 4]


@pytest.mark.points(1)
def test_bm25_edge_cases(student, oracle):
    """An empty query scores all zeros, unseen terms contribute 0, top_k with k < 1 raises ValueError."""
    corpus = [["red", "fox"], ["lazy", "dog"], ["red", "dog", "dog"]]
    bm25 = student.new("BM25", corpus)
    assert np.allclose(bm25.call("scores", []), [0.0, 0.0, 0.0], atol=0)
    np.testing.assert_allclose(bm25.call("scores", ["fox", "cat"]), bm25.call("scores", ["fox"]), atol=1e-15)
    assert oracle.ids(bm25.call("top_k", [], 2)) == [0, 1]
    with pytest.raises(StudentError) as err:
        bm25.call("top_k", ["fox"], 0)
    assert err.value.exc_type == "ValueError"
