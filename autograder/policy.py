"""Static import-and-call policy: which libraries and built-ins a submission may use.

Why. An assignment lets students use torch but forbids the built-ins that *are* the
exercise (``scaled_dot_product_attention``, ``rms_norm``, ``nn.LSTMCell``,
``torch.optim``, ``clip_grad_norm_``, ``GradScaler`` ...), or forbids whole libraries
in one file (03's ``autograd.py`` is standard library only while ``mlp.py`` in the
same submission uses torch). A passing test must certify the student's own work, so
the verdict cannot rest on the submission behaving well at run time: this check runs
on the trusted side, over the source of ALL submitted files together, before any of
it is imported. It is the boundary. The worker's run-time stub layer (banned
functions replaced by ones that fail the test) is only a deterrent behind it.

What it checks, per ``[[policy]]`` rule (``PolicyRule``), in the files the rule covers:

* module imports: ``import m``, ``import m.x as y``, ``from m import x``, anywhere in
  the file (inside functions, ``try``, ``if``), and the same through any submitted
  module the file imports, followed transitively. A submitted module shadows a
  library of the same name (03's ``mlp.py`` doing ``from autograd import Value``
  imports the student's autograd.py, not the PyPI package).
* banned names: every import and every dotted name is resolved through the file's
  aliases (``import torch.nn.functional as F``, ``from torch import nn``,
  ``G = F``, names imported from other submitted modules) to a fully qualified name.
  It is banned if it is the banned name or lies under it ("torch.optim" bans
  ``torch.optim.AdamW``), or if it starts at the banned name's package and has the
  banned name's last component anywhere after it (``torch._C._nn.rms_norm``,
  ``torch._VF.lstm_cell``, ``torch.ops.aten.scaled_dot_product_attention.default``).
  A student's own ``def rms_norm``, ``self.rms_norm`` or ``class LSTMCell`` is not a
  torch name and is never flagged.
* detours (``rule.detours``, also in submitted modules the covered file imports):
  the ways to reach a name without writing it -- see ``DETOUR_MODULES``,
  ``DETOUR_NAMES``, ``DETOUR_BUILTINS`` and ``DETOUR_ATTRIBUTES`` below -- and, for a
  rule with banned names, a module on the way to a banned name used as a value
  (stored in a list, on ``self`` or in a class body, passed, returned), a banned
  name's last component looked up on a computed object (``[m][0].rms_norm``),
  string constants that spell it (or a dotted/``aten::`` reference to it), and class
  patterns (``case object(rms_norm=f)``) that look it up.

Honest code stays clean: ``re.compile`` and ``model.eval()`` are attributes, not the
built-ins; a built-in name the student rebinds (a parameter named ``vars``, a
top-level ``def eval``) is the student's own; docstrings and ``__all__`` are not
lookups.

What it cannot see (the run-time stubs are the only line there):

* instance methods: a ban like "torch.Tensor.backward" cannot be told apart from the
  student's own ``Value.backward`` on ``loss.backward()``; don't write such rules
  expecting this check to enforce them.
* a module object that reaches the student's code through a library call the check
  does not know returns modules (``get_mod().rms_norm`` where ``get_mod`` is a library
  function), and names assembled at run time and handed to library APIs that resolve
  names from strings (``torch.jit`` sources, ``torch.load`` pickles, op registries).
  String constants that spell the banned name are flagged, computed strings are not.
* the same kernel under another name (``torch._fused_rms_norm``,
  ``aten::_scaled_dot_product_flash_attention``): a name matches on whole
  components, so list such variants in ``banned_names`` too.
* third-party libraries not in ``banned_modules``: the rule is a blocklist.

A file that does not parse has no policy verdict: the import error is reported by the
tests themselves -- unless it declares a non-UTF-8 source encoding, which Python may
still import (a caller that decoded with errors="replace" lost the bytes): that is a
violation. Pass text decoded with errors="surrogateescape" to keep the exact bytes. Files are parsed from their UTF-8 bytes, as the import system reads
them (BOM, coding cookie). The check parses with the trusted side's Python: a worker on
a newer Python accepts syntax this one rejects, so run both on the same version.
"""

from __future__ import annotations

import ast
import codecs
import fnmatch
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_MODULE_FILE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.py$")
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_CODING = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")  # PEP 263


# ---------------------------------------------------------------------------
# the rule and its verdicts


