"""Shared helpers for the 03-neural-network-foundations tests: torch oracles and random graphs.

Everything here runs on the trusted side, except `value_graph_probe`, which a test sends
into the worker with `student.probe` to build an expression graph with the student's
`Value` class (only plain data crosses the sandbox boundary, so the graph travels as a
list of tuples). Expected values always come from torch, computed here. Seeds are set
inside each test. Tests run with `--import-mode=importlib`, so they reach these helpers
through the `oracle` fixture (`oracle.random_graph(...)`) rather than `import conftest`.

Expression graphs are lists of nodes; node k is one of
    ("leaf", x)                         a Value(x) whose gradient we want
    ("add", i, j) ("sub", i, j) ("mul", i, j) ("div", i, j)        node i OP node j
    ("add_c", i, c) ("sub_c", i, c) ("mul_c", i, c) ("div_c", i, c)  node i OP number c
    ("c_add", c, i) ("c_sub", c, i) ("c_mul", c, i) ("c_div", c, i)  number c OP node i
    ("pow", i, p)                       node i ** p, p an int or float constant
    ("neg", i) ("tanh", i) ("exp", i) ("log", i) ("relu", i)
with i, j < k (a node may be used any number of times). `output` is the index of the
node to call backward() on.
"""

from __future__ import annotations

import math
import random
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F

torch.set_num_threads(2)

BINARY = ("add", "sub", "mul", "div")
WITH_CONST = ("add_c", "sub_c", "mul_c", "div_c", "c_add", "c_sub", "c_mul", "c_div")
UNARY = ("neg", "tanh", "exp", "log", "relu")
ALL_OPS = BINARY + WITH_CONST + ("pow",) + UNARY
EXPONENTS = (2, 3, -1, -2, 0, 0.5, 1.5, -0.5, 2.5)


# -----------------------------------------------------------------------------
# random tensors


