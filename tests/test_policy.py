"""The static import-and-call policy: banned modules, banned names through every alias,
detours, imports between submitted files, and honest code never flagged."""

from __future__ import annotations

import textwrap

import pytest
from pydantic import ValidationError

from autograder.policy import PolicyRule, Violation, check_policy, guarded

SDPA = "torch.nn.functional.scaled_dot_product_attention"
ATTENTION_GUARD = "tests/*/test_attention*.py::*"


def _rule(**overrides) -> PolicyRule:
    values = {"guards": ("tests/*",), "reason": "write it yourself"} | overrides
    return PolicyRule(**values)


SDPA_RULE = _rule(banned_names=(SDPA,), guards=(ATTENTION_GUARD,),
                  reason="scaled_dot_product_attention must be your own")
TRANSFORMER_RULE = _rule(
    banned_names=(SDPA, "torch.nn.functional.rms_norm", "torch.nn.RMSNorm", "torch.nn.MultiheadAttention",
                  "torch.nn.functional.multi_head_attention_forward"),
    banned_modules=("transformers", "flash_attn", "xformers"),
)
LSTM_RULE = _rule(banned_names=("torch.nn.LSTMCell", "torch.nn.LSTM", "torch.lstm_cell", "torch.lstm",
                                "torch.nn.RNNBase"))
OPTIM_RULE = _rule(files=("optim.py",), banned_names=(
    "torch.optim", "torch.nn.utils.clip_grad_norm_", "torch.amp.GradScaler", "torch.cuda.amp.GradScaler"))
STDLIB_ONLY_RULE = _rule(files=("autograd.py",), banned_modules=(
    "torch", "numpy", "jax", "scipy", "tensorflow", "sympy", "micrograd", "autograd"))
TOKENIZER_RULE = _rule(banned_modules=("tiktoken", "tokenizers", "transformers", "sentencepiece"))


def _check(source: str, rule: PolicyRule = SDPA_RULE, name: str = "transformer.py",
           others: dict[str, str] | None = None) -> list[Violation]:
    return check_policy({name: textwrap.dedent(source), **(others or {})}, [rule])


def _whats(violations: list[Violation]) -> str:
    return "\n".join(v.message() for v in violations)


# ---------------------------------------------------------------------------
# banned names, through every alias form


@pytest.mark.parametrize("source", [
    "import torch\ny = torch.nn.functional.scaled_dot_product_attention(q, k, v)",
    "import torch.nn.functional as F\ny = F.scaled_dot_product_attention(q, k, v)",
    "import torch.nn.functional\ny = torch.nn.functional.scaled_dot_product_attention(q, k, v)",
    "from torch.nn.functional import scaled_dot_product_attention",
    "from torch.nn.functional import scaled_dot_product_attention as s\ny = s(q, k, v)",
    "from torch.nn import functional\ny = functional.scaled_dot_product_attention(q, k, v)",
    "from torch.nn import functional as F\nf = F.scaled_dot_product_attention",
    "from torch import nn\ny = nn.functional.scaled_dot_product_attention(q, k, v)",
    "import torch as t\ny = t.nn.functional.scaled_dot_product_attention(q, k, v)",
    "import torch.nn as nn\ny = nn.functional.scaled_dot_product_attention(q, k, v)",
    # internal paths that end in the banned name
    "import torch\ny = torch._C._nn.scaled_dot_product_attention(q, k, v)",
    "import torch\ny = torch.ops.aten.scaled_dot_product_attention(q, k, v)",
    "import torch\ny = torch.ops.aten.scaled_dot_product_attention.default(q, k, v)",
    "import torch\ny = torch.nn.modules.activation.F.scaled_dot_product_attention(q, k, v)",
    "from torch._C import _nn\ny = _nn.scaled_dot_product_attention(q, k, v)",
    "import torch._C._nn as cnn\ny = cnn.scaled_dot_product_attention(q, k, v)",
    "from torch.ops import aten\ny = aten.scaled_dot_product_attention(q, k, v)",
    # re-bindings
    "import torch\nF = torch.nn.functional\ny = F.scaled_dot_product_attention(q, k, v)",
    "import torch.nn.functional as F\nG = F\nH = G\ny = H.scaled_dot_product_attention(q, k, v)",
    "import torch\ndef f(q, k, v):\n    nnf: object = torch.nn.functional\n    return nnf.scaled_dot_product_attention(q, k, v)",
    "import torch\ny = (F := torch.nn.functional).scaled_dot_product_attention(q, k, v)",
    "import torch\nsdpa = torch.nn.functional.scaled_dot_product_attention",
    "import torch\nimport functools\np = functools.partial(torch.nn.functional.scaled_dot_product_attention, q)",
    # star imports
    "from torch.nn.functional import *\ny = scaled_dot_product_attention(q, k, v)",
    "from torch.nn import *",
    # imports anywhere in the file
    "def f(q, k, v):\n    from torch.nn.functional import scaled_dot_product_attention\n    return 1",
    "try:\n    import torch.nn.functional as F\nexcept ImportError:\n    F = None\ny = F.scaled_dot_product_attention",
    "if True:\n    from torch.nn import functional as F\n    y = F.scaled_dot_product_attention(q, k, v)",
    # monkeypatching counts as use too
    "import torch\ntorch.nn.functional.scaled_dot_product_attention = None",
])
def test_banned_name_caught_through_every_alias(source):
    found = _check(source, _rule(banned_names=(SDPA,), detours=False))
    assert any("banned" in v.what for v in found), source


