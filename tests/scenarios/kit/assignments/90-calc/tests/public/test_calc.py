import numpy as np
import pytest

from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(1)
def test_add(student):
    """add(2, 3) is 5."""
    assert_equal(student.call("add", 2, 3), 5)


@pytest.mark.points(1)
def test_mean(student):
    """mean of a short list."""
    assert_close(student.call("mean", [1.0, 2.0, 3.0]), 2.0)


@pytest.mark.points(2)
def test_normalize(student):
    """normalize returns a float64 array of unit norm and the input's shape."""
    out = student.call("normalize", [3.0, 4.0])
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    np.testing.assert_allclose(out, [0.6, 0.8], rtol=1e-12)


@pytest.mark.points(1)
def test_counter(student):
    """Counter(5).inc() returns 6, then 7."""
    c = student.new("Counter", 5)
    assert_equal(c.call("inc"), 6)
    assert_equal(c.call("inc"), 7)
