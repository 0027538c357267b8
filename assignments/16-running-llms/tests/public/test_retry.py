"""retry(): exponential backoff with a cap, Retry-After, and which failures are retried.
fn and sleep are harness callbacks: the delays are recorded here, nothing really sleeps."""

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


@pytest.mark.points(2)
def test_retry_backoff_delays(student, oracle):
    """Three 503s then a 200: sleeps base, 2 base, 4 base; returns the 200 response."""
    fn = student.callback(oracle.flaky([{"status": 503}, {"status": 503}, {"status": 503}, {"status": 200, "x": 1}]))
    sleep = student.callback(oracle.recorder())
    out = student.call("retry", fn, 5, 0.25, 8.0, sleep)
    assert_equal(out, {"status": 200, "x": 1})
    assert_equal([args[0] for args, _ in sleep.calls], [0.25, 0.5, 1.0])
    assert fn.count == 4


@pytest.mark.points(2)
def test_retry_gives_up_and_caps(student, oracle):
    """After `tries` failed attempts the last response comes back; delays are capped; no sleep after the last."""
    fn = student.callback(oracle.flaky([{"status": 429}] * 5))
    sleep = student.callback(oracle.recorder())
    out = student.call("retry", fn, 5, 1.0, 3.0, sleep)
    assert_equal(out, {"status": 429})
    assert_equal([args[0] for args, _ in sleep.calls], [1.0, 2.0, 3.0, 3.0])


@pytest.mark.points(1)
def test_retry_does_not_retry_client_errors(student, oracle):
    """A 404 returns at once, without sleeping."""
    fn = student.callback(oracle.flaky([{"status": 404}, {"status": 200}]))
    sleep = student.callback(oracle.recorder())
    assert_equal(student.call("retry", fn, 4, 0.5, 8.0, sleep), {"status": 404})
    assert fn.count == 1 and sleep.count == 0


@pytest.mark.points(2)
def test_retry_exceptions_and_retry_after(student, oracle):
    """Exceptions are retried (the last one re-raised); retry_after lengthens a delay."""
    fn = student.callback(oracle.flaky(["reset", {"status": 503, "retry_after": 2.5}, {"status": 201}]))
    sleep = student.callback(oracle.recorder())
    assert_equal(student.call("retry", fn, 3, 0.5, 8.0, sleep), {"status": 201})
    assert_equal([args[0] for args, _ in sleep.calls], [0.5, 2.5])
    fn = student.callback(oracle.flaky(["reset", "reset"]))
    with pytest.raises(StudentError):
        student.call("retry", fn, 2, 0.5, 8.0, student.callback(oracle.recorder()))
    assert fn.count == 2