@pytest.mark.parametrize("source, rule", [
    ("from torch.optim import AdamW", OPTIM_RULE),
    ("import torch\nopt = torch.optim.AdamW(params)", OPTIM_RULE),
    ("from torch import optim\nopt = optim.SGD(params, lr=1)", OPTIM_RULE),
    ("import torch.optim", OPTIM_RULE),
    ("import torch.optim as O\nO.Adam", OPTIM_RULE),
    ("import torch.optim.lr_scheduler", OPTIM_RULE),
    ("from torch.optim import *", OPTIM_RULE),
    ("import torch\ntorch.nn.utils.clip_grad_norm_(ps, 1.0)", OPTIM_RULE),
    ("from torch.nn.utils import clip_grad_norm_", OPTIM_RULE),
    ("from torch.nn.utils.clip_grad import clip_grad_norm_", OPTIM_RULE),
    ("from torch.amp import GradScaler", OPTIM_RULE),
    ("import torch\ns = torch.cuda.amp.GradScaler()", OPTIM_RULE),
    ("import torch\nc = torch.nn.LSTMCell(4, 8)", LSTM_RULE),
    ("from torch import nn\nclass Cell(nn.LSTMCell):\n    pass", LSTM_RULE),
    ("from torch.nn import LSTMCell", LSTM_RULE),
    ("from torch.nn.modules.rnn import LSTMCell", LSTM_RULE),
    ("import torch\nh = torch.lstm_cell(x, hx, w_ih, w_hh)", LSTM_RULE),
    ("import torch\nh = torch._VF.lstm_cell(x, hx, w_ih, w_hh)", LSTM_RULE),
    ("from torch import _VF\nh = _VF.lstm(x)", LSTM_RULE),
    ("import torch\nh = torch.ops.aten.lstm_cell(x, hx, w_ih, w_hh)", LSTM_RULE),
    ("import torch.nn.functional as F\ny = F.rms_norm(x, (4,))", TRANSFORMER_RULE),
    ("import torch\ny = torch.rms_norm(x, (4,))", TRANSFORMER_RULE),
    ("from torch import nn\nnorm = nn.RMSNorm(4)", TRANSFORMER_RULE),
])
def test_banned_names_of_the_course(source, rule):
    assert any("banned" in v.what for v in _check(source, rule, name=(rule.files or ("x.py",))[0]))


def test_banned_name_message_and_line():
    found = _check("import torch\n\nx = 1\ny = torch.nn.functional.scaled_dot_product_attention(q, k, v)\n",
                   _rule(banned_names=(SDPA,), reason="write attention yourself", detours=False))
    assert [v.message() for v in found] == [
        f"transformer.py:4: uses '{SDPA}' (banned: '{SDPA}'); rule: write attention yourself"]


# ---------------------------------------------------------------------------
# banned modules


@pytest.mark.parametrize("source", [
    "import tiktoken",
    "import tiktoken as tk",
    "import tiktoken.core",
    "from tiktoken import get_encoding",
    "from tiktoken.core import Encoding",
    "import os, tiktoken",
    "def f():\n    import tiktoken\n    return tiktoken",
    "try:\n    import tiktoken\nexcept ImportError:\n    tiktoken = None",
    "import typing\nif typing.TYPE_CHECKING:\n    import tiktoken",
    "class Tok:\n    def encode(self):\n        from tiktoken import core",
])
def test_banned_module_imported_anywhere(source):
    found = _check(source, TOKENIZER_RULE, name="bpe.py")
    assert [v.what for v in found if "tiktoken" in v.what], source


def test_banned_submodule_only():
    rule = _rule(banned_modules=("torch.optim",), detours=False)
    assert _check("from torch import optim", rule)
    assert _check("import torch.optim.lr_scheduler", rule)
    assert _check("import torch\nimport torchvision\nfrom torch import nn", rule) == []


def test_module_named_like_a_banned_one_but_different():
    assert _check("import torchvision\nimport numpy_financial", STDLIB_ONLY_RULE, name="autograd.py") == []


# ---------------------------------------------------------------------------
# imports between submitted files


HELPERS_WITH_TORCH = "import torch\n\ndef zeros(n):\n    return torch.zeros(n)\n"


def test_banned_module_through_a_submitted_helper():
    found = check_policy({"autograd.py": "import helpers\n\nx = helpers.zeros(3)\n",
                          "helpers.py": HELPERS_WITH_TORCH}, [STDLIB_ONLY_RULE])
    assert [(v.file, v.line) for v in found] == [("autograd.py", 1)]
    assert "imports 'helpers', which leads to helpers.py:1: imports 'torch'" in found[0].what


@pytest.mark.parametrize("import_line", [
    "import helpers", "import helpers as h", "from helpers import zeros", "from helpers import *",
    "from . import helpers", "from .helpers import zeros",
    "def f():\n    from helpers import zeros\n    return zeros(2)",
])
def test_every_form_of_importing_a_submitted_module_is_followed(import_line):
    found = check_policy({"autograd.py": import_line + "\n", "helpers.py": HELPERS_WITH_TORCH},
                         [STDLIB_ONLY_RULE])
    assert found and all(v.file == "autograd.py" for v in found)


def test_transitive_through_two_submitted_modules_and_cycles():
    sources = {
        "autograd.py": "from a import x\n",
        "a.py": "import b\nx = 1\n",
        "b.py": "import a\nimport numpy as np\n",
    }
    found = check_policy(sources, [STDLIB_ONLY_RULE])
    assert [(v.file, v.line) for v in found] == [("autograd.py", 1)]
    assert "b.py:2: imports 'numpy'" in found[0].what


