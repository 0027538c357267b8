import pytest

from autograder.harness.expect import assert_close

SECRET_NUMBERS = [731_913.25, 104_729.5, 611_953.75]
SECRET_TEXT = "violet armadillo at the ninth gate"


@pytest.mark.points(1)
def test_total_hidden(student):
    """total of hidden numbers."""
    assert_close(student.call("total", SECRET_NUMBERS), sum(SECRET_NUMBERS))


@pytest.mark.points(2)
def test_mean_hidden(student):
    """mean of hidden numbers."""
    assert_close(student.call("mean", SECRET_NUMBERS), sum(SECRET_NUMBERS) / 3)


@pytest.mark.points(2)
def test_shout_hidden(student):
    """shout on a hidden sentence."""
    assert student.call("shout", SECRET_TEXT) == SECRET_TEXT.upper()
