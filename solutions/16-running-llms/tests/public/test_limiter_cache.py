"""Token bucket and TTL/LRU cache, driven by a clock the test moves (lent with student.callback)."""

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


@pytest.mark.points(3)
def test_token_bucket_hand_sequence(student, oracle):
    """capacity 2, rate 0.5/s: a full start, denials that take nothing, refill capped at capacity."""
    clock = oracle.FakeClock(100.0)
    bucket = student.new("TokenBucket", 2.0, 0.5, student.callback(clock.read))
    got = []
    for t in [100.0, 100.0, 100.0, 101.0, 102.0, 102.0, 110.0, 110.0, 110.0, 110.0]:
        clock.now = t
        got.append(bucket.call("allow", "alice"))
    # full (2), then empty; +0.5 at 101 (denied, kept), 1.0 at 102 -> one; 8 s later capped at 2
    assert_equal(got, [True, True, False, False, True, False, True, True, False, False])


@pytest.mark.points(1)
def test_token_bucket_keys_and_cost(student, oracle):
    """Each key has its own bucket; allow(key, cost) takes `cost` tokens or none."""
    clock = oracle.FakeClock(5.0)
    bucket = student.new("TokenBucket", 3.0, 1.0, student.callback(clock.read))
    assert_equal([bucket.call("allow", "a", 2.0), bucket.call("allow", "a", 2.0), bucket.call("allow", "b", 3.0),
                  bucket.call("allow", "a", 1.0)], [True, False, True, True])


@pytest.mark.points(1)
def test_token_bucket_rejects_bad_arguments(student, oracle):
    """capacity <= 0 or rate < 0 raise ValueError."""
    clock = student.callback(oracle.FakeClock().read)
    for args in [(0.0, 1.0), (2.0, -1.0)]:
        with pytest.raises(StudentError) as err:
            student.new("TokenBucket", *args, clock)
        assert err.value.exc_type == "ValueError"


@pytest.mark.points(3)
def test_ttl_cache_hand_sequence(student, oracle):
    """Expiry at stored_at + ttl exactly, LRU eviction, get() refreshing recency but not the TTL."""
    clock = oracle.FakeClock(0.0)
    cache = student.new("TTLCache", 2, 10.0, student.callback(clock.read))
    cache.call("put", "a", 1)
    clock.now = 4.0
    cache.call("put", "b", 2)
    assert_equal(cache.call("get", "a"), 1)          # a is now the most recently used
    cache.call("put", "c", 3)                         # evicts b, the least recently used
    assert_equal([cache.call("get", "b", "miss"), cache.call("get", "c")], ["miss", 3])
    clock.now = 10.0                                  # a was stored at 0: expired at 0 + 10
    assert_equal([cache.call("get", "a", "miss"), cache.call("get", "c")], ["miss", 3])
    clock.now = 13.5
    assert_equal(cache.call("get", "c", "gone"), 3)   # stored at 4: valid while now < 14
    clock.now = 14.0
    assert_equal(cache.call("get", "c", "gone"), "gone")


@pytest.mark.points(1)
def test_ttl_cache_rejects_bad_arguments(student, oracle):
    """maxsize < 1 or ttl <= 0 raise ValueError."""
    clock = student.callback(oracle.FakeClock().read)
    for args in [(0, 1.0), (2, 0.0)]:
        with pytest.raises(StudentError) as err:
            student.new("TTLCache", *args, clock)
        assert err.value.exc_type == "ValueError"
