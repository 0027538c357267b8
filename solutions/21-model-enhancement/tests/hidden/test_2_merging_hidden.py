"""Hidden tests: TIES and DARE on other shapes, weights, densities and seeds; DARE is unbiased."""

from __future__ import annotations

import math

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal

TOL = dict(rel=1e-5, abs=1e-6)


def check(out, expected, what, tol=TOL):
    assert isinstance(out, torch.Tensor) and out.dtype == expected.dtype, f"{what}: tensor dtype"
    assert_close(out, expected, what=what, **tol)


@pytest.mark.points(2)
def test_magnitude_prune_counts_and_edges(student, oracle):
    """magnitude_prune equals peft's for densities whose product with the size truncates, 0, 1 and above 1; a negative density raises ValueError.

    (10, 10) with 0.29 (28 kept), 0.07, 0; (3, 7) with 1/3; 1.0 and 1.5 unchanged.
    """
    x = oracle.randn(10, 10, seed=300)
    for density in (0.29, 0.07, 0.0, 1.0, 1.5):
        check(student.call("magnitude_prune", x, density), oracle.peft_magnitude_prune(x, density), f"density {density}")
    y = oracle.randn(3, 7, seed=301, dtype=torch.float64)
    check(student.call("magnitude_prune", y, 1 / 3), oracle.peft_magnitude_prune(y, 1 / 3), "float64 1/3")
    with pytest.raises(StudentError) as err:
        student.call("magnitude_prune", x, -0.1)
    assert err.value.exc_type == "ValueError", "negative density must raise ValueError"


@pytest.mark.points(2)
def test_sign_mask_ties_and_zeros(student, oracle):
    """The elected sign on ties of the sums is +1, zero entries never agree, and an unknown method raises ValueError.

    Hand-made stack with sums of exactly 0 and columns of zeros, total and frequency.
    """
    stacked = torch.tensor([[1.0, -1.0, 0.0, 2.0, 0.0], [-1.0, 1.0, 0.0, -1.0, 3.0], [0.0, 0.0, 0.0, -0.5, -3.0]])
    for method in ("total", "frequency"):
        mask = student.call("majority_sign_mask", stacked, method)
        assert_equal(mask, oracle.majority_sign_mask(stacked, method), dtype=True, what=f"{method} mask")
        merged = student.call("disjoint_merge", stacked, mask)
        check(merged, oracle.disjoint_merge(stacked, oracle.majority_sign_mask(stacked, method)), "disjoint merge")
    with pytest.raises(StudentError) as err:
        student.call("majority_sign_mask", stacked, "median")
    assert err.value.exc_type == "ValueError", "unknown method must raise ValueError"


@pytest.mark.points(3)
def test_ties_other_shapes_and_weights(student, oracle):
    """ties equals peft's for other task counts, shapes, dtypes, negative weights and densities (0, 1 included).

    2-5 tasks, shapes (16,), (4, 6), (2, 3, 4), float64 too; densities 0.1 .. 1.
    """
    cases = [
        (2, (16,), torch.float32, [1.0, 1.0], 0.25),
        (4, (4, 6), torch.float32, [0.3, -0.7, 1.2, 0.5], 0.6),
        (5, (2, 3, 4), torch.float64, [1.0, 0.5, 0.25, 0.125, 2.0], 0.1),
        (3, (5, 5), torch.float32, [1.0, 2.0, 3.0], 1.0),
        (3, (5, 5), torch.float32, [1.0, 2.0, 3.0], 0.0),
    ]
    for i, (n, shape, dtype, w, density) in enumerate(cases):
        ts = oracle.tasks(n, *shape, seed=310 + i, dtype=dtype)
        weights = torch.tensor(w, dtype=dtype)
        for method in ("total", "frequency"):
            check(student.call("ties", ts, weights, density, method), oracle.peft_ties(ts, weights, density, method),
                  f"ties case {i} {method}")
    ts = oracle.tasks(3, 6, seed=319)
    weights = torch.tensor([1.0, 0.2, 0.4])
    check(student.call("ties", ts, weights, 0.5), oracle.peft_ties(ts, weights, 0.5, "total"), "default method")


@pytest.mark.points(1)
def test_task_arithmetic_other_shapes(student, oracle):
    """task_arithmetic equals peft's weighted sum for a single task and for higher-dimensional float64 tasks.

    1 task of (4,), 4 tasks of (2, 2, 3).
    """
    ts, w = oracle.tasks(1, 4, seed=320), torch.tensor([0.75])
    check(student.call("task_arithmetic", ts, w), oracle.task_arithmetic(ts, w), "one task")
    ts, w = oracle.tasks(4, 2, 2, 3, seed=321, dtype=torch.float64), torch.tensor([1.0, -2.0, 0.5, 0.1], dtype=torch.float64)
    check(student.call("task_arithmetic", ts, w), oracle.task_arithmetic(ts, w), "float64 3-D")


@pytest.mark.points(3)
def test_dare_bitwise_peft_other_seeds(student, oracle):
    """dare_linear and dare_ties equal peft's under the same seed for other seeds, densities, shapes, dtypes and methods.

    seeds 0, 41, 12345; densities 0.1, 0.7, 0.9, 1.0, 1.5; float64; frequency election.
    """
    cases = [(0, 0.1, (3, 7), torch.float32, "total"), (41, 0.7, (12,), torch.float64, "frequency"),
             (12345, 0.9, (2, 4, 4), torch.float32, "frequency"), (5, 1.0, (3, 3), torch.float32, "total"),
             (6, 1.5, (3, 3), torch.float32, "frequency")]
    for i, (seed, density, shape, dtype, method) in enumerate(cases):
        ts = oracle.tasks(3, *shape, seed=330 + i, dtype=dtype)
        w = torch.tensor([0.6, 1.0, -0.4], dtype=dtype)
        check(student.call("dare_linear", ts, w, density, seed), oracle.peft_dare_linear(ts, w, density, seed),
              f"dare_linear case {i}")
        check(student.call("dare_ties", ts, w, density, seed, method),
              oracle.peft_dare_ties(ts, w, density, seed, method), f"dare_ties case {i}")
    with pytest.raises(StudentError) as err:
        student.call("dare_linear", ts, w, -0.5, 1)
    assert err.value.exc_type == "ValueError", "negative density must raise ValueError"


@pytest.mark.points(1)
def test_dare_seed_reproducible_and_varies(student, oracle):
    """The same seed gives the same merge twice; different seeds give different masks.

    seeds 7, 7, 8 at density 0.5.
    """
    ts, w = oracle.tasks(2, 20, seed=340), torch.tensor([1.0, 1.0])
    a = student.call("dare_linear", ts, w, 0.5, 7)
    b = student.call("dare_linear", ts, w, 0.5, 7)
    c = student.call("dare_linear", ts, w, 0.5, 8)
    assert_equal(a, b, what="same seed, same merge")
    assert not torch.equal(a, c), "different seeds should drop different entries"
