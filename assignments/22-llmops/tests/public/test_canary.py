"""Public tests of canary_route and route_batch."""

import numpy as np
import pytest

from autograder.harness.expect import assert_equal

IDS = [f"req-{i}" for i in range(12)]
ROUTES_NO_SALT = ['stable', 'stable', 'stable', 'stable', 'stable', 'stable', 'stable', 'canary', 'stable', 'stable', 'stable', 'canary']
ROUTES_SALT_V2 = ['stable', 'canary', 'canary', 'stable', 'stable', 'canary', 'stable', 'canary', 'stable', 'stable', 'canary', 'stable']


@pytest.mark.points(1)
def test_routes_of_known_ids(student):
    """The committed routes of twelve ids, without and with a salt (sha256 rule of the handout)."""
    want = ROUTES_NO_SALT
    assert_equal(student.call("route_batch", IDS, 0.4), want, what="routes at fraction 0.4")
    assert_equal([student.call("canary_route", r, 0.4) for r in IDS[:4]], want[:4], what="canary_route")
    assert_equal(student.call("route_batch", IDS, 0.4, "v2"), ROUTES_SALT_V2, what="routes with salt 'v2'")


@pytest.mark.points(2)
def test_split_is_sticky_and_within_3_sigma(student):
    """Over many ids the canary share is within 3 sigma of the fraction; routes are sticky and grow with the fraction."""
    ids = [f"user-{i:05d}" for i in range(4000)]
    for fraction in (0.05, 0.5):
        routes = student.call("route_batch", ids, fraction)
        share = routes.count("canary") / len(ids)
        assert abs(share - fraction) <= 3 * np.sqrt(fraction * (1 - fraction) / len(ids)), f"split at {fraction}"
        assert_equal(student.call("route_batch", ids[:50], fraction), routes[:50], what="the same ids again")
    small = student.call("route_batch", ids, 0.05)
    large = student.call("route_batch", ids, 0.5)
    assert all(b == "canary" for a, b in zip(small, large) if a == "canary"), "raising the fraction moved a canary id back"
    assert_equal(set(student.call("route_batch", ids[:200], 0.0)), {"stable"}, what="fraction 0")
    assert_equal(set(student.call("route_batch", ids[:200], 1.0)), {"canary"}, what="fraction 1")