def test_honest_import_of_a_covered_module_by_an_uncovered_one():
    sources = {
        "autograd.py": AUTOGRAD_PY,
        "mlp.py": "import torch\nfrom autograd import Value\n\ndef f(x):\n    return torch.tanh(x)\n",
        "optim.py": OPTIM_PY,
    }
    assert check_policy(sources, [STDLIB_ONLY_RULE, OPTIM_RULE]) == []


def test_uncovered_file_may_import_a_module_banned_for_a_covered_one():
    sources = {"autograd.py": "import math\n", "mlp.py": "import torch\nimport numpy\n"}
    assert check_policy(sources, [STDLIB_ONLY_RULE]) == []


def test_submitted_module_shadows_a_banned_library_of_the_same_name():
    # 03 bans the PyPI `autograd` in autograd.py; mlp.py importing the student's autograd.py is fine
    rule = _rule(files=("mlp.py",), banned_modules=("autograd", "torch.autograd"))
    sources = {"autograd.py": AUTOGRAD_PY, "mlp.py": "from autograd import Value\nimport torch\n"}
    assert check_policy(sources, [rule]) == []


def test_banned_name_through_a_submitted_helper():
    sources = {
        "transformer.py": "from helpers import attend\n\ndef f(q, k, v):\n    return attend(q, k, v)\n",
        "helpers.py": "import torch.nn.functional as F\nattend = F.scaled_dot_product_attention\n",
    }
    found = check_policy(sources, [_rule(files=("transformer.py",), banned_names=(SDPA,))])
    assert found and {v.file for v in found} == {"transformer.py"}
    assert any("helpers.py:2: uses 'torch.nn.functional.scaled_dot_product_attention'" in v.what
               for v in found)


def test_alias_defined_in_a_helper_is_resolved_in_the_covered_file():
    helpers = "import torch.nn.functional as F\nimport torch\n"
    for covered in ("from helpers import F\ny = F.scaled_dot_product_attention(q, k, v)\n",
                    "import helpers\ny = helpers.F.scaled_dot_product_attention(q, k, v)\n",
                    "import helpers\ny = helpers.torch.nn.functional.scaled_dot_product_attention(q, k, v)\n",
                    "from helpers import *\ny = F.scaled_dot_product_attention(q, k, v)\n",
                    "from helpers import *\nG = F\ny = G.scaled_dot_product_attention(q, k, v)\n"):
        found = check_policy({"transformer.py": covered, "helpers.py": helpers}, [SDPA_RULE])
        assert any(v.line == covered.count("\n") and SDPA in v.what for v in found), covered


def test_detour_in_an_imported_helper_counts():
    sources = {"transformer.py": "import helpers\n", "helpers.py": "def f(o, n):\n    return getattr(o, n)\n"}
    found = check_policy(sources, [_rule(files=("transformer.py",), banned_names=(SDPA,))])
    assert [(v.file, v.line) for v in found] == [("transformer.py", 1)]
    assert "helpers.py:2: uses getattr()" in found[0].what


def test_rule_covering_every_file_reports_each_file_once():
    rule = _rule(banned_modules=("numpy",), detours=False)
    found = check_policy({"a.py": "import b\n", "b.py": "import numpy\n"}, [rule])
    assert [(v.file, v.line) for v in found] == [("b.py", 1)]


# ---------------------------------------------------------------------------
# detours


@pytest.mark.parametrize("source", [
    # importlib and friends
    "import importlib\nm = importlib.import_module('torch')",
    "from importlib import import_module",
    "import importlib.util",
    "from importlib.util import find_spec",
    "import importlib as il",
    "def f():\n    import importlib\n    return importlib",
    "import runpy",
    "import imp",
    "import pkgutil",
    "import ctypes",
    "from ctypes import pythonapi",
    "import pickle",
    "from pickle import loads",
    "import marshal",
    "import inspect",
    "from inspect import currentframe",
    "import builtins",
    "import builtins as b\nb.getattr",
    "from builtins import getattr as g",
    "from builtins import compile",
    "import subprocess",
    "import pydoc\npydoc.locate('x')",
    "from unittest import mock",
    "import code",
    # __import__
    "m = __import__('torch')",
    "_imp = __import__\nm = _imp('torch')",
    "import builtins\nbuiltins.__import__('torch')",
    "m = __builtins__.__import__('torch')",
    "m = __builtins__['__import__']('torch')",
    "m = x.__import__('torch')",
    # getattr and the namespace built-ins
    "f = getattr(F, 'x')",
    "g = getattr",
    "f = [getattr][0](F, 'x')",
    "n = vars(F)",
    "g = globals()",
    "l = locals()",
    "setattr(F, 'x', 1)",
    "delattr(F, 'x')",
    # namespaces, frames, code
    "d = F.__dict__",
    "d = type(F).__dict__['x']",
    "f = object.__getattribute__(F, 'x')",
    "f = F.__getattr__('x')",
    "b = f.__builtins__",
    "g = f.__globals__",
    "s = object.__subclasses__()",
    "c = f.__code__",
    "c = f.__closure__[0].cell_contents",
    "m = print.__self__",
    "l = __loader__",
    "s = __spec__",
    "import sys\nm = sys.modules['torch']",
    "from sys import modules",
    "import sys\nf = sys._getframe(1)",
    "import sys\nf = sys._getframe().f_back.f_globals",
    "import sys as s\nm = s.modules",
    "import sys\nsys.meta_path.append(x)",
    "try:\n    1 / 0\nexcept Exception as e:\n    g = e.__traceback__.tb_frame.f_globals",
    "import operator\nf = operator.attrgetter('x')",
    "from operator import attrgetter",
    "from operator import methodcaller as mc",
    "import operator as op\nf = op.methodcaller('x')",
    "import types\nf = types.FunctionType(c, {})",
    "from types import CodeType",
    "import gc\nobjs = gc.get_objects()",
    "import os\nos.system('python -c 1')",
    "import os\nos.execv('/bin/sh', [])",
    "import string\nv = string.Formatter().get_field('0.x', [F], {})",
    "import typing\nh = typing.get_type_hints(f)",
    # exec, eval, compile: called or taken as a value
    "exec('import torch')",
    "y = eval('1')",
    "e = eval",
    "f = (lambda: eval)()",
    "c = compile('1', 'x', 'eval')",
    "import builtins\nc = builtins.compile('1', 'x', 'eval')",
    "def f(run=exec):\n    run('1')",
    "class A:\n    x = eval('1')",
    "y = [eval(s) for s in xs]",
    # a class pattern looks attributes up by name
    "match F:\n    case object(__dict__=d):\n        pass",
])
def test_detour_caught(source):
    found = _check(source)
    assert any("way around the import policy" in v.what for v in found), source


