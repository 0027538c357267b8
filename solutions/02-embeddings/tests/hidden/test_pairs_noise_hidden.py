"""Hidden tests: skip-gram pairs and the noise distribution on other inputs and edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.harness import StudentError


@pytest.mark.points(3)
def test_hidden_skipgram_pairs_various_windows(student, oracle):
    """skipgram_pairs equals the brute-force list (same order) for small and large windows on short random sequences (windows larger than the sequence included), and for a list input.

    Windows 1..6, lengths 2, 5 and 9."""
    rng = np.random.default_rng(200)
    for window in range(1, 7):
        for n in (2, 5, 9):
            ids = rng.integers(50, size=n)
            pairs = student.call("skipgram_pairs", ids, window)
            expected = oracle.skipgram_pairs_oracle(ids, window)
            assert pairs.dtype == np.int64 and pairs.shape == expected.shape
            np.testing.assert_array_equal(pairs, expected)
    ids = [3, 1, 4, 1, 5, 9, 2, 6]
    np.testing.assert_array_equal(student.call("skipgram_pairs", ids, 2), oracle.skipgram_pairs_oracle(ids, 2))


@pytest.mark.points(1)
def test_hidden_skipgram_pairs_errors_and_counts(student):
    """A window below 1 raises ValueError; two tokens with a huge window give both pairs; N tokens with window 1 give 2(N-1) pairs."""
    for window in (-1, 0):
        with pytest.raises(StudentError) as err:
            student.call("skipgram_pairs", np.array([1, 2]), window)
        assert err.value.exc_type == "ValueError"
    np.testing.assert_array_equal(student.call("skipgram_pairs", np.array([8, 9]), 100), [[8, 9], [9, 8]])
    assert student.call("skipgram_pairs", np.arange(13), 1).shape == (24, 2)


@pytest.mark.points(2)
def test_hidden_noise_distribution_random_counts(student):
    """Random counts (with zeros) for several powers, fractional and integer, match count^p / Σ count^p within 1e-14; a list of counts works.

    Powers 0.5, 0.75, 1 and 2."""
    counts = np.random.default_rng(201).integers(0, 1000, size=25)
    counts[[3, 17]] = 0
    for power in (0.5, 0.75, 1.0, 2.0):
        w = counts.astype(np.float64) ** power
        p = student.call("unigram_noise_distribution", counts, power)
        assert p.dtype == np.float64 and p.shape == (25,)
        np.testing.assert_allclose(p, w / w.sum(), rtol=1e-12, atol=1e-14)
        assert p[3] == 0 and p[17] == 0
    p = student.call("unigram_noise_distribution", [2, 0, 2])
    np.testing.assert_allclose(p, [0.5, 0.0, 0.5], rtol=0, atol=1e-15)


@pytest.mark.points(1)
def test_hidden_noise_distribution_errors(student):
    """Negative counts, all-zero counts, power 0 and a negative power raise ValueError; a single non-zero count gets probability 1."""
    for counts, power in (([0, -2, 5], 0.75), ([3, -1, 2], 1.0), ([0.0, 0.0], 0.75), ([1, 2], 0.0), ([1, 2], -0.5)):
        with pytest.raises(StudentError) as err:
            student.call("unigram_noise_distribution", np.array(counts), power)
        assert err.value.exc_type == "ValueError"
    np.testing.assert_array_equal(student.call("unigram_noise_distribution", np.array([0, 0, 7, 0])), [0, 0, 1, 0])