class PolicyRule(BaseModel):
    """One ``[[policy]]`` table of an assignment's manifest.toml."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    files: tuple[str, ...] = ()  # submitted files the rule covers; empty = every submitted file
    banned_modules: tuple[str, ...] = ()  # importing one or a submodule of it is a violation
    banned_names: tuple[str, ...] = ()  # fully qualified, e.g. "torch.nn.functional.rms_norm"
    guards: tuple[str, ...] = Field(min_length=1)  # fnmatch patterns of test node ids zeroed
    reason: str = Field(min_length=1)  # the handout's rule in one sentence
    detours: bool = True  # also reject dynamic-access detours in covered files

    @field_validator("files")
    @classmethod
    def _module_files(cls, files: tuple[str, ...]) -> tuple[str, ...]:
        for name in files:
            if not _MODULE_FILE.match(name):
                raise ValueError(f"{name!r} is not a submitted module file name like 'autograd.py'")
        if len(set(files)) != len(files):
            raise ValueError("a file is listed twice")
        return files

    @field_validator("banned_modules")
    @classmethod
    def _dotted_modules(cls, modules: tuple[str, ...]) -> tuple[str, ...]:
        for name in modules:
            if not _DOTTED.match(name):
                raise ValueError(f"{name!r} is not a module name like 'torch' or 'torch.optim'")
        return modules

    @field_validator("banned_names")
    @classmethod
    def _qualified_names(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        for name in names:
            if not _DOTTED.match(name) or "." not in name:
                raise ValueError(
                    f"{name!r} is not a fully qualified name like 'torch.nn.functional.rms_norm' "
                    "(a whole library goes in banned_modules)"
                )
        return names

    @field_validator("guards")
    @classmethod
    def _non_empty_guards(cls, guards: tuple[str, ...]) -> tuple[str, ...]:
        if any(not g.strip() for g in guards):
            raise ValueError("a guard is empty; write a test id pattern like 'tests/*/test_attention*.py::*'")
        return guards

    @field_validator("reason")
    @classmethod
    def _one_line_reason(cls, reason: str) -> str:
        if not reason.strip() or "\n" in reason:
            raise ValueError("write the handout's rule as one non-empty line")
        return reason

    @model_validator(mode="after")
    def _bans_something(self) -> PolicyRule:
        if not (self.banned_modules or self.banned_names or self.detours):
            raise ValueError("the rule bans nothing: give banned_modules, banned_names or detours = true")
        return self

    def covers(self, file: str) -> bool:
        return not self.files or file in self.files


@dataclass(frozen=True)
class Violation:
    file: str
    line: int
    what: str  # one line, e.g. "imports 'tiktoken' (banned module 'tiktoken')"
    reason: str
    guards: tuple[str, ...]

    def message(self) -> str:
        return f"{self.file}:{self.line}: {self.what}; rule: {self.reason}"


def check_policy(sources: dict[str, str], rules: Sequence[PolicyRule]) -> list[Violation]:
    """Every violation of `rules` in the submitted `sources` (file name -> source text).

    Deterministic: sorted by file, line, then text. Files that do not parse, and
    files a rule names that were not submitted, give nothing.
    """
    submission = _Submission(sources)
    found: set[Violation] = set()
    for rule in rules:
        for file in submission.files.values():
            if rule.covers(file.name):
                found.update(_violations_of(submission, file, rule))
        for name, (line, encoding) in submission.unreadable.items():
            if rule.covers(name):
                what = (f"declares the source encoding '{encoding}' and does not parse as read, "
                        "so the policy cannot check it; save the file as UTF-8")
                found.add(Violation(name, line, what, rule.reason, rule.guards))
    return sorted(found, key=lambda v: (v.file, v.line, v.what, v.reason, v.guards))


def guarded(test_id: str, violations: Iterable[Violation]) -> list[Violation]:
    """The violations whose guard patterns (fnmatch, case-sensitive) match the test node id."""
    return [v for v in violations if any(fnmatch.fnmatchcase(test_id, g) for g in v.guards)]


# ---------------------------------------------------------------------------
# what counts as a detour: a way to reach a name without writing it

# Importing any of these (or a submodule) is a detour: they import, execute or unpickle
# by string, or reach frames and namespaces.
DETOUR_MODULES = frozenset({
    "importlib", "imp", "_imp", "runpy", "pkgutil", "zipimport", "builtins", "__builtin__",
    "ctypes", "_ctypes", "cffi", "pickle", "_pickle", "marshal", "dill", "cloudpickle", "shelve",
    "inspect", "code", "codeop", "pydoc", "timeit", "cProfile", "profile", "pdb", "bdb", "trace",
    "doctest", "subprocess", "_posixsubprocess", "posix", "nt", "unittest.mock", "logging.config",
})

# Qualified names (and everything under them) that are detours; the rest of their
# module is fine (operator.add, gc.collect, types.SimpleNamespace, os.path).
DETOUR_NAMES = frozenset({
    "sys.modules", "sys._getframe", "sys._current_frames", "sys.meta_path", "sys.path_hooks",
    "sys.path_importer_cache", "sys.settrace", "sys.setprofile",
    "operator.attrgetter", "operator.methodcaller", "_operator.attrgetter", "_operator.methodcaller",
    "types.FunctionType", "types.LambdaType", "types.CodeType",
    "gc.get_objects", "gc.get_referents", "gc.get_referrers",
    "os.system", "os.popen", "string.Formatter",
    "typing.get_type_hints", "typing.ForwardRef",
    "typing_extensions.get_type_hints", "typing_extensions.ForwardRef",
})
_DETOUR_OS_PREFIXES = ("exec", "spawn", "posix_spawn")  # os.execv, os.spawnl, os.posix_spawnp ...

# Built-in names that are detours when they mean the built-in (used, called or taken
# as a value), not when the student's code rebinds the name.
DETOUR_BUILTINS = frozenset({
    "__import__", "getattr", "setattr", "delattr", "vars", "globals", "locals",
    "exec", "eval", "compile", "__builtins__", "__loader__", "__spec__",
})
_CALLABLE_BUILTINS = DETOUR_BUILTINS - {"__builtins__", "__loader__", "__spec__"}

# Attributes that are detours on any object: namespaces, frames, code, the builtins.
DETOUR_ATTRIBUTES = frozenset({
    "__dict__", "__getattribute__", "__getattr__", "__builtins__", "__globals__", "__subclasses__",
    "__code__", "__closure__", "__defaults__", "__kwdefaults__", "__import__", "__self__",
    "__loader__", "__spec__", "cell_contents", "f_globals", "f_locals", "f_builtins", "f_back",
    "f_code", "tb_frame", "gi_frame", "cr_frame", "ag_frame",
})

# Last components that make a qualified name under a banned package "a module on the
# way to a banned name" when it is used as a value (besides the banned names' own
# ancestors): torch.ops.aten, torch._C._nn, torch.nn.modules.activation.F ...
_MODULE_LIKE_LAST = frozenset({"nn", "functional", "F", "aten"})
_INTERNAL_PARTS = frozenset({"ops", "modules"})  # anything under torch.ops, torch.nn.modules

_MAX_ALIAS_ROUNDS = 8
_MAX_DOTTED_PARTS = 16


def _is_detour_name(qualified: str) -> bool:
    parts = qualified.split(".")
    if parts[0] == "os" and len(parts) > 1 and parts[1].startswith(_DETOUR_OS_PREFIXES):
        return True
    return any(_under(qualified, name) for name in DETOUR_NAMES)


def _under(qualified: str, name: str) -> bool:
    """`qualified` is `name` or lies under it (torch.optim.AdamW under torch.optim)."""
    return qualified == name or qualified.startswith(name + ".")


def _is_detour_module(path: str) -> bool:
    return any(_under(path, m) for m in DETOUR_MODULES)


# ---------------------------------------------------------------------------
# one parsed file


@dataclass(frozen=True)
class _ImportStmt:
    line: int
    paths: tuple[str, ...]  # external module paths it may import ("torch", "torch.optim")
    star_from: str | None  # external module of `from m import *`


@dataclass(frozen=True)
class _Ref:
    """A reference to a (possibly) qualified name: an import binding or a dotted use."""

    line: int
    verb: str  # "imports" or "uses"
    root: str  # local name the dotted use starts with ("" for imports)
    attrs: tuple[str, ...]  # attributes after the root; the full path for imports
    as_value: bool  # the named object itself is stored, passed or returned


@dataclass
class _File:
    name: str
    stem: str
    tree: ast.Module
    nodes: list[ast.AST]  # every node, walked once
    parents: dict[ast.AST, ast.AST]
    imports: list[_ImportStmt] = field(default_factory=list)
    edges: list[tuple[int, str]] = field(default_factory=list)  # (line, submitted module imported)
    star_edges: list[str] = field(default_factory=list)
    aliases: dict[str, set[str]] = field(default_factory=dict)  # local name -> qualified names
    refs: list[_Ref] = field(default_factory=list)


def _parse(name: str, source: str) -> ast.Module | None:
    """Parse the file as the import system will: its UTF-8 bytes, so a BOM or a coding
    cookie (``# coding: utf-7`` can hide code in a comment) is read the same way."""
    try:
        data = source.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = source.encode("utf-8", "surrogatepass")
    try:
        return ast.parse(data, filename=name)
    except (SyntaxError, ValueError, UnicodeError, LookupError, RecursionError, MemoryError):
        return None


def _foreign_encoding(source: str) -> tuple[int, str] | None:
    """(line, encoding) of a PEP 263 declaration of an encoding other than UTF-8.

    Python may import such a file even though the text handed to the check (decoded
    as UTF-8 with replacement) does not parse, so "does not parse" proves nothing."""
    for number, line in enumerate(source.splitlines()[:2], start=1):
        match = _CODING.match(line)
        if match:
            try:
                name = codecs.lookup(match.group(1)).name
            except LookupError:
                return None  # Python refuses it too
            return None if name == "utf-8" else (number, match.group(1))
        if line.strip() and not line.lstrip().startswith("#"):
            return None
    return None


def _nodes_and_parents(tree: ast.AST) -> tuple[list[ast.AST], dict[ast.AST, ast.AST]]:
    nodes, parents = [tree], {}
    for node in nodes:  # grows while it is walked: breadth first, no recursion
        for child in ast.iter_child_nodes(node):
            parents[child] = node
            nodes.append(child)
    return nodes, parents


def _dotted(node: ast.AST) -> tuple[str, tuple[str, ...]] | None:
    """`a.b.c` -> ("a", ("b", "c")); walrus roots are looked through; else None."""
    attrs: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        elif isinstance(node, ast.NamedExpr):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id, tuple(reversed(attrs))
        else:
            return None


def _scope_kind(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> str:
    """'module', 'class' or 'function': the scope whose body holds `node`."""
    current = parents.get(node)
    while current is not None:
        if isinstance(current, ast.ClassDef):
            return "class"
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return "function"
        current = parents.get(current)
    return "module"


class _Submission:
    """All parsed submitted files, their imports of each other and their aliases."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.files: dict[str, _File] = {}
        self.unreadable: dict[str, tuple[int, str]] = {}  # name -> (line, encoding)
        stems = {_stem(name) for name in sources}
        for name in sorted(sources):
            tree = _parse(name, sources[name])
            if tree is not None:
                self.files[_stem(name)] = _File(name, _stem(name), tree, *_nodes_and_parents(tree))
            elif cookie := _foreign_encoding(sources[name]):
                self.unreadable[name] = cookie
        self.stems = frozenset(stems)
        for file in self.files.values():
            _collect_imports(file, self.stems)
            _collect_aliases(file)
        self._merge_star_imports()
        for file in self.files.values():
            if file.star_edges:
                _collect_aliases(file)  # re-bindings of star-imported names
            file.refs.extend(_dotted_uses(file))
        self._canonical: dict[str, frozenset[str]] = {}
        self._detours: dict[str, list[tuple[int, str]]] = {}

    def _merge_star_imports(self) -> None:
        """`from helpers import *` makes helpers' aliases the importer's too."""
        for _ in range(_MAX_ALIAS_ROUNDS):
            changed = False
            for file in self.files.values():
                for stem in file.star_edges:
                    source = self.files.get(stem)
                    for name in list(source.aliases) if source else ():
                        changed |= _add_alias(file.aliases, name, f"{stem}.{name}")
            if not changed:
                return

    def canonical(self, qualified: str, depth: int = 0) -> frozenset[str]:
        """Resolve names that go through submitted modules: helpers.F -> torch.nn.functional."""
        if qualified in self._canonical:
            return self._canonical[qualified]
        parts = qualified.split(".")
        source = self.files.get(parts[0]) if len(parts) > 1 else None
        targets = source.aliases.get(parts[1], set()) if source else set()
        if not targets or depth > _MAX_ALIAS_ROUNDS:
            result = frozenset({qualified})
        else:
            rest = ".".join(parts[2:])
            result = frozenset().union(*(
                self.canonical(f"{t}.{rest}" if rest else t, depth + 1) for t in sorted(targets)
            ))
        self._canonical[qualified] = result
        return result

    def resolve(self, file: _File, ref: _Ref) -> frozenset[str]:
        """The external qualified names a reference may mean (none for the student's own objects)."""
        bases = {""} if not ref.root else file.aliases.get(ref.root, set())
        names: set[str] = set()
        for base in bases:
            raw = ".".join(p for p in (base, *ref.attrs) if p)
            names.update(q for q in self.canonical(raw) if q.split(".")[0] not in self.stems)
        return frozenset(names)

    def reachable(self, start: str, skip: str) -> list[str]:
        """Submitted modules reachable from `start` through imports (breadth first), `skip` excluded."""
        order, seen, queue = [], {start, skip}, [start]
        while queue:
            stem = queue.pop(0)
            order.append(stem)
            for _, nxt in sorted(self.files[stem].edges) if stem in self.files else ():
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return order

    def detours(self, file: _File) -> list[tuple[int, str]]:
        if file.stem not in self._detours:
            self._detours[file.stem] = _detour_findings(self, file)
        return self._detours[file.stem]


def _stem(name: str) -> str:
    return name[:-3] if name.endswith(".py") else name


def _add_alias(aliases: dict[str, set[str]], name: str, qualified: str) -> bool:
    if qualified.count(".") >= _MAX_DOTTED_PARTS or qualified in aliases.get(name, ()):
        return False
    aliases.setdefault(name, set()).add(qualified)
    return True


# ---------------------------------------------------------------------------
# imports, aliases and dotted uses of one file


def _collect_imports(file: _File, stems: frozenset[str]) -> None:
    for node in file.nodes:
        if isinstance(node, ast.Import):
            _record_import(file, node, stems)
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            _record_import_from(file, node, stems)


def _record_import(file: _File, node: ast.Import, stems: frozenset[str]) -> None:
    paths = []
    for alias in node.names:
        top = alias.name.split(".")[0]
        local = alias.asname or top
        _add_alias(file.aliases, local, alias.name if alias.asname else top)
        bound = alias.name if alias.asname else top
        file.refs.append(_Ref(node.lineno, "imports", "", tuple(bound.split(".")), _in_class(node, file)))
        if bound != alias.name:
            file.refs.append(_Ref(node.lineno, "imports", "", tuple(alias.name.split(".")), False))
        if top in stems:
            file.edges.append((node.lineno, top))
        else:
            paths.append(alias.name)
    file.imports.append(_ImportStmt(node.lineno, tuple(paths), None))


def _record_import_from(file: _File, node: ast.ImportFrom, stems: frozenset[str]) -> None:
    module = node.module or ""
    top = module.split(".")[0]
    if node.level and not module:  # `from . import helpers`: only submitted siblings exist
        for alias in node.names:
            if alias.name in stems:
                file.edges.append((node.lineno, alias.name))
                _add_alias(file.aliases, alias.asname or alias.name, alias.name)
        return
    if node.level and top not in stems:
        return  # a relative import of something not submitted cannot succeed
    is_star = any(a.name == "*" for a in node.names)
    if top in stems:
        file.edges.append((node.lineno, top))
        if is_star:
            file.star_edges.append(top)
    else:
        paths = (module, *(f"{module}.{a.name}" for a in node.names if a.name != "*"))
        file.imports.append(_ImportStmt(node.lineno, paths, module if is_star else None))
    for alias in node.names:
        if alias.name != "*":
            qualified = f"{module}.{alias.name}"
            _add_alias(file.aliases, alias.asname or alias.name, qualified)
            file.refs.append(_Ref(node.lineno, "imports", "", tuple(qualified.split(".")), _in_class(node, file)))


def _in_class(node: ast.AST, file: _File) -> bool:
    """An import in a class body makes the module a class attribute, reached through self."""
    return _scope_kind(node, file.parents) == "class"


def _alias_assignments(nodes: list[ast.AST]) -> Iterator[tuple[str, ast.AST]]:
    """(name, value) of `name = a.b`, `name: T = a.b` and `(name := a.b)`, any scope."""
    for node in nodes:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield target.id, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name):
            yield node.target.id, node.value
        elif isinstance(node, ast.NamedExpr):
            yield node.target.id, node.value


def _collect_aliases(file: _File) -> None:
    """Follow plain re-bindings (`F = torch.nn.functional`, `G = F`) to a fixed point."""
    assignments = [(name, d) for name, value in _alias_assignments(file.nodes) if (d := _dotted(value))]
    for _ in range(_MAX_ALIAS_ROUNDS):
        changed = False
        for name, (root, attrs) in assignments:
            for base in list(file.aliases.get(root, ())):
                changed |= _add_alias(file.aliases, name, ".".join((base, *attrs)))
        if not changed:
            return


def _dotted_uses(file: _File) -> Iterator[_Ref]:
    """Every maximal dotted name rooted in an alias: `F.rms_norm`, `torch.optim.AdamW`, `F`."""
    for node in file.nodes:
        if not isinstance(node, (ast.Name, ast.Attribute)):
            continue
        parent = file.parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            continue  # part of a longer chain
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            continue  # a binding, not a use
        dotted = _dotted(node)
        if dotted and dotted[0] in file.aliases:
            yield _Ref(node.lineno, "uses", dotted[0], dotted[1], _used_as_value(node, file.parents))


def _used_as_value(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """The object itself escapes: stored in a container or attribute, passed, returned."""
    parent = parents.get(node)
    if not isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
        return False
    if isinstance(parent, ast.Call) and parent.func is node:
        return False
    if isinstance(parent, ast.NamedExpr):
        return False
    if isinstance(parent, ast.Assign) and all(isinstance(t, ast.Name) for t in parent.targets):
        return _scope_kind(parent, parents) == "class"  # class attributes are reached through self
    if isinstance(parent, ast.AnnAssign):
        if parent.annotation is node:
            return False
        return not isinstance(parent.target, ast.Name) or _scope_kind(parent, parents) == "class"
    if isinstance(parent, ast.arg) or (isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef))
                                       and parent.returns is node):
        return False  # an annotation
    return True


# ---------------------------------------------------------------------------
# findings of one file under one rule


def _violations_of(submission: _Submission, file: _File, rule: PolicyRule) -> Iterator[Violation]:
    for line, what in _own_findings(submission, file, rule, covered=True):
        yield Violation(file.name, line, what, rule.reason, rule.guards)
    for line, what in _imported_findings(submission, file, rule):
        yield Violation(file.name, line, what, rule.reason, rule.guards)


def _own_findings(submission: _Submission, file: _File, rule: PolicyRule, covered: bool) -> list[tuple[int, str]]:
    """What `file` itself does against `rule`; string constants only count in covered files."""
    found = [*_banned_module_findings(file, rule), *_banned_name_findings(submission, file, rule)]
    if rule.detours:
        found += submission.detours(file)
        found += _value_escape_findings(submission, file, rule)
        found += _class_pattern_findings(file, rule)
        found += _computed_receiver_findings(file, rule)
        if covered:
            found += _string_findings(file, rule)
    return sorted(set(found))


def _imported_findings(submission: _Submission, file: _File, rule: PolicyRule) -> Iterator[tuple[int, str]]:
    """What the submitted modules `file` imports do, reported at the import in `file`.

    Modules the rule covers report their own violations and are not repeated here.
    """
    first_line: dict[str, int] = {}
    for line, stem in sorted(file.edges):
        first_line.setdefault(stem, line)
    reported: set[tuple[str, int, str]] = set()
    for stem, line in sorted(first_line.items(), key=lambda item: (item[1], item[0])):
        if stem == file.stem:
            continue
        for reached in submission.reachable(stem, skip=file.stem):
            other = submission.files.get(reached)
            if other is None or rule.covers(other.name):
                continue
            for other_line, what in _own_findings(submission, other, rule, covered=False):
                if (reached, other_line, what) not in reported:
                    reported.add((reached, other_line, what))
                    yield line, f"imports '{stem}', which leads to {other.name}:{other_line}: {what}"


def _banned_module_findings(file: _File, rule: PolicyRule) -> Iterator[tuple[int, str]]:
    for stmt in file.imports:
        hit = next(((p, m) for p in stmt.paths for m in rule.banned_modules if _under(p, m)), None)
        if hit:
            yield stmt.line, f"imports '{hit[0]}' (banned module '{hit[1]}')"


def _banned_name(qualified: str, rule: PolicyRule) -> str | None:
    """The banned name `qualified` hits, directly or as an internal path to it."""
    parts = qualified.split(".")
    for name in rule.banned_names:
        banned_parts = name.split(".")
        if _under(qualified, name):
            return name
        if parts[0] == banned_parts[0] and banned_parts[-1] in parts[1:]:
            return name
    return None


def _banned_name_findings(submission: _Submission, file: _File, rule: PolicyRule) -> Iterator[tuple[int, str]]:
    if not rule.banned_names:
        return
    for ref in file.refs:
        for qualified in sorted(submission.resolve(file, ref)):
            name = _banned_name(qualified, rule)
            if name:
                yield ref.line, f"{ref.verb} '{qualified}' (banned: '{name}')"
    for stmt in file.imports:
        if stmt.star_from:
            module = stmt.star_from
            name = _banned_name(module, rule) or next(
                (n for n in rule.banned_names if n.startswith(module + ".")), None)
            if name:
                yield stmt.line, f"star-imports '{module}', which would bring in banned '{name}'"


def _module_like(qualified: str, rule: PolicyRule) -> bool:
    """A module on the way to a banned name: its ancestors, internals like torch._C, torch.ops."""
    parts = qualified.split(".")
    if parts[0] not in {n.split(".")[0] for n in rule.banned_names}:
        return False
    if len(parts) == 1 or any(n.startswith(qualified + ".") for n in rule.banned_names):
        return True
    internal = any(p.startswith("_") or p in _INTERNAL_PARTS for p in parts[1:])
    return internal or parts[-1] in _MODULE_LIKE_LAST


def _value_escape_findings(submission: _Submission, file: _File, rule: PolicyRule) -> Iterator[tuple[int, str]]:
    for ref in file.refs:
        if not ref.as_value:
            continue
        for qualified in sorted(submission.resolve(file, ref)):
            if _module_like(qualified, rule) and not _banned_name(qualified, rule):
                yield ref.line, (f"uses the module '{qualified}' as a value (stored, passed or returned), "
                                 "which the import policy cannot follow")


def _computed_receiver_findings(file: _File, rule: PolicyRule) -> Iterator[tuple[int, str]]:
    """`[m][0].rms_norm`, `(a or b).rms_norm`: a banned name looked up on an object that no
    name holds, so the policy cannot tell what it is. A name's own attributes, calls and
    items (`self.blocks[0].rms_norm`, `super().rms_norm`) are the student's objects."""
    banned = _banned_last_components(rule)
    for node in file.nodes:
        if isinstance(node, ast.Attribute) and node.attr in banned and _dotted(node) is None:
            if not isinstance(_receiver_root(node.value), ast.Name):
                yield node.lineno, (f"looks up '{node.attr}' on a computed object, which the import "
                                    f"policy cannot follow (banned: '{banned[node.attr]}')")


def _receiver_root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call, ast.NamedExpr)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def _banned_last_components(rule: PolicyRule) -> dict[str, str]:
    return {name.split(".")[-1]: name for name in rule.banned_names}


