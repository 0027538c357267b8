"""Public tests: the sliding-window NLL of the Hugging Face guide "Perplexity of fixed-length models"."""

from __future__ import annotations

import pytest

from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(2)
def test_sliding_windows_follow_the_guide(student, oracle):
    """sliding_windows gives the guide's (begin, end, n_new) windows: the handout's example and seq_len 30, max_length 8, stride 5."""
    assert_equal(student.call("sliding_windows", 10, 4, 2), [(0, 4, 4), (2, 6, 2), (4, 8, 2), (6, 10, 2)])
    expected = [tuple(w) for w in oracle.expected("windows_30_8_5")]
    assert_equal(student.call("sliding_windows", 30, 8, 5), expected)


@pytest.mark.points(3)
def test_strided_nll_matches_hf_loss_per_window(student, oracle):
    """strided_nll (max_length 8, stride 3) equals the sum over windows of HF's loss (old labels set to -100) times its count (rel 1e-5), computed once."""
    model = oracle.make_llama(seed=4)
    ids = oracle.random_ids(1, 26, 96, seed=5)[0]
    windows = [tuple(w) for w in oracle.expected("windows_26_8_3")]
    window_logits = [oracle.logits_of(model, ids[b:e]) for b, e, _ in windows]
    total, count = oracle.expected("strided_nll_26_8_3")  # the guide's NLL, computed once
    nll, n = student.call("strided_nll", ids, window_logits, 8, 3)
    assert_equal(n, count, dtype=True, what="the number of scored labels")
    assert_close(nll, total, rel=1e-5, what="the summed NLL")


@pytest.mark.points(1)
def test_stride_equal_to_max_length_gives_disjoint_chunks(student, oracle):
    """With stride == max_length the windows are disjoint chunks: the NLL is the sum of HF's loss on each chunk, first label of each chunk unscored."""
    model = oracle.make_llama(seed=6)
    ids = oracle.random_ids(1, 20, 96, seed=7)[0]
    chunks = [(0, 6), (6, 12), (12, 18), (18, 20)]
    total, count = 0.0, 0
    for b, e in chunks:
        loss, n = oracle.hf_loss(model, ids[b:e], ids[b:e])
        total, count = total + loss * n, count + n
    nll, n = student.call("strided_nll", ids, [oracle.logits_of(model, ids[b:e]) for b, e in chunks], 6, 6)
    assert_equal(n, count, dtype=True, what="the number of scored labels")
    assert_close(nll, total, rel=1e-5, what="the summed NLL")
