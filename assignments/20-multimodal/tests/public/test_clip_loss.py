"""Public tests: clip_loss against CLIPModel(return_loss=True) and two of its properties."""

from __future__ import annotations

import pytest
import torch

from autograder.harness.expect import assert_close


@pytest.mark.points(3)
def test_clip_loss_matches_hf_clipmodel(student, oracle, device):
    """clip_loss on a tiny CLIPModel's projected embeddings and its logit_scale equals the model's return_loss loss."""
    run = oracle.clip_run(oracle.make_clip(0), batch=4, seed=0)
    got = student.call("clip_loss", run.image_embeds, run.text_embeds, run.logit_scale, device=device)
    assert_close(got, run.loss, rel=1e-5, abs=1e-6, what="clip_loss vs CLIPModel(return_loss=True).loss")


@pytest.mark.points(1)
def test_clip_loss_batch_of_one_is_zero(student, oracle, device):
    """With one pair both softmaxes have a single entry: the loss is log(1) = 0."""
    img, txt = oracle.randn(1, 8, seed=1), oracle.randn(1, 8, seed=2)
    got = student.call("clip_loss", img, txt, 2.0, device=device)
    assert_close(got, torch.tensor(0.0), abs=1e-6, what="clip_loss of a batch of one")


@pytest.mark.points(1)
def test_clip_loss_invariant_to_a_joint_permutation(student, oracle, device):
    """Reordering the pairs (the same permutation for images and texts) leaves the loss unchanged."""
    img, txt = oracle.randn(5, 8, seed=3), oracle.randn(5, 8, seed=4)
    perm = torch.tensor([3, 0, 4, 1, 2])
    a = student.call("clip_loss", img, txt, 1.5, device=device)
    b = student.call("clip_loss", img[perm], txt[perm], 1.5, device=device)
    assert_close(b, a, rel=1e-5, abs=1e-6, what="clip_loss after a joint permutation")
    assert_close(a, oracle.hf_clip_loss(img, txt, 1.5), rel=1e-5, abs=1e-6, what="clip_loss")