def _class_pattern_findings(file: _File, rule: PolicyRule) -> Iterator[tuple[int, str]]:
    """`case object(rms_norm=f)` looks the attribute up on the subject, like getattr."""
    banned = _banned_last_components(rule)
    for node in file.nodes:
        if isinstance(node, ast.MatchClass):
            for attr in node.kwd_attrs:
                if attr in banned:
                    yield node.lineno, f"looks up '{attr}' with a class pattern (banned: '{banned[attr]}')"


def _string_findings(file: _File, rule: PolicyRule) -> Iterator[tuple[int, str]]:
    """Strings that spell a banned name serve only a dynamic lookup of it."""
    banned = _banned_last_components(rule)
    if not banned:
        return
    for node, text in _lookup_strings(file):
        for last, name in banned.items():
            if _spells(text, last, isinstance(node.value, bytes)):
                shown = text if len(text) <= 60 else text[:57] + "..."
                yield node.lineno, (f"has the string {shown!r}, which only serves a dynamic lookup "
                                    f"of banned '{name}'")


def _spells(text: str, last: str, is_bytes: bool) -> bool:
    """The whole string is the name, or it names it dotted ('F.rms_norm') or as 'aten::rms_norm'.

    Bytes (e.g. a pickle) count wherever the name stands as a word.
    """
    word = re.escape(last)
    if text.strip() == last:
        return True
    if is_bytes:
        return re.search(rf"(?<![A-Za-z0-9_]){word}(?![A-Za-z0-9_])", text) is not None
    return re.search(rf"[.:]{word}(?![A-Za-z0-9_])", text) is not None


