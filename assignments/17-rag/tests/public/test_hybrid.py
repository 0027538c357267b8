"""Public test: hybrid retrieval (BM25 + dense, fused by RRF) on a generated corpus."""

import pytest


@pytest.mark.points(3)
def test_hybrid_beats_sparse_and_dense(student, oracle):
    """On queries with one exact-term cue and one paraphrased cue, RRF(BM25, dense) has MRR 1 and beats each retriever alone."""
    lists, targets = oracle.hybrid_rankings(student, seed=17, groups=12, m=4, n_queries=20)
    # MRR is 1 exactly when every list ranks its target first, so "MRR 1 and higher than each
    # retriever's" means: the fused lists always do, BM25 alone and dense alone sometimes do not.
    first = {name: sum(bool(ls) and ls[0] == t for ls, t in zip(runs, targets)) for name, runs in lists.items()}
    assert first["hybrid"] == len(targets), f"queries with the target ranked first: {first} of {len(targets)}"
    assert first["bm25"] < len(targets) and first["dense"] < len(targets), f"queries with the target first: {first}"
