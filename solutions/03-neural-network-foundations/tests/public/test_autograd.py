"""Public tests: the scalar autograd engine `Value` (autograd.py).

Each graph is sent as plain data (a list of node tuples, see conftest.py) to
`oracle.value_graph_probe`, which builds it with the student's Value in the worker and
returns every node's data and grad. The expected values come from torch float64 autograd
on the same graph, or are worked out by hand.
"""

from __future__ import annotations

import math

import pytest

from autograder.harness.expect import assert_close

# micrograd's test_sanity_check: x = -4; z = 2*x + 2 + x; q = z.relu() + z*x;
# h = (z*z).relu(); y = h + q + q*x
SANITY = [
    ("leaf", -4.0),  # 0 x
    ("c_mul", 2, 0),  # 1 2*x
    ("add_c", 1, 2),  # 2 2*x + 2
    ("add", 2, 0),  # 3 z
    ("relu", 3),  # 4
    ("mul", 3, 0),  # 5 z*x
    ("add", 4, 5),  # 6 q
    ("mul", 3, 3),  # 7 z*z
    ("relu", 7),  # 8 h
    ("add", 8, 6),  # 9 h + q
    ("mul", 6, 0),  # 10 q*x
    ("add", 9, 10),  # 11 y
]

# micrograd's test_more_ops (the `+=` lines written out as new nodes)
MORE_OPS = [
    ("leaf", -4.0),  # 0 a
    ("leaf", 2.0),  # 1 b
    ("add", 0, 1),  # 2 c = a + b
    ("mul", 0, 1),  # 3 a*b
    ("pow", 1, 3),  # 4 b**3
    ("add", 3, 4),  # 5 d = a*b + b**3
    ("add_c", 2, 1),  # 6 c + 1
    ("add", 2, 6),  # 7 c += c + 1
    ("c_add", 1, 7),  # 8 1 + c
    ("neg", 0),  # 9 -a
    ("add", 8, 9),  # 10 1 + c + (-a)
    ("add", 7, 10),  # 11 c += 1 + c + (-a)
    ("mul_c", 5, 2),  # 12 d * 2
    ("add", 1, 0),  # 13 b + a
    ("relu", 13),  # 14
    ("add", 12, 14),  # 15 d*2 + (b + a).relu()
    ("add", 5, 15),  # 16 d += ...
    ("c_mul", 3, 16),  # 17 3*d
    ("sub", 1, 0),  # 18 b - a
    ("relu", 18),  # 19
    ("add", 17, 19),  # 20 3*d + (b - a).relu()
    ("add", 16, 20),  # 21 d += ...
    ("sub", 11, 21),  # 22 e = c - d
    ("pow", 22, 2),  # 23 f = e**2
    ("div_c", 23, 2.0),  # 24 g = f / 2.0
    ("c_div", 10.0, 23),  # 25 10.0 / f
    ("add", 24, 25),  # 26 g += 10.0 / f
]


def _run(student, oracle, nodes, output=None):
    output = len(nodes) - 1 if output is None else output
    return student.probe(oracle.value_graph_probe, nodes, output)


def _check_against_torch(student, oracle, nodes, rtol=1e-9):
    data, grads = _run(student, oracle, nodes)
    exp_data, exp_grads = oracle.torch_graph(nodes, len(nodes) - 1)
    bad = oracle.graph_mismatches(data, exp_data, rtol)
    assert not bad, "forward values differ from torch: " + "; ".join(bad[:5])
    bad = oracle.graph_mismatches(grads, exp_grads, rtol)
    assert not bad, "gradients differ from torch: " + "; ".join(bad[:5])


@pytest.mark.points(2)
def test_value_micrograd_sanity_check(student, oracle):
    """micrograd's sanity check (+, *, relu, a reused x): y = -20 and dy/dx = 46, as torch float64 gives."""
    data, grads = _run(student, oracle, SANITY)
    assert_close(data[-1], -20.0, rel=1e-12)
    assert_close(grads[0], 46.0, rel=1e-12)
    _check_against_torch(student, oracle, SANITY)