def randn(*shape, seed: int, dtype=torch.float64, scale: float = 1.0) -> torch.Tensor:
    """A seeded standard-normal tensor (seed local to this call)."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g, dtype=torch.float64) * scale).to(dtype)


def randint(high: int, shape, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(high, tuple(shape), generator=g)


# -----------------------------------------------------------------------------
# expression graphs: random generator, torch oracle, and the probe that runs in the worker


def _forward(op: str, a: float, b: float) -> float:
    """Plain-float value of one node (a, b: operands; for *_c / c_* one of them is the constant)."""
    if op in ("add", "add_c", "c_add"):
        return a + b
    if op in ("sub", "sub_c", "c_sub"):
        return a - b
    if op in ("mul", "mul_c", "c_mul"):
        return a * b
    if op in ("div", "div_c", "c_div"):
        return a / b
    if op == "pow":
        return a**b
    return {"neg": lambda x: -x, "tanh": math.tanh, "exp": math.exp, "log": math.log,
            "relu": lambda x: max(x, 0.0)}[op](a)


def _valid(op: str, a: float, b: float) -> bool:
    """Keep every node in a tame domain: no log of x < 0.3, no division by |x| < 0.5, ..."""
    if op in ("div", "div_c", "c_div") and abs(b) < 0.5:
        return False
    if op == "log" and a < 0.3:
        return False
    if op == "exp" and a > 3.0:
        return False
    if op == "pow":
        if b != int(b) and a < 0.3:  # fractional power of a small or negative base
            return False
        if b <= 0 and abs(a) < 0.5:  # negative power (or 0: derivative 0 * a**-1) near 0
            return False
    return True


def random_graph(seed: int, n_leaves: int, n_ops: int, ops=ALL_OPS, recent: float = 0.5,
                 leaf_scale: float = 1.5) -> list[tuple]:
    """A random expression DAG: `n_leaves` leaves, then `n_ops` operation nodes.

    Each operand is, with probability `recent`, one of the 3 newest nodes (deep chains),
    otherwise any earlier node (reuse, diamonds). Every value stays within [-30, 30] and
    every op within a safe domain. Finally the nodes that nothing uses are summed by a
    chain of "add" nodes, so the output (the last node) depends on every node.
    """
    rng = random.Random(seed)
    nodes: list[tuple] = []
    vals: list[float] = []
    for _ in range(n_leaves):
        x = round(rng.uniform(-leaf_scale, leaf_scale), 6)
        nodes.append(("leaf", x))
        vals.append(x)

    def pick() -> int:
        if rng.random() < recent:
            return rng.randrange(max(0, len(nodes) - 3), len(nodes))
        return rng.randrange(len(nodes))

    while len(nodes) < n_leaves + n_ops:
        op = rng.choice(ops)
        i, j = pick(), pick()
        c = round(rng.choice((-1, 1)) * rng.uniform(0.5, 3.0), 4)
        if op in BINARY:
            node, a, b = (op, i, j), vals[i], vals[j]
        elif op in ("add_c", "sub_c", "mul_c", "div_c"):
            node, a, b = (op, i, c), vals[i], c
        elif op in WITH_CONST:  # c_add, c_sub, c_mul, c_div
            node, a, b = (op, c, i), c, vals[i]
        elif op == "pow":
            p = rng.choice(EXPONENTS)
            node, a, b = (op, i, p), vals[i], p
        else:
            node, a, b = (op, i), vals[i], 0.0
        if not _valid(op, a, b):
            continue
        try:
            r = _forward(op, a, b)
        except (OverflowError, ZeroDivisionError, ValueError):
            continue
        if isinstance(r, complex) or not math.isfinite(r) or abs(r) > 30.0:
            continue
        nodes.append(node)
        vals.append(r)
    # sum the sinks (nodes nothing uses) into the output, so that every node matters
    used = {k for node in nodes[n_leaves:] for k in _operands(node)}
    sinks = [k for k in range(len(nodes)) if k not in used]
    acc = sinks[0]
    for k in sinks[1:]:
        nodes.append(("add", acc, k))
        acc = len(nodes) - 1
    return nodes


def _operands(node: tuple) -> list[int]:
    """The node indices a node reads."""
    op = node[0]
    if op == "leaf":
        return []
    if op in BINARY:
        return [node[1], node[2]]
    if op in ("c_add", "c_sub", "c_mul", "c_div"):
        return [node[2]]
    return [node[1]]


def torch_graph(nodes: list[tuple], output: int) -> tuple[list[float], list[float]]:
    """The oracle: build `nodes` with float64 torch scalars, backprop from `output`.

    Returns (data, grads): every node's value and d(output)/d(node) (0.0 where the output
    does not depend on the node).
    """
    ts: list[torch.Tensor] = []
    for node in nodes:
        op = node[0]
        if op == "leaf":
            t = torch.tensor(float(node[1]), dtype=torch.float64, requires_grad=True)
        elif op in BINARY:
            a, b = ts[node[1]], ts[node[2]]
            t = {"add": a + b, "sub": a - b, "mul": a * b, "div": a / b}[op]
        elif op in ("add_c", "sub_c", "mul_c", "div_c"):
            a, c = ts[node[1]], node[2]
            t = {"add_c": a + c, "sub_c": a - c, "mul_c": a * c, "div_c": a / c}[op]
        elif op in WITH_CONST:
            c, a = node[1], ts[node[2]]
            t = {"c_add": c + a, "c_sub": c - a, "c_mul": c * a, "c_div": c / a}[op]
        elif op == "pow":
            t = ts[node[1]] ** node[2]
        else:
            a = ts[node[1]]
            t = {"neg": lambda: -a, "tanh": lambda: torch.tanh(a), "exp": lambda: torch.exp(a),
                 "log": lambda: torch.log(a), "relu": lambda: torch.relu(a)}[op]()
        if not t.is_leaf:
            t.retain_grad()
        ts.append(t)
    ts[output].backward()
    data = [float(t.detach()) for t in ts]
    grads = [0.0 if t.grad is None else float(t.grad) for t in ts]
    assert all(math.isfinite(g) for g in grads), "test setup: non-finite oracle gradient"
    return data, grads


def value_graph_probe(nodes, output):
    """Runs IN THE WORKER: build `nodes` with the student's autograd.Value, call backward()
    on node `output`, return ([node.data], [node.grad]) as floats."""
    from autograd import Value

    vals = []
    for node in nodes:
        op = node[0]
        if op == "leaf":
            v = Value(node[1])
        elif op in ("add", "sub", "mul", "div"):
            a, b = vals[node[1]], vals[node[2]]
            v = a + b if op == "add" else a - b if op == "sub" else a * b if op == "mul" else a / b
        elif op in ("add_c", "sub_c", "mul_c", "div_c"):
            a, c = vals[node[1]], node[2]
            v = a + c if op == "add_c" else a - c if op == "sub_c" else a * c if op == "mul_c" else a / c
        elif op in ("c_add", "c_sub", "c_mul", "c_div"):
            c, a = node[1], vals[node[2]]
            v = c + a if op == "c_add" else c - a if op == "c_sub" else c * a if op == "c_mul" else c / a
        elif op == "pow":
            v = vals[node[1]] ** node[2]
        elif op == "neg":
            v = -vals[node[1]]
        else:  # tanh, exp, log, relu: methods
            v = getattr(vals[node[1]], op)()
        vals.append(v)
    vals[output].backward()
    return [float(v.data) for v in vals], [float(v.grad) for v in vals]


def graph_mismatches(got: list[float], expected: list[float], rtol: float = 1e-9) -> list[str]:
    """Entries where |got - expected| > rtol * max(1, |expected|, 1e-3 * max|expected|)."""
    if len(got) != len(expected):
        return [f"expected {len(expected)} entries, got {len(got)}"]
    scale = max([1.0] + [abs(e) for e in expected])
    bad = []
    for k, (g, e) in enumerate(zip(got, expected)):
        tol = rtol * max(1.0, abs(e), 1e-3 * scale)
        if not abs(g - e) <= tol:
            bad.append(f"node {k}: got {g!r}, expected {e!r}")
    return bad


# -----------------------------------------------------------------------------
# calling functions that return 0-dim tensors
#
# The transport cannot carry a 0-dim tensor (a scalar loss), so such calls go through a
# probe that runs the student's function in the worker and wraps every 0-dim tensor in
# its result as {"__0d__": t.reshape(1)}; `call_scalar` unwraps them here.


def call_packed_probe(module, name, args, kwargs):
    """Runs IN THE WORKER: module.name(*args, **kwargs) with 0-dim tensors wrapped.

    mlp.py's backward pass is written by hand, so its functions run under
    torch.inference_mode(): autograd records nothing there (`.backward()` and
    torch.autograd.grad fail). The manifest's [[policy]] bans the ways out of it in mlp.py,
    and the worker stubs torch.inference_mode itself, so the probe takes the class from
    torch.autograd.grad_mode.
    """
    import contextlib
    import importlib

    import torch

    fn = getattr(importlib.import_module(module), name)

    def pack(v):
        if isinstance(v, torch.Tensor) and v.dim() == 0:
            return {"__0d__": v.reshape(1)}
        if type(v) in (list, tuple):
            return type(v)(pack(x) for x in v)
        if type(v) is dict:
            return {k: pack(x) for k, x in v.items()}
        return v

    with torch.autograd.grad_mode.inference_mode() if module == "mlp" else contextlib.nullcontext():
        return pack(fn(*args, **kwargs))


def _unpack(v):
    if type(v) is dict and set(v) == {"__0d__"} and isinstance(v["__0d__"], torch.Tensor):
        return v["__0d__"].reshape(())
    if type(v) in (list, tuple):
        return type(v)(_unpack(x) for x in v)
    if type(v) is dict:
        return {k: _unpack(x) for k, x in v.items()}
    return v


def call_scalar(student, target: str, *args, **kwargs):
    """Like student.call("module:name", ...), for functions whose result holds 0-dim tensors."""
    module, _, name = target.partition(":")
    return _unpack(student.probe(call_packed_probe, module, name, list(args), kwargs))


# -----------------------------------------------------------------------------
# MLP oracle


def mlp_weights(N: int, D: int, H: int, C: int, seed: int, dtype=torch.float64, logit_scale: float = 1.0):
    """Random (x, y, W1, b1, W2, b2); W2 and b2 are multiplied by `logit_scale`."""
    x = randn(N, D, seed=seed, dtype=dtype)
    y = randint(C, (N,), seed=seed + 1)
    W1 = randn(D, H, seed=seed + 2, dtype=dtype, scale=D**-0.5)
    b1 = randn(H, seed=seed + 3, dtype=dtype, scale=0.1)
    W2 = randn(H, C, seed=seed + 4, dtype=dtype, scale=logit_scale * H**-0.5)
    b2 = randn(C, seed=seed + 5, dtype=dtype, scale=0.1 * logit_scale)
    return x, y, W1, b1, W2, b2


def torch_mlp(x, y, W1, b1, W2, b2, activation: str = "tanh"):
    """torch autograd on the same MLP: (loss, grads) with the keys of mlp_forward_backward."""
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in dict(x=x, W1=W1, b1=b1, W2=W2, b2=b2).items()}
    h_pre = leaves["x"] @ leaves["W1"] + leaves["b1"]
    h = torch.tanh(h_pre) if activation == "tanh" else torch.relu(h_pre)
    logits = h @ leaves["W2"] + leaves["b2"]
    for t in (h_pre, h, logits):
        t.retain_grad()
    loss = F.cross_entropy(logits, y)
    loss.backward()
    grads = {"logits": logits.grad, "h": h.grad, "h_pre": h_pre.grad}
    grads.update({k: v.grad for k, v in leaves.items()})
    return loss.detach(), grads


GRAD_KEYS = ("logits", "h", "h_pre", "W2", "b2", "W1", "b1", "x")


def compare_grads(got: dict, expected: dict, atol: float, rtol: float) -> list[str]:
    """Names of the gradient tensors (GRAD_KEYS) that are missing, misshapen, of another dtype, or wrong."""
    bad = []
    for k in GRAD_KEYS:
        g, e = got.get(k) if isinstance(got, dict) else None, expected[k]
        if not isinstance(g, torch.Tensor):
            bad.append(f"{k}: missing or not a tensor")
        elif g.shape != e.shape or g.dtype != e.dtype:
            bad.append(f"{k}: shape/dtype {tuple(g.shape)}/{g.dtype}, expected {tuple(e.shape)}/{e.dtype}")
        elif not torch.allclose(g, e, atol=atol, rtol=rtol):
            bad.append(f"{k}: max abs error {float((g - e).abs().max()):.3e}")
    return bad


# -----------------------------------------------------------------------------
# optimizer, clipping and scaler oracles


def torch_adamw(params: dict, grad_seq: list[dict], lrs: list[float], betas, eps, weight_decay):
    """Run torch.optim.AdamW (foreach=False) over the steps; return [(params, state)] after each.

    grad_seq[t][name] is the gradient of step t (None = frozen this step); lrs[t] its lr.
    state is in adamw_step's layout: name -> {"step": int, "exp_avg", "exp_avg_sq"}.
    """
    ps = {k: torch.nn.Parameter(v.detach().clone()) for k, v in params.items()}
    opt = torch.optim.AdamW(list(ps.values()), lr=lrs[0], betas=betas, eps=eps,
                            weight_decay=weight_decay, foreach=False)
    out = []
    for grads, lr in zip(grad_seq, lrs):
        opt.param_groups[0]["lr"] = lr
        for k, p in ps.items():
            g = grads.get(k)
            p.grad = None if g is None else g.detach().clone()
        opt.step()
        state = {}
        for k, p in ps.items():
            if p in opt.state and opt.state[p]:
                s = opt.state[p]
                state[k] = {"step": int(s["step"]), "exp_avg": s["exp_avg"].clone(),
                            "exp_avg_sq": s["exp_avg_sq"].clone()}
        out.append(({k: p.detach().clone() for k, p in ps.items()}, state))
    return out


def torch_clip(grads: list, max_norm: float):
    """torch.nn.utils.clip_grad_norm_ on parameters holding `grads` (None = no gradient).

    Returns (clipped grads, total_norm as a float).
    """
    ps = []
    for g in grads:
        p = torch.nn.Parameter(torch.zeros(1 if g is None else g.shape, dtype=torch.float64 if g is None else g.dtype))
        p.grad = None if g is None else g.detach().clone()
        ps.append(p)
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
    return [None if p.grad is None else p.grad.clone() for p in ps], float(total)


def gradscaler_run(grad_seq: list[list], init_scale: float, growth_factor: float,
                   backoff_factor: float, growth_interval: int) -> list[tuple]:
    """torch.amp.GradScaler("cpu") fed the given (already scaled) gradients step by step.

    Returns, per step, (scale_after, growth_tracker_after, unscaled_grads or None if skipped).
    """
    n = len(grad_seq[0])
    ps = [torch.nn.Parameter(torch.zeros_like(g)) for g in grad_seq[0]]
    opt = torch.optim.SGD(ps, lr=0.0)
    scaler = torch.amp.GradScaler("cpu", init_scale=init_scale, growth_factor=growth_factor,
                                  backoff_factor=backoff_factor, growth_interval=growth_interval)
    out = []
    for grads in grad_seq:
        assert len(grads) == n
        opt.zero_grad()
        scaler.scale(torch.ones(()))  # GradScaler initializes its scale lazily
        for p, g in zip(ps, grads):
            p.grad = g.detach().clone()
        scaler.unscale_(opt)
        finite = all(bool(torch.isfinite(p.grad).all()) for p in ps)
        unscaled = [p.grad.clone() for p in ps] if finite else None
        scaler.step(opt)
        scaler.update()
        out.append((scaler.get_scale(), int(scaler._get_growth_tracker()), unscaled))
    return out


def torch_mixed_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """float32 cross-entropy of (..., C) logits and (...) targets (mean over positions)."""
    C = logits.shape[-1]
    return F.cross_entropy(logits.float().reshape(-1, C), targets.reshape(-1))


# -----------------------------------------------------------------------------
# the fixture that hands the helpers to the tests


@pytest.fixture(scope="session")
def oracle() -> SimpleNamespace:
    """The helpers of this file as attributes, e.g. `oracle.random_graph(0, 4, 30)`."""
    return SimpleNamespace(
        ALL_OPS=ALL_OPS,
        GRAD_KEYS=GRAD_KEYS,
        randn=randn,
        randint=randint,
        random_graph=random_graph,
        torch_graph=torch_graph,
        value_graph_probe=value_graph_probe,
        call_scalar=call_scalar,
        graph_mismatches=graph_mismatches,
        mlp_weights=mlp_weights,
        torch_mlp=torch_mlp,
        compare_grads=compare_grads,
        torch_adamw=torch_adamw,
        torch_clip=torch_clip,
        gradscaler_run=gradscaler_run,
        torch_mixed_loss=torch_mixed_loss,
    )
