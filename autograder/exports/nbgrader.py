"""An nbgrader course source for one assignment: `source/<assignment>/<assignment>.ipynb` plus nbgrader_config.py.

The notebook has, in order: the handout (markdown); one solution cell per
submitted module, holding the reference with its `### BEGIN SOLUTION` regions
(nbgrader's own delimiters, so `nbgrader generate_assignment` makes the
starter); a read-only cell after each that registers the cell's names as that
module (so `import calc` inside probes works); a read-only cell with the
`student` and `credit` shims; then one autograder cell per test with its
points. Hidden tests sit inside `### BEGIN HIDDEN TESTS` regions, which
nbgrader strips from the release and restores when it autogrades.

What does not carry over, by nbgrader's design: the student's code runs in
the same kernel as the tests (no worker, no sandbox, no data-only checks), so
this export is for courses that must stay on nbgrader, not a replacement for
`llmkit grade`. Tests that need fixtures other than `student`/`credit`
(conftest oracles), `parametrize`, or `student.source`/`imports` are left
out and listed in the result.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.catalog import Assignment

SUPPORTED_FIXTURES = ("student", "credit")

SHIM = '''# llmkit shim: the `student` and `credit` fixtures, backed by the code of the cells above.
import sys, types

class StudentError(AssertionError):
    """The student's code raised: `exc_type` is the exception's name."""
    def __init__(self, exc_type, message):
        self.exc_type, self.message = exc_type, message
        super().__init__(f"{exc_type}: {message}")

def _llmkit_lookup(name):
    module, _, attr = name.rpartition(":")
    space = sys.modules[module].__dict__ if module else globals()
    if attr not in space:
        raise StudentError("NotFound", f"no function, class or attribute named {attr!r}")
    return space[attr]

def _llmkit_guard(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        raise StudentError(type(exc).__name__, str(exc)) from None

class _Remote:
    def __init__(self, obj):
        self._obj = obj
    def call(self, method, *args, **kwargs):
        return _llmkit_guard(getattr(self._obj, method), *_unwrap(args), **kwargs)
    def get(self, attr):
        return _llmkit_guard(getattr, self._obj, attr)
    def iterate(self, method, *args, **kwargs):
        return _llmkit_guard(lambda: list(getattr(self._obj, method)(*_unwrap(args), **kwargs)))

def _unwrap(args):
    return tuple(a._obj if isinstance(a, _Remote) else a for a in args)

class _Student:
    def call(self, name, *args, **kwargs):
        return _llmkit_guard(_llmkit_lookup(name), *_unwrap(args), **kwargs)
    def call_handle(self, name, *args, **kwargs):
        return _Remote(self.call(name, *args, **kwargs))
    def new(self, name, *args, **kwargs):
        return _Remote(self.call(name, *args, **kwargs))
    def probe(self, fn, *args):
        return fn(*args)

class _Credit:
    def __init__(self):
        self.fraction = None
    def set(self, fraction):
        if not 0 <= fraction <= 1:
            raise ValueError(f"credit fraction must be within [0, 1], got {fraction}")
        self.fraction = fraction

def _llmkit_run(test, points, *args):
    """Run one test; with partial credit, the cell's value is the points earned (nbgrader reads it)."""
    credit = _Credit()
    kwargs = {"student": _Student(), "credit": credit}
    try:
        test(**{name: kwargs[name] for name in args})
    except Exception:
        if not credit.fraction:
            raise
        return points * credit.fraction
    return points * (1.0 if credit.fraction is None else credit.fraction)