@pytest.mark.parametrize("source", [
    # a top-level def only shadows the built-in from its body on
    "y = eval('1')\ndef eval(x):\n    return x",
    "def eval(x, _real=eval):\n    return x",
    "_e = (lambda: eval)()\ndef eval(x):\n    return x",
    # conditional or class-level bindings don't shadow at module level
    "if False:\n    def eval(x):\n        return x\ny = eval('1')",
    "class A:\n    def eval(self):\n        return 1\n    y = eval('1')",
    # a function-local binding elsewhere doesn't shadow this scope
    "def f():\n    eval = 1\n    return eval\ny = eval('1')",
    # del or global makes the binding unreliable
    "def eval(x):\n    return x\ndel eval\ny = eval('1')",
    "def compile(x):\n    return x\ndef g():\n    global compile\n    compile = None\ny = compile('1', 'x', 'eval')",
    # a global declaration inside the function means the built-in
    "def f():\n    global vars\n    return vars()",
    # a comprehension's first iterable is evaluated outside it
    "y = [1 for eval in eval('[1]')]",
])
def test_rebinding_tricks_do_not_hide_a_detour_builtin(source):
    assert any("way around" in v.what for v in _check(source)), source


@pytest.mark.parametrize("source", [
    "import torch\nmods = [torch.nn.functional]\ny = mods[0].scaled_dot_product_attention(q, k, v)",
    "import torch\ny = [torch][0].nn.functional.scaled_dot_product_attention(q, k, v)",
    "import torch\ny = (torch if q else None).nn.functional.scaled_dot_product_attention(q, k, v)",
    "import torch.nn.functional as F\ndef get():\n    return F\ny = get().scaled_dot_product_attention(q, k, v)",
    "import torch.nn.functional as F\ndef f(q, k, v, m=F):\n    return m.scaled_dot_product_attention(q, k, v)",
    "import torch\nclass A:\n    def __init__(self):\n        self.F = torch.nn.functional",
    "import torch\nclass A:\n    F = torch.nn.functional\n    def f(self, q, k, v):\n        return self.F.scaled_dot_product_attention(q, k, v)",
    "import torch\ndef helper(mod):\n    return mod.scaled_dot_product_attention\nhelper(torch.nn.functional)",
    "import torch\nm, = (torch._C._nn,)",
    "import torch\nfor m in (torch.ops.aten,):\n    pass",
    "import torch\nmatch torch.nn.functional:\n    case object(scaled_dot_product_attention=f):\n        pass",
    "class A:\n    from torch.nn import functional as F\n    def f(self, q, k, v):\n"
    "        return self.F.scaled_dot_product_attention(q, k, v)",
    "class A:\n    import torch.nn.functional as F",
    "import torch\nm = [torch.nn.modules.activation][0]\ny = m.F.scaled_dot_product_attention(q, k, v)",
])
def test_banned_module_passed_around_as_a_value(source):
    found = _check(source)
    assert any("as a value" in v.what or "class pattern" in v.what for v in found), source


@pytest.mark.parametrize("source", [
    "y = [m][0].scaled_dot_product_attention(q, k, v)",
    "y = (a or b).scaled_dot_product_attention(q, k, v)",
    "y = (lambda: m)().scaled_dot_product_attention(q, k, v)",
    "y = {'m': m}['m'].scaled_dot_product_attention",
])
def test_banned_name_looked_up_on_a_computed_object(source):
    assert any("computed object" in v.what for v in _check(source)), source


@pytest.mark.parametrize("source", [
    "f = getattr(F, 'scaled_dot_product_attention')",
    "name = 'scaled_dot_product_attention'",
    "names = ['scaled_dot_product_attention ']",
    "path = 'torch.nn.functional.scaled_dot_product_attention'",
    "op = 'aten::scaled_dot_product_attention'",
    "src = 'def f(q, k, v):\\n    return F.scaled_dot_product_attention(q, k, v)'",
    "blob = b'\\x8c\\x13torch.nn.functional\\x8c\\x1cscaled_dot_product_attention\\x93'",
    "f = f'{x}.scaled_dot_product_attention'",
])
def test_string_spelling_a_banned_name(source):
    found = _check(source)
    assert any("has the string" in v.what for v in found), source


