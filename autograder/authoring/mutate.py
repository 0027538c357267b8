"""Mutants of a reference solution, made only inside its solution regions.

A mutant is the reference with one small change a plausible bug would make:
an arithmetic, comparison, boolean or augmented-assignment operator swapped;
an integer or float constant moved by one; True and False exchanged; a unary
minus or `not` dropped; a statement replaced by `pass`; a returned value
replaced by None; the first two positional arguments of a call swapped.
Changes are made on the AST and the module is written back with
`ast.unparse`, so a mutant always parses. Nothing here runs code.

Why our own small mutator: the libraries (mutmut, cosmic-ray) drive the test
runner themselves and run code in-process; we need mutants as plain files to
grade through the same sandbox as students.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from typing import Any, Iterator

from autograder.authoring.release import BEGIN, END

_BINOP_SWAPS = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult, ast.MatMult: ast.Mult, ast.LShift: ast.RShift,
    ast.RShift: ast.LShift, ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd, ast.BitXor: ast.BitOr,
}
_CMP_SWAPS = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
_SYMBOL = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
    ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in",
    ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.And: "and", ast.Or: "or",
}


@dataclass(frozen=True)
class Mutant:
    file: str
    line: int
    description: str  # e.g. "'<' -> '<='"
    source: str  # the whole mutated module

    @property
    def key(self) -> str:
        return f"{self.file}:{self.line}: {self.description}"


def solution_lines(source: str) -> set[int]:
    """Line numbers inside BEGIN/END SOLUTION regions."""
    lines: set[int] = set()
    inside = False
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            inside = True
        elif stripped.startswith(END):
            inside = False
        elif inside:
            lines.add(number)
    return lines


def _candidates(tree: ast.AST, region: set[int]) -> Iterator[tuple[ast.expr | ast.stmt, str, str]]:
    """(node, kind, description) for every mutation point inside the region."""
    for node in ast.walk(tree):
        line = getattr(node, "lineno", None)
        if line is None or line not in region:
            continue
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in _BINOP_SWAPS:
            new = _BINOP_SWAPS[type(node.op)]
            yield node, "op", f"'{_SYMBOL[type(node.op)]}' -> '{_SYMBOL[new]}'"
        elif isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _CMP_SWAPS:
                    yield node, f"cmp{i}", f"'{_SYMBOL[type(op)]}' -> '{_SYMBOL[_CMP_SWAPS[type(op)]]}'"
        elif isinstance(node, ast.BoolOp):
            other = ast.Or if isinstance(node.op, ast.And) else ast.And
            yield node, "bool", f"'{_SYMBOL[type(node.op)]}' -> '{_SYMBOL[other]}'"
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            yield node, "flip", f"{node.value} -> {not node.value}"
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):  # bool: the branch above
            yield node, "+1", f"{node.value!r} -> {node.value + 1!r}"
            yield node, "-1", f"{node.value!r} -> {node.value - 1!r}"
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
            yield node, "unary", f"drop '{'-' if isinstance(node.op, ast.USub) else 'not'}'"
        elif isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            yield node, "return", "return value -> None"
        elif isinstance(node, ast.Call) and len(node.args) >= 2 and not any(
                isinstance(a, ast.Starred) for a in node.args[:2]):
            yield node, "swap", f"swap the first two arguments of {ast.unparse(node.func)}()"
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.If, ast.For, ast.While,
                             ast.Raise, ast.Continue, ast.Break)) and not (
                isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            yield node, "drop", f"drop the statement `{ast.unparse(node).splitlines()[0][:60]}`"


def _mutate_copy(tree: ast.AST, index: int, kind: str) -> ast.AST | None:
    clone = copy.deepcopy(tree)
    # Any: `kind` says which node type _candidates found at this index (BinOp, Compare, Constant...)
    node: Any = list(ast.walk(clone))[index]
    if kind == "op":
        node.op = _BINOP_SWAPS[type(node.op)]()
    elif kind.startswith("cmp"):
        i = int(kind[3:])
        node.ops[i] = _CMP_SWAPS[type(node.ops[i])]()
    elif kind == "bool":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif kind == "flip":
        node.value = not node.value
    elif kind in ("+1", "-1"):
        node.value = node.value + (1 if kind == "+1" else -1)
    elif kind == "unary":
        return _replace(clone, node, node.operand)
    elif kind == "return":
        node.value = ast.Constant(value=None)
    elif kind == "swap":
        node.args[0], node.args[1] = node.args[1], node.args[0]
    elif kind == "drop":
        return _replace(clone, node, ast.Pass())
    return clone


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> ast.AST | None:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return tree
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return tree
    return None


def mutants(source: str, filename: str) -> list[Mutant]:
    """Every mutant of `source` whose change lies inside a solution region."""
    region = solution_lines(source)
    tree = ast.parse(source, filename)
    original = ast.unparse(tree)
    nodes = list(ast.walk(tree))
    index_of = {id(n): i for i, n in enumerate(nodes)}
    made: list[tuple[ast.expr | ast.stmt, str, str]] = []  # (node, description, mutated source)
    seen: set[str] = set()
    for node, kind, description in _candidates(tree, region):
        mutated = _mutate_copy(tree, index_of[id(node)], kind)
        if mutated is None:
            continue
        text = ast.unparse(ast.fix_missing_locations(mutated))
        if text == original or text in seen:
            continue
        seen.add(text)
        made.append((node, description, text))
    return [Mutant(file=filename, line=node.lineno, description=description, source=text + "\n")
            for node, description, text in _number_repeats(made)]


def _number_repeats(made: list[tuple[ast.expr | ast.stmt, str, str]]) -> list[tuple[ast.expr | ast.stmt, str, str]]:
    """Give every mutant a key of its own: when one line has several mutants with the same
    description (two `0`s moved to `-1`, two `min` calls swapped), each gets "(#k of n on the
    line)", k counted from the left. Why: a `[[mutants.equivalent]]` entry names one key, and a
    shared key would mark a killed twin equivalent too, hiding it from the audit."""
    groups: dict[tuple[int, str], list[int]] = {}
    for index, (node, description, _) in enumerate(made):
        groups.setdefault((node.lineno, description), []).append(index)
    out = list(made)
    for indices in groups.values():
        if len(indices) < 2:
            continue
        by_column = sorted(indices, key=lambda i: (made[i][0].col_offset, i))
        for k, index in enumerate(by_column, start=1):
            node, description, text = made[index]
            out[index] = (node, f"{description} (#{k} of {len(indices)} on the line)", text)
    return out
