"""Public tests: paged attention against torch's scaled_dot_product_attention on the dense KV."""

from __future__ import annotations

import pytest
import torch

from autograder.harness.expect import assert_close


@pytest.mark.points(3)
def test_paged_attention_matches_dense(student, oracle, device):
    """Three sequences of lengths 5, 8 and 1 stored in shuffled blocks of 4: the output equals
    scaled_dot_product_attention on each sequence's dense KV (1e-5)."""
    g = torch.Generator().manual_seed(11)
    B, H, H_kv, d, lens = 3, 4, 2, 8, [5, 8, 1]
    q = torch.randn(B, H, d, generator=g)
    ks = [torch.randn(n, H_kv, d, generator=g) for n in lens]
    vs = [torch.randn(n, H_kv, d, generator=g) for n in lens]
    k_cache, v_cache, table, ctx = oracle.scatter_to_blocks(ks, vs, block_size=4, num_blocks=10, seed=5)
    got = student.call("paged_attention", q, k_cache, v_cache, table, ctx, device)
    want = torch.cat([oracle.dense_attention(q[b:b + 1], ks[b][None], vs[b][None]) for b in range(B)])
    assert_close(got, want, rel=1e-5, abs=1e-5, what="paged attention output")
