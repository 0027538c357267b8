"""Hidden tests: paged attention on other head layouts, block sizes and padding."""

from __future__ import annotations

import pytest
import torch

from autograder.harness.expect import assert_close


def run(student, oracle, device, seed, B, H, H_kv, d, lens, block_size, num_blocks, dtype, pad, tol, q_scale=1.0):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(B, H, d, generator=g, dtype=dtype) * q_scale
    ks = [torch.randn(n, H_kv, d, generator=g, dtype=dtype) * 2 for n in lens]
    vs = [torch.randn(n, H_kv, d, generator=g, dtype=dtype) for n in lens]
    k_cache, v_cache, table, ctx = oracle.scatter_to_blocks(ks, vs, block_size, num_blocks, seed + 1, pad=pad)
    got = student.call("paged_attention", q, k_cache, v_cache, table, ctx, device)
    want = torch.cat([oracle.dense_attention(q[b:b + 1], ks[b][None], vs[b][None]) for b in range(B)])
    assert isinstance(got, torch.Tensor) and got.dtype == dtype, "the output keeps q's dtype"
    assert_close(got, want, rel=tol, abs=tol, what="paged attention output")


@pytest.mark.points(2)
@pytest.mark.parametrize("case", [
    dict(seed=40, B=2, H=3, H_kv=3, d=4, lens=[7, 12], block_size=3, num_blocks=12, pad=-1),   # MHA, exact multiple
    dict(seed=41, B=4, H=4, H_kv=1, d=8, lens=[1, 2, 9, 16], block_size=4, num_blocks=12, pad=10**6),  # MQA, pad not an id
    dict(seed=42, B=2, H=6, H_kv=2, d=16, lens=[5, 3], block_size=1, num_blocks=11, pad=-1, q_scale=60.0),  # block size 1, large scores
])
def test_hidden_paged_layouts(student, oracle, device, case):
    """Paged attention equals scaled_dot_product_attention on the dense KV for other head groupings,
    block sizes and table padding (also a padding value that is no block id), and with scores far
    beyond exp's float32 range (float32, 1e-5)."""
    run(student, oracle, device, dtype=torch.float32, tol=1e-5, **case)


@pytest.mark.points(1)
def test_hidden_paged_float64(student, oracle, device):
    """In float64 the result matches the dense attention to 1e-10 and stays float64."""
    run(student, oracle, device, seed=43, B=3, H=2, H_kv=2, d=8, lens=[6, 2, 11], block_size=2, num_blocks=20,
        dtype=torch.float64, pad=-1, tol=1e-10)
