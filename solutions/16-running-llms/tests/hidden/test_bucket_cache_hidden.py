"""Hidden: token bucket and TTL/LRU cache against the handout's rules on other sequences."""

import random

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


@pytest.mark.points(3)
def test_token_bucket_matches_the_rule_on_random_sequences(student, oracle):
    """allow() follows the refill/take rule on seeded random sequences of times, keys and costs.

    Several capacities and rates, times on a 0.25 s grid (exact in floating point), occasional
    clock steps backwards, fractional costs."""
    for seed, capacity, rate in [(1, 3.0, 0.5), (2, 1.0, 2.0), (3, 2.5, 0.25), (4, 4.0, 0.0)]:
        rng = random.Random(seed)
        clock = oracle.FakeClock(50.0)
        bucket = student.new("TokenBucket", capacity, rate, student.callback(clock.read))
        ref = oracle.Bucket(capacity, rate)
        got, want = [], []
        for _ in range(40):
            clock.now += rng.choice([0.0, 0.0, 0.25, 0.5, 1.0, 2.0, -0.5])
            key = rng.choice(["a", "b", "anonymous"])
            cost = rng.choice([1.0, 1.0, 0.5, 2.0])
            got.append(bucket.call("allow", key, cost))
            want.append(ref.allow(key, clock.now, cost))
        assert_equal(got, want)


@pytest.mark.points(1)
def test_token_bucket_default_cost_and_capacity_cap(student, oracle):
    """The default cost is one token; a long idle time refills to capacity, never above."""
    clock = oracle.FakeClock(0.0)
    bucket = student.new("TokenBucket", 2.0, 1.0, student.callback(clock.read))
    out = [bucket.call("allow", "k")]
    clock.now = 1000.0
    out += [bucket.call("allow", "k") for _ in range(3)]
    clock.now = 1000.5
    out += [bucket.call("allow", "k"), bucket.call("allow", "k", 0.5)]
    assert_equal(out, [True, True, True, False, False, True])


@pytest.mark.points(1)
def test_token_bucket_argument_checks(student, oracle):
    """Non-positive capacity and negative rate raise ValueError; a zero rate is accepted."""
    clock = student.callback(oracle.FakeClock().read)
    for args in [(-1.0, 1.0), (0.0, 0.0), (1.0, -0.5)]:
        with pytest.raises(StudentError) as err:
            student.new("TokenBucket", *args, clock)
        assert err.value.exc_type == "ValueError"
    bucket = student.new("TokenBucket", 0.5, 0.0, clock)
    assert_equal([bucket.call("allow", "x", 0.5), bucket.call("allow", "x", 0.5)], [True, False])


@pytest.mark.points(3)
def test_ttl_cache_matches_the_rule_on_random_operations(student, oracle):
    """get/put follow the TTL (exclusive at stored_at + ttl) and LRU rules on seeded random operations."""
    for seed, maxsize, ttl in [(5, 3, 5.0), (6, 1, 2.0), (7, 4, 1.5)]:
        rng = random.Random(seed)
        clock = oracle.FakeClock(0.0)
        cache = student.new("TTLCache", maxsize, ttl, student.callback(clock.read))
        ref = oracle.LruTtl(maxsize, ttl)
        got, want = [], []
        for step in range(60):
            clock.now += rng.choice([0.0, 0.5, 0.5, 1.0, 1.5])
            key = rng.choice("abcde")
            if rng.random() < 0.45:
                cache.call("put", key, [step, key])
                ref.put(key, [step, key], clock.now)
            else:
                got.append(cache.call("get", key, "miss"))
                want.append(ref.get(key, clock.now, "miss"))
        assert_equal(got, want)


@pytest.mark.points(1)
def test_ttl_cache_put_refreshes_time_and_recency(student, oracle):
    """Putting an existing key stores it anew: a new TTL and the most recently used place; get's default is None."""
    clock = oracle.FakeClock(0.0)
    cache = student.new("TTLCache", 2, 3.0, student.callback(clock.read))
    cache.call("put", "a", 1)
    cache.call("put", "b", 2)
    clock.now = 2.0
    cache.call("put", "a", 10)       # a: stored at 2, most recent
    cache.call("put", "c", 3)        # evicts b
    clock.now = 4.5
    assert_equal([cache.call("get", "a"), cache.call("get", "b"), cache.call("get", "c")], [10, None, 3])
    clock.now = 5.0
    assert_equal(cache.call("get", "a"), None)


@pytest.mark.points(1)
def test_ttl_cache_argument_checks(student, oracle):
    """maxsize below one or a non-positive ttl raise ValueError; a single-entry cache is accepted."""
    clock = student.callback(oracle.FakeClock().read)
    for args in [(-2, 1.0), (1, -1.0), (0, 5.0), (3, 0.0)]:
        with pytest.raises(StudentError) as err:
            student.new("TTLCache", *args, clock)
        assert err.value.exc_type == "ValueError"
    student.new("TTLCache", 1, 0.5, clock)
