"""Hidden tests: hybrid retrieval on another generated corpus, and a chunk -> BM25 pipeline."""

import numpy as np
import pytest


@pytest.mark.points(3)
def test_hybrid_other_corpus(student, oracle):
    """On another generated corpus (other sizes, k1, b), RRF(BM25, dense) has MRR 1 and beats each retriever alone."""
    mrr = oracle.hybrid_mrr(student, seed=2027, groups=10, m=3, n_queries=25, k1=1.2, b=0.6)
    assert mrr["hybrid"] == 1.0
    assert mrr["hybrid"] > mrr["bm25"] and mrr["hybrid"] > mrr["dense"]


@pytest.mark.points(2)
def test_chunk_then_bm25_pipeline(student, oracle):
    """Chunk a hidden text with overlap, index the chunks with BM25 (other k1 and b): scores and top-k match rank_bm25 on those chunks.

    size 160, overlap 40, k1=1.2, b=0.8, top-3."""
    text = "\n".join(oracle.load_docs("hidden"))
    chunks = [tuple(c) for c in student.call("chunk_text", text, 160, 40)]
    starts = list(range(0, len(text) - 160 + 120, 120))
    assert [c[0] for c in chunks] == starts and chunks[-1][1] == len(text)
    assert all(piece == text[s:e] for s, e, piece in chunks)
    corpus = [oracle.tokenize(piece) for _, _, piece in chunks]
    ref = oracle.bm25(corpus, k1=1.2, b=0.8)
    bm25 = student.new("BM25", corpus, k1=1.2, b=0.8)
    for query in ["descale the kettle", "tyre pressure before a ride", "water the roots", "open door drum smell"]:
        q = oracle.tokenize(query)
        scores = ref.get_scores(q)
        np.testing.assert_allclose(bm25.call("scores", q), scores, rtol=0, atol=1e-9)
        oracle.assert_separated(scores)
        assert oracle.ids(bm25.call("top_k", q, 3)) == oracle.expected_top_k(scores, 3)