def _lookup_strings(file: _File) -> Iterator[tuple[ast.Constant, str]]:
    """String and bytes constants, except docstrings, bare string statements and `__all__`."""
    for node in file.nodes:
        if not isinstance(node, ast.Constant) or not isinstance(node.value, (str, bytes)):
            continue
        parent = file.parents.get(node)
        if isinstance(parent, ast.Expr) or _inside_all(node, file.parents):
            continue
        text = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
        yield node, text


def _inside_all(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    current = parents.get(node)
    while current is not None and not isinstance(current, ast.stmt):
        current = parents.get(current)
    targets: list[ast.expr] = []
    if isinstance(current, ast.Assign):
        targets = current.targets
    elif isinstance(current, (ast.AugAssign, ast.AnnAssign)):
        targets = [current.target]
    return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


# ---------------------------------------------------------------------------
# detours (rule independent)


def _detour_findings(submission: _Submission, file: _File) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for stmt in file.imports:
        path = next((p for p in stmt.paths if _is_detour_module(p)), None)
        if path:
            found.append((stmt.line, f"imports '{path}', a way around the import policy"))
    for ref in file.refs:
        for qualified in sorted(submission.resolve(file, ref)):
            if _is_detour_name(qualified):
                found.append((ref.line, f"{ref.verb} '{qualified}', a way around the import policy"))
    found += _detour_attributes(file)
    found += _builtin_detours(file)
    return sorted(set(found))


def _detour_attributes(file: _File) -> Iterator[tuple[int, str]]:
    for node in file.nodes:
        if isinstance(node, ast.Attribute) and node.attr in DETOUR_ATTRIBUTES:
            yield node.lineno, f"uses '.{node.attr}', a way around the import policy"
        elif isinstance(node, ast.MatchClass):
            for attr in node.kwd_attrs:
                if attr in DETOUR_ATTRIBUTES:
                    yield node.lineno, f"looks up '{attr}' with a class pattern, a way around the import policy"


def _builtin_detours(file: _File) -> list[tuple[int, str]]:
    try:
        return list(_BuiltinUses(file.tree, file.nodes).found)
    except RecursionError:  # nested too deep to follow: fail closed
        return [(1, "is nested too deeply for the import policy to check")]


def _builtin_phrase(name: str) -> str:
    shown = f"{name}()" if name in _CALLABLE_BUILTINS else f"'{name}'"
    return f"uses {shown}, a way around the import policy"


class _BuiltinUses:
    """Uses of detour built-ins, by scope: a name the student's code binds is not the built-in.

    A function's parameters and local bindings shadow the built-in throughout the
    function (and its nested functions). At module level a binding only counts from
    where it takes effect: after a top-level `def`'s header (its body runs later),
    after any other top-level statement that binds it. Conditional top-level
    bindings, class-level bindings, `del name` and `global name` don't shadow.
    """

    def __init__(self, tree: ast.Module, nodes: list[ast.AST]) -> None:
        self.found: list[tuple[int, str]] = []
        self.unsafe = _deleted_or_global_names(nodes)
        self.module_bindings = _top_level_bindings(tree)
        for statement in tree.body:
            self._visit(statement, [])

    def _visit(self, node: ast.AST, scopes: list[set[str] | None]) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            self._visit_function(node, scopes)
        elif isinstance(node, ast.ClassDef):
            for part in (*node.decorator_list, *node.bases, *node.keywords):
                self._visit(part, scopes)
            for statement in node.body:
                self._visit(statement, [*scopes, None])  # None: a class scope, which shields nothing
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            self._visit_comprehension(node, scopes)
        else:
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in DETOUR_BUILTINS:
                if not self._shadowed(node, scopes):
                    self.found.append((node.lineno, _builtin_phrase(node.id)))
            for child in ast.iter_child_nodes(node):
                self._visit(child, scopes)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
                        scopes: list[set[str] | None]) -> None:
        args = node.args
        outer: list[ast.AST] = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
        if not isinstance(node, ast.Lambda):
            outer += [*node.decorator_list, *(a.annotation for a in _all_args(args) if a.annotation)]
            outer += [node.returns] if node.returns else []
        for part in outer:
            self._visit(part, scopes)
        body = [node.body] if isinstance(node, ast.Lambda) else node.body
        local = _function_locals(args, body)
        for statement in body:
            self._visit(statement, [*scopes, local])

    def _visit_comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
                             scopes: list[set[str] | None]) -> None:
        self._visit(node.generators[0].iter, scopes)  # evaluated in the enclosing scope
        local = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        inner = [*scopes, local]
        for i, generator in enumerate(node.generators):
            parts = [generator.target, *generator.ifs] + ([generator.iter] if i else [])
            for part in parts:
                self._visit(part, inner)
        for part in (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,):
            self._visit(part, inner)

    def _shadowed(self, node: ast.Name, scopes: list[set[str] | None]) -> bool:
        if any(scope is not None and node.id in scope for scope in scopes):
            return True
        start = self.module_bindings.get(node.id)
        return node.id not in self.unsafe and start is not None and (node.lineno, node.col_offset) >= start