def test_strings_only_count_in_covered_files():
    rule = _rule(files=("transformer.py",), banned_names=(SDPA,))
    sources = {"transformer.py": "import helpers\n", "helpers.py": "NAME = 'scaled_dot_product_attention'\n"}
    assert check_policy(sources, [rule]) == []


def test_detours_off():
    rule = _rule(banned_names=(SDPA,), detours=False)
    assert _check("import importlib\nf = getattr(F, 'scaled_dot_product_attention')\ne = eval('1')", rule) == []


def test_detour_only_rule():
    rule = _rule()
    assert _check("import torch\nx = torch.zeros(3)", rule) == []
    assert _check("x = eval('1')", rule)


# ---------------------------------------------------------------------------
# honest code is never flagged


AUTOGRAD_PY = '''
"""A scalar autograd engine (micrograd style)."""

from __future__ import annotations

import math
from collections.abc import Callable


class Value:
    """A scalar with a gradient; backward() fills .grad of every node."""

    __slots__ = ("data", "grad", "_backward", "_prev", "_op")

    def __init__(self, data: float, _children: tuple[Value, ...] = (), _op: str = "") -> None:
        self.data = float(data)
        self.grad = 0.0
        self._backward: Callable[[], None] = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k: float) -> Value:
        out = Value(self.data ** k, (self,), f"**{k}")

        def _backward() -> None:
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward() -> None:
            self.grad += (1 - t * t) * out.grad

        out._backward = _backward
        return out

    def exp(self) -> Value:
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log of a non-positive value {self.data!r}")
        out = Value(math.log(self.data), (self,), "log")

        def _backward() -> None:
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward() -> None:
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    def backward(self) -> None:
        topo: list[Value] = []
        visited: set[int] = set()

        def build(v: Value) -> None:
            if id(v) not in visited:
                visited.add(id(v))
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()

    def __neg__(self) -> Value:
        return self * -1

    def __sub__(self, other: Value | float) -> Value:
        return self + (-other)

    def __truediv__(self, other: Value | float) -> Value:
        return self * other ** -1

    __radd__ = __add__
    __rmul__ = __mul__

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"
'''

MLP_PY = '''
"""Forward and manual backward of a 2-layer MLP with torch tensors."""

from __future__ import annotations

import torch
from torch import Tensor

from autograd import Value


def softmax_cross_entropy(logits: Tensor, targets: Tensor) -> tuple[Tensor, Tensor]:
    shifted = logits - logits.max(dim=1, keepdim=True).values
    exp = torch.exp(shifted)
    probs = exp / exp.sum(dim=1, keepdim=True)
    n = logits.shape[0]
    loss = -torch.log(probs[torch.arange(n), targets]).mean()
    dlogits = probs.clone()
    dlogits[torch.arange(n), targets] -= 1
    return loss, dlogits / n


def mlp_forward_backward(x, y, W1, b1, W2, b2, activation="tanh"):
    if activation not in ("tanh", "relu"):
        raise ValueError(f"activation must be 'tanh' or 'relu', not {activation!r}")
    h_pre = x @ W1 + b1
    h = torch.tanh(h_pre) if activation == "tanh" else torch.relu(h_pre)
    logits = h @ W2 + b2
    loss, dlogits = softmax_cross_entropy(logits, y)
    grads = {"logits": dlogits, "W2": h.T @ dlogits, "b2": dlogits.sum(0)}
    grads["h"] = dlogits @ W2.T
    local = 1 - h * h if activation == "tanh" else (h_pre > 0).to(x.dtype)
    grads["h_pre"] = grads["h"] * local
    grads["W1"] = x.T @ grads["h_pre"]
    grads["b1"] = grads["h_pre"].sum(0)
    grads["x"] = grads["h_pre"] @ W1.T
    return loss, grads


def scalar_check() -> float:
    a = Value(2.0)
    b = (a * a).tanh()
    b.backward()
    return a.grad
'''

OPTIM_PY = '''
"""AdamW, gradient clipping and loss scaling, written by hand."""

from __future__ import annotations

import math

import torch


def adamw_step(params, grads, state, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
    beta1, beta2 = betas
    with torch.no_grad():
        for i, (p, g) in enumerate(zip(params, grads)):
            if g is None:
                continue
            s = state.setdefault(i, {"step": 0, "exp_avg": torch.zeros_like(p), "exp_avg_sq": torch.zeros_like(p)})
            s["step"] += 1
            p.mul_(1 - lr * weight_decay)
            s["exp_avg"].mul_(beta1).add_(g, alpha=1 - beta1)
            s["exp_avg_sq"].mul_(beta2).addcmul_(g, g, value=1 - beta2)
            bias1 = 1 - beta1 ** s["step"]
            bias2 = 1 - beta2 ** s["step"]
            denom = (s["exp_avg_sq"] / bias2).sqrt().add_(eps)
            p.addcdiv_(s["exp_avg"], denom, value=-lr / bias1)


def clip_grad_norm_(params, max_norm: float) -> torch.Tensor:
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    coef = min(1.0, max_norm / (float(total) + 1e-6))
    for g in grads:
        g.mul_(coef)
    return total


class LossScaler:
    def __init__(self, init_scale: float = 2.0 ** 16, growth_interval: int = 2000) -> None:
        self.scale = init_scale
        self.growth_interval = growth_interval
        self._good_steps = 0

    def step(self, params) -> bool:
        finite = all(p.grad is None or bool(torch.isfinite(p.grad).all()) for p in params)
        if not finite:
            self.scale /= 2
            self._good_steps = 0
            return False
        for p in params:
            if p.grad is not None:
                p.grad.div_(self.scale)
        self._good_steps += 1
        if self._good_steps % self.growth_interval == 0:
            self.scale *= 2
        return math.isfinite(self.scale)
'''

