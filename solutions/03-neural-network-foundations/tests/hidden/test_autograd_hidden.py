"""Hidden tests: the Value engine on other graphs (larger, deeper, heavier reuse) and edge cases."""

from __future__ import annotations

import math

import pytest

from autograder.harness.expect import assert_close

ARITH = ("add", "sub", "mul", "div", "pow", "neg", "tanh", "exp", "log", "relu")


def _run(student, oracle, nodes):
    return student.probe(oracle.value_graph_probe, nodes, len(nodes) - 1)


def _check(student, oracle, nodes, rtol=1e-9):
    data, grads = _run(student, oracle, nodes)
    exp_data, exp_grads = oracle.torch_graph(nodes, len(nodes) - 1)
    bad = oracle.graph_mismatches(data, exp_data, rtol)
    assert not bad, "forward values differ from torch: " + "; ".join(bad[:5])
    bad = oracle.graph_mismatches(grads, exp_grads, rtol)
    assert not bad, "gradients differ from torch: " + "; ".join(bad[:5])


@pytest.mark.points(4)
def test_value_large_random_graphs(student, oracle, credit):
    """Large random DAGs using every op: node values and grads match torch float64 within 1e-9 (partial credit per graph).

    Three graphs of 150-250 ops over 5-8 leaves."""
    cases = ((101, 5, 150), (102, 8, 250), (103, 6, 200))
    for done, (seed, leaves, ops) in enumerate(cases):
        _check(student, oracle, oracle.random_graph(seed, n_leaves=leaves, n_ops=ops))
        credit.set((done + 1) / len(cases))


@pytest.mark.points(3)
def test_value_heavy_reuse_graphs(student, oracle):
    """Random DAGs over very few leaves whose operands are mostly drawn from all earlier nodes (heavy reuse, many diamonds) match torch.

    2 leaves, 60 ops."""
    for seed in (111, 112, 113):
        _check(student, oracle, oracle.random_graph(seed, n_leaves=2, n_ops=60, ops=ARITH, recent=0.1))


@pytest.mark.points(3)
def test_value_numbers_on_either_side(student, oracle):
    """Value OP number and number OP Value for + - * / (radd, rsub, rmul, rtruediv) give the right data and grads, alone and in random graphs."""
    x = 1.25
    cases = [
        (("add_c", 0, 3.0), x + 3.0, 1.0),
        (("c_add", 3.0, 0), 3.0 + x, 1.0),
        (("sub_c", 0, 3.0), x - 3.0, 1.0),
        (("c_sub", 3.0, 0), 3.0 - x, -1.0),
        (("mul_c", 0, -2.5), -2.5 * x, -2.5),
        (("c_mul", -2.5, 0), -2.5 * x, -2.5),
        (("div_c", 0, 4.0), x / 4.0, 0.25),
        (("c_div", 2.0, 0), 2.0 / x, -2.0 / x**2),
    ]
    for node, value, grad in cases:
        data, grads = _run(student, oracle, [("leaf", x), node])
        assert_close(data[1], value, rel=1e-12, what=f"{node}: data")
        assert_close(grads[0], grad, rel=1e-12, what=f"{node}: grad")
    ops = ("add_c", "sub_c", "mul_c", "div_c", "c_add", "c_sub", "c_mul", "c_div", "neg", "mul", "tanh")
    for seed in (121, 122):
        _check(student, oracle, oracle.random_graph(seed, n_leaves=3, n_ops=40, ops=ops))


@pytest.mark.points(2)
def test_value_relu_at_zero_and_below(student, oracle):
    """relu of exactly 0 has data 0 and passes no gradient (like torch); relu of a negative value passes none; of a positive one, all of it."""
    # z = x - x is exactly 0; y = relu(z) * 3 + x
    nodes = [("leaf", 0.6), ("sub", 0, 0), ("relu", 1), ("mul_c", 2, 3.0), ("add", 3, 0)]
    data, grads = _run(student, oracle, nodes)
    assert data[2] == 0.0
    assert_close(grads, [1.0, 0.0, 3.0, 1.0, 1.0], abs=1e-15, what="relu'(0) must be 0")
    _check(student, oracle, nodes)
    nodes = [("leaf", 0.0), ("relu", 0), ("mul_c", 1, 2.0)]
    data, grads = _run(student, oracle, nodes)
    assert data[1] == 0.0 and grads[0] == 0.0, "relu'(0) must be 0"
    for x, expected in ((-2.0, 0.0), (1e-9, 2.0)):
        _, grads = _run(student, oracle, [("leaf", x), ("relu", 0), ("mul_c", 1, 2.0)])
        assert grads[0] == expected, f"relu at {x}"


