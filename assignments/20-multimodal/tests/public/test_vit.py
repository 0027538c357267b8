"""Public test: vit_embeddings against Hugging Face ViTEmbeddings with the same weights."""

from __future__ import annotations

import pytest

from autograder.harness.expect import assert_close


@pytest.mark.points(3)
def test_vit_embeddings_match_hf(student, oracle, device):
    """vit_embeddings with a ViTEmbeddings state_dict (16x16 RGB, p = 4, d = 32) equals HF's output, [CLS] first."""
    emb, weights = oracle.make_vit(0)
    x = oracle.randn(2, 3, 16, 16, seed=10)
    got = student.call("vit_embeddings", x, weights, device=device)
    assert_close(got, oracle.hf_vit(emb, x), rel=1e-5, abs=1e-5, what="vit_embeddings")
