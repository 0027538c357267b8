"""Static checks on an assignment's test files (run by `llmkit validate`).

`lint_bare_approx` flags ``pytest.approx`` used in an ``==``/``!=`` comparison
(or ``in``/``not in``, which compare with ``==`` too): pytest's approx compares
element-wise without checking the shape, so an empty array from the student
equals ``pytest.approx(0.5)`` (``all([])`` is True) and so does an array of
copies. Tests compare worker values with `autograder.harness.expect.assert_close`,
which checks the structure first.

It also flags a worker value compared with ``==``/``!=`` to a number
(``student.call(...) == 0.0``, ``obj.get("idf")["k"] == 0.0``): numpy
broadcasts, so a one-element array "equals" the number; such checks use
`autograder.harness.expect.assert_equal`.
"""

from __future__ import annotations

import ast
from pathlib import Path

__all__ = ["lint_bare_approx"]

FIX = "use autograder.harness.expect.assert_close(actual, expected, rel=..., abs=...)"
FIX_EQUAL = "use autograder.harness.expect.assert_equal(actual, expected)"

# methods of the `student` fixture and its Remotes that return a value from the worker
_WORKER_CALLS = frozenset({"call", "get", "next"})

_COMPARING = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)


def _approx_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """The names this module gives to the pytest module and to pytest.approx."""
    modules, functions = {"pytest"}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "pytest":
                    modules.add(alias.asname or "pytest")
        elif isinstance(node, ast.ImportFrom) and node.module == "pytest":
            for alias in node.names:
                if alias.name == "approx":
                    functions.add(alias.asname or "approx")
    return modules, functions


def _is_approx(node: ast.AST, modules: set[str], functions: set[str]) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr == "approx" and isinstance(func.value, ast.Name) and func.value.id in modules
    return isinstance(func, ast.Name) and func.id in functions


def _is_number(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _is_worker_value(node: ast.AST) -> bool:
    """`x.call(...)`, `x.get(...)`, `x.next()`, or an item of one (`x.get("idf")["k"]`)."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in _WORKER_CALLS)


def _number_equalities(tree: ast.Module) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, operands, operands[1:]):
            if isinstance(op, (ast.Eq, ast.NotEq)) and (
                    (_is_worker_value(left) and _is_number(right)) or (_is_worker_value(right) and _is_number(left))):
                found.append((node.lineno, f"a worker value compared with == to a number lets a one-element "
                                           f"array pass; {FIX_EQUAL}"))
    return found


def _findings(source: str, filename: str) -> list[tuple[int, str]]:
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as err:
        return [(err.lineno or 0, f"could not parse ({err.msg})")]
    modules, functions = _approx_names(tree)
    seen: set[int] = set()
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare) or not any(isinstance(op, _COMPARING) for op in node.ops):
            continue
        for operand in [node.left, *node.comparators]:
            for sub in ast.walk(operand):
                if isinstance(sub, ast.Call) and _is_approx(sub, modules, functions) and id(sub) not in seen:
                    seen.add(id(sub))
                    found.append((sub.lineno, f"pytest.approx in an == comparison lets an empty array pass; {FIX}"))
    return sorted(found + _number_equalities(tree))


def lint_bare_approx(tests_dir: Path) -> list[str]:
    """One message per ``pytest.approx`` compared with ``==``/``!=`` in the .py files under `tests_dir`."""
    tests_dir = Path(tests_dir)
    if not tests_dir.is_dir():
        return []
    base = tests_dir.parent
    messages = []
    for path in sorted(tests_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            messages.append(f"{path.relative_to(base)}: could not read ({err})")
            continue
        for line, text in _findings(source, str(path)):
            messages.append(f"{path.relative_to(base).as_posix()}:{line}: {text}")
    return messages