'''

REGISTER = '''# llmkit: the cell above becomes the module `{module}` (for `import {module}` in tests and probes).
import sys as _sys, types as _types
_m = _types.ModuleType("{module}")
_m.__dict__.update({{k: v for k, v in globals().items() if not k.startswith("_")}})
_sys.modules["{module}"] = _m
'''

CONFIG = '''c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = {root!r}
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
'''


@dataclass(frozen=True)
class ExportedTest:
    test_id: str
    points: float
    hidden: bool


@dataclass(frozen=True)
class NbgraderExport:
    root: Path  # the nbgrader course folder
    notebook: Path
    tests: tuple[ExportedTest, ...]
    skipped: tuple[str, ...]  # "<test id>: <why>"

    @property
    def points(self) -> float:
        return sum(t.points for t in self.tests)


def _nb_cell(kind: str, source: str, meta: dict | None = None) -> dict:
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {"nbgrader": meta} if meta else {}, "source": source.splitlines(True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
          points: float | None = None) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": 3,
            "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def _points(fn: ast.FunctionDef) -> float | None:
    for deco in fn.decorator_list:
        if isinstance(deco, ast.Call) and ast.unparse(deco.func).endswith("mark.points") and deco.args:
            try:
                return float(ast.literal_eval(deco.args[0]))
            except ValueError:
                return None
    return None


def _unsupported(fn: ast.FunctionDef) -> str:
    extra = [a.arg for a in fn.args.args if a.arg not in SUPPORTED_FIXTURES]
    if extra:
        return f"needs fixture(s) {', '.join(extra)}, which the nbgrader export cannot provide"
    if any("parametrize" in ast.unparse(d) for d in fn.decorator_list):
        return "is parametrized, which the nbgrader export does not expand"
    if any(isinstance(n, ast.Attribute) and n.attr in ("source", "imports") for n in ast.walk(fn)):
        return "reads student.source/imports, which a notebook does not have"
    return ""


def _is_fixture(node: ast.stmt) -> bool:
    return isinstance(node, ast.FunctionDef) and any("fixture" in ast.unparse(d) for d in node.decorator_list)


def _test_cells(path: Path, rel: str, hidden: bool) -> tuple[list[dict], list[ExportedTest], list[str]]:
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines(True)

    def segment(node: ast.stmt) -> str:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        return "".join(lines[start - 1:node.end_lineno])

    tests = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    prelude = "".join(segment(n) + "\n" for n in tree.body
                      if n not in tests and not _is_fixture(n) and not (isinstance(n, ast.Expr) and n is tree.body[0]))
    cells: list[dict] = []
    exported: list[ExportedTest] = []
    skipped: list[str] = []
    for fn in tests:
        test_id = f"{rel}::{fn.name}"
        why = _unsupported(fn)
        points = _points(fn)
        if points is None:
            why = why or "has no @pytest.mark.points(n)"
        if why or points is None:
            skipped.append(f"{test_id}: {why}")
            continue
        params = ", ".join(repr(a.arg) for a in fn.args.args)
        body = (prelude if not exported else "") + segment(fn) + f"\n_llmkit_run({fn.name}, {points!r}, {params})\n"
        if hidden:
            body = "### BEGIN HIDDEN TESTS\n" + body.rstrip("\n") + "\n### END HIDDEN TESTS\n"
        doc = ast.get_docstring(fn) or fn.name
        header = f"# {'[hidden] ' if hidden else ''}{doc.splitlines()[0]} ({points:g} points)\n"
        cells.append(_nb_cell("code", header + body, _meta(f"{'hidden' if hidden else 'public'}_{fn.name}",
                                                          grade=True, locked=True, points=points)))
        exported.append(ExportedTest(test_id, points, hidden))
    return cells, exported, skipped


def export_nbgrader(*, assignment: Assignment, dest: Path, course_id: str = "llmkit") -> NbgraderExport:
    """Write the nbgrader course source for `assignment` under `dest`."""
    if assignment.solution_dir is None:
        from autograder.errors import ConfigError

        raise ConfigError(f"solutions/{assignment.id} is missing; the nbgrader export needs the reference and hidden tests")
    base = assignment.solution_dir
    cells = []
    readme = base / "README.md"
    cells.append(_nb_cell("markdown", readme.read_text(encoding="utf-8") if readme.is_file() else f"# {assignment.manifest.title}\n"))
    for name in assignment.manifest.submission.files:
        module = name[:-3]
        cells.append(_nb_cell("markdown", f"## `{name}`\n\nWrite your code in the cell below "
                                          "(it is graded as the module `" + module + "`).\n"))
        cells.append(_nb_cell("code", (base / name).read_text(encoding="utf-8"),
                              _meta(f"solution_{module}", solution=True)))
        cells.append(_nb_cell("code", REGISTER.format(module=module), _meta(f"register_{module}", locked=True)))
    cells.append(_nb_cell("code", SHIM, _meta("llmkit_shim", locked=True)))
    exported, skipped = [], []
    for visibility in ("public", "hidden"):
        folder = base / "tests" / visibility
        for path in sorted(folder.glob("test_*.py")) if folder.is_dir() else ():
            rel = path.relative_to(base).as_posix()
            more, tests, why = _test_cells(path, rel, visibility == "hidden")
            cells += more
            exported += tests
            skipped += why
    notebook: dict[str, Any] = {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    for i, cell in enumerate(notebook["cells"]):
        cell["id"] = f"cell-{i:03d}"
    path = dest / "source" / assignment.id / f"{assignment.id}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")
    (dest / "nbgrader_config.py").write_text(CONFIG.format(course_id=course_id, root=str(dest.resolve())),
                                             encoding="utf-8")
    return NbgraderExport(root=dest, notebook=path, tests=tuple(exported), skipped=tuple(skipped))


def submission_notebook(notebook: Path, files: dict[str, str]) -> dict:
    """A student's notebook: `notebook` (source or release) with each solution cell replaced by their file."""
    data = json.loads(Path(notebook).read_text(encoding="utf-8"))
    for cell in data["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("solution_") and f"{grade_id[9:]}.py" in files:
            cell["source"] = files[f"{grade_id[9:]}.py"].splitlines(True)
    return data
