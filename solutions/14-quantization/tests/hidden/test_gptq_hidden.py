"""Hidden tests: GPTQ on other layers, seeds, bit widths, groups and dampings."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.harness import StudentError

CASES = [  # (seed, rows, cols, n, bits, group_size, percdamp)
    (70, 16, 32, 128, 4, None, 0.01),
    (71, 24, 48, 96, 3, 16, 0.01),
    (72, 8, 64, 160, 2, 32, 0.05),
    (73, 16, 32, 64, 8, None, 0.01),
    (74, 12, 40, 100, 4, 8, 0.1),
]


def _check_grid(W_hat, W, bits, group_size, oracle):
    gs = W.shape[1] if group_size is None else group_size
    _, scale, zero = oracle.zeropoint_oracle(W, bits, "group", gs)
    q = W_hat / np.repeat(scale, gs, axis=1) + np.repeat(zero, gs, axis=1)
    return bool(np.all(np.abs(q - np.round(q)) < 1e-6) and np.all((np.round(q) >= 0) & (np.round(q) <= 2 ** bits - 1)))


def _rows_matching(got, want) -> int:
    return int(np.sum(np.all(np.abs(np.asarray(got) - want) <= 1e-8, axis=1)))


@pytest.mark.points(3)
def test_gptq_no_worse_than_rtn_on_other_layers(student, oracle):
    """On layers of other sizes, seeds, bit widths and groups, GPTQ's calibration error is lower
    than round-to-nearest's on the same grid."""
    for seed, rows, cols, n, bits, gs, damp in CASES:
        W, X = oracle.calibration(seed, rows, cols, n)
        W_hat = student.call("gptq", W, X, bits, gs, damp)
        assert isinstance(W_hat, np.ndarray) and W_hat.shape == W.shape, "gptq must return an array of W's shape"
        rtn = oracle.layer_error(X, W, oracle.rtn_oracle(W, bits, gs))
        assert oracle.layer_error(X, W, W_hat) < rtn, "GPTQ's calibration error is not lower than round-to-nearest's"


@pytest.mark.points(2)
def test_gptq_on_the_grid_of_the_original_weights(student, oracle):
    """Every entry of W_hat lies on the zero-point grid of the original weights, per row or per group."""
    for seed, rows, cols, n, bits, gs, damp in CASES:
        W, X = oracle.calibration(seed + 100, rows, cols, n)
        W_hat = student.call("gptq", W, X, bits, gs, damp)
        assert _check_grid(np.asarray(W_hat, dtype=np.float64), W, bits, gs, oracle), \
            "an entry of W_hat is not on the quantization grid"


@pytest.mark.points(3)
def test_gptq_matches_the_reference_algorithm(student, oracle):
    """W_hat equals the GPTQ authors' blocked algorithm with the handout's grid, damping and order
    (every row but at most one within a tight tolerance: a rare rounding tie may flip one row)."""
    for seed, rows, cols, n, bits, gs, damp in CASES:
        W, X = oracle.calibration(seed + 200, rows, cols, n)
        W_hat = student.call("gptq", W, X, bits, gs, damp)
        want = oracle.gptq_oracle(W, X, bits, gs, damp)
        assert np.shape(W_hat) == W.shape, "gptq must return an array of W's shape"
        assert _rows_matching(W_hat, want) >= rows - 1, "W_hat differs from the reference GPTQ"


@pytest.mark.points(2)
def test_gptq_dead_inputs(student, oracle):
    """Inputs that are always zero in the calibration data give zero columns in W_hat, and the rest
    still matches the reference algorithm and is lower than round-to-nearest's error."""
    for seed, dead, damp in ((80, [0, 5, 31], 0.01), (81, [1, 2, 9, 17, 30], 0.1)):
        W, X = oracle.calibration(seed, 16, 32, 128)
        X = X * 0.2  # small activations: the diagonal entries set for the dead inputs weigh in the damping
        X[:, dead] = 0.0
        W_hat = student.call("gptq", W, X, 4, 8, damp)
        assert np.all(np.asarray(W_hat)[:, dead] == 0.0), "a dead input's column is not zero"
        assert _rows_matching(W_hat, oracle.gptq_oracle(W, X, 4, 8, damp)) >= 15, "W_hat differs from the reference GPTQ"
        rtn = oracle.layer_error(X, W, oracle.rtn_oracle(W, 4, 8))
        assert oracle.layer_error(X, W, W_hat) < rtn, "GPTQ's calibration error is not lower than round-to-nearest's"


@pytest.mark.points(1)
def test_gptq_invalid_arguments_raise_value_error(student):
    """gptq raises ValueError for calibration inputs of the wrong shape and for a group size that
    does not fit the columns."""
    rng = np.random.default_rng(81)
    W, X = rng.standard_normal((4, 16)), rng.standard_normal((20, 16))
    for args, what in (((W, X[:, :12], 4, None, 0.01), "mismatched inputs"),
                       ((W, X, 4, 6, 0.01), "a group size that does not divide the columns"),
                       ((W, X[0], 4, None, 0.01), "one-dimensional inputs")):
        with pytest.raises(StudentError) as info:
            student.call("gptq", *args)
        assert info.value.exc_type == "ValueError", f"gptq with {what} must raise ValueError"
