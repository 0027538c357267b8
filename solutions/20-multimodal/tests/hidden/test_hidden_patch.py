"""Hidden tests: patchify and patch_embed on other shapes, dtypes and edge cases (oracle: conv2d)."""

from __future__ import annotations

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(2)
def test_patchify_float64_single_channel_non_square(student, oracle, device):
    """patchify of a single-channel, non-square float64 batch equals conv2d with an identity kernel, dtype kept.

    Case: (1, 1, 4, 8), p = 2.
    """
    x = oracle.randn(1, 1, 4, 8, seed=100, dtype=torch.float64)
    got = student.call("patchify", x, 2, device=device)
    assert_close(got, oracle.conv_patchify(x, 2), rel=1e-12, abs=1e-14, what="patchify float64")


@pytest.mark.points(2)
def test_patchify_tall_images_and_channel_order(student, oracle, device):
    """patchify of taller-than-wide images with two channels: grid row-major and channels first inside each patch.

    Case: (3, 2, 12, 4), p = 2: the rows of the grid outnumber the columns.
    """
    x = oracle.randn(3, 2, 12, 4, seed=101)
    got = student.call("patchify", x, 2, device=device)
    assert_close(got, oracle.conv_patchify(x, 2), rel=1e-6, abs=1e-7, what="patchify")


@pytest.mark.points(1)
def test_patchify_extreme_patch_sizes(student, oracle, device):
    """A patch of one pixel gives one vector of channels per pixel; a patch the size of the image gives one patch."""
    x = oracle.randn(2, 3, 4, 4, seed=102)
    one = student.call("patchify", x, 1, device=device)
    assert_equal(one, x.permute(0, 2, 3, 1).reshape(2, 16, 3), dtype=True, what="patchify with p = 1")
    whole = student.call("patchify", x, 4, device=device)
    assert_equal(whole, x.reshape(2, 1, 48), dtype=True, what="patchify with p = image size")


@pytest.mark.points(1)
def test_patchify_rejects_bad_width(student, oracle, device):
    """patchify raises ValueError when only the width is not a multiple of the patch size."""
    x = oracle.randn(1, 3, 8, 6, seed=103)
    with pytest.raises(StudentError) as err:
        student.call("patchify", x, 4, device=device)
    assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"


@pytest.mark.points(2)
def test_patch_embed_float64_non_square(student, oracle, device):
    """patch_embed in float64 on non-square two-channel images equals conv2d(stride = p) flattened, dtype kept.

    Case: (2, 2, 6, 10) images, (8, 2, 2, 2) weight, a bias.
    """
    x = oracle.randn(2, 2, 6, 10, seed=110, dtype=torch.float64)
    w = oracle.randn(8, 2, 2, 2, seed=111, dtype=torch.float64)
    b = oracle.randn(8, seed=112, dtype=torch.float64)
    got = student.call("patch_embed", x, w, b, device=device)
    assert_close(got, oracle.conv_patch_embed(x, w, b), rel=1e-12, abs=1e-12, what="patch_embed float64")


@pytest.mark.points(1)
def test_patch_embed_without_bias(student, oracle, device):
    """patch_embed with bias None equals conv2d without a bias.

    Case: (1, 3, 8, 8) images, (5, 3, 4, 4) weight.
    """
    x = oracle.randn(1, 3, 8, 8, seed=113)
    w = oracle.randn(5, 3, 4, 4, seed=114, scale=0.25)
    got = student.call("patch_embed", x, w, None, device=device)
    assert_close(got, oracle.conv_patch_embed(x, w, None), rel=1e-5, abs=1e-5, what="patch_embed without bias")


@pytest.mark.points(1)
def test_patch_embed_rejects_wrong_channel_count(student, oracle, device):
    """patch_embed raises ValueError when the images' channel count differs from the weight's."""
    x = oracle.randn(1, 1, 8, 8, seed=115)
    w = oracle.randn(4, 3, 4, 4, seed=116)
    with pytest.raises(StudentError) as err:
        student.call("patch_embed", x, w, None, device=device)
    assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"
