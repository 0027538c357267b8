"""Hidden tests: lr_at with other parameters, checked against the closed form and torch's CosineAnnealingLR."""

from __future__ import annotations

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close


@pytest.mark.points(3)
def test_lr_at_matches_the_schedule_for_other_parameters(student, oracle):
    """Warmup, decay and floor values for another schedule equal the formula (rel 1e-9), and the decay
    equals torch's CosineAnnealingLR (rel 1e-6), boundaries included."""
    max_lr, min_lr, warmup, end = 6e-4, 4e-5, 13, 57
    steps = [0, 1, 6, 12, 13, 14, 20, 35, 56, 57, 58, 90]
    got = [student.call("lr_at", s, max_lr, min_lr, warmup, end) for s in steps]
    assert_close(got, [oracle.lr(s, max_lr, min_lr, warmup, end) for s in steps], rel=1e-9, abs=1e-15,
                 what="the learning rates")
    cosine = [student.call("lr_at", s, max_lr, min_lr, warmup, end) for s in range(warmup, end + 1)]
    assert_close(cosine, oracle.cosine_by_torch(max_lr, min_lr, warmup, end), rel=1e-6, what="the cosine segment")


@pytest.mark.points(1)
def test_lr_at_without_warmup(student, oracle):
    """warmup_steps = 0: the schedule starts at max_lr and decays from step 0."""
    got = [student.call("lr_at", s, 2.0, 0.5, 0, 4) for s in range(7)]
    assert_close(got, [oracle.lr(s, 2.0, 0.5, 0, 4) for s in range(7)], rel=1e-9, abs=1e-15, what="the learning rates")


@pytest.mark.points(1)
def test_lr_at_is_monotone(student, oracle):
    """The rate rises strictly during warmup and never rises after it."""
    got = [student.call("lr_at", s, 1e-3, 1e-4, 5, 20) for s in range(26)]
    assert all(a < b for a, b in zip(got[:5], got[1:6])), "the warmup must rise"
    assert all(a >= b for a, b in zip(got[5:], got[6:])), "the rate must not rise after warmup"


@pytest.mark.points(1)
def test_lr_at_invalid_arguments_raise(student, oracle):
    """cosine_steps <= warmup_steps, a negative warmup or a negative step raise ValueError."""
    for args in ((3, 1.0, 0.1, 10, 10), (3, 1.0, 0.1, 10, 4), (3, 1.0, 0.1, -1, 4), (-1, 1.0, 0.1, 2, 8)):
        with pytest.raises(StudentError) as err:
            student.call("lr_at", *args)
        assert err.value.exc_type == "ValueError", "expected ValueError"
