"""Public tests of LatencyMonitor (the clock is the test's: lent with student.callback)."""

import numpy as np
import pytest

from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(2)
def test_window_rule_and_percentiles(student, oracle):
    """The window holds samples with now - window < ts <= now; percentiles equal numpy.percentile of those samples."""
    clock = oracle.Clock(1000.0)
    mon = student.new("LatencyMonitor", 10.0, student.callback(clock))
    stamps, values = [], []
    rng = np.random.default_rng(5)
    for step in range(25):
        latency = float(np.round(rng.lognormal(3.0, 0.5), 2))
        mon.call("record", latency)
        stamps.append(clock.now)
        values.append(latency)
        clock.now += 1.0 if step % 3 else 0.5
        inside = [v for t, v in zip(stamps, values) if clock.now - 10.0 < t <= clock.now]
        assert_equal(mon.call("count"), len(inside), what=f"count at step {step}")
        got = mon.call("percentiles", [50, 95, 99])
        assert_close(got, [float(np.percentile(inside, q)) for q in (50, 95, 99)], rel=1e-12, abs=1e-12,
                     what=f"p50/p95/p99 at step {step}")
    got = mon.call("percentiles", [90], "nearest")
    assert_close(got, [float(np.percentile(inside, 90, method="nearest"))], rel=1e-12, what="method='nearest'")


@pytest.mark.points(1)
def test_empty_window_and_clock_calls(student, oracle):
    """An empty window gives None; record, count and percentiles each call the clock exactly once."""
    clock = oracle.Clock(50.0)
    lent = student.callback(clock)
    mon = student.new("LatencyMonitor", 5.0, lent)
    assert_equal(mon.call("percentiles", [50]), None, what="percentiles of an empty window")
    mon.call("record", 12.0)
    clock.now = 55.0  # exactly one window later: 50 is no longer > 55 - 5
    assert_equal(mon.call("count"), 0, what="a sample exactly one window old is out")
    assert_equal(lent.count, 3, what="clock calls (percentiles, record, count)")