@pytest.mark.points(2)
def test_value_pow_exponents(student, oracle):
    """** with zero, negative, fractional and integer exponents (integer ones also on a negative base) matches n * x^(n-1).

    Exponents 0, 1, -1, -2, 0.5, -0.5, 2.5 and 3."""
    cases = [(1.7, 0), (1.7, 1), (-1.5, 3), (-0.8, -1), (2.2, -2), (2.2, 0.5), (0.7, -0.5), (1.3, 2.5), (-1.1, 2)]
    for x, p in cases:
        data, grads = _run(student, oracle, [("leaf", x), ("pow", 0, p)])
        assert_close(data[1], x**p, rel=1e-12, what=f"{x} ** {p}")
        assert_close(grads[0], p * x ** (p - 1), rel=1e-12, abs=1e-15, what=f"d/dx x ** {p} at {x}")


@pytest.mark.points(2)
def test_value_grads_start_at_zero(student, oracle):
    """Every grad starts at 0.0; after backward the output's grad is 1.0, and a node the output does not depend on keeps grad 0.0."""
    # node 1 (x * 2) is never used by the output (node 3)
    nodes = [("leaf", 0.5), ("mul_c", 0, 2.0), ("leaf", -1.5), ("mul", 0, 2)]
    data, grads = _run(student, oracle, nodes)
    assert grads == [-1.5, 0.0, 0.5, 1.0]
    assert data == [0.5, 1.0, -1.5, -0.75]
    data, grads = _run(student, oracle, [("leaf", 2), ("add_c", 0, 0)])  # int data
    assert data == [2.0, 2.0] and grads == [1.0, 1.0]


@pytest.mark.points(2)
def test_value_deep_chain(student, oracle):
    """A long chain alternating tanh, an affine step and a skip connection to the leaf matches torch (backprop in topological order).

    300 nodes; the affine step is x*1.3 + 0.2."""
    nodes = [("leaf", 0.3)]
    for k in range(100):
        prev = len(nodes) - 1
        nodes.append(("tanh", prev))
        nodes.append(("mul_c", prev + 1, 1.3))
        nodes.append(("add", prev + 2, 0) if k % 10 == 0 else ("add_c", prev + 2, 0.2))
    _check(student, oracle, nodes)


@pytest.mark.points(2)
def test_value_wide_diamond(student, oracle):
    """One leaf feeding many branches (tanh, exp, log, **, relu, /) that are multiplied back together: grads match torch (each node's grad complete before it is pushed on).

    12 branches."""
    nodes = [("leaf", 0.9), ("leaf", 1.4)]
    branches = []
    for k, op in enumerate(("tanh", "exp", "log", "relu", "neg", "tanh") * 2):
        nodes.append((op, k % 2))
        nodes.append(("mul", len(nodes) - 1, (k + 1) % 2))
        branches.append(len(nodes) - 1)
    acc = branches[0]
    for b in branches[1:]:
        nodes.append(("add", acc, b) if b % 3 else ("mul", acc, b))
        acc = len(nodes) - 1
    nodes.append(("div", acc, 1))
    _check(student, oracle, nodes)


@pytest.mark.points(1)
def test_value_tanh_exp_log_values(student, oracle):
    """tanh, exp and log at hand-picked points, and exp(log(x)) = x: data and grads match math within 1e-12.

    tanh(3.1), exp(2.3), log(0.45)."""
    _, grads = _run(student, oracle, [("leaf", 3.1), ("tanh", 0)])
    assert_close(grads[0], 1 - math.tanh(3.1) ** 2, rel=1e-12)
    data, grads = _run(student, oracle, [("leaf", 2.3), ("exp", 0)])
    assert_close(data[1], math.exp(2.3), rel=1e-12)
    assert_close(grads[0], math.exp(2.3), rel=1e-12)
    data, grads = _run(student, oracle, [("leaf", 0.45), ("log", 0)])
    assert_close(data[1], math.log(0.45), rel=1e-12)
    assert_close(grads[0], 1 / 0.45, rel=1e-12)
    data, grads = _run(student, oracle, [("leaf", 0.45), ("log", 0), ("exp", 1)])
    assert_close(data[2], 0.45, rel=1e-12)
    assert_close(grads[0], 1.0, rel=1e-12)
