"""Hidden tests: sigmoid and the SGNS loss/gradients on other seeds, shapes and edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit


@pytest.mark.points(1)
def test_hidden_sigmoid_2d_and_int_inputs(student):
    """sigmoid keeps the shape of a 2-D float array and of an int array, and matches scipy.special.expit (rtol 1e-12)."""
    x = np.random.default_rng(100).normal(0, 30, size=(4, 7))
    out = student.call("sigmoid", x)
    assert out.shape == (4, 7)
    np.testing.assert_allclose(out, expit(x), rtol=1e-12, atol=1e-300)
    ints = np.array([-800, -3, 0, 3, 800])
    np.testing.assert_allclose(student.call("sigmoid", ints), expit(ints.astype(float)), rtol=1e-12, atol=1e-300)


@pytest.mark.points(3)
def test_hidden_sgns_matches_torch_other_shapes(student, oracle):
    """sgns_loss_and_grads equals torch autograd for other shapes (a single negative, more negatives than words, a small dimension) within 1e-10.

    (V, D, K) = (17, 11, 1), (4, 3, 12), (30, 2, 7)."""
    for seed, (V, D, K) in enumerate(((17, 11, 1), (4, 3, 12), (30, 2, 7)), start=101):
        center, outside, o, neg = oracle.sgns_inputs(seed=seed, vocab=V, dim=D, n_neg=K, scale=0.8)
        loss, g_c, g_u = student.call("sgns_loss_and_grads", center, outside, o, neg)
        ref_loss, ref_c, ref_u = oracle.torch_sgns(center, outside, o, neg)
        assert g_c.shape == (D,) and g_u.shape == (V, D)
        assert abs(float(loss) - ref_loss) < 1e-10
        np.testing.assert_allclose(g_c, ref_c, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(g_u, ref_u, rtol=1e-10, atol=1e-12)


@pytest.mark.points(2)
def test_hidden_sgns_gradcheck(student, oracle):
    """Centred-difference gradcheck (h=1e-4, relative error < 1e-5) with repeated negatives; the loss equals torch's.

    V=5, D=4, K=6."""
    center, outside, _, _ = oracle.sgns_inputs(seed=104, vocab=5, dim=4, n_neg=1, scale=0.7)
    o, neg = 3, np.array([0, 0, 4, 3, 0, 1])
    loss, g_c, g_u = student.call("sgns_loss_and_grads", center, outside, o, neg)
    assert abs(float(loss) - oracle.torch_sgns(center, outside, o, neg)[0]) < 1e-10
    num_c = oracle.centred_difference(lambda v: float(student.call("sgns_loss_and_grads", v, outside, o, neg)[0]), center)
    num_u = oracle.centred_difference(lambda u: float(student.call("sgns_loss_and_grads", center, u, o, neg)[0]), outside)
    assert oracle.gradcheck_rel_error(g_c, num_c) < 1e-5
    assert oracle.gradcheck_rel_error(g_u, num_u) < 1e-5


@pytest.mark.points(2)
def test_hidden_sgns_all_negatives_are_the_outside_word(student, oracle):
    """Every negative equals the outside word o: row o of grad_outside is (σ(s)-1)·v_c + K·σ(s)·v_c and the loss is -log σ(s) - K log σ(-s)."""
    center, outside, _, _ = oracle.sgns_inputs(seed=105, vocab=4, dim=5, n_neg=1)
    o, K = 1, 3
    s = outside[o] @ center
    loss, g_c, g_u = student.call("sgns_loss_and_grads", center, outside, o, np.full(K, o))
    sig = expit(s)
    assert abs(float(loss) - (np.logaddexp(0, -s) + K * np.logaddexp(0, s))) < 1e-10
    np.testing.assert_allclose(g_u[o], (sig - 1 + K * sig) * center, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g_c, (sig - 1 + K * sig) * outside[o], rtol=1e-10, atol=1e-12)
    assert (np.delete(g_u, o, axis=0) == 0).all()


@pytest.mark.points(1)
def test_hidden_sgns_untouched_rows_are_zero_and_list_negatives(student, oracle):
    """Rows of grad_outside for words that are neither o nor a negative are exactly 0; negatives given as a list work.

    V=12."""
    center, outside, _, _ = oracle.sgns_inputs(seed=106, vocab=12, dim=3, n_neg=1)
    o, neg = 7, [2, 9, 2]
    loss, g_c, g_u = student.call("sgns_loss_and_grads", center, outside, o, neg)
    ref_loss, ref_c, ref_u = oracle.torch_sgns(center, outside, o, neg)
    assert g_u.shape == (12, 3)
    untouched = [w for w in range(12) if w not in (2, 7, 9)]
    assert (g_u[untouched] == 0).all()
    assert (g_u[[2, 7, 9]] != 0).all()
    np.testing.assert_allclose(g_u, ref_u, rtol=1e-10, atol=1e-12)
    assert abs(float(loss) - ref_loss) < 1e-10


@pytest.mark.points(1)
def test_hidden_sgns_large_dot_products_other_signs(student, oracle):
    """A confidently correct pair, a confidently right negative and a confidently wrong one (repeated), all with huge dot products: the loss is finite and matches torch (rel 1e-12).

    u_o·v_c = +900, the right negative -900, the wrong one +800 twice."""
    center = np.array([10.0, 20.0])
    outside = np.array([[50.0, 20.0], [-50.0, -20.0], [40.0, 20.0], [0.5, -0.5]])
    o, neg = 0, np.array([1, 2, 2, 3])  # s = 900, -900, 800, 800, -5
    loss, g_c, g_u = student.call("sgns_loss_and_grads", center, outside, o, neg)
    ref_loss, ref_c, ref_u = oracle.torch_sgns(center, outside, o, neg)
    assert np.isfinite(loss) and abs(float(loss) - ref_loss) <= 1e-12 * ref_loss
    np.testing.assert_allclose(g_c, ref_c, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g_u, ref_u, rtol=1e-12, atol=1e-12)


@pytest.mark.points(3)
def test_hidden_sgns_batch_matches_torch_other_shapes(student, oracle):
    """sgns_batch_loss_and_grads equals torch for B=1, for a batch whose pairs all share one center, and for a large-vocab batch; list inputs work."""
    cases = []
    cases.append(oracle.batch_inputs(seed=107, vocab=6, dim=4, batch=1, n_neg=3))
    C, U, _, outsides, negatives = oracle.batch_inputs(seed=108, vocab=5, dim=3, batch=9, n_neg=2)
    cases.append((C, U, np.full(9, 2), outsides, negatives))
    cases.append(oracle.batch_inputs(seed=109, vocab=40, dim=7, batch=20, n_neg=5))
    for C, U, centers, outsides, negatives in cases:
        loss, g_C, g_U = student.call("sgns_batch_loss_and_grads", C, U, centers, outsides, negatives)
        ref_loss, ref_C, ref_U = oracle.torch_sgns_batch(C, U, centers, outsides, negatives)
        assert g_C.shape == C.shape and g_U.shape == U.shape
        assert abs(float(loss) - ref_loss) < 1e-9
        np.testing.assert_allclose(g_C, ref_C, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(g_U, ref_U, rtol=1e-10, atol=1e-12)
    C, U, centers, outsides, negatives = cases[2]
    as_lists = student.call("sgns_batch_loss_and_grads", C, U, centers.tolist(), outsides.tolist(), negatives.tolist())
    np.testing.assert_allclose(as_lists[2], oracle.torch_sgns_batch(C, U, centers, outsides, negatives)[2], rtol=1e-10, atol=1e-12)


@pytest.mark.points(2)
def test_hidden_sgns_batch_gradcheck(student, oracle):
    """Centred-difference gradcheck of the batch loss w.r.t. both embedding matrices, relative error < 1e-5; loss equals torch's.

    V=4, D=3, B=5, K=3."""
    C, U, centers, outsides, negatives = oracle.batch_inputs(seed=110, vocab=4, dim=3, batch=5, n_neg=3, scale=0.9)
    loss, g_C, g_U = student.call("sgns_batch_loss_and_grads", C, U, centers, outsides, negatives)
    assert abs(float(loss) - oracle.torch_sgns_batch(C, U, centers, outsides, negatives)[0]) < 1e-9
    num_C = oracle.centred_difference(
        lambda M: float(student.call("sgns_batch_loss_and_grads", M, U, centers, outsides, negatives)[0]), C)
    num_U = oracle.centred_difference(
        lambda M: float(student.call("sgns_batch_loss_and_grads", C, M, centers, outsides, negatives)[0]), U)
    assert oracle.gradcheck_rel_error(g_C, num_C) < 1e-5
    assert oracle.gradcheck_rel_error(g_U, num_U) < 1e-5