def _all_args(args: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return [*args.posonlyargs, *args.args, *args.kwonlyargs, *extra]


def _function_locals(args: ast.arguments, body: Sequence[ast.AST]) -> set[str]:
    """Names a function binds (so they are not the built-ins inside it), minus global/nonlocal."""
    bound = {a.arg for a in _all_args(args)}
    declared: set[str] = set()
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            continue  # its body is its own scope
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            continue
        bound.update(_names_bound_by(node))
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
        stack.extend(ast.iter_child_nodes(node))
    return bound - declared


def _names_bound_by(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
        return {node.id}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {a.asname or a.name.split(".")[0] for a in node.names if a.name != "*"}
    if isinstance(node, ast.ExceptHandler) and node.name:
        return {node.name}
    if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        return {node.name}
    if isinstance(node, ast.MatchMapping) and node.rest:
        return {node.rest}
    return set()


def _top_level_bindings(tree: ast.Module) -> dict[str, tuple[int, int]]:
    """Name -> source position from which an unconditional top-level binding holds."""
    starts: dict[str, tuple[int, int]] = {}
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = statement.body[0]
            names, start = {statement.name}, (first.lineno, first.col_offset)
        elif isinstance(statement, (ast.ClassDef, ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign)):
            names = set().union(*(_names_bound_by(n) for n in _binding_targets(statement)))
            start = (statement.end_lineno or statement.lineno, statement.end_col_offset or 0)
        else:
            continue
        for name in names:
            starts.setdefault(name, start)
    return starts


def _binding_targets(statement: ast.stmt) -> list[ast.AST]:
    if isinstance(statement, ast.ClassDef):
        return [ast.Name(id=statement.name, ctx=ast.Store())]
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return [statement]
    if isinstance(statement, ast.Assign):
        return [t for t in statement.targets if isinstance(t, ast.Name)]
    if isinstance(statement, ast.AnnAssign) and statement.value is not None:
        return [statement.target]
    return []


def _deleted_or_global_names(nodes: list[ast.AST]) -> set[str]:
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Global):
            names.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Del):
            names.add(node.id)
    return names
