"""Hidden feedback must name the property a test checks, never its inputs or expected outputs.

A hidden test's result reaches the student as "Checks: <first paragraph of its
docstring>" (see `autograder.harness.plugin._doc`; later paragraphs are never
shown, so they may keep the concrete case for staff). If that paragraph quotes
a literal the test sends or compares against, the hidden case is no longer
hidden. `lint_hidden_feedback` flags, for every test function in
tests/hidden/**/*.py, each literal of the test that its first paragraph
repeats verbatim, and each piece of a test string that it quotes.

The test's literals: the constants in its body and in its
`pytest.mark.parametrize` values, plus those of the module-level names it uses
(constants, helper functions, fixtures it requests), followed transitively
within the module. Left out, because quoting them describes the property
rather than the case (or because they are too common to mean anything):
- names of the code under test: the first string argument of
  `.call/.new/.get/.set/.probe/.source/.imports` (`student.call("encode", ...)`);
- tolerances and bounds: keyword values such as `atol=`, `rtol=`, `abs=`,
  `rel_tol=`, `gap=`; operands of `<`, `<=`, `>`, `>=` that do not call the
  code under test (`recall >= 0.75` is the property); positive powers of ten up to 1e-4
  (`1e-9` is a tolerance wherever it is written);
- assertion messages and f-strings (hidden feedback never shows them);
- strings the handout (the assignment's README.md) already quotes: they are public;
- strings shorter than 4 characters, and a one-word string (letters, digits,
  `_`) unless the paragraph quotes it ("word", 'word' or `word`), so that
  `ValueError`, `float64` or `cosine` in plain prose pass;
- the numbers 0, 1, 2 and 10, and booleans.

Matching: a string matches if it appears in the paragraph verbatim, with its
whitespace collapsed as `_doc` collapses the paragraph's, or with its escapes
written out (`a\\nb`). Text the paragraph quotes ("...", '...' or `...`, 4+
characters) that is part of a longer string of the test matches too. A number
matches a number written in the paragraph with the same value (`0.5` and
`5e-1` alike); digits inside a word (`float64`, `e4821`) are not numbers, but
`600x8` holds two.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FIX = "describe the property, not the input"
TRIVIAL_NUMBERS = frozenset({0, 1, 2, 10})
MIN_STRING = 4
NAME_METHODS = frozenset({"call", "new", "get", "set", "probe", "source", "imports"})
TOLERANCE_KEYWORDS = frozenset({
    "atol", "rtol", "abs", "rel", "abs_tol", "rel_tol", "tol", "gap", "min_gap", "min_margin",
    "decimal", "places", "delta", "timeout", "seconds",
})
BOUND_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_WORD = re.compile(r"\w+")
# a number written in prose: not preceded by a letter (except "x" as in 600x8), a digit, "." or "_"
_NUMBER = re.compile(r"(?<![A-Za-wyz\d._])(\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\d.]\d)")


def first_paragraph(doc: str | None) -> str:
    """The feedback text of a docstring, exactly as the harness builds it (`plugin._doc`)."""
    return " ".join((doc or "").strip().split("\n\n")[0].split())


@dataclass(frozen=True)
class Literal:
    value: str | int | float
    line: int


class _Collector(ast.NodeVisitor):
    """The literals of one function body or module-level statement, and the names it loads."""

    def __init__(self) -> None:
        self.literals: list[Literal] = []
        self.names: set[str] = set()
        self._skip: set[int] = set()

    def skip(self, node: ast.AST | None) -> None:
        if node is not None:
            self._skip.add(id(node))

    def visit(self, node: ast.AST) -> None:
        if id(node) in self._skip:
            return
        super().visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.names.add(node.id)

    def visit_Assert(self, node: ast.Assert) -> None:
        self.visit(node.test)  # the message is never shown in hidden feedback

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                self.visit(value.value)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in NAME_METHODS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                self.skip(first)
        for kw in node.keywords:
            if kw.arg in TOLERANCE_KEYWORDS:
                self.skip(kw.value)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        for k, operand in enumerate(operands):
            near = node.ops[max(k - 1, 0) : k + 1]
            bound = any(isinstance(op, BOUND_OPS) for op in near)
            if bound and not _calls_code_under_test(operand):
                continue  # a threshold: part of the property, not of the case
            self.visit(operand)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, (ast.USub, ast.UAdd)) and isinstance(node.operand, ast.Constant):
            value = node.operand.value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.literals.append(Literal(-value if isinstance(node.op, ast.USub) else value, node.lineno))
                return
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return
        self.literals.append(Literal(value, node.lineno))


def _calls_code_under_test(node: ast.AST) -> bool:
    """Whether `node` holds a `.call/.new/...(...)` (inputs for the code under test)."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in NAME_METHODS
               for n in ast.walk(node))


def _docstring_node(node: ast.AST) -> ast.Expr | None:
    body = getattr(node, "body", None)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0]
    return None


def _collect(nodes: Sequence[ast.AST]) -> _Collector:
    collector = _Collector()
    for node in nodes:
        for inner in ast.walk(node):  # no docstring of any nested def is a literal of the test
            if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                collector.skip(_docstring_node(inner))
        collector.visit(node)
    return collector


def _is_parametrize(dec: ast.AST) -> bool:
    target = dec.func if isinstance(dec, ast.Call) else dec
    return isinstance(target, ast.Attribute) and target.attr == "parametrize"


