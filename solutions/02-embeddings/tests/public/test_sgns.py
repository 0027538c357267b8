"""Public tests: sigmoid, the SGNS loss and its hand-derived gradients (one pair and a batch)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit


@pytest.mark.points(1)
def test_sigmoid_values_and_extremes(student):
    """sigmoid matches scipy.special.expit from -1000 to 1000 (rtol 1e-12) with no inf/nan."""
    x = np.array([-1000.0, -745.0, -40.0, -3.5, -1.0, 0.0, 1e-8, 0.5, 2.0, 40.0, 745.0, 1000.0])
    out = student.call("sigmoid", x)
    assert isinstance(out, np.ndarray) and out.shape == x.shape
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, expit(x), rtol=1e-12, atol=1e-300)
    assert out[5] == 0.5 and out[0] == 0.0 and out[-1] == 1.0


@pytest.mark.points(3)
def test_sgns_loss_and_grads_match_torch(student, oracle):
    """sgns_loss_and_grads (V=9, D=6, K=5): loss, grad_center and grad_outside equal torch autograd within 1e-10."""
    center, outside, o, neg = oracle.sgns_inputs(seed=1, vocab=9, dim=6, n_neg=5)
    loss, g_c, g_u = student.call("sgns_loss_and_grads", center, outside, o, neg)
    ref_loss, ref_c, ref_u = oracle.torch_sgns(center, outside, o, neg)
    assert g_c.shape == (6,) and g_u.shape == (9, 6)
    assert abs(float(loss) - ref_loss) < 1e-10
    np.testing.assert_allclose(g_c, ref_c, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g_u, ref_u, rtol=1e-10, atol=1e-12)


@pytest.mark.points(2)
def test_sgns_gradcheck_centred_differences(student, oracle):
    """CS224N gradcheck: the returned gradients equal centred differences (h=1e-4) of the returned loss, relative error < 1e-5; the loss equals torch's."""
    center, outside, o, neg = oracle.sgns_inputs(seed=2, vocab=7, dim=5, n_neg=4)
    loss, g_c, g_u = student.call("sgns_loss_and_grads", center, outside, o, neg)
    # a value check too: all-zero loss and gradients would pass a gradcheck alone
    assert abs(float(loss) - oracle.torch_sgns(center, outside, o, neg)[0]) < 1e-10
    num_c = oracle.centred_difference(lambda v: float(student.call("sgns_loss_and_grads", v, outside, o, neg)[0]), center)
    num_u = oracle.centred_difference(lambda u: float(student.call("sgns_loss_and_grads", center, u, o, neg)[0]), outside)
    assert oracle.gradcheck_rel_error(g_c, num_c) < 1e-5
    assert oracle.gradcheck_rel_error(g_u, num_u) < 1e-5


@pytest.mark.points(2)
def test_sgns_repeated_negatives_accumulate(student, oracle):
    """Repeated negative ids (one also equal to the outside id) each add their own term: loss and gradients equal torch."""
    center, outside, _, _ = oracle.sgns_inputs(seed=3, vocab=6, dim=4, n_neg=1)
    o = 2
    neg = np.array([4, 1, 4, 2, 4, 1])  # 4 three times, 1 twice, 2 = the outside word once
    loss, g_c, g_u = student.call("sgns_loss_and_grads", center, outside, o, neg)
    ref_loss, ref_c, ref_u = oracle.torch_sgns(center, outside, o, neg)
    assert abs(float(loss) - ref_loss) < 1e-10
    np.testing.assert_allclose(g_c, ref_c, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g_u, ref_u, rtol=1e-10, atol=1e-12)
    # rows 0, 3 and 5 are neither the outside word nor a negative
    assert (g_u[[0, 3, 5]] == 0).all()


@pytest.mark.points(1)
def test_sgns_loss_is_stable_for_large_dot_products(student, oracle):
    """Dot products of size ~1000 (both signs): the loss is finite and equals torch's logsigmoid form (rel 1e-12); gradients too."""
    center = np.array([30.0, -15.0, 5.0])
    outside = np.array([[-30.0, 15.0, -5.0], [30.0, -15.0, 5.0], [1.0, 2.0, 3.0], [-35.0, 0.0, 0.0]])
    o, neg = 0, np.array([1, 2, 3])  # u_o·v_c = -1150 (a terrible positive), u_1·v_c = +1150, u_3·v_c = -1050
    loss, g_c, g_u = student.call("sgns_loss_and_grads", center, outside, o, neg)
    ref_loss, ref_c, ref_u = oracle.torch_sgns(center, outside, o, neg)
    assert np.isfinite(loss) and np.isfinite(g_c).all() and np.isfinite(g_u).all()
    assert abs(float(loss) - ref_loss) <= 1e-12 * ref_loss
    np.testing.assert_allclose(g_c, ref_c, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g_u, ref_u, rtol=1e-12, atol=1e-12)


@pytest.mark.points(3)
def test_sgns_batch_matches_torch(student, oracle):
    """sgns_batch_loss_and_grads (V=10, D=5, B=12, K=4, ids repeat): summed loss and both full gradients equal torch autograd."""
    C, U, centers, outsides, negatives = oracle.batch_inputs(seed=4, vocab=10, dim=5, batch=12, n_neg=4)
    loss, g_C, g_U = student.call("sgns_batch_loss_and_grads", C, U, centers, outsides, negatives)
    ref_loss, ref_C, ref_U = oracle.torch_sgns_batch(C, U, centers, outsides, negatives)
    assert g_C.shape == (10, 5) and g_U.shape == (10, 5)
    assert abs(float(loss) - ref_loss) < 1e-9
    np.testing.assert_allclose(g_C, ref_C, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g_U, ref_U, rtol=1e-10, atol=1e-12)


@pytest.mark.points(1)
def test_sgns_batch_equals_sum_of_single_pairs(student, oracle):
    """The batch loss and gradients equal the sum of sgns_loss_and_grads over its pairs (center gradient added into row c_b)."""
    C, U, centers, outsides, negatives = oracle.batch_inputs(seed=5, vocab=5, dim=3, batch=6, n_neg=3)
    loss, g_C, g_U = student.call("sgns_batch_loss_and_grads", C, U, centers, outsides, negatives)
    total, sum_C, sum_U = 0.0, np.zeros_like(C), np.zeros_like(U)
    for c, o, neg in zip(centers, outsides, negatives):
        l_b, g_c, g_u = student.call("sgns_loss_and_grads", C[c], U, int(o), neg)
        total += float(l_b)
        sum_C[c] += g_c
        sum_U += g_u
    assert abs(float(loss) - total) < 1e-10
    np.testing.assert_allclose(g_C, sum_C, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g_U, sum_U, rtol=1e-10, atol=1e-12)
    assert abs(total - oracle.torch_sgns_batch(C, U, centers, outsides, negatives)[0]) < 1e-10
