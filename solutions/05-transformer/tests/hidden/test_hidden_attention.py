"""Hidden tests: attention, RMSNorm, SwiGLU and GQA on other shapes, dtypes, seeds and positions."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from autograder.harness import StudentError
from torch.testing import assert_close

f64 = torch.float64


@pytest.mark.points(3)
def test_sdpa_extra_batch_dims_odd_sizes(student, oracle):
    """SDPA with two batch dims, odd sizes and float64 matches torch's SDPA (1e-12) with a (T_q, T_k) and a (B, 1, T_q, T_k) mask."""
    q = oracle.randn(3, 2, 5, 7, seed=101, dtype=f64)
    k = oracle.randn(3, 2, 9, 7, seed=102, dtype=f64)
    v = oracle.randn(3, 2, 9, 3, seed=103, dtype=f64)
    for mask in (oracle.causal_keep_mask(5, 9), oracle.random_keep_mask((3, 1, 5, 9), seed=104)):
        out = student.call("scaled_dot_product_attention", q, k, v, mask)
        assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), atol=1e-12, rtol=1e-10)


@pytest.mark.points(2)
def test_sdpa_single_query_cross_attention(student, oracle):
    """One query over several keys (no mask, d_v != d, float64) matches torch's SDPA within 1e-12.

    9 keys, d=5, d_v=3."""
    q = oracle.randn(4, 1, 5, seed=105, dtype=f64)
    k = oracle.randn(4, 9, 5, seed=106, dtype=f64)
    v = oracle.randn(4, 9, 3, seed=107, dtype=f64)
    out = student.call("scaled_dot_product_attention", q, k, v, None)
    assert_close(out, F.scaled_dot_product_attention(q, k, v), atol=1e-12, rtol=1e-10)


@pytest.mark.points(2)
def test_sdpa_mask_closed_forms(student, oracle):
    """A mask keeping one key per row returns that key's value row exactly; an all-True mask equals no mask."""
    q = oracle.randn(2, 4, 6, seed=108, dtype=f64)
    k = oracle.randn(2, 5, 6, seed=109, dtype=f64)
    v = oracle.randn(2, 5, 3, seed=110, dtype=f64)
    keep = torch.tensor([3, 0, 4, 3])
    mask = torch.zeros(4, 5, dtype=torch.bool)
    mask[torch.arange(4), keep] = True
    out = student.call("scaled_dot_product_attention", q, k, v, mask)
    assert_close(out, v[:, keep, :], atol=1e-12, rtol=0)
    all_true = student.call("scaled_dot_product_attention", q, k, v, torch.ones(4, 5, dtype=torch.bool))
    none = student.call("scaled_dot_product_attention", q, k, v)
    assert_close(all_true, none, atol=1e-14, rtol=1e-12)


@pytest.mark.points(2)
def test_rms_norm_float64_extra_dims(student, oracle):
    """rms_norm on a float64 input with extra leading dims and a non-default eps matches torch.nn.functional.rms_norm within 1e-12.

    Shape (2, 3, 4, 7), eps 1e-5."""
    x, w = oracle.randn(2, 3, 4, 7, seed=111, dtype=f64, scale=0.01), oracle.randn(7, seed=112, dtype=f64)
    out = student.call("rms_norm", x, w, 1e-5)
    assert_close(out, F.rms_norm(x, (7,), w, eps=1e-5), atol=1e-12, rtol=1e-10)


@pytest.mark.points(2)
def test_swiglu_float64_odd_sizes(student, oracle):
    """swiglu with odd sizes in float64 equals (silu(x Wg^T) * x Wu^T) Wd^T within 1e-12.

    D=9, F=13."""
    x = oracle.randn(5, 9, seed=113, dtype=f64)
    wg, wu = oracle.randn(13, 9, seed=114, dtype=f64, scale=0.3), oracle.randn(13, 9, seed=115, dtype=f64, scale=0.3)
    wd = oracle.randn(9, 13, seed=116, dtype=f64, scale=0.3)
    expected = (F.silu(x @ wg.T) * (x @ wu.T)) @ wd.T
    assert_close(student.call("swiglu", x, wg, wu, wd), expected, atol=1e-12, rtol=1e-10)


@pytest.mark.points(4)
def test_gqa_six_heads_three_kv_arbitrary_positions(student, oracle):
    """GQA with another heads / kv-heads ratio, head_dim != D/heads, another theta and non-contiguous positions matches HF LlamaAttention (float64, 1e-6).

    6 heads, 3 kv heads, head_dim 6, theta 1000."""
    D, H, H_kv, hd = 30, 6, 3, 6
    wq, wk, wv, wo = oracle.attention_weights(D, H, H_kv, hd, seed=120)
    x = oracle.randn(2, 7, D, seed=121, dtype=f64)
    positions = torch.tensor([3, 0, 9, 100, 4, 57, 8])
    out, _ = student.call("grouped_query_attention", x, wq, wk, wv, wo, H, H_kv, positions, 1000.0)
    expected = oracle.hf_attention(x, wq, wk, wv, wo, H, H_kv, positions, 1000.0)
    assert_close(out, expected, atol=1e-6, rtol=1e-5)


