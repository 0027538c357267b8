"""Hidden: retry() on other scripts of failures, statuses and parameters."""

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


def _run(student, oracle, script, *args, **kwargs):
    fn = student.callback(oracle.flaky(script))
    sleep = student.callback(oracle.recorder())
    out = student.call("retry", fn, *args, sleep=sleep, **kwargs)
    return out, [a[0] for a, _ in sleep.calls], fn.count


@pytest.mark.points(2)
def test_retry_statuses(student, oracle):
    """Exactly the handout's retryable statuses are retried; every other status returns at once."""
    for status in (429, 500, 502, 503, 504):
        out, delays, calls = _run(student, oracle, [{"status": status}, {"status": 200}], 3, 1.0, 8.0)
        assert_equal((out, delays, calls), ({"status": 200}, [1.0], 2))
    for status in (200, 204, 301, 400, 401, 404, 501, 505):
        out, delays, calls = _run(student, oracle, [{"status": status}, {"status": 200}], 3, 1.0, 8.0)
        assert_equal((out, delays, calls), ({"status": status}, [], 1))


@pytest.mark.points(2)
def test_retry_backoff_cap_and_retry_after(student, oracle):
    """Capped exponential delays, lengthened by retry_after, over a longer script."""
    script = [{"status": 500}, {"status": 429, "retry_after": 0.1}, {"status": 503, "retry_after": 5.0},
              {"status": 502}, {"status": 429, "retry_after": 30}, {"status": 504}, {"status": 200, "ok": True}]
    out, delays, calls = _run(student, oracle, script, 7, 0.75, 4.0)
    assert_equal((out, delays, calls), ({"status": 200, "ok": True}, [0.75, 1.5, 4.0, 4.0, 4.0, 4.0], 7))
    out, delays, calls = _run(student, oracle, [{"status": 503, "retry_after": 2}, {"status": 200}], 2, 0.5, 8.0)
    assert_equal((out, delays, calls), ({"status": 200}, [2.0], 2))


@pytest.mark.points(1)
def test_retry_defaults(student, oracle):
    """The handout's default tries, base and cap."""
    out, delays, calls = _run(student, oracle, [{"status": 503}] * 5)
    assert_equal((out, delays, calls), ({"status": 503}, [0.5, 1.0, 2.0], 4))


@pytest.mark.points(2)
def test_retry_single_try_and_exceptions(student, oracle):
    """A single try never sleeps; an exception on the last attempt propagates; too few tries is a ValueError."""
    out, delays, calls = _run(student, oracle, [{"status": 503}, {"status": 200}], 1, 0.5, 8.0)
    assert_equal((out, delays, calls), ({"status": 503}, [], 1))
    out, delays, calls = _run(student, oracle, ["boom", "boom", {"status": 404}], 3, 2.0, 8.0)
    assert_equal((out, delays, calls), ({"status": 404}, [2.0, 4.0], 3))
    out, delays, calls = _run(student, oracle, ["boom", {"status": 503}, "boom", {"status": 200}], 4, 0.25, 8.0)
    assert_equal((out, delays, calls), ({"status": 200}, [0.25, 0.5, 1.0], 4))
    fn = student.callback(oracle.flaky([{"status": 500}, "boom"]))
    sleep = student.callback(oracle.recorder())
    with pytest.raises(StudentError):
        student.call("retry", fn, 2, 0.5, 8.0, sleep)
    assert fn.count == 2 and [a[0] for a, _ in sleep.calls] == [0.5]
    for tries in (0, -1):
        with pytest.raises(StudentError) as err:
            student.call("retry", student.callback(oracle.flaky([{"status": 200}])), tries, 0.5, 8.0,
                         student.callback(oracle.recorder()))
        assert err.value.exc_type == "ValueError"
