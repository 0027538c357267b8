"""Public tests: train_sgns on a generated corpus with planted topic clusters."""

from __future__ import annotations

import numpy as np
import pytest

# 4 topics x 12 words; every 25-token document uses the words of one topic only
CORPUS = dict(seed=0, n_topics=4, words_per_topic=12, n_docs=400, doc_len=25)
TRAIN = dict(dim=16, window=2, negatives=5, epochs=3, lr=0.05, batch_size=128)


@pytest.mark.points(5)
def test_train_sgns_topic_clusters_emerge(student, oracle):
    """After training on a 10k-token corpus of 4 planted topics (seed 1), the center embeddings cluster by topic: mean intra-topic cosine exceeds mean inter-topic cosine by >= 0.3, and >= 90% of words have a same-topic nearest neighbour."""
    corpus, vocab, labels = oracle.topic_corpus(**CORPUS)
    C, U = student.call("train_sgns", corpus, vocab, seed=1, **TRAIN)
    assert isinstance(C, np.ndarray) and C.shape == (vocab, 16) and np.isfinite(C).all()
    intra, inter, purity = oracle.cluster_scores(C, labels)
    assert intra - inter >= 0.3, f"intra-topic cosine {intra:.3f} vs inter-topic {inter:.3f}"
    assert purity >= 0.9, f"only {purity:.0%} of words have a same-topic nearest neighbour"


@pytest.mark.points(2)
def test_train_sgns_shapes_and_determinism(student, oracle):
    """train_sgns returns two float64 (V, dim) arrays; the same seed gives identical arrays, another seed different ones."""
    corpus, vocab, _ = oracle.topic_corpus(seed=2, n_topics=2, words_per_topic=5, n_docs=40, doc_len=10)
    args = dict(dim=6, window=2, negatives=3, epochs=1, lr=0.05, batch_size=32)
    C1, U1 = student.call("train_sgns", corpus, vocab, seed=7, **args)
    C2, U2 = student.call("train_sgns", corpus, vocab, seed=7, **args)
    C3, U3 = student.call("train_sgns", corpus, vocab, seed=8, **args)
    for M in (C1, U1):
        assert isinstance(M, np.ndarray) and M.shape == (vocab, 6) and M.dtype == np.float64
    np.testing.assert_array_equal(C1, C2)
    np.testing.assert_array_equal(U1, U2)
    assert not np.array_equal(C1, C3)
    assert np.abs(U1).max() > 0, "the outside embeddings never moved"