@pytest.mark.points(2)
def test_mqa_eight_heads(student, oracle):
    """MQA (every query head shares one kv head), positions not starting at 0, matches HF LlamaAttention.

    8 query heads, head_dim 4, batch 3, positions 10..14."""
    D, H, H_kv, hd = 24, 8, 1, 4
    wq, wk, wv, wo = oracle.attention_weights(D, H, H_kv, hd, seed=122)
    x = oracle.randn(3, 5, D, seed=123, dtype=f64)
    positions = torch.arange(10, 15)
    out, cache = student.call("grouped_query_attention", x, wq, wk, wv, wo, H, H_kv, positions, 10000.0)
    assert_close(out, oracle.hf_attention(x, wq, wk, wv, wo, H, H_kv, positions, 10000.0), atol=1e-6, rtol=1e-5)
    assert tuple(cache["k"].shape) == (3, 1, 5, hd)


@pytest.mark.points(4)
def test_gqa_kv_cache_in_chunks(student, oracle):
    """Prefill, then several chunks of different lengths through the cache (non-contiguous positions): outputs equal the full forward; cache shapes follow.

    Prefill 5 tokens, then chunks of 2, 1 and 3."""
    D, H, H_kv, hd, T = 36, 6, 2, 6, 11
    wq, wk, wv, wo = oracle.attention_weights(D, H, H_kv, hd, seed=130)
    x = oracle.randn(3, T, D, seed=131, dtype=f64)
    positions = torch.tensor([0, 2, 4, 6, 8, 30, 31, 7, 50, 51, 52])
    full, _ = student.call("grouped_query_attention", x, wq, wk, wv, wo, H, H_kv, positions, 500.0)
    outs, cache, start = [], None, 0
    for size in (5, 2, 1, 3):
        sl = slice(start, start + size)
        out, cache = student.call("grouped_query_attention", x[:, sl], wq, wk, wv, wo, H, H_kv, positions[sl], 500.0, cache)
        start += size
        outs.append(out)
        assert tuple(cache["k"].shape) == (3, H_kv, start, hd)
        assert tuple(cache["v"].shape) == (3, H_kv, start, hd)
    assert_close(torch.cat(outs, dim=1), full, atol=1e-8, rtol=1e-8)


@pytest.mark.points(1)
def test_gqa_rejects_kv_heads_not_dividing_heads(student, oracle):
    """grouped_query_attention raises ValueError when n_kv_heads does not divide n_heads.

    6 heads, 4 kv heads."""
    D, hd = 24, 4
    wq, wk, wv, wo = oracle.attention_weights(D, 6, 4, hd, seed=140)
    x = oracle.randn(1, 3, D, seed=141)
    with pytest.raises(StudentError) as err:
        student.call("grouped_query_attention", x, wq, wk, wv, wo, 6, 4, torch.arange(3), 10000.0)
    assert err.value.exc_type == "ValueError", f"got {err.value.exc_type}, expected ValueError"


@pytest.mark.points(2)
def test_sdpa_huge_positive_and_negative_scores(student, oracle):
    """Huge float64 scores (rows of huge positive scores, and rows where every score is hugely negative) stay finite and match torch's SDPA within 1e-12.

    Magnitude ~1000; about -2000."""
    q = oracle.randn(2, 3, 6, 8, seed=150, dtype=f64, scale=30.0)
    k = oracle.randn(2, 3, 7, 8, seed=151, dtype=f64, scale=30.0)
    v = oracle.randn(2, 3, 7, 5, seed=152, dtype=f64)
    q[:, :, 0] = 40.0  # first query row: every score is hugely negative
    k[:] = k.abs().neg() - 5.0
    k[:, :, :, 1] *= -1  # others mix signs, so other rows have huge positive maxima
    scores = q @ k.transpose(-2, -1) / 8**0.5
    assert scores[:, :, 0].max() < -800 and scores.max() > 800  # precondition on the test data
    for mask in (None, oracle.causal_keep_mask(6, 7)):
        out = student.call("scaled_dot_product_attention", q, k, v, mask)
        assert torch.isfinite(out).all()
        assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), atol=1e-12, rtol=1e-10)


@pytest.mark.points(1)
def test_zero_heads_rejected(student, oracle):
    """alibi_slopes of zero or a negative number of heads raises ValueError, and so does grouped_query_attention with n_kv_heads = 0.

    alibi_slopes(0) and alibi_slopes(-2)."""
    for n in (0, -2):
        with pytest.raises(StudentError) as err:
            student.call("alibi_slopes", n)
        assert err.value.exc_type == "ValueError", f"n_heads={n}: got {err.value.exc_type}, expected ValueError"
    D, hd = 16, 4
    wq, wk, wv, wo = oracle.attention_weights(D, 4, 2, hd, seed=142)
    x = oracle.randn(2, 3, D, seed=143, dtype=f64)
    with pytest.raises(StudentError) as err:
        student.call("grouped_query_attention", x, wq, wk, wv, wo, 4, 0, torch.arange(3), 10000.0)
    assert err.value.exc_type == "ValueError", f"got {err.value.exc_type}, expected ValueError"
