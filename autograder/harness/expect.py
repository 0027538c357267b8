"""Comparisons for values that came back from the student's code.

Why not ``assert actual == pytest.approx(expected)``? Because pytest's approx
compares element-wise and does not check the *shape* of what it is given:
``ApproxScalar`` against an array is ``all(self == a for a in array.flat)``,
and ``all([])`` is True. So a student who returns an empty array passes every
``== pytest.approx(0.5)``, and one who returns ``np.full(10, 0.5)`` where a
single number is asked for passes too. The same hole lets an empty list or a
list of copies through comparisons nested inside lists.

`assert_close` and `assert_equal` check the structure first: a number must be
a number (a Python number, a numpy scalar or a 0-dim array/tensor; not a list,
not an n-dim array, not a string, not None), an array must be an array of the
expected shape, a list/tuple must be a sequence of the expected length, a dict
must have the expected keys. Only then do they compare values, with exactly the
tolerances `pytest.approx` would use (``rel``/``abs``/``nan_ok`` mean the same
and have the same defaults). Failures raise AssertionError with one short line
that names `what` (the value being checked) and, for a mismatch, the first
differing index with the expected and actual values; students read it.

Deliberately stricter than pytest.approx: a bool is not accepted where a number
is expected and a number is not accepted where a bool is expected.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from decimal import Decimal
from numbers import Number
from typing import Any, NoReturn

import numpy as np
import pytest

__all__ = ["assert_close", "assert_equal"]

_REPR_CHARS = 60


def assert_close(
    actual: Any,
    expected: Any,
    *,
    rel: float | None = None,
    abs: float | None = None,  # noqa: A002 - the name pytest.approx uses
    nan_ok: bool = False,
    what: str = "the result",
) -> None:
    """Assert that `actual` has the structure of `expected` and its numbers are within tolerance.

    `expected` may be a number, a numpy array or torch tensor, a list/tuple or a
    dict of any of these (nested). Tolerances are those of
    ``pytest.approx(expected, rel=rel, abs=abs, nan_ok=nan_ok)``.
    """
    __tracebackhide__ = True
    _Compare(rel=rel, abs_=abs, nan_ok=nan_ok, exact=False, dtype=False).check(actual, expected, what)


def assert_equal(actual: Any, expected: Any, *, dtype: bool = False, what: str = "the result") -> None:
    """Assert that `actual` has the structure of `expected` and equal values (no tolerance).

    An int expected is matched by an equal float unless `dtype=True`, which also
    requires the same kind of number (bool / integer / float / complex) for
    scalars and arrays. NaN never equals NaN, as with ``==``.
    """
    __tracebackhide__ = True
    _Compare(rel=None, abs_=None, nan_ok=False, exact=True, dtype=dtype).check(actual, expected, what)


# --- classification ---------------------------------------------------------------------------


def _is_tensor(value: Any) -> bool:
    if not type(value).__module__.startswith("torch"):
        return False
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _tensor_to_numpy(value: Any) -> np.ndarray:
    import torch  # only reached for a tensor, so torch is already imported

    t = value.detach().cpu()
    if t.dtype in (torch.bfloat16,) or str(t.dtype).startswith("torch.float8"):
        t = t.float()
    return t.resolve_conj().resolve_neg().numpy()


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _is_number(value: Any) -> bool:
    """A Python or numpy scalar number or bool (not a 0-dim array)."""
    return isinstance(value, (Number, np.bool_, np.number))


def _as_array(value: Any) -> np.ndarray | None:
    """numpy arrays and torch tensors as an ndarray; anything else None."""
    if isinstance(value, np.ndarray):
        return value
    if _is_tensor(value):
        return _tensor_to_numpy(value)
    return None


def _kind(dtype_kind: str) -> str:
    return {"b": "bool", "i": "integer", "u": "integer", "f": "float", "c": "complex"}.get(dtype_kind, "other")


def _scalar_kind(value: Any) -> str:
    if _is_bool(value):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "integer"
    if isinstance(value, (float, np.floating, Decimal)):
        return "float"
    if isinstance(value, (complex, np.complexfloating)):
        return "complex"
    return "other"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _REPR_CHARS else text[: _REPR_CHARS - 3] + "..."


def _nan_note(expected: Any, actual: Any) -> str:
    try:
        both_nan = math.isnan(abs(expected)) and math.isnan(abs(actual))
    except (TypeError, ValueError):
        return ""
    return " (NaN matches NaN only with nan_ok=True)" if both_nan else ""


def _describe(value: Any) -> str:
    """A few words about what a value is (no contents): for the structural messages."""
    if value is None:
        return "None"
    if _is_bool(value):
        return f"a bool ({value!r})"
    if _is_number(value):
        return f"a number ({_short(value)})"
    array = _as_array(value)
    if array is not None:
        noun = "tensor" if _is_tensor(value) else "array"
        if array.size == 0:
            return f"an empty {noun} (shape {tuple(array.shape)})"
        if array.ndim == 0:
            return f"a 0-dim {noun} ({_short(array.item())})"
        return f"a {array.dtype} {noun} of shape {tuple(array.shape)}"
    if isinstance(value, (list, tuple)):
        noun = type(value).__name__
        return f"an empty {noun}" if not value else f"a {noun} of {len(value)} item{'s' * (len(value) != 1)}"
    if isinstance(value, Mapping):
        return f"a dict of {len(value)} key{'s' * (len(value) != 1)}"
    if isinstance(value, (str, bytes)):
        return f"a {type(value).__name__} ({_short(value)})"
    return f"a {type(value).__name__}"


def _expected_words(expected: Any) -> str:
    if _is_bool(expected):
        return "a bool"
    if _is_number(expected):
        return "a number"
    if isinstance(expected, np.ndarray) and expected.ndim == 0:
        return "a bool" if expected.dtype.kind == "b" else "a number"
    return _describe(expected)


# --- comparison -------------------------------------------------------------------------------


class _Compare:
    def __init__(self, *, rel: float | None, abs_: float | None, nan_ok: bool, exact: bool, dtype: bool):
        for name, tol in (("rel", rel), ("abs", abs_)):
            if tol is not None and (not isinstance(tol, (int, float, Decimal)) or _is_bool(tol)):
                raise TypeError(f"{name} must be a number, got {type(tol).__name__}")
            if tol is not None and (math.isnan(tol) or tol < 0):
                raise ValueError(f"{name} tolerance must be a non-negative number, got {tol!r}")
        self.rel, self.abs, self.nan_ok, self.exact, self.dtype = rel, abs_, nan_ok, exact, dtype

    def fail(self, where: str, message: str) -> NoReturn:
        __tracebackhide__ = True
        raise AssertionError(f"{where}: {message}")

    def check(self, actual: Any, expected: Any, where: str) -> None:
        __tracebackhide__ = True
        if _is_tensor(expected):
            expected = _tensor_to_numpy(expected)
        if isinstance(expected, np.ndarray) and expected.ndim == 0:
            expected = expected[()]  # a numpy scalar
        if _is_number(expected):
            self.scalar(actual, expected, where)
        elif isinstance(expected, np.ndarray):
            self.array(actual, expected, where)
        elif isinstance(expected, Mapping):
            self.mapping(actual, expected, where)
        elif isinstance(expected, (list, tuple)):
            self.sequence(actual, expected, where)
        elif expected is None:
            if actual is not None:
                self.fail(where, f"expected None, got {_describe(actual)}")
        elif isinstance(expected, (str, bytes)):
            if type(actual) is not type(expected) or actual != expected:
                self.fail(where, f"expected {_short(expected)}, got {_short(actual) if isinstance(actual, (str, bytes)) else _describe(actual)}")
        else:
            if not isinstance(actual, type(expected)) or not bool(actual == expected):
                self.fail(where, f"expected {_short(expected)}, got {_describe(actual)}")

    # scalars

    def scalar(self, actual: Any, expected: Any, where: str) -> None:
        __tracebackhide__ = True
        if isinstance(actual, np.ndarray) or _is_tensor(actual):
            array = _as_array(actual)  # never None for an array or a tensor
            if array is None or array.ndim != 0:
                self.fail(where, f"expected {_expected_words(expected)}, got {_describe(actual)}")
            actual = array[()]
        if not _is_number(actual):
            self.fail(where, f"expected {_expected_words(expected)}, got {_describe(actual)}")
        want, got = _scalar_kind(expected), _scalar_kind(actual)
        if (want == "bool") != (got == "bool"):
            self.fail(where, f"expected {_expected_words(expected)}, got {_describe(actual)}")
        if self.dtype and want != got:
            self.fail(where, f"expected {want} {_short(expected)}, got {got} {_short(actual)}")
        if self.exact:
            ok = bool(actual == expected)
        else:
            ok = pytest.approx(expected, rel=self.rel, abs=self.abs, nan_ok=self.nan_ok) == actual
        shown = self.shown(expected)
        if not ok:
            self.fail(where, f"expected {shown}, got {_short(actual)}{_nan_note(expected, actual)}")

    def shown(self, expected: Any) -> str:
        """The expected value for a message: with its tolerance (as pytest writes it) when there is one."""
        try:
            plain = self.exact or _is_bool(expected) or math.isnan(abs(expected))
        except (TypeError, ValueError):
            plain = True
        if plain:
            return _short(expected)
        return repr(pytest.approx(expected, rel=self.rel, abs=self.abs, nan_ok=self.nan_ok))

    # arrays

    def array(self, actual: Any, expected: np.ndarray, where: str) -> None:
        __tracebackhide__ = True
        got = _as_array(actual)
        if got is None:
            if not isinstance(actual, (list, tuple)):
                self.fail(where, f"expected an array of shape {expected.shape}, got {_describe(actual)}")
            try:
                got = np.asarray(actual)
            except (ValueError, TypeError):
                self.fail(where, f"expected an array of shape {expected.shape}, got a ragged {type(actual).__name__}")
        if got.size == 0 and expected.size != 0:
            self.fail(where, f"expected an array of shape {expected.shape}, got {_describe(got)}")
        if got.shape != expected.shape:
            self.fail(where, f"expected an array of shape {expected.shape}, got shape {got.shape}")
        want, have = expected.dtype.kind, got.dtype.kind
        if want not in "biufc" or have not in "biufc":
            if want in "biufc":
                self.fail(where, f"expected numbers, got an array of dtype {got.dtype}")
            self.elementwise(got, expected, where)
            return
        if (want == "b") != (have == "b"):
            self.fail(where, f"expected an array of dtype {expected.dtype}, got an array of dtype {got.dtype}")
        if self.dtype and _kind(want) != _kind(have):
            self.fail(where, f"expected an array of {_kind(want)}s, got an array of dtype {got.dtype}")
        ok = self.close_mask(got, expected)
        if not ok.all():
            bad = np.argwhere(~ok)
            index = tuple(int(i) for i in bad[0])
            e, a = expected[index].item(), got[index].item()
            shown = self.shown(e)
            at = index[0] if len(index) == 1 else index
            count = f"{len(bad)} of {expected.size} values differ; " if expected.size > 1 else ""
            self.fail(where, f"{count}at index {at}: expected {shown}, got {_short(a)}{_nan_note(e, a)}")

    def close_mask(self, got: np.ndarray, expected: np.ndarray) -> np.ndarray:
        """Element-wise pytest.approx (or ==) on two numeric arrays of the same shape, vectorised."""
        with np.errstate(all="ignore"):
            equal = np.asarray(got == expected)
            if self.exact or expected.dtype.kind == "b":
                return equal
            wide = np.complex128 if "c" in (got.dtype.kind, expected.dtype.kind) else np.float64
            e, a = expected.astype(wide), got.astype(wide)
            ae = np.abs(e)
            abs_tol = self.abs if self.abs is not None else 1e-12
            if self.rel is None and self.abs is not None:
                tol = np.full(e.shape, float(abs_tol))
            else:
                rel = self.rel if self.rel is not None else 1e-6
                tol = np.maximum(float(rel) * ae, float(abs_tol))
            within = np.isfinite(ae) & (np.abs(e - a) <= tol)
            nan_match = np.isnan(ae) & np.isnan(np.abs(a)) if self.nan_ok else np.zeros(e.shape, bool)
            return equal | within | nan_match

    def elementwise(self, got: np.ndarray, expected: np.ndarray, where: str) -> None:
        """Arrays of strings or objects: compare item by item."""
        __tracebackhide__ = True
        for index in np.ndindex(expected.shape):
            at = index[0] if len(index) == 1 else index
            self.check(got[index], expected[index], f"{where}[{at}]")

    # containers

    def sequence(self, actual: Any, expected: list | tuple, where: str) -> None:
        __tracebackhide__ = True
        array = _as_array(actual)
        if array is not None:
            if array.ndim == 0:
                self.fail(where, f"expected {_describe(expected)}, got {_describe(actual)}")
            actual = list(array)
        elif not isinstance(actual, (list, tuple)):
            self.fail(where, f"expected {_describe(expected)}, got {_describe(actual)}")
        if len(actual) != len(expected):
            self.fail(where, f"expected {_describe(expected)}, got {_describe(actual)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            self.check(a, e, f"{where}[{i}]")

    def mapping(self, actual: Any, expected: Mapping, where: str) -> None:
        __tracebackhide__ = True
        if not isinstance(actual, Mapping):
            self.fail(where, f"expected a dict, got {_describe(actual)}")
        missing = [k for k in expected if k not in actual]
        if missing:
            self.fail(where, f"missing key{'s' * (len(missing) > 1)} {_short(missing[:5])[1:-1]}")
        extra = [k for k in actual if k not in expected]
        if extra:
            self.fail(where, f"unexpected key{'s' * (len(extra) > 1)} {_short(extra[:5])[1:-1]}")
        for k, e in expected.items():
            self.check(actual[k], e, f"{where}[{k!r}]")
