"""Public tests: patchify and patch_embed against torch's conv2d (kernel = stride = p)."""

from __future__ import annotations

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close


@pytest.mark.points(2)
def test_patchify_matches_conv2d_with_identity_weights(student, oracle, device):
    """patchify of (2, 3, 8, 12) images, p = 4: patches row-major, channels first inside (conv2d with an identity kernel)."""
    x = oracle.randn(2, 3, 8, 12, seed=0)
    got = student.call("patchify", x, 4, device=device)
    assert_close(got, oracle.conv_patchify(x, 4), rel=1e-6, abs=1e-7, what="patchify(x, 4)")


@pytest.mark.points(3)
def test_patch_embed_matches_conv2d(student, oracle, device):
    """patch_embed of (2, 3, 16, 16) images with a (32, 3, 4, 4) weight and a bias equals conv2d(stride=4) flattened."""
    x = oracle.randn(2, 3, 16, 16, seed=1)
    w = oracle.randn(32, 3, 4, 4, seed=2, scale=0.25)
    b = oracle.randn(32, seed=3)
    got = student.call("patch_embed", x, w, b, device=device)
    assert_close(got, oracle.conv_patch_embed(x, w, b), rel=1e-5, abs=1e-5, what="patch_embed(x, w, b)")


@pytest.mark.points(1)
def test_patchify_rejects_sizes_that_are_not_multiples_of_p(student, oracle, device):
    """patchify raises ValueError when H is not a multiple of p."""
    x = oracle.randn(1, 3, 10, 8, seed=4)
    with pytest.raises(StudentError) as err:
        student.call("patchify", x, 4, device=device)
    assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"
