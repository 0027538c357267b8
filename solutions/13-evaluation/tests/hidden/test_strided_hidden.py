"""Hidden tests: the sliding-window NLL (other lengths, window sizes and strides; edge cases)."""

from __future__ import annotations

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal

CASES = [(1, 1, 1), (5, 8, 3), (8, 8, 3), (9, 4, 1), (17, 6, 6), (23, 7, 4), (40, 10, 9), (12, 5, 2)]


@pytest.mark.points(2)
def test_sliding_windows_match_the_guide_loop(student, oracle):
    """sliding_windows equals the guide's loop for many lengths, window sizes and strides (stride 1, stride = max_length, one window)."""
    for seq_len, max_length, stride in CASES:
        want = oracle.guide_windows(seq_len, max_length, stride)
        assert_equal(student.call("sliding_windows", seq_len, max_length, stride), want,
                     what=f"windows case {CASES.index((seq_len, max_length, stride))}")


@pytest.mark.points(1)
def test_sliding_windows_reject_bad_arguments(student):
    """sliding_windows raises ValueError for stride 0, stride > max_length and seq_len 0."""
    for args in [(10, 4, 0), (10, 4, 5), (0, 4, 2)]:
        with pytest.raises(StudentError) as err:
            student.call("sliding_windows", *args)
        assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"


@pytest.mark.points(3)
def test_strided_nll_matches_the_guide(student, oracle):
    """strided_nll equals the guide's NLL (HF loss per window, old labels -100) for several strides, with exact token counts."""
    model = oracle.make_llama(seed=31, vocab_size=120)
    long_ids = oracle.random_ids(1, 37, 120, seed=32)[0]
    for length, max_length, stride in [(15, 6, 1), (37, 10, 4), (37, 10, 7), (37, 10, 10), (37, 50, 5)]:
        ids = long_ids[:length]
        total, count, window_logits = oracle.guide_strided(model, ids, max_length, stride, oracle.hf_forward)
        nll, n = student.call("strided_nll", ids, window_logits, max_length, stride)
        assert_equal(n, count, dtype=True, what=f"the number of scored labels (stride {stride})")
        assert_close(nll, total, rel=1e-5, what=f"the summed NLL (stride {stride})")


@pytest.mark.points(1)
def test_strided_nll_one_window_is_the_plain_nll(student, oracle):
    """A sequence shorter than max_length is one window: strided_nll equals HF's loss on the whole sequence."""
    model = oracle.make_llama(seed=33)
    ids = oracle.random_ids(1, 14, 96, seed=34)[0]
    loss, n = oracle.hf_loss(model, ids, ids)
    nll, count = student.call("strided_nll", ids, [oracle.logits_of(model, ids)], 20, 5)
    assert_equal(count, n, dtype=True, what="the number of scored labels")
    assert_close(nll, loss * n, rel=1e-5, what="the summed NLL")


@pytest.mark.points(1)
def test_strided_nll_rejects_a_wrong_number_of_windows(student, oracle):
    """strided_nll raises ValueError when it receives fewer window logits than there are windows."""
    model = oracle.make_llama(seed=35)
    ids = oracle.random_ids(1, 12, 96, seed=36)[0]
    windows = oracle.guide_windows(12, 6, 3)
    logits = [oracle.logits_of(model, ids[b:e]) for b, e, _ in windows][:-1]
    with pytest.raises(StudentError) as err:
        student.call("strided_nll", ids, logits, 6, 3)
    assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"


@pytest.mark.points(1)
def test_strided_nll_rejects_a_window_of_the_wrong_length(student, oracle):
    """strided_nll raises ValueError when one window's logits have the wrong number of rows."""
    model = oracle.make_llama(seed=37)
    ids = oracle.random_ids(1, 12, 96, seed=38)[0]
    windows = oracle.guide_windows(12, 6, 3)
    logits = [oracle.logits_of(model, ids[b:e]) for b, e, _ in windows]
    logits[1] = logits[1][:-1]
    with pytest.raises(StudentError) as err:
        student.call("strided_nll", ids, logits, 6, 3)
    assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"
