"""Public tests: zero_shot_classify against CLIP's logits_per_image.softmax(dim=1)."""

from __future__ import annotations

import pytest
import torch

from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(3)
def test_zero_shot_matches_clip(student, oracle, device):
    """Probabilities and predictions for 5 images and 3 class texts of a tiny CLIPModel equal HF's softmax and argmax."""
    model = oracle.make_clip(1)
    images = oracle.clip_run(model, batch=5, seed=1).image_embeds
    classes = oracle.clip_run(model, batch=3, seed=2).text_embeds
    scale = float(model.logit_scale.detach())
    probs, preds = student.call("zero_shot_classify", images, classes, scale, device=device)
    want_probs, want_preds = oracle.hf_zero_shot(images, classes, scale)
    assert_close(probs, want_probs, rel=1e-5, abs=1e-6, what="zero-shot probabilities")
    assert_equal(preds, want_preds, dtype=True, what="zero-shot predictions")


@pytest.mark.points(1)
def test_zero_shot_ties_go_to_the_lowest_class(student, device):
    """Two classes with the same direction (one row a multiple of the other) tie: the lower index wins."""
    classes = torch.tensor([[0.0, 1.0, 0.0], [3.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    images = torch.tensor([[5.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    probs, preds = student.call("zero_shot_classify", images, classes, 1.0, device=device)
    assert_equal(preds, torch.tensor([1, 0]), dtype=True, what="predictions with tied classes")
