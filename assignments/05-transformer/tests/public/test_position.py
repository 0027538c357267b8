"""Public tests: rotary position embedding (RoPE) and ALiBi."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close

from autograder.harness import expect


@pytest.mark.points(3)
def test_rope_matches_hf_llama(student, oracle):
    """apply_rope on (B, H, T, d) with positions (B, 1, T) matches HF LlamaRotaryEmbedding + apply_rotary_pos_emb (float32, 1e-5)."""
    x = oracle.randn(2, 4, 16, 8, seed=40)
    position_ids = torch.arange(16)[None, :].repeat(2, 1)  # (B, T) as HF takes them
    out = student.call("apply_rope", x, position_ids[:, None, :], 10000.0)
    assert_close(out, oracle.hf_rope_float32(x, position_ids, 10000.0), atol=1e-5, rtol=1e-5)


@pytest.mark.points(1)
def test_rope_preserves_norm(student, oracle):
    """RoPE is a rotation: the norm of every d-vector is unchanged (float64, 1e-12)."""
    x = oracle.randn(3, 11, 12, seed=41, dtype=torch.float64)
    out = student.call("apply_rope", x, torch.arange(11) * 3, 10000.0)
    assert_close(out.norm(dim=-1), x.norm(dim=-1), atol=1e-12, rtol=1e-12)


@pytest.mark.points(2)
def test_rope_dot_product_depends_only_on_offset(student, oracle):
    """<R_m q, R_n k> depends only on m - n: shifting both positions by the same amount keeps the dot product."""
    q = oracle.randn(1, 16, seed=42, dtype=torch.float64)
    k = oracle.randn(1, 16, seed=43, dtype=torch.float64)
    dots = []
    for m, n in ((5, 2), (8, 5), (103, 100)):  # m - n = 3 each time
        rq = student.call("apply_rope", q, torch.tensor([m]), 10000.0)
        rk = student.call("apply_rope", k, torch.tensor([n]), 10000.0)
        dots.append(float((rq * rk).sum()))
    expect.assert_close(dots[1], dots[0], abs=1e-9, what="<R_8 q, R_5 k> (expected <R_5 q, R_2 k>)")
    expect.assert_close(dots[2], dots[0], abs=1e-9, what="<R_103 q, R_100 k> (expected <R_5 q, R_2 k>)")
    # and it does depend on the offset
    rq = student.call("apply_rope", q, torch.tensor([5]), 10000.0)
    rk = student.call("apply_rope", k, torch.tensor([5]), 10000.0)
    assert abs(float((rq * rk).sum()) - dots[0]) > 1e-3, "the rotation angle must depend on the position"


@pytest.mark.points(2)
def test_alibi_slopes_power_of_two(student):
    """alibi_slopes(n) for n a power of two is 2^(-8(h+1)/n): n = 8 gives 1/2 .. 1/256, n = 4 gives 1/4 .. 1/256."""
    out = student.call("alibi_slopes", 8)
    assert_close(out, torch.tensor([2.0 ** -(h + 1) for h in range(8)]), atol=1e-7, rtol=1e-6)
    out = student.call("alibi_slopes", 4)
    assert_close(out, torch.tensor([0.25, 0.0625, 0.015625, 0.00390625]), atol=1e-7, rtol=1e-6)


@pytest.mark.points(1)
def test_alibi_slopes_six_heads(student):
    """alibi_slopes(6) follows the non-power-of-two rule of the handout: 1/4, 1/16, 1/64, 1/256, 1/2, 1/8."""
    out = student.call("alibi_slopes", 6)
    assert_close(out, torch.tensor([1 / 4, 1 / 16, 1 / 64, 1 / 256, 1 / 2, 1 / 8]), atol=1e-7, rtol=1e-6)


@pytest.mark.points(2)
def test_alibi_bias_square(student):
    """alibi_bias(2, 3, 3) is slope_h * (j - i): 0 on the diagonal, -slope * distance for past keys."""
    rel = torch.tensor([[0.0, 1, 2], [-1, 0, 1], [-2, -1, 0]])
    expected = torch.stack([rel / 16, rel / 256])
    assert_close(student.call("alibi_bias", 2, 3, 3), expected, atol=1e-7, rtol=1e-6)


@pytest.mark.points(1)
def test_alibi_bias_queries_are_the_last_positions(student):
    """alibi_bias(2, 2, 4): the 2 queries sit at positions 2 and 3 of the 4 keys (KV-cache layout)."""
    rel = torch.tensor([[-2.0, -1, 0, 1], [-3, -2, -1, 0]])
    expected = torch.stack([rel / 16, rel / 256])
    assert_close(student.call("alibi_bias", 2, 2, 4), expected, atol=1e-7, rtol=1e-6)
