"""Hidden tests: zero_shot_classify on other sizes and dtypes, ties, scale and edge cases."""

from __future__ import annotations

import math

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(2)
def test_zero_shot_float64_matches_clip(student, oracle, device):
    """In float64, probabilities and predictions equal CLIP's softmax and argmax for more classes than images."""
    images = oracle.randn(3, 12, seed=400, dtype=torch.float64, scale=4.0)
    classes = oracle.randn(7, 12, seed=401, dtype=torch.float64)
    probs, preds = student.call("zero_shot_classify", images, classes, 2.0, device=device)
    want_probs, want_preds = oracle.hf_zero_shot(images, classes, 2.0)
    assert_close(probs, want_probs, rel=1e-10, abs=1e-12, what="zero-shot probabilities float64")
    assert_equal(preds, want_preds, dtype=True, what="zero-shot predictions")


@pytest.mark.points(1)
def test_zero_shot_other_clip_model(student, oracle, device):
    """Probabilities and predictions for a batch of images and class texts of another tiny CLIPModel equal HF's."""
    model = oracle.make_clip(410, projection_dim=8, logit_scale=3.0)
    images = oracle.clip_run(model, batch=6, seed=411).image_embeds
    classes = oracle.clip_run(model, batch=4, seed=412).text_embeds
    probs, preds = student.call("zero_shot_classify", images, classes, 3.0, device=device)
    want_probs, want_preds = oracle.hf_zero_shot(images, classes, 3.0)
    assert_close(probs, want_probs, rel=1e-5, abs=1e-6, what="zero-shot probabilities")
    assert_equal(preds, want_preds, dtype=True, what="zero-shot predictions")


@pytest.mark.points(1)
def test_zero_shot_scale_sharpens_probabilities_not_predictions(student, oracle, device):
    """The scale changes the probabilities (rows sum to 1, sharper for a larger scale) but not the predictions; a huge scale stays finite."""
    images = oracle.randn(4, 6, seed=420, dtype=torch.float64)
    classes = oracle.randn(5, 6, seed=421, dtype=torch.float64)
    p_lo, y_lo = student.call("zero_shot_classify", images, classes, 0.0, device=device)
    p_hi, y_hi = student.call("zero_shot_classify", images, classes, math.log(1e4), device=device)
    assert_equal(y_hi, y_lo, dtype=True, what="predictions at two scales")
    assert_close(p_lo.sum(dim=1), torch.ones(4, dtype=torch.float64), rel=1e-12, abs=1e-12, what="row sums")
    assert torch.isfinite(p_hi).all(), "probabilities are not finite for a huge scale"
    assert (p_hi.amax(dim=1) > p_lo.amax(dim=1)).all(), "a larger scale does not sharpen the probabilities"
    want, _ = oracle.hf_zero_shot(images, classes, math.log(1e4))
    assert_close(p_hi, want, rel=1e-8, abs=1e-12, what="zero-shot probabilities with a huge scale")


@pytest.mark.points(1)
def test_zero_shot_ties_equidistant_image(student, device):
    """An image exactly between two classes goes to the lower class index; tied classes get equal probabilities."""
    classes = torch.tensor([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], dtype=torch.float64)
    images = torch.tensor([[3.0, 3.0, 0.0], [0.0, 0.0, 2.0]], dtype=torch.float64)
    probs, preds = student.call("zero_shot_classify", images, classes, 1.0, device=device)
    assert_equal(preds, torch.tensor([1, 0]), dtype=True, what="predictions with an equidistant image")
    assert_close(probs[0, 1], probs[0, 2], rel=1e-12, abs=1e-15, what="probabilities of the tied classes")


@pytest.mark.points(1)
def test_zero_shot_single_class(student, oracle, device):
    """With one class every image gets probability 1 and prediction 0."""
    images = oracle.randn(3, 4, seed=430)
    probs, preds = student.call("zero_shot_classify", images, oracle.randn(1, 4, seed=431), 1.0, device=device)
    assert_close(probs, torch.ones(3, 1), rel=1e-6, abs=1e-6, what="probabilities with one class")
    assert_equal(preds, torch.zeros(3, dtype=torch.int64), dtype=True, what="predictions with one class")


@pytest.mark.points(1)
def test_zero_shot_rejects_mismatched_dims(student, oracle, device):
    """zero_shot_classify raises ValueError when images and classes have different embedding sizes."""
    with pytest.raises(StudentError) as err:
        student.call("zero_shot_classify", oracle.randn(2, 4, seed=440), oracle.randn(3, 5, seed=441), 1.0, device=device)
    assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"
