import pytest

from autograder.harness.expect import assert_close

SECRET = 987654321


@pytest.mark.points(2)
def test_add_secret(student):
    """add on large hidden numbers."""
    assert student.call("add", SECRET, 1) == SECRET + 1


@pytest.mark.points(2)
def test_mean_secret(student):
    """mean on a hidden list."""
    assert_close(student.call("mean", [SECRET, SECRET + 2]), SECRET + 1)
