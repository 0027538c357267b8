"""Public tests: the sliding-window mask, sliding-window attention and the rolling KV cache."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close


@pytest.mark.points(2)
def test_swa_mask_matches_hf(student, oracle):
    """swa_mask equals HF's sliding_window_causal_mask_function, square and with queries at the last positions."""
    for q_len, k_len, window in ((6, 6, 3), (3, 8, 4)):
        got = student.call("swa_mask", q_len, k_len, window)
        assert_close(got, oracle.hf_swa_mask(q_len, k_len, window), rtol=0, atol=0,
                     msg=lambda m: f"swa_mask({q_len}, {k_len}, {window}): {m}")


@pytest.mark.points(3)
def test_sliding_window_attention_matches_sdpa(student, oracle):
    """sliding_window_attention equals torch's SDPA with HF's sliding-window mask (float32, 1e-6)."""
    q, k, v = oracle.randn(2, 3, 7, 8, seed=1), oracle.randn(2, 3, 7, 8, seed=2), oracle.randn(2, 3, 7, 5, seed=3)
    out = student.call("sliding_window_attention", q, k, v, 3)
    assert_close(out, oracle.sdpa(q, k, v, oracle.hf_swa_mask(7, 7, 3)), atol=1e-6, rtol=1e-5)


@pytest.mark.points(2)
def test_wide_window_is_causal_attention(student, oracle):
    """With a window at least the sequence length, sliding-window attention is causal attention."""
    q, k, v = oracle.randn(2, 6, 8, seed=4), oracle.randn(2, 6, 8, seed=5), oracle.randn(2, 6, 8, seed=6)
    for window in (6, 50):
        out = student.call("sliding_window_attention", q, k, v, window)
        assert_close(out, oracle.sdpa(q, k, v, is_causal=True), atol=1e-6, rtol=1e-5,
                     msg=lambda m: f"window {window}: {m}")


@pytest.mark.points(3)
def test_rolling_cache_equals_full_recompute(student, oracle):
    """Decoding through a RollingKVCache of size W (prefill 4, then 1 token at a time) equals full SWA attention."""
    W, T = 3, 8
    q, k, v = oracle.randn(1, 2, T, 4, seed=7), oracle.randn(1, 2, T, 4, seed=8), oracle.randn(1, 2, T, 4, seed=9)
    expected = oracle.sdpa(q, k, v, oracle.hf_swa_mask(T, T, W))
    cache = student.new("RollingKVCache", W)
    out = cache.call("attend", q[..., :4, :], k[..., :4, :], v[..., :4, :])
    assert_close(out, expected[..., :4, :], atol=1e-6, rtol=1e-5, msg=lambda m: f"prefill: {m}")
    for t in range(4, T):
        out = cache.call("attend", q[..., t : t + 1, :], k[..., t : t + 1, :], v[..., t : t + 1, :])
        assert_close(out, expected[..., t : t + 1, :], atol=1e-6, rtol=1e-5, msg=lambda m: f"token {t}: {m}")
    cached_k = cache.get("k")
    assert tuple(cached_k.shape) == (1, 2, W, 4), f"cache.k shape: got {tuple(cached_k.shape)}, expected (1, 2, {W}, 4)"
    assert_close(cached_k, k[..., T - W :, :], rtol=0, atol=0, msg=lambda m: f"cache.k holds the last W keys: {m}")
