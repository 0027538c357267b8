"""Committed expected values for public tests: fixtures/public/expected_values.json.

Public conftests are shipped to students, so they may not carry hand-written implementations
of the handout's algorithms (a student would paste them). Where a public test needs a value only
such an oracle computes, staff generate it once with the hidden-only oracles
(`solutions/NN/tools/make_public_expected.py`, never released) and commit it; public tests read it
back with `expected_value`.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

FILE = Path("fixtures") / "public" / "expected_values.json"
ABOUT = "Written by tools/make_public_expected.py from the hidden-only oracles; do not edit by hand."


def expected_value(assignment_dir: Path, name: str) -> Any:
    """One committed value, parsed afresh on every call, so a test that changes it harms no other."""
    with open(Path(assignment_dir) / FILE, encoding="utf-8") as f:
        return json.load(f)[name]


def load_module(path: Path, name: str) -> ModuleType:
    """A conftest (or any file) imported by path: generators use the tests' own helpers and oracles."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_conftests(assignment_dir: Path) -> tuple[ModuleType, ModuleType]:
    """(public conftest, hidden conftest) of an assignment, for its generator."""
    tests = Path(assignment_dir) / "tests"
    return (load_module(tests / "conftest.py", "public_conftest"),
            load_module(tests / "hidden" / "conftest.py", "hidden_conftest"))


def write_expected(assignment_dir: Path, values: dict[str, Any]) -> Path:
    """Write `values` (with the do-not-edit note first) to the assignment's expected-values file."""
    out = Path(assignment_dir) / FILE
    out.write_text(json.dumps({"_about": ABOUT, **values}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return out
