import pytest

from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(1)
def test_total(student):
    """total of a short list is its sum."""
    assert_equal(student.call("total", [1, 2, 3]), 6)


@pytest.mark.points(1)
def test_mean(student):
    """mean of a short list."""
    assert_close(student.call("mean", [1.0, 2.0, 4.0]), 7 / 3)


@pytest.mark.points(2)
def test_running_sums_lazy(student):
    """running_sums yields the running sums and pulls one item per sum (the harness counts the pulls)."""
    feed = student.feed(range(1, 1_000_000))
    stream = student.call_handle("running_sums", feed).iterator()
    sums = []
    for k in range(1, 6):
        sums.append(stream.next())
        assert feed.pulled == k, f"after {k} sums, running_sums had pulled {feed.pulled} items"
    assert sums == [1, 3, 6, 10, 15]


@pytest.mark.points(1)
def test_shout(student):
    """shout upper-cases its text."""
    assert student.call("shout", "quiet words") == "QUIET WORDS"
