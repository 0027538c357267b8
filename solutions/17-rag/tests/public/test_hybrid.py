"""Public test: hybrid retrieval (BM25 + dense, fused by RRF) on a generated corpus."""

import pytest


@pytest.mark.points(3)
def test_hybrid_beats_sparse_and_dense(student, oracle):
    """On queries with one exact-term cue and one paraphrased cue, RRF(BM25, dense) has MRR 1 and beats each retriever alone."""
    mrr = oracle.hybrid_mrr(student, seed=17, groups=12, m=4, n_queries=20)
    assert mrr["hybrid"] == 1.0, mrr
    assert mrr["hybrid"] > mrr["bm25"] and mrr["hybrid"] > mrr["dense"], mrr