TRANSFORMER_PY = '''
"""A decoder-only transformer written from its equations."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["scaled_dot_product_attention", "rms_norm", "Transformer"]


def rms_norm(x: Tensor, weight: Tensor, eps: float = 1e-6) -> Tensor:
    """Like torch.nn.functional.rms_norm, written out."""
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None) -> Tensor:
    """Same contract as F.scaled_dot_product_attention with a boolean mask (True = attend)."""
    scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.matmul(F.softmax(scores, dim=-1), v)


class Block(nn.Module):
    def __init__(self, d: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.out = nn.Linear(d, d, bias=False)
        self.up = nn.Linear(d, 4 * d, bias=False)
        self.down = nn.Linear(4 * d, d, bias=False)
        self.norm1 = nn.Parameter(torch.ones(d))
        self.norm2 = nn.Parameter(torch.ones(d))
        self.act = F.silu
        self.activations = {"silu": F.silu, "gelu": F.gelu, "tanh": torch.tanh}

    def rms_norm(self, x: Tensor, weight: Tensor) -> Tensor:
        return rms_norm(x, weight)

    def scaled_dot_product_attention(self, q, k, v, mask=None):
        return scaled_dot_product_attention(q, k, v, mask)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.rms_norm(x, self.norm1)).split(d, dim=-1)
        q, k, v = (z.view(b, t, self.heads, -1).transpose(1, 2) for z in (q, k, v))
        y = self.scaled_dot_product_attention(q, k, v, mask)
        x = x + self.out(y.transpose(1, 2).reshape(b, t, d))
        return x + self.down(self.act(self.up(self.rms_norm(x, self.norm2))))


class Transformer(nn.Module):
    def __init__(self, vocab: int, d: int, heads: int, layers: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))

    @torch.no_grad()
    def generate(self, ids: Tensor, steps: int) -> Tensor:
        self.eval()
        for _ in range(steps):
            logits = self(ids)[:, -1, :]
            ids = torch.cat([ids, logits.argmax(dim=-1, keepdim=True)], dim=1)
        return ids

    def forward(self, ids: Tensor) -> Tensor:
        t = ids.shape[1]
        mask = torch.ones(t, t, dtype=torch.bool).tril()
        x = self.embed(ids)
        for i, block in enumerate(self.blocks):
            x = self.blocks[i](x, mask) if i % 2 else block(x, mask)
        attn = self.blocks[0].scaled_dot_product_attention
        assert callable(attn), "scaled_dot_product_attention: not callable"
        return x @ self.embed.weight.T
'''

LSTM_PY = '''
"""An LSTM from its equations, PyTorch's weight layout and gate order."""

from __future__ import annotations

import torch
from torch import Tensor


class LSTMCell(torch.nn.Module):
    """One step; same weights as torch.nn.LSTMCell."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.weight_ih = torch.nn.Parameter(torch.randn(4 * hidden_size, input_size))
        self.weight_hh = torch.nn.Parameter(torch.randn(4 * hidden_size, hidden_size))
        self.bias = torch.nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        h, c = state
        gates = x @ self.weight_ih.T + h @ self.weight_hh.T + self.bias
        i, f, g, o = gates.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c


def lstm_cell(x, h, c, w_ih, w_hh, b):
    return LSTMCell.forward_with(x, h, c, w_ih, w_hh, b) if False else None


def lstm(xs: Tensor, layers: list[LSTMCell]) -> Tensor:
    h = [torch.zeros(xs.shape[1], cell.weight_hh.shape[1]) for cell in layers]
    c = [torch.zeros_like(z) for z in h]
    outs = []
    for x in xs:
        for l, cell in enumerate(layers):
            h[l], c[l] = cell(x, (h[l], c[l]))
            x = h[l]
        outs.append(x)
    model = LSTMCell(3, 4)
    with torch.no_grad():
        _ = model.eval()
    return torch.stack(outs)
'''

TOKENIZER_PY = '''
"""Byte-level BPE with the GPT-2 pre-tokenization pattern."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from re import compile as re_compile

GPT2_SPLIT_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\\sA-Za-z0-9]+|\\s+(?!\\S)|\\s+"""
_PRETOKENIZE = re.compile(GPT2_SPLIT_PATTERN)
_WORD = re_compile(r"\\w+")


def compile_merges(text: str, vocab_size: int) -> dict[tuple[int, int], int]:
    words = Counter(tuple(w.encode("utf-8")) for w in _PRETOKENIZE.findall(text))
    merges: dict[tuple[int, int], int] = {}
    for new_id in range(256, vocab_size):
        pairs: defaultdict[tuple[int, int], int] = defaultdict(int)
        for word, n in words.items():
            for pair in zip(word, word[1:]):
                pairs[pair] += n
        if not pairs:
            break
        best = max(pairs, key=lambda p: (pairs[p], p))
        merges[best] = new_id
        words = Counter({_merge(w, best, new_id): n for w, n in words.items()})
    return merges


def _merge(word, pair, new_id):
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def eval(tokens: list[int], merges) -> float:
    """Compression ratio (the student's own `eval`)."""
    return len(tokens) / max(1, len(merges))


def report(text: str, vars: dict[str, int] | None = None) -> str:
    compile = re.compile(r"\\s+")
    parts = compile.split(text)
    return f"{len(parts)} parts, ratio {eval([1, 2], {})}, {vars or {}}"
'''


