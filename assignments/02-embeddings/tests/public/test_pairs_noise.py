"""Public tests: skip-gram pairs and the unigram^0.75 noise distribution."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.harness import StudentError


@pytest.mark.points(2)
def test_skipgram_pairs_small_examples(student):
    """Hand examples: [5, 6, 7] with window 1, and [1, 2, 3, 4] with window 2, exact pairs in (position, then outside position) order."""
    pairs = student.call("skipgram_pairs", np.array([5, 6, 7]), 1)
    assert isinstance(pairs, np.ndarray) and pairs.dtype == np.int64
    np.testing.assert_array_equal(pairs, [[5, 6], [6, 5], [6, 7], [7, 6]])
    pairs = student.call("skipgram_pairs", np.array([1, 2, 3, 4]), 2)
    expected = [[1, 2], [1, 3], [2, 1], [2, 3], [2, 4], [3, 1], [3, 2], [3, 4], [4, 2], [4, 3]]
    np.testing.assert_array_equal(pairs, expected)


@pytest.mark.points(1)
def test_skipgram_pairs_matches_brute_force(student, oracle):
    """A random 30-token sequence with window 3: the pairs equal the brute-force list, in order, shape (N, 2) int64."""
    committed = oracle.expected("skipgram_pairs_window3")  # the brute-force list, computed once
    ids = np.array(committed["ids"], dtype=np.int64)
    pairs = student.call("skipgram_pairs", ids, 3)
    expected = np.array(committed["pairs"], dtype=np.int64).reshape(-1, 2)
    assert pairs.shape == expected.shape and pairs.dtype == np.int64
    np.testing.assert_array_equal(pairs, expected)


@pytest.mark.points(1)
def test_skipgram_pairs_edge_cases(student):
    """An empty or one-token sequence gives shape (0, 2); window 0 raises ValueError."""
    for ids in (np.array([], dtype=np.int64), np.array([3])):
        pairs = student.call("skipgram_pairs", ids, 2)
        assert isinstance(pairs, np.ndarray) and pairs.shape == (0, 2)
    with pytest.raises(StudentError) as err:
        student.call("skipgram_pairs", np.array([1, 2, 3]), 0)
    assert err.value.exc_type == "ValueError"


@pytest.mark.points(2)
def test_noise_distribution_exact_values(student):
    """counts [1, 16, 81, 0, 256] with power 0.75 give [1, 8, 27, 0, 64] / 100 (within 1e-15), float64, summing to 1."""
    p = student.call("unigram_noise_distribution", np.array([1, 16, 81, 0, 256]), 0.75)
    assert isinstance(p, np.ndarray) and p.dtype == np.float64 and p.shape == (5,)
    np.testing.assert_allclose(p, np.array([1, 8, 27, 0, 64]) / 100, rtol=0, atol=1e-15)
    assert abs(p.sum() - 1.0) < 1e-15
    p = student.call("unigram_noise_distribution", np.array([1, 16]))  # the default power is 0.75
    np.testing.assert_allclose(p, [1 / 9, 8 / 9], rtol=0, atol=1e-15)


@pytest.mark.points(1)
def test_noise_distribution_power_one_and_errors(student):
    """power 1 gives counts / total; a negative count, all-zero counts and power 0 raise ValueError."""
    counts = np.array([3, 0, 5, 2])
    np.testing.assert_allclose(student.call("unigram_noise_distribution", counts, 1.0), counts / 10, rtol=0, atol=1e-15)
    for bad, power in ((np.array([3, -1, 2]), 0.75), (np.array([0, 0, 0]), 0.75), (counts, 0.0)):
        with pytest.raises(StudentError) as err:
            student.call("unigram_noise_distribution", bad, power)
        assert err.value.exc_type == "ValueError"
