"""Hidden tests: RoPE and ALiBi on other shapes, positions, thetas and head counts."""

from __future__ import annotations

import pytest
import torch
from autograder.harness import StudentError
from torch.testing import assert_close
from transformers.models.bloom.modeling_bloom import build_alibi_tensor

f64 = torch.float64


@pytest.mark.points(4)
def test_rope_float64_arbitrary_large_positions(student, oracle):
    """apply_rope in float64 with large unsorted positions per batch row and another theta matches HF apply_rotary_pos_emb within 1e-9.

    Positions up to 10^4, theta 500, d 10."""
    x = oracle.randn(2, 3, 9, 10, seed=200, dtype=f64)
    g = torch.Generator().manual_seed(201)
    position_ids = torch.randint(0, 10_000, (2, 9), generator=g)
    out = student.call("apply_rope", x, position_ids[:, None, :], 500.0)
    assert_close(out, oracle.hf_rope_exact(x, position_ids, 500.0, unsqueeze_dim=1), atol=1e-9, rtol=1e-9)


@pytest.mark.points(2)
def test_rope_extra_batch_dims_shared_positions(student, oracle):
    """apply_rope on a float32 input with extra leading dims and 1-D positions shared by all of them matches HF (1e-5).

    x (2, 3, 2, 7, 6), positions (7,)."""
    x = oracle.randn(2, 3, 2, 7, 6, seed=202)
    positions = torch.tensor([0, 1, 2, 5, 9, 3, 20])
    out = student.call("apply_rope", x, positions, 10000.0)
    expected = oracle.hf_rope_exact(x.double(), positions, 10000.0, unsqueeze_dim=0).float()
    assert_close(out, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.points(1)
def test_rope_rejects_odd_dim(student, oracle):
    """apply_rope raises ValueError when the last dim is odd."""
    with pytest.raises(StudentError) as err:
        student.call("apply_rope", oracle.randn(2, 4, 7, seed=203), torch.arange(4), 10000.0)
    assert err.value.exc_type == "ValueError", f"got {err.value.exc_type}, expected ValueError"


@pytest.mark.points(2)
def test_rope_relative_property_random_positions(student, oracle):
    """With another theta and d, <R_m q, R_n k> for random (m, n) pairs equals <R_(m-n) q, R_0 k> (float64, 1e-9).

    theta 123, d 6, 7 pairs."""
    q = oracle.randn(7, 6, seed=204, dtype=f64)
    k = oracle.randn(7, 6, seed=205, dtype=f64)
    g = torch.Generator().manual_seed(206)
    m = torch.randint(0, 5000, (7,), generator=g)
    n = torch.randint(0, 5000, (7,), generator=g)
    shift = torch.where(m < n, n - m, torch.zeros_like(m))  # keep positions non-negative
    rq = student.call("apply_rope", q, m, 123.0)
    rk = student.call("apply_rope", k, n, 123.0)
    rq0 = student.call("apply_rope", q, m - n + shift, 123.0)
    rk0 = student.call("apply_rope", k, shift, 123.0)
    assert_close((rq * rk).sum(-1), (rq0 * rk0).sum(-1), atol=1e-9, rtol=1e-9)


@pytest.mark.points(1)
def test_rope_position_zero_is_identity(student, oracle):
    """At position 0 every angle is 0, so apply_rope returns x unchanged."""
    x = oracle.randn(3, 5, 8, seed=207, dtype=f64)
    assert_close(student.call("apply_rope", x, torch.zeros(5, dtype=torch.long), 10000.0), x, atol=1e-15, rtol=0)


def _bloom_slopes(n_heads: int) -> torch.Tensor:
    # build_alibi_tensor(ones) = slope_h * j; read the slopes at j = 1
    return build_alibi_tensor(torch.ones(1, 2), n_heads, torch.float32)[:, 0, 1]


@pytest.mark.points(3)
def test_alibi_slopes_match_bloom_for_1_to_16_heads(student):
    """alibi_slopes(n) matches Hugging Face BLOOM's ALiBi slopes for every n from 1 to 16 (powers of two and not)."""
    for n in range(1, 17):
        out = student.call("alibi_slopes", n)
        assert_close(out, _bloom_slopes(n), atol=1e-7, rtol=1e-6, msg=lambda m: f"n_heads={n}: {m}")


@pytest.mark.points(2)
def test_alibi_bias_matches_bloom(student):
    """alibi_bias for other head counts (a power of two and not), including q_len != k_len, equals slope_h * (j - query position) built from BLOOM's slopes.

    alibi_bias(8, 3, 7) and alibi_bias(12, 5, 5)."""
    for n, q_len, k_len in ((8, 3, 7), (12, 5, 5)):
        ramp = build_alibi_tensor(torch.ones(1, k_len), n, torch.float64)[:, 0, :]  # (n, k_len): slope * j
        q_pos = torch.arange(q_len) + (k_len - q_len)
        expected = (ramp[:, None, :] - ramp[:, q_pos][:, :, None]).float()  # (n, q_len, k_len)
        out = student.call("alibi_bias", n, q_len, k_len)
        assert_close(out, expected, atol=1e-6, rtol=1e-6, msg=lambda m: f"alibi_bias({n}, {q_len}, {k_len}): {m}")


@pytest.mark.points(1)
def test_alibi_bias_rejects_more_queries_than_keys(student):
    """alibi_bias raises ValueError when k_len < q_len."""
    with pytest.raises(StudentError) as err:
        student.call("alibi_bias", 4, 5, 3)
    assert err.value.exc_type == "ValueError", f"got {err.value.exc_type}, expected ValueError"
