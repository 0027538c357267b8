"""Hidden tests: train_sgns on other corpora, seeds, dimensions and windows."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.points(4)
def test_hidden_train_clusters_with_stop_words(student, oracle):
    """A topic corpus plus stop words shared by every topic, other dim, window and K: intra-topic cosine exceeds inter-topic by >= 0.3 and >= 90% of topic words have a same-topic nearest neighbour.

    5 topics x 10 words plus 6 stop words (9k tokens), dim 12, window 3, K=4."""
    corpus, vocab, labels = oracle.topic_corpus(seed=300, n_topics=5, words_per_topic=10, n_docs=300, doc_len=30, n_shared=6)
    C, U = student.call("train_sgns", corpus, vocab, dim=12, window=3, negatives=4, epochs=3, lr=0.05, seed=301, batch_size=128)
    assert C.shape == (vocab, 12) and U.shape == (vocab, 12)
    intra, inter, purity = oracle.cluster_scores(C, labels)
    assert intra - inter >= 0.3
    assert purity >= 0.9


@pytest.mark.points(3)
def test_hidden_train_clusters_window_one(student, oracle):
    """Another topic corpus with stop words, window 1 and other dim, K and batch size: the same cluster criteria hold.

    3 topics x 20 words plus 4 stop words (10k tokens), dim 20, K=6, batch 64."""
    corpus, vocab, labels = oracle.topic_corpus(seed=302, n_topics=3, words_per_topic=20, n_docs=250, doc_len=40, n_shared=4)
    C, _ = student.call("train_sgns", corpus, vocab, dim=20, window=1, negatives=6, epochs=4, lr=0.04, seed=303, batch_size=64)
    intra, inter, purity = oracle.cluster_scores(C, labels)
    assert intra - inter >= 0.3
    assert purity >= 0.9


@pytest.mark.points(2)
def test_hidden_train_deterministic_other_corpus(student, oracle):
    """Same seed and arguments give identical outputs on another corpus (float64, (V, dim)); a different seed changes both matrices."""
    corpus, vocab, _ = oracle.topic_corpus(seed=304, n_topics=3, words_per_topic=4, n_docs=30, doc_len=12, n_shared=2)
    args = dict(dim=5, window=3, negatives=2, epochs=2, lr=0.03, batch_size=50)
    first = student.call("train_sgns", corpus, vocab, seed=11, **args)
    second = student.call("train_sgns", corpus, vocab, seed=11, **args)
    other = student.call("train_sgns", corpus, vocab, seed=12, **args)
    for a, b, c in zip(first, second, other):
        assert a.dtype == np.float64 and a.shape == (vocab, 5)
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)


@pytest.mark.points(1)
def test_hidden_train_zero_epochs_returns_the_init(student, oracle):
    """epochs=0 returns word2vec's init: C uniform in [-0.5/dim, 0.5/dim) (not all zero, both signs), U all zero."""
    corpus, vocab, _ = oracle.topic_corpus(seed=305, n_topics=2, words_per_topic=20, n_docs=20, doc_len=10)
    C, U = student.call("train_sgns", corpus, vocab, dim=8, window=2, negatives=3, epochs=0, lr=0.05, seed=3)
    assert C.shape == (vocab, 8) and U.shape == (vocab, 8)
    assert (U == 0).all()
    assert (C >= -0.5 / 8).all() and (C < 0.5 / 8).all()
    assert (C > 0).any() and (C < 0).any()
    assert np.abs(C).max() > 0.4 / 8  # spread over the interval, not a tiny scale


@pytest.mark.points(1)
def test_hidden_train_one_full_batch_epoch_visits_every_pair(student, oracle):
    """epochs=1 with one mini-batch holding every pair: C is still the init (U = 0 gives grad_C = 0) and the rows of U sum to -lr·(K-1)/2 · Σ_b v_{c_b} over all pairs (summed loss, one SGD step)."""
    corpus, vocab, _ = oracle.topic_corpus(seed=306, n_topics=2, words_per_topic=6, n_docs=6, doc_len=8, n_shared=2)
    pairs = oracle.skipgram_pairs_oracle(corpus, 2)
    K, lr = 4, 0.05
    for batch_size in (len(pairs), 1000):
        C, U = student.call("train_sgns", corpus, vocab, dim=5, window=2, negatives=K, epochs=1, lr=lr, seed=13,
                            batch_size=batch_size)
        assert (C >= -0.5 / 5).all() and (C < 0.5 / 5).all()
        expected = -lr * (K - 1) / 2 * C[pairs[:, 0]].sum(axis=0)
        np.testing.assert_allclose(U.sum(axis=0), expected, rtol=1e-9, atol=1e-12)