@pytest.mark.points(2)
def test_value_micrograd_more_ops(student, oracle):
    """micrograd's more-ops test (+ - * / ** neg relu with numbers on both sides): g, dg/da, dg/db match the hand values within 1e-9."""
    data, grads = _run(student, oracle, MORE_OPS)
    assert_close(data[-1], 24.70408163265306, rel=1e-9)
    assert_close(grads[0], 138.83381924198252, rel=1e-9, what="dg/da")
    assert_close(grads[1], 645.5772594752186, rel=1e-9, what="dg/db")
    _check_against_torch(student, oracle, MORE_OPS)


# (graph, expected output data, expected d(output)/d(leaf)), all closed form
ELEMENTARY = [
    ([("leaf", 0.7), ("tanh", 0)], math.tanh(0.7), 1 - math.tanh(0.7) ** 2),
    ([("leaf", -1.2), ("exp", 0)], math.exp(-1.2), math.exp(-1.2)),
    ([("leaf", 2.5), ("log", 0)], math.log(2.5), 1 / 2.5),
    ([("leaf", 1.3), ("relu", 0)], 1.3, 1.0),
    ([("leaf", -0.4), ("relu", 0)], 0.0, 0.0),
    ([("leaf", 1.7), ("pow", 0, 2.5)], 1.7**2.5, 2.5 * 1.7**1.5),
    ([("leaf", -1.5), ("pow", 0, 3)], -3.375, 3 * 2.25),
    ([("leaf", 0.8), ("neg", 0)], -0.8, -1.0),
    ([("leaf", 3.0), ("leaf", -2.0), ("div", 0, 1)], -1.5, -0.5),
]


@pytest.mark.points(2)
def test_value_elementary_derivatives(student, oracle):
    """tanh, exp, log, relu (positive and negative input), fractional and integer **, neg and / on single leaves: data and grad equal the closed forms (1e-12)."""
    for nodes, value, grad in ELEMENTARY:
        data, grads = _run(student, oracle, nodes)
        assert_close(data[-1], value, rel=1e-12, abs=1e-15, what=f"{nodes[-1]}: data")
        assert_close(grads[0], grad, rel=1e-12, abs=1e-15, what=f"{nodes[-1]}: grad of the first leaf")


@pytest.mark.points(2)
def test_value_reused_nodes_accumulate(student, oracle):
    """A node used twice gets both contributions (+=): d(x*x)/dx = 2x, d(x+x)/dx = 2, and a diamond d = (2a)(a+1)."""
    _, grads = _run(student, oracle, [("leaf", 3.0), ("mul", 0, 0)])
    assert_close(grads[0], 6.0, rel=1e-12, what="x * x at x = 3")
    _, grads = _run(student, oracle, [("leaf", 3.0), ("add", 0, 0)])
    assert_close(grads[0], 2.0, rel=1e-12, what="x + x")
    # a = 1.5, b = 2a, c = a + 1, d = b * c: dd/da = 2c + b = 5 + 3 = 8
    nodes = [("leaf", 1.5), ("c_mul", 2.0, 0), ("add_c", 0, 1.0), ("mul", 1, 2)]
    data, grads = _run(student, oracle, nodes)
    assert_close(data[-1], 7.5, rel=1e-12)
    assert_close(grads, [8.0, 2.5, 3.0, 1.0], rel=1e-12, what="grads of a, b, c, d")


@pytest.mark.points(4)
def test_value_random_graphs_match_torch(student, oracle, credit):
    """Three random 40-op expression DAGs with reused nodes (every op): all node values and grads match torch float64 within 1e-9 (partial credit per graph)."""
    seeds = (1, 2, 3)
    for done, seed in enumerate(seeds):
        _check_against_torch(student, oracle, oracle.random_graph(seed, n_leaves=4, n_ops=40))
        credit.set((done + 1) / len(seeds))


@pytest.mark.points(1)
def test_autograd_uses_only_python(student, oracle):
    """Value works (a small graph matches torch), and autograd.py keeps the import policy: plain Python, no torch, numpy, sympy, ..., no dynamic detours (the manifest's [[policy]] rule, checked before grading, zeroes this test on a violation)."""
    _check_against_torch(student, oracle, oracle.random_graph(4, n_leaves=3, n_ops=15))