@pytest.mark.parametrize("sources, rules", [
    ({"autograd.py": AUTOGRAD_PY, "mlp.py": MLP_PY, "optim.py": OPTIM_PY},
     [STDLIB_ONLY_RULE, OPTIM_RULE,
      _rule(files=("mlp.py",), banned_names=("torch.autograd", "torch.nn.functional.cross_entropy",
                                             "torch.nn.functional.softmax", "torch.softmax", "torch.func"))]),
    ({"transformer.py": TRANSFORMER_PY}, [TRANSFORMER_RULE, SDPA_RULE]),
    ({"lstm.py": LSTM_PY}, [LSTM_RULE]),
    ({"bpe.py": TOKENIZER_PY}, [TOKENIZER_RULE, _rule(banned_names=("tiktoken.get_encoding",))]),
], ids=["03-autograd-mlp-optim", "05-transformer", "04-lstm", "01-tokenizer"])
def test_honest_code_is_never_flagged(sources, rules):
    assert check_policy(sources, rules) == [], _whats(check_policy(sources, rules))


@pytest.mark.parametrize("source", [
    "import regex\nWORD = regex.compile(r'\\p{L}+')",
    "import re\nclass T:\n    pattern = re.compile('a')\n    def f(self):\n        return self.pattern.compile",
    "import torch\nmodel = torch.nn.Linear(2, 2)\nmodel.eval()\nmodel.compile()",
    "def f(locals, globals):\n    return [locals, globals]",
    "def f():\n    vars = {'a': 1}\n    return vars['a']",
    "def f(x):\n    def g():\n        return compile(x)\n    compile = str\n    return g()",
    "from re import compile\nP = compile('a+')",
    "def f():\n    from re import compile\n    return compile('a')",
    "y = [vars for vars in range(3)]",
    "import operator\nimport functools\ntotal = functools.reduce(operator.add, [1, 2])",
    "import types\nns = types.SimpleNamespace(a=1)",
    "import gc\ngc.collect()",
    "import os\npath = os.path.join('a', 'b')",
    "import sys\nprint(sys.version_info, sys.path[0], file=sys.stderr)",
    "class Config:\n    def __getattr__(self, name):\n        raise AttributeError(name)",
    "class Value:\n    def backward(self):\n        pass\nv = Value()\nv.backward()",
    "optim = {'lr': 1e-3}\nx = optim['lr']",
    "def scaled_dot_product_attention(q, k, v):\n    return q\ny = scaled_dot_product_attention(1, 2, 3)",
    "import torch\nclass M(torch.nn.Module):\n    def rms_norm(self, x):\n        return x\n    def forward(self, x):\n        return self.rms_norm(x)",
    "import torch\nraise ValueError('scaled_dot_product_attention: q and k must share their last dim')",
    "import torch\nact = {'relu': torch.relu, 'tanh': torch.tanh}\nF = torch.nn.functional\ny = F.silu(torch.ones(2))",
    "import torch\nlayers = {'lin': torch.nn.Linear, 'emb': torch.nn.Embedding}\ndt = [torch.float32, torch.float64]",
    "import torch\nclass B(torch.nn.Module):\n    def rms_norm(self, x):\n        return x\n"
    "class C(B):\n    def rms_norm(self, x):\n        return super().rms_norm(x) + self.blocks[0].rms_norm(x)",
    "class A:\n    import math\n    from collections import OrderedDict",
])
def test_honest_snippets_are_not_flagged(source):
    found = _check(source, TRANSFORMER_RULE)
    assert found == [], _whats(found)


# ---------------------------------------------------------------------------
# files, parsing, ordering


def test_unparseable_file_gives_nothing():
    sources = {"transformer.py": "import torch.nn.functional as F\ndef f(:\n  F.scaled_dot_product_attention"}
    assert check_policy(sources, [SDPA_RULE]) == []


@pytest.mark.parametrize("source", [
    "\ufeffimport torch.nn.functional as F\nF.scaled_dot_product_attention\n",  # a BOM, as an editor saves it
    "# coding: utf-7\n# +AAo-import torch.nn.functional as F+AAo-F.scaled_dot_product_attention\n",
])
def test_file_is_read_as_the_import_system_reads_it(source):
    found = check_policy({"transformer.py": source}, [SDPA_RULE])
    assert any(SDPA in v.what for v in found), source


@pytest.mark.parametrize("errors, words", [
    ("surrogateescape", "imports 'torch'"),  # exact bytes: read as Python reads them
    ("replace", "declares the source encoding 'latin-1'"),  # bytes lost: fail closed
])
def test_foreign_source_encoding(errors, words):
    raw = b"# -*- coding: latin-1 -*-\ncaf\xe9 = 1\nimport torch\n"
    compile(raw, "autograd.py", "exec")  # Python imports it
    found = check_policy({"autograd.py": raw.decode("utf-8", errors=errors)}, [STDLIB_ONLY_RULE])
    assert len(found) == 1 and words in found[0].what


