"""Public tests: the warmup + cosine learning-rate schedule, hard-coded values."""

from __future__ import annotations

import pytest

from autograder.harness.expect import assert_close

# lr_at(step, max_lr=1.0, min_lr=0.1, warmup_steps=7, cosine_steps=21) for step = 0 .. 24,
# from the formula of the handout (the same values as CS336's test_get_lr_cosine_schedule)
EXPECTED = [
    0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714,
    0.7142857142857143, 0.8571428571428571, 1.0, 0.9887175604818206, 0.9554359905560885,
    0.9018241671106134, 0.8305704108364301, 0.7452476826029011, 0.6501344202803414, 0.55,
    0.44986557971965857, 0.3547523173970989, 0.26942958916356996, 0.19817583288938662,
    0.14456400944391146, 0.11128243951817937, 0.1, 0.1, 0.1, 0.1,
]


@pytest.mark.points(3)
def test_lr_at_warmup_cosine_values(student):
    """lr_at for steps 0..24 (warmup 7, cosine end 21, max 1, min 0.1) equals the hard-coded values (rel 1e-9)."""
    got = [student.call("lr_at", step, 1.0, 0.1, 7, 21) for step in range(25)]
    assert_close(got, EXPECTED, rel=1e-9, abs=1e-12, what="the learning rates of steps 0..24")


@pytest.mark.points(1)
def test_lr_at_boundaries(student):
    """Step 0 gives 0, the end of warmup gives max_lr, the end of the cosine and later give min_lr."""
    args = (3e-4, 3e-5, 10, 50)
    assert_close(student.call("lr_at", 0, *args), 0.0, abs=1e-15, what="lr at step 0")
    assert_close(student.call("lr_at", 10, *args), 3e-4, rel=1e-12, what="lr at the end of warmup")
    assert_close(student.call("lr_at", 50, *args), 3e-5, rel=1e-12, what="lr at the end of the cosine")
    assert_close(student.call("lr_at", 500, *args), 3e-5, rel=1e-12, what="lr long after the cosine")