def _test_parts(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The body (without the docstring) and the parametrize values of a test."""
    doc = _docstring_node(fn)
    parts: list[ast.AST] = [stmt for stmt in fn.body if stmt is not doc]
    for dec in fn.decorator_list:
        if isinstance(dec, ast.Call) and _is_parametrize(dec):  # not points(n), limits(...)
            parts.extend(dec.args[1:])  # parametrize("names", values, ...): the values only
            parts.extend(kw.value for kw in dec.keywords if kw.arg not in ("argnames", "ids", "indirect", "scope"))
    return parts


def _module_names(tree: ast.Module) -> dict[str, list[ast.AST]]:
    """Module-level definitions by name: constants (their values), functions and classes (whole)."""
    defs: dict[str, list[ast.AST]] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs.setdefault(stmt.name, []).append(stmt)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        defs.setdefault(name.id, []).append(stmt.value)
    return defs


def _literals_of_test(fn: ast.FunctionDef | ast.AsyncFunctionDef, module: dict[str, list[ast.AST]]) -> list[Literal]:
    found = _collect(_test_parts(fn))
    literals = list(found.literals)
    pending = set(found.names) | {a.arg for a in fn.args.args}  # fixtures defined in the module
    seen = {fn.name}
    while pending:
        name = pending.pop()
        if name in seen or name not in module:
            continue
        seen.add(name)
        for node in module[name]:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = _collect(_test_parts(node))
            elif isinstance(node, ast.ClassDef):
                inner = _collect(node.body)
            else:
                inner = _collect([node])
            literals.extend(inner.literals)
            pending |= inner.names - seen
    return literals


def _string_forms(text: str) -> set[str]:
    collapsed = " ".join(text.split())
    escaped = text.encode("unicode_escape").decode("ascii", errors="replace")
    return {f for f in (text, collapsed, escaped) if len(f.strip()) >= MIN_STRING}


def _quoted_in(text: str, document: str) -> bool:
    """`text` written between quotes or backticks in `document` ("text", 'text' or `text`)."""
    return re.search(rf"([\"'`]){re.escape(text)}\1", document) is not None


def _string_hit(text: str, paragraph: str, handout: str = "") -> bool:
    if len(text.strip()) < MIN_STRING or (handout and _quoted_in(text.strip(), handout)):
        return False
    if _WORD.fullmatch(text.strip()):
        return _quoted_in(text.strip(), paragraph)
    return any(form in paragraph for form in _string_forms(text))


def _quoted_fragments(paragraph: str, handout: str = "") -> list[str]:
    """Text the paragraph puts between quotes or backticks (4+ characters, not quoted in the handout)."""
    return [m.group(2) for m in re.finditer(r"([\"'`])(.+?)\1", paragraph)
            if len(m.group(2).strip()) >= MIN_STRING and not (handout and _quoted_in(m.group(2), handout))]


def _numbers_in(paragraph: str) -> set[float]:
    out = set()
    for match in _NUMBER.finditer(paragraph):
        try:
            out.add(float(match.group(1).replace("_", "")))
        except ValueError:
            continue
    return out


def _tolerance_like(value: int | float) -> bool:
    """1e-4, 1e-5, ...: a positive power of ten this small is a tolerance or an epsilon."""
    if value <= 0 or value > 1e-4:
        return False
    exponent = round(math.log10(value))
    return math.isclose(value, 10.0**exponent, rel_tol=1e-9)


def _number_hit(value: int | float, numbers: set[float]) -> bool:
    if not math.isfinite(value) or abs(value) in TRIVIAL_NUMBERS or _tolerance_like(value):
        return False
    return any(math.isclose(abs(value), n, rel_tol=1e-12, abs_tol=0.0) for n in numbers)


def _shown(value: str | int | float) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def lint_file(path: Path, handout: str = "", label: str | None = None) -> list[str]:
    """Findings for one hidden test file: 'file:line: ...' per literal its feedback reveals.

    `handout` is the text of the assignment's README.md: a string it quotes is public already."""
    label = label or str(path)
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as exc:
        return [f"{label}:{exc.lineno}: does not parse: {exc.msg}"]
    module = _module_names(tree)
    tests: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name.startswith("test"):
            tests.append(stmt)
        elif isinstance(stmt, ast.ClassDef) and stmt.name.startswith("Test"):
            tests.extend(s for s in stmt.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
                         and s.name.startswith("test"))
    findings = []
    for fn in tests:
        doc_node = _docstring_node(fn)
        paragraph = first_paragraph(ast.get_docstring(fn, clean=False))
        if not paragraph:
            continue
        numbers = _numbers_in(paragraph)
        fragments = _quoted_fragments(paragraph, handout)
        line = doc_node.lineno if doc_node is not None else fn.lineno
        reported: set[str] = set()

        def report(shown: str, used_at: int, how: str = "") -> None:
            if shown not in reported:
                reported.add(shown)
                findings.append(
                    f"{label}:{line}: {fn.name}: the docstring's first paragraph (shown as hidden feedback) "
                    f"quotes {shown}, which the test uses{how} (line {used_at}); {FIX}"
                )

        for lit in _literals_of_test(fn, module):
            if isinstance(lit.value, str):
                if _string_hit(lit.value, paragraph, handout):
                    report(_shown(lit.value), lit.line)
                for fragment in fragments:
                    if fragment in lit.value and fragment != lit.value.strip():
                        report(repr(fragment), lit.line, " inside a longer string")
            elif _number_hit(lit.value, numbers):
                report(_shown(lit.value), lit.line)
    return findings


def lint_hidden_feedback(tests_dir: Path) -> list[str]:
    """Findings for every test in `tests_dir`/hidden/**/*.py (tests_dir is an assignment's tests/ folder)."""
    tests_dir = Path(tests_dir)
    hidden = tests_dir / "hidden"
    readme = tests_dir.parent / "README.md"
    handout = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    findings: list[str] = []
    for path in sorted(hidden.rglob("*.py")) if hidden.is_dir() else []:
        if "__pycache__" in path.parts:
            continue
        findings.extend(lint_file(path, handout))
    return findings