def test_unparseable_utf8_file_with_a_cookie_gives_nothing():
    assert check_policy({"autograd.py": "# coding: utf-8\ndef f(:\n"}, [STDLIB_ONLY_RULE]) == []
    assert check_policy({"autograd.py": "# coding: no-such-codec\nimport torch\n"}, [STDLIB_ONLY_RULE]) == []


def test_unicode_lookalike_identifiers_are_the_same_names():
    found = _check("ｇｅｔａｔｔｒ(F, 'x')\nimport torch\ntorch.nn.functional.ｓｃａｌｅｄ_dot_product_attention\n")
    assert {v.line for v in found} == {1, 3}


def test_unparseable_imported_helper_gives_nothing():
    assert check_policy({"autograd.py": "import helpers\n", "helpers.py": "import torch\n)"},
                        [STDLIB_ONLY_RULE]) == []


def test_rule_files_missing_from_the_submission_are_skipped():
    rule = _rule(files=("missing.py", "autograd.py"), banned_modules=("torch",))
    assert check_policy({"autograd.py": "import math\n"}, [rule]) == []
    assert check_policy({}, [rule]) == []


def test_rule_covers_only_its_files():
    sources = {"autograd.py": "import numpy\n", "mlp.py": "import numpy\n"}
    assert [v.file for v in check_policy(sources, [STDLIB_ONLY_RULE])] == ["autograd.py"]


def test_order_is_deterministic_and_each_violation_carries_its_rule():
    sources = {"b.py": "import numpy\nx = eval('1')\n", "a.py": "import importlib\nimport numpy\n"}
    rules = [_rule(banned_modules=("numpy",), reason="no numpy", guards=("t::numpy",)),
             _rule(reason="no tricks", guards=("t::tricks",))]
    found = check_policy(sources, rules)
    assert found == check_policy(dict(reversed(sources.items())), list(reversed(rules)))
    assert [(v.file, v.line) for v in found] == sorted((v.file, v.line) for v in found)
    assert {(v.file, v.line, v.reason, v.guards) for v in found} == {
        ("a.py", 1, "no numpy", ("t::numpy",)), ("a.py", 1, "no tricks", ("t::tricks",)),
        ("a.py", 2, "no numpy", ("t::numpy",)),
        ("b.py", 1, "no numpy", ("t::numpy",)),
        ("b.py", 2, "no numpy", ("t::numpy",)), ("b.py", 2, "no tricks", ("t::tricks",)),
    }


# ---------------------------------------------------------------------------
# guards


def test_guarded_matches_test_ids_with_fnmatch():
    attention = Violation("transformer.py", 3, "uses x", "r", (ATTENTION_GUARD,))
    optimizer = Violation("optim.py", 1, "uses y", "r", ("tests/hidden/test_optim_hidden.py::test_adamw*",
                                                         "tests/public/test_optim.py::*"))
    everything = Violation("bpe.py", 1, "uses z", "r", ("*",))
    violations = [attention, optimizer, everything]
    assert guarded("tests/hidden/test_attention_hidden.py::test_x", violations) == [attention, everything]
    assert guarded("tests/public/test_attention.py::test_mask[float32]", violations) == [attention, everything]
    assert guarded("tests/hidden/test_optim_hidden.py::test_adamw_100_steps", violations) == [optimizer, everything]
    assert guarded("tests/hidden/test_optim_hidden.py::test_clip", violations) == [everything]
    assert guarded("tests/public/test_optim.py::test_clip", violations) == [optimizer, everything]
    assert guarded("tests/public/test_optim.py::test_clip", [attention]) == []
    assert guarded("TESTS/hidden/test_attention_hidden.py::test_x", [attention]) == []


def test_guarded_on_real_violations():
    found = check_policy({"transformer.py": "import torch.nn.functional as F\nF.scaled_dot_product_attention\n"},
                         [SDPA_RULE])
    assert found and guarded("tests/hidden/test_attention_hidden.py::test_x", found) == found
    assert guarded("tests/hidden/test_rope_hidden.py::test_x", found) == []


# ---------------------------------------------------------------------------
# the rule model


def test_rule_round_trips_a_manifest_table():
    rule = PolicyRule.model_validate({
        "files": ["autograd.py"], "banned_modules": ["torch", "numpy"], "guards": ["tests/*::test_value*"],
        "reason": "autograd.py is plain Python and math only",
    })
    assert rule.detours is True and rule.banned_names == ()
    with pytest.raises(ValidationError):
        rule.reason = "changed"  # frozen


@pytest.mark.parametrize("table, words", [
    ({"reason": "r"}, "guards"),
    ({"guards": [], "reason": "r"}, "guards"),
    ({"guards": [" "], "reason": "r"}, "guard is empty"),
    ({"guards": ["*"]}, "reason"),
    ({"guards": ["*"], "reason": "two\nlines"}, "one non-empty line"),
    ({"guards": ["*"], "reason": "r", "files": ["../x.py"]}, "not a submitted module file name"),
    ({"guards": ["*"], "reason": "r", "files": ["a.py", "a.py"]}, "listed twice"),
    ({"guards": ["*"], "reason": "r", "banned_names": ["rms_norm"]}, "fully qualified"),
    ({"guards": ["*"], "reason": "r", "banned_modules": ["torch nn"]}, "not a module name"),
    ({"guards": ["*"], "reason": "r", "detours": False}, "bans nothing"),
    ({"guards": ["*"], "reason": "r", "colour": 3}, "colour"),
])
def test_rule_mistakes_are_explained(table, words):
    with pytest.raises(ValidationError) as info:
        PolicyRule.model_validate(table)
    assert words in str(info.value)
