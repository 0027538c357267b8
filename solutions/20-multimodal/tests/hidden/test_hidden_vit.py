"""Hidden tests: vit_embeddings against Hugging Face ViTEmbeddings on other configs."""

from __future__ import annotations

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close


@pytest.mark.points(2)
def test_vit_embeddings_single_channel_config(student, oracle, device):
    """vit_embeddings equals HF ViTEmbeddings for another tiny config (one channel, other patch size and width).

    Case: 12x12 grey images, p = 3, d = 16, batch 3.
    """
    emb, weights = oracle.make_vit(200, image_size=12, patch_size=3, num_channels=1, hidden_size=16)
    x = oracle.randn(3, 1, 12, 12, seed=201)
    got = student.call("vit_embeddings", x, weights, device=device)
    assert_close(got, oracle.hf_vit(emb, x), rel=1e-5, abs=1e-5, what="vit_embeddings")


@pytest.mark.points(2)
def test_vit_embeddings_non_square_images(student, oracle, device):
    """vit_embeddings equals HF ViTEmbeddings for non-square images (grid with more columns than rows).

    Case: image_size (8, 16), p = 4, d = 24, batch 1.
    """
    emb, weights = oracle.make_vit(210, image_size=(8, 16), patch_size=4, num_channels=3, hidden_size=24)
    x = oracle.randn(1, 3, 8, 16, seed=211)
    got = student.call("vit_embeddings", x, weights, device=device)
    assert_close(got, oracle.hf_vit(emb, x), rel=1e-5, abs=1e-5, what="vit_embeddings (non-square)")


@pytest.mark.points(1)
def test_vit_embeddings_float64(student, oracle, device):
    """vit_embeddings in float64 (weights and images) equals HF's float64 module and returns float64."""
    emb, _ = oracle.make_vit(220, image_size=8, patch_size=4, num_channels=2, hidden_size=8)
    emb = emb.double()
    weights = {k: v.detach().clone() for k, v in emb.state_dict().items()}
    x = oracle.randn(2, 2, 8, 8, seed=221, dtype=torch.float64)
    got = student.call("vit_embeddings", x, weights, device=device)
    assert_close(got, oracle.hf_vit(emb, x), rel=1e-12, abs=1e-12, what="vit_embeddings float64")


@pytest.mark.points(1)
def test_vit_embeddings_rejects_mismatched_positions(student, oracle, device):
    """vit_embeddings raises ValueError when the position table does not have one row per patch plus [CLS]."""
    _, weights = oracle.make_vit(230)
    x = oracle.randn(1, 3, 8, 8, seed=231)  # 4 patches, but the table was made for 16
    with pytest.raises(StudentError) as err:
        student.call("vit_embeddings", x, weights, device=device)
    assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"
