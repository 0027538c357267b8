"""Hidden tests: sliding-window masks, attention and the rolling KV cache on other inputs."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


@pytest.mark.points(2)
def test_hidden_swa_mask_edge_cases(student, oracle):
    """swa_mask equals HF's sliding-window mask for a window of 1, a window wider than the keys and one query."""
    for q_len, k_len, window in ((5, 5, 1), (4, 6, 10), (1, 9, 4), (7, 7, 2), (2, 11, 5)):
        got = student.call("swa_mask", q_len, k_len, window)
        assert_close(got, oracle.hf_swa_mask(q_len, k_len, window), rtol=0, atol=0,
                     msg=lambda m: f"a mask of shape ({q_len}, {k_len}): {m}")


@pytest.mark.points(1)
def test_hidden_swa_mask_rejects_bad_arguments(student, oracle):
    """swa_mask raises ValueError for a window below 1 and for fewer keys than queries."""
    for args in ((4, 4, 0), (5, 3, 2)):
        with pytest.raises(StudentError) as info:
            student.call("swa_mask", *args)
        assert info.value.exc_type == "ValueError", f"expected ValueError, got {info.value.exc_type}"


@pytest.mark.points(2)
def test_hidden_swa_fewer_queries_than_keys_float64(student, oracle):
    """Queries at the last positions of a longer key sequence match SDPA with HF's mask in float64 (1e-12)."""
    f64 = torch.float64
    q = oracle.randn(2, 2, 4, 6, seed=500, dtype=f64)
    k, v = oracle.randn(2, 2, 9, 6, seed=501, dtype=f64), oracle.randn(2, 2, 9, 3, seed=502, dtype=f64)
    out = student.call("sliding_window_attention", q, k, v, 3)
    assert_close(out, oracle.sdpa(q, k, v, oracle.hf_swa_mask(4, 9, 3)), atol=1e-12, rtol=1e-10)


@pytest.mark.points(1)
def test_hidden_swa_large_scores_and_window_one(student, oracle):
    """Scores around 1000 stay finite and exact (float64); a window of 1 returns each position's own value."""
    f64 = torch.float64
    q, k, v = (oracle.randn(3, 5, 4, seed=510 + i, dtype=f64) for i in range(3))
    big = q * 400.0
    out = student.call("sliding_window_attention", big, k, v, 2)
    assert torch.isfinite(out).all(), "inf/nan for large scores: subtract the row max before exp"
    assert_close(out, oracle.sdpa(big, k, v, oracle.hf_swa_mask(5, 5, 2)), atol=1e-9, rtol=1e-9)
    out = student.call("sliding_window_attention", q, k, v, 1)
    assert_close(out, v, atol=1e-12, rtol=0, msg=lambda m: f"window 1: {m}")


@pytest.mark.points(3)
def test_hidden_rolling_cache_uneven_chunks(student, oracle):
    """Chunks longer and shorter than the window through a RollingKVCache equal full SWA; k, v and seen follow."""
    W, T = 3, 15
    q, k, v = oracle.randn(2, 2, T, 4, seed=520), oracle.randn(2, 2, T, 4, seed=521), oracle.randn(2, 2, T, 3, seed=522)
    expected = oracle.sdpa(q, k, v, oracle.hf_swa_mask(T, T, W))
    cache = student.new("RollingKVCache", W)
    start = 0
    for size in (7, 2, 1, 1, 4):
        end = start + size
        out = cache.call("attend", q[..., start:end, :], k[..., start:end, :], v[..., start:end, :])
        assert_close(out, expected[..., start:end, :], atol=1e-6, rtol=1e-5,
                     msg=lambda m: f"tokens {start}..{end - 1}: {m}")
        kept = min(W, end)
        assert_close(cache.get("k"), k[..., end - kept : end, :], rtol=0, atol=0, msg=lambda m: f"cache.k: {m}")
        assert_close(cache.get("v"), v[..., end - kept : end, :], rtol=0, atol=0, msg=lambda m: f"cache.v: {m}")
        assert_equal(cache.get("seen"), end, dtype=True, what="seen")
        start = end


@pytest.mark.points(1)
def test_hidden_rolling_cache_window_one_and_wide(student, oracle):
    """A window of 1 keeps one token (each output is its own value); a window wider than the stream is causal attention."""
    T = 6
    q, k, v = oracle.randn(1, T, 4, seed=530), oracle.randn(1, T, 4, seed=531), oracle.randn(1, T, 4, seed=532)
    cache = student.new("RollingKVCache", 1)
    for t in range(T):
        out = cache.call("attend", q[:, t : t + 1], k[:, t : t + 1], v[:, t : t + 1])
        assert_close(out, v[:, t : t + 1], atol=1e-6, rtol=1e-5, msg=lambda m: f"window 1, token {t}: {m}")
    assert tuple(cache.get("k").shape) == (1, 1, 4), "window 1: the cache must hold exactly one token"
    assert_equal(cache.get("seen"), T, dtype=True, what="seen after one token at a time")
    wide = student.new("RollingKVCache", 100)
    outs = [wide.call("attend", q[:, a:b], k[:, a:b], v[:, a:b]) for a, b in ((0, 2), (2, 3), (3, 6))]
    assert_close(torch.cat(outs, dim=1), oracle.sdpa(q, k, v, is_causal=True), atol=1e-6, rtol=1e-5,
                 msg=lambda m: f"wide window: {m}")
    assert tuple(wide.get("k").shape) == (1, T, 4), "a window wider than the stream keeps every token"


@pytest.mark.points(1)
def test_hidden_rolling_cache_update_returns_the_context(student, oracle):
    """update returns the cached keys/values followed by the new ones, before trimming to the window."""
    W = 2
    k, v = oracle.randn(1, 5, 3, seed=540), oracle.randn(1, 5, 3, seed=541)
    cache = student.new("RollingKVCache", W)
    assert cache.get("k") is None and cache.get("v") is None, "k and v are None before the first update"
    assert_equal(cache.get("seen"), 0, dtype=True, what="seen before the first update")
    k_ctx, v_ctx = cache.call("update", k[:, :3], v[:, :3])
    assert_close(k_ctx, k[:, :3], rtol=0, atol=0, msg=lambda m: f"first update, keys: {m}")
    k_ctx, v_ctx = cache.call("update", k[:, 3:], v[:, 3:])
    assert_close(k_ctx, k[:, 1:], rtol=0, atol=0, msg=lambda m: f"second update, keys: {m}")
    assert_close(v_ctx, v[:, 1:], rtol=0, atol=0, msg=lambda m: f"second update, values: {m}")


@pytest.mark.points(1)
def test_hidden_rolling_cache_rejects_bad_window(student, oracle):
    """RollingKVCache raises ValueError for a window below 1."""
    with pytest.raises(StudentError) as info:
        student.new("RollingKVCache", 0)
    assert info.value.exc_type == "ValueError", f"expected ValueError, got {info.value.exc_type}"
