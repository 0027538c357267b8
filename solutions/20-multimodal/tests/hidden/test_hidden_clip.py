"""Hidden tests: clip_loss against CLIPModel and its properties (permutation, scale, batch of one)."""

from __future__ import annotations

import math

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close


@pytest.mark.points(2)
def test_clip_loss_matches_hf_clipmodel_other_model(student, oracle, device):
    """clip_loss equals CLIPModel(return_loss=True).loss for another tiny model, batch and logit scale.

    Case: seed 300, projection 8, logit_scale 1.0 (a log), batch 7.
    """
    run = oracle.clip_run(oracle.make_clip(300, projection_dim=8, logit_scale=1.0), batch=7, seed=301)
    got = student.call("clip_loss", run.image_embeds, run.text_embeds, run.logit_scale, device=device)
    assert_close(got, run.loss, rel=1e-5, abs=1e-6, what="clip_loss vs CLIPModel")


@pytest.mark.points(2)
def test_clip_loss_float64_matches_hf_loss(student, oracle, device):
    """In float64, clip_loss equals CLIP's loss code path on the same embeddings and returns a float64 scalar.

    Case: batch 6, D 10, logit_scale 2.5; embeddings of different norms per row.
    """
    img = oracle.randn(6, 10, seed=310, dtype=torch.float64) * torch.arange(1, 7, dtype=torch.float64)[:, None]
    txt = oracle.randn(6, 10, seed=311, dtype=torch.float64, scale=3.0)
    got = student.call("clip_loss", img, txt, 2.5, device=device)
    assert_close(got, oracle.hf_clip_loss(img, txt, 2.5), rel=1e-10, abs=1e-12, what="clip_loss float64")


@pytest.mark.points(1)
def test_clip_loss_accepts_a_tensor_logit_scale(student, oracle, device):
    """logit_scale given as a 0-dim tensor (the CLIPModel parameter) gives the same loss as the float."""
    img, txt = oracle.randn(4, 8, seed=315), oracle.randn(4, 8, seed=316)
    got = student.call("clip_loss", img, txt, torch.tensor(0.7), device=device)
    assert_close(got, oracle.hf_clip_loss(img, txt, 0.7), rel=1e-5, abs=1e-6, what="clip_loss, tensor logit_scale")


@pytest.mark.points(1)
def test_clip_loss_joint_permutation_invariance(student, oracle, device):
    """Reordering the pairs jointly leaves the loss unchanged (float64)."""
    img = oracle.randn(8, 6, seed=320, dtype=torch.float64)
    txt = oracle.randn(8, 6, seed=321, dtype=torch.float64)
    perm = torch.randperm(8, generator=torch.Generator().manual_seed(322))
    a = student.call("clip_loss", img, txt, 1.2, device=device)
    b = student.call("clip_loss", img[perm], txt[perm], 1.2, device=device)
    assert_close(b, a, rel=1e-10, abs=1e-12, what="clip_loss after a joint permutation")


@pytest.mark.points(1)
def test_clip_loss_is_symmetric_in_images_and_texts(student, oracle, device):
    """Swapping the roles of images and texts gives the same loss (the average of both directions)."""
    img = oracle.randn(5, 7, seed=330, dtype=torch.float64)
    txt = oracle.randn(5, 7, seed=331, dtype=torch.float64)
    a = student.call("clip_loss", img, txt, 1.8, device=device)
    b = student.call("clip_loss", txt, img, 1.8, device=device)
    assert_close(b, a, rel=1e-10, abs=1e-12, what="clip_loss(texts, images) vs clip_loss(images, texts)")
    assert_close(a, oracle.hf_clip_loss(img, txt, 1.8), rel=1e-10, abs=1e-12, what="clip_loss float64")


@pytest.mark.points(1)
def test_clip_loss_ignores_embedding_norms(student, oracle, device):
    """Scaling each embedding by a positive factor leaves the loss unchanged (embeddings are normalised inside)."""
    img = oracle.randn(4, 5, seed=340, dtype=torch.float64)
    txt = oracle.randn(4, 5, seed=341, dtype=torch.float64)
    f = torch.tensor([[0.1], [2.0], [7.0], [0.5]], dtype=torch.float64)
    a = student.call("clip_loss", img, txt, 1.0, device=device)
    b = student.call("clip_loss", img * f, txt * f.flip(0), 1.0, device=device)
    assert_close(b, a, rel=1e-10, abs=1e-12, what="clip_loss of rescaled embeddings")


@pytest.mark.points(2)
def test_clip_loss_aligned_pairs_go_to_zero_as_the_scale_grows(student, oracle, device):
    """For aligned pairs (text = image) the loss decreases towards 0 as the scale grows, and stays finite for huge scales (float32)."""
    img = oracle.randn(6, 8, seed=350)
    scales = [0.0, 1.0, 2.0, 3.0, 4.0, math.log(1e4)]
    losses = [float(student.call("clip_loss", img, img.clone(), s, device=device)) for s in scales]
    assert all(math.isfinite(v) for v in losses), "the loss is not finite for a large logit scale"
    assert all(a > b for a, b in zip(losses, losses[1:])), "the loss of aligned pairs does not decrease as the scale grows"
    assert losses[-1] < 1e-6, "the loss of aligned pairs does not approach 0 for a huge scale"
    assert_close(losses[1], float(oracle.hf_clip_loss(img, img, 1.0)), rel=1e-5, abs=1e-6, what="clip_loss aligned")


@pytest.mark.points(1)
def test_clip_loss_huge_scale_matches_hf(student, oracle, device):
    """With a huge scale on unaligned pairs the loss stays finite and equals CLIP's (no overflow in exp)."""
    img, txt = oracle.randn(5, 4, seed=360), oracle.randn(5, 4, seed=361)
    s = math.log(1e4)
    got = student.call("clip_loss", img, txt, s, device=device)
    assert_close(got, oracle.hf_clip_loss(img, txt, s), rel=1e-5, abs=1e-3, what="clip_loss with a huge scale")


@pytest.mark.points(1)
def test_clip_loss_batch_of_one_is_zero_at_any_scale(student, oracle, device):
    """A batch of one pair gives a loss of exactly 0 (log 1) in float64, whatever the scale."""
    img = oracle.randn(1, 3, seed=370, dtype=torch.float64)
    txt = oracle.randn(1, 3, seed=371, dtype=torch.float64)
    for s in (-1.0, 0.0, 5.0):
        got = student.call("clip_loss", img, txt, s, device=device)
        assert_close(got, torch.tensor(0.0, dtype=torch.float64), abs=1e-12, what="clip_loss of one pair")


@pytest.mark.points(1)
def test_clip_loss_rejects_mismatched_batches(student, oracle, device):
    """clip_loss raises ValueError when images and texts do not have the same shape, or are not 2-D."""
    with pytest.raises(StudentError) as err:
        student.call("clip_loss", oracle.randn(3, 4, seed=380), oracle.randn(4, 4, seed=381), 1.0, device=device)
    assert err.value.exc_type == "ValueError", f"expected ValueError for different shapes, got {err.value.exc_type}"
    with pytest.raises(StudentError) as err:
        student.call("clip_loss", oracle.randn(4, seed=382), oracle.randn(4, seed=383), 1.0, device=device)
    assert err.value.exc_type == "ValueError", f"expected ValueError for 1-D embeddings, got {err.value.exc_type}"
