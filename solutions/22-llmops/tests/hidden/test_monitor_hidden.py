"""Hidden tests of LatencyMonitor."""

import numpy as np
import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal

METHODS = ["linear", "lower", "higher", "nearest", "midpoint"]


@pytest.mark.points(3)
def test_monitor_random_schedule(student, oracle):
    """Bursts at one instant, gaps longer than the window and every method: count and percentiles follow the window rule at every query."""
    rng = np.random.default_rng(909)
    clock = oracle.Clock(123456.25)
    window = 7.5
    mon = student.new("LatencyMonitor", window, student.callback(clock))
    log = []
    for step in range(120):
        action = rng.random()
        if action < 0.55:
            latency = float(rng.lognormal(4.0, 0.8))
            mon.call("record", latency)
            log.append((clock.now, latency))
        elif action < 0.65:
            clock.now += float(rng.choice([window, window * 2.0, 0.0]))
        else:
            inside = [v for t, v in log if clock.now - window < t <= clock.now]
            assert_equal(mon.call("count"), len(inside), what="count")
            method = METHODS[int(rng.integers(0, len(METHODS)))]
            qs = [float(q) for q in rng.uniform(0, 100, size=3)] + [0.0, 100.0]
            got = mon.call("percentiles", qs, method)
            if not inside:
                assert_equal(got, None, what="percentiles of an empty window")
            else:
                assert_close(got, [float(np.percentile(inside, q, method=method)) for q in qs], rel=1e-12, abs=1e-12,
                             what=f"percentiles ({method})")
        clock.now += float(rng.choice([0.0, 0.25, 1.0, 2.5]))


@pytest.mark.points(1)
def test_monitor_window_edges_and_clock_calls(student, oracle):
    """A sample leaves the window exactly one window after it was recorded; each method call reads the clock exactly once; a window under a second works, a window of zero raises ValueError."""
    clock = oracle.Clock(0.0)
    lent = student.callback(clock)
    mon = student.new("LatencyMonitor", 2.0, lent)
    for t, v in [(0.0, 5.0), (0.5, 1.0), (1.0, 9.0), (1.5, 3.0)]:
        clock.now = t
        mon.call("record", v)
    clock.now = 2.0
    assert_close(mon.call("percentiles", [0, 50, 100], "lower"), [1.0, 3.0, 9.0], abs=0, what="the sample at t-window is out")
    clock.now = 2.4999
    assert_equal(mon.call("count"), 3, what="count just before the second sample leaves")
    clock.now = 3.5
    assert_equal(mon.call("count"), 0, what="count after the last sample left")
    assert_equal(mon.call("percentiles", [50]), None, what="empty window")
    clock.now = 3.5
    mon.call("record", 4.0)
    assert_equal(mon.call("percentiles", [10, 90]), [4.0, 4.0], what="one sample")
    assert_equal(lent.count, 10, what="clock calls")
    short = student.new("LatencyMonitor", 0.25, student.callback(clock))  # any window > 0, even under a second
    short.call("record", 2.0)
    clock.now = 3.7
    assert_equal(short.call("count"), 1, what="count in a window of 0.25 s")
    clock.now = 3.75
    assert_equal(short.call("count"), 0, what="count one short window later")
    with pytest.raises(StudentError) as info:
        student.new("LatencyMonitor", 0.0, student.callback(clock))
    assert_equal(info.value.exc_type, "ValueError", what="exception for a window of zero seconds")
