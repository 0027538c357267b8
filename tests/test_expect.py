"""autograder.harness.expect (structure-checked comparisons) and the bare-approx lint."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from autograder.harness.expect import assert_close, assert_equal
from autograder.authoring.lints import lint_bare_approx

ROOT = Path(__file__).resolve().parents[1]


def fails(fn, *args, match: str | None = None, **kwargs) -> str:
    with pytest.raises(AssertionError, match=match) as err:
        fn(*args, **kwargs)
    return str(err.value)


# --- the hole this module closes ---------------------------------------------------------------


def test_pytest_approx_has_the_hole():
    """The reason for the module: pytest.approx accepts an empty array and an array of copies."""
    assert np.array([]) == pytest.approx(0.5)
    assert np.full(4, 0.5) == pytest.approx(0.5)


@pytest.mark.parametrize("empty", [np.array([]), np.zeros((0, 3)), torch.tensor([]), [], ()])
def test_empty_vs_scalar_fails(empty):
    message = fails(assert_close, empty, 0.5)
    assert "expected a number" in message and "empty" in message


@pytest.mark.parametrize("empty", [np.array([]), torch.tensor([]), []])
def test_empty_vs_nonempty_array_fails(empty):
    message = fails(assert_close, empty, np.array([1.0, 2.0]))
    assert "shape (2,)" in message and "empty" in message
    fails(assert_close, empty, [1.0, 2.0], match="empty")
    fails(assert_equal, empty, np.array([1, 2]), match="empty")


def test_empty_vs_empty_passes():
    assert_close(np.array([]), np.array([]))
    assert_close([], [])
    assert_equal(torch.zeros(0, 3), np.zeros((0, 3)))


@pytest.mark.parametrize("copies", [np.full(3, 0.5), torch.full((3,), 0.5), [0.5, 0.5], (0.5,), np.full((1, 1), 0.5)])
def test_array_of_copies_vs_scalar_fails(copies):
    fails(assert_close, copies, 0.5, match="expected a number")
    fails(assert_equal, copies, 0.5, match="expected a number")


@pytest.mark.parametrize("bad", [None, "0.5", b"0.5", {"x": 0.5}, object()])
def test_none_and_strings_are_not_numbers(bad):
    fails(assert_close, bad, 0.5, match="expected a number")
    fails(assert_close, bad, np.array([0.5]), match=r"shape \(1,\)")


def test_wrong_shapes_fail():
    fails(assert_close, np.zeros((2, 3)), np.zeros((3, 2)), match=r"shape \(3, 2\), got shape \(2, 3\)")
    fails(assert_close, torch.zeros(6), np.zeros((2, 3)), match="shape")
    fails(assert_close, [[1.0, 2.0], [3.0]], np.zeros((2, 2)), match="ragged")
    fails(assert_close, [1.0, 2.0], [1.0, 2.0, 3.0], match="list of 3 items, got a list of 2 items")
    fails(assert_close, 1.0, [1.0], match="expected a list of 1 item")
    fails(assert_equal, np.zeros(3), np.zeros(4), match="shape")


# --- values -----------------------------------------------------------------------------------


def test_scalars_within_and_outside_tolerance():
    assert_close(0.5, 0.5)
    assert_close(0.5 + 4e-7, 0.5)  # default rel=1e-6 as pytest.approx
    fails(assert_close, 0.5 + 1e-6, 0.5, match=r"expected 0\.5 ± 5\.0e-07, got 0\.500001")
    assert_close(1e-13, 0.0)  # default abs=1e-12
    fails(assert_close, 1e-11, 0.0)
    assert_close(1.0 + 1e-10, 1.0, abs=1e-9)
    fails(assert_close, 1.0 + 1e-8, 1.0, abs=1e-9)
    assert_close(1.05, 1.0, rel=0.1)
    fails(assert_close, 1.0 + 1e-15, 1.0, rel=0, abs=0)
    assert_close(3, 3.0)
    assert_close(np.float32(0.1), 0.1)
    assert_close(np.float64(2.0), np.float64(2.0))


@pytest.mark.parametrize("zero_dim", [np.array(0.25), torch.tensor(0.25), torch.tensor(0.25, requires_grad=True)])
def test_zero_dim_values_are_scalars(zero_dim):
    assert_close(zero_dim, 0.25)
    assert_close(0.25, zero_dim)
    fails(assert_close, zero_dim, 0.3)


def test_tolerances_match_pytest_approx():
    """Same verdict as pytest.approx on scalars and arrays for the usual tolerance settings."""
    rng = np.random.default_rng(0)
    for rel, abs_ in [(None, None), (1e-6, None), (None, 1e-9), (1e-3, 1e-9), (0, 1e-12)]:
        expected = rng.standard_normal(200) * 10.0 ** rng.integers(-14, 3, 200)
        actual = expected * (1 + rng.standard_normal(200) * 1e-6) + rng.standard_normal(200) * 1e-11
        for a, e in zip(actual, expected):
            want = bool(float(a) == pytest.approx(float(e), rel=rel, abs=abs_))
            for actual_form, expected_form in ((float(a), float(e)), (np.array([a]), np.array([e]))):
                try:
                    assert_close(actual_form, expected_form, rel=rel, abs=abs_)
                    got = True
                except AssertionError:
                    got = False
                assert got == want, (a, e, rel, abs_)
        ok = actual == pytest.approx(expected, rel=rel, abs=abs_)
        try:
            assert_close(actual, expected, rel=rel, abs=abs_)
            got = True
        except AssertionError:
            got = False
        assert got == ok


def test_arrays_and_tensors():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert_close(expected + 1e-9, expected)
    assert_close(torch.tensor(expected, dtype=torch.float64), expected)
    assert_close(torch.tensor(expected, dtype=torch.float32), expected)
    assert_close(torch.tensor(expected, dtype=torch.bfloat16), expected, rel=1e-2)
    assert_close([[1.0, 2.0], [3.0, 4.0]], expected)
    assert_close(expected, torch.tensor(expected))
    bad = expected.copy()
    bad[1, 0] = 3.5
    message = fails(assert_close, bad, expected)
    assert "1 of 4 values differ" in message and "index (1, 0)" in message and "got 3.5" in message
    fails(assert_close, np.array(["1.0", "2.0"]), np.array([1.0, 2.0]), match="expected numbers")
    fails(assert_close, [1.0, None], np.array([1.0, 2.0]), match="expected numbers")


def test_nested_lists_and_dicts():
    assert_close([[1.0, 2.0], [3.0]], [[1.0, 2.0], [3.0 + 1e-9]])
    assert_close([(1, 1.5), (2, 0.25)], [(1, 1.5), (2, 0.25)], abs=1e-15)
    assert_close(((1, 1.5),), [[1, 1.5]])  # tuples and lists are both sequences
    assert_close(np.array([1.0, 2.0]), [1.0, 2.0])
    fails(assert_close, [(1, 1.5), (2, 0.3)], [(1, 1.5), (2, 0.25)], match=r"the result\[1\]\[1\]: expected 0\.25")
    fails(assert_close, [(1, np.array([])), (2, 0.25)], [(1, 1.5), (2, 0.25)], match=r"\[0\]\[1\]: expected a number")
    assert_close({"a": 1.0, "b": [2.0, 3.0]}, {"a": 1.0, "b": [2.0, 3.0]})
    fails(assert_close, {"a": 1.0, "b": [2.0, 3.5]}, {"a": 1.0, "b": [2.0, 3.0]}, match=r"\['b'\]\[1\]")
    fails(assert_close, {"a": 1.0}, {"a": 1.0, "b": 2.0}, match="missing key 'b'")
    fails(assert_close, {"a": 1.0, "z": 0.0}, {"a": 1.0}, match="unexpected key 'z'")
    fails(assert_close, [1.0, 2.0], {"a": 1.0}, match="expected a dict")
    assert_close({"n": None, "s": "x", "v": 1.0}, {"n": None, "s": "x", "v": 1.0})
    fails(assert_close, {"s": "y"}, {"s": "x"}, match="expected 'x'")


def test_nan_handling():
    nan = float("nan")
    fails(assert_close, nan, nan, match="nan_ok")
    assert_close(nan, nan, nan_ok=True)
    fails(assert_close, 1.0, nan, nan_ok=True)
    fails(assert_close, nan, 1.0, nan_ok=True)
    fails(assert_close, np.array([1.0, nan]), np.array([1.0, nan]))
    assert_close(np.array([1.0, nan]), np.array([1.0, nan]), nan_ok=True)
    assert_close([1.0, nan], [1.0, nan], nan_ok=True)
    assert_close(math.inf, math.inf)
    fails(assert_close, 1e300, math.inf)
    fails(assert_close, np.array([math.inf]), np.array([-math.inf]))


def test_bools_and_complex():
    assert_close(True, True)
    fails(assert_close, True, 1.0, match="expected a number, got a bool")
    fails(assert_close, 1, True, match="expected a bool")
    fails(assert_close, False, True)
    assert_close(np.array([True, False]), np.array([True, False]))
    fails(assert_close, np.array([1, 0]), np.array([True, False]), match="dtype bool")
    assert_close(1 + 1e-9j, 1 + 0j)
    assert_close(np.array([1 + 1j, 2]), np.array([1 + 1j, 2 + 1e-10j]))
    fails(assert_close, 1 + 1e-3j, 1 + 0j)


def test_assert_equal():
    assert_equal(3, 3)
    assert_equal(3.0, 3)
    fails(assert_equal, 3.0, 3, dtype=True, match="expected integer 3, got float 3.0")
    fails(assert_equal, 0.1 + 0.2, 0.3)
    assert_equal([1, [2, 3]], [1, [2, 3]])
    assert_equal(np.array([1, 2]), np.array([1.0, 2.0]))
    fails(assert_equal, np.array([1, 2]), np.array([1.0, 2.0]), dtype=True, match="array of floats")
    assert_equal(torch.tensor([1, 2]), np.array([1, 2], dtype=np.int32), dtype=True)
    fails(assert_equal, np.array([1, 3]), np.array([1, 2]), match="at index 1: expected 2, got 3")
    assert_equal({"k": "v", "n": 2}, {"k": "v", "n": 2})
    fails(assert_equal, True, 1)


def test_what_names_the_value():
    message = fails(assert_close, np.array([]), 0.5, what="recall@3")
    assert message.startswith("recall@3: ")
    assert len(message) < 120


def test_bad_tolerances_are_rejected():
    with pytest.raises(ValueError):
        assert_close(1.0, 1.0, abs=-1)
    with pytest.raises(TypeError):
        assert_close(1.0, 1.0, rel="1e-3")


# --- the lint ---------------------------------------------------------------------------------

BAD_TEST = '''\
import pytest
from pytest import approx as ap

def test_a(student):
    assert student.call("f") == pytest.approx(0.5)
    assert pytest.approx([1.0]) != student.call("g")
    assert student.call("h") == [(1, pytest.approx(1.5, abs=1e-15))]
    assert student.call("k") == ap(2.0)
'''

CLEAN_TEST = '''\
import pytest
from autograder.harness.expect import assert_close

def test_a(student):
    assert_close(student.call("f"), 0.5, abs=1e-12)
    with pytest.raises(ValueError):
        pass
'''


def test_lint_flags_bare_approx(tmp_path):
    tests = tmp_path / "tests"
    (tests / "public").mkdir(parents=True)
    (tests / "public" / "test_bad.py").write_text(BAD_TEST)
    (tests / "public" / "test_clean.py").write_text(CLEAN_TEST)
    found = lint_bare_approx(tests)
    assert [m.split(": ")[0] for m in found] == [
        "tests/public/test_bad.py:5", "tests/public/test_bad.py:6", "tests/public/test_bad.py:7", "tests/public/test_bad.py:8",
    ]
    assert all("autograder.harness.expect.assert_close" in m for m in found)


NUMBER_EQUALITY = '''
def test_b(student):
    assert student.call("f") == 0.0
    assert 1 != obj.get("n")
    assert obj.get("idf")["k"] == -2
    assert student.call("g") == [0.0]
    assert len(student.call("h")) == 3
    assert student.iterate("it") == [1, 2]
'''


def test_lint_flags_worker_values_compared_to_numbers(tmp_path):
    """np.array([0.0]) == 0.0 is truthy: a worker value compared to a number needs assert_equal."""
    tests = tmp_path / "tests"
    (tests / "hidden").mkdir(parents=True)
    (tests / "hidden" / "test_eq.py").write_text(NUMBER_EQUALITY)
    found = lint_bare_approx(tests)
    assert [m.split(": ")[0] for m in found] == [
        "tests/hidden/test_eq.py:3", "tests/hidden/test_eq.py:4", "tests/hidden/test_eq.py:5"]
    assert all("assert_equal" in m for m in found)


def test_lint_passes_clean_tests(tmp_path):
    (tmp_path / "tests" / "hidden").mkdir(parents=True)
    (tmp_path / "tests" / "hidden" / "test_clean.py").write_text(CLEAN_TEST)
    (tmp_path / "tests" / "conftest.py").write_text("import pytest\nX = pytest.approx(1.0)\n")
    assert lint_bare_approx(tmp_path / "tests") == []
    assert lint_bare_approx(tmp_path / "missing") == []


def _all_test_dirs() -> list[Path]:
    return (sorted(ROOT.glob("solutions/*/tests")) + sorted(ROOT.glob("tests/scenarios/kit/solutions/*/tests"))
            + sorted(ROOT.glob("tests/scenarios/integrity/solutions/*/tests")))


def test_no_bare_approx_in_any_assignment():
    dirs = _all_test_dirs()
    assert dirs, "no solutions/*/tests folders found"
    found = [m for d in dirs for m in lint_bare_approx(d)]
    assert not found, "\n".join(found)
