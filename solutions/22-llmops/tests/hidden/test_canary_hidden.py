"""Hidden tests of canary_route and route_batch."""

import numpy as np
import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


@pytest.mark.points(2)
def test_routes_match_the_hash_rule(student, oracle):
    """Routes equal the handout's sha256 rule for random ids (unicode included), salts and fractions; canary_route agrees with route_batch."""
    rng = np.random.default_rng(1001)
    ids = [oracle.random_id(rng) for _ in range(300)]
    for fraction, salt in [(0.01, ""), (0.37, "exp-42"), (0.5, "ß-salt"), (0.93, "")]:
        want = [oracle.canary(r, fraction, salt) for r in ids]
        assert_equal(student.call("route_batch", ids, fraction, salt), want, what="routes")
    for r in ids[:10]:
        assert_equal(student.call("canary_route", r, 0.37, "exp-42"), oracle.canary(r, 0.37, "exp-42"), what="canary_route")
    assert_equal(student.call("route_batch", [], 0.5), [], what="no ids")
    assert_equal(set(student.call("route_batch", ids, 0.0)), {"stable"}, what="fraction at the lower end")
    assert_equal(set(student.call("route_batch", ids, 1.0)), {"canary"}, what="fraction at the upper end")


@pytest.mark.points(2)
def test_split_within_3_sigma_and_salts_independent(student, oracle):
    """For hidden fractions the canary share stays within 3 sigma; two salts pick nearly independent canary sets; invalid fractions raise ValueError."""
    ids = [f"tenant-{i % 7}:req-{i}" for i in range(6000)]
    for fraction in (0.02, 0.1, 0.25):
        share = student.call("route_batch", ids, fraction).count("canary") / len(ids)
        assert abs(share - fraction) <= 3 * np.sqrt(fraction * (1 - fraction) / len(ids)), "split outside 3 sigma"
    a = np.array(student.call("route_batch", ids, 0.3, "a")) == "canary"
    b = np.array(student.call("route_batch", ids, 0.3, "b")) == "canary"
    both = float(np.mean(a & b))
    assert abs(both - 0.09) <= 3 * np.sqrt(0.09 * 0.91 / len(ids)), "two salts should give independent splits"
    for bad in (-0.1, 1.5):
        with pytest.raises(StudentError) as info:
            student.call("canary_route", "x", bad)
        assert_equal(info.value.exc_type, "ValueError", what="exception for a fraction outside [0, 1]")
