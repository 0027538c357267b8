"""solutions/NN-slug -> assignments/NN-slug: the student copy, generated and checked.

What is released: the handout (README.md), manifest.toml (less its staff-only [mutants] tables), the submitted files
with every solution region replaced by a stub, tests/conftest.py,
tests/public/, fixtures/public/. What never is: tests/hidden/,
fixtures/hidden/, the reference's solution regions. `check_release` compares
a fresh release with what is committed and scans for leaks.
"""

from __future__ import annotations

import filecmp
import re
import shutil
import tempfile
from pathlib import Path

from autograder.errors import ConfigError
from autograder.manifest import load_manifest

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = "raise NotImplementedError"
RELEASED_TREES = ("tests/public", "fixtures/public")
RELEASED_FILES = ("README.md", "manifest.toml", "tests/conftest.py")
HIDDEN_MARKERS = ("tests/hidden", "fixtures/hidden")
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".hypothesis")


def strip_solutions(source: str, filename: str = "<source>") -> str:
    """Replace each BEGIN/END SOLUTION region by a stub.

    An indented region becomes `raise NotImplementedError` at the indentation
    of its BEGIN marker; a region at column 0 is removed.
    """
    out: list[str] = []
    region_indent: str | None = None
    begin_line = 0
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            if region_indent is not None:
                raise ConfigError(f"{filename}:{number}: BEGIN SOLUTION inside the region opened at line {begin_line}; close it first")
            region_indent = line[: len(line) - len(line.lstrip())]
            begin_line = number
            if region_indent:
                out.append(f"{region_indent}{STUB}\n")
            continue
        if stripped.startswith(END):
            if region_indent is None:
                raise ConfigError(f"{filename}:{number}: END SOLUTION without a BEGIN SOLUTION")
            region_indent = None
            continue
        if region_indent is None:
            out.append(line)
    if region_indent is not None:
        raise ConfigError(f"{filename}:{begin_line}: BEGIN SOLUTION is never closed; add '{END}'")
    text = "".join(out)
    return re.sub(r"\n{4,}", "\n\n\n", text)


_STAFF_TABLE = re.compile(r"^\s*\[\[?\s*mutants\s*[.\]]")
_TABLE = re.compile(r"^\s*\[")


def public_manifest(text: str) -> str:
    """The manifest without its staff-only tables: `[mutants]` and `[[mutants.equivalent]]` quote
    the reference's code (file, line, mutation, why it is equivalent), so students never get them.
    A comment block right above a dropped table goes with it."""
    out: list[str] = []
    dropping = False
    for line in text.splitlines(keepends=True):
        if _TABLE.match(line):
            dropping = bool(_STAFF_TABLE.match(line))
            if dropping:
                while out and (out[-1].lstrip().startswith("#") or not out[-1].strip()):
                    out.pop()
                continue
        if not dropping:
            out.append(line)
    return "".join(out).rstrip("\n") + "\n"


def build_release(solution_dir: Path, dest: Path) -> list[Path]:
    """Write the student copy of `solution_dir` into `dest` (replaced whole); return the files written."""
    manifest = load_manifest(solution_dir)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for rel in RELEASED_FILES:
        src = solution_dir / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            if rel == "manifest.toml":
                (dest / rel).write_text(public_manifest(src.read_text(encoding="utf-8")), encoding="utf-8")
            else:
                shutil.copyfile(src, dest / rel)
    for rel in RELEASED_TREES:
        src = solution_dir / rel
        if src.is_dir():
            shutil.copytree(src, dest / rel, ignore=_IGNORED)
    for name in manifest.submission.files:
        src = solution_dir / name
        if not src.is_file():
            raise ConfigError(f"{solution_dir / 'manifest.toml'}: submission file {name!r} has no reference in {solution_dir}")
        (dest / name).write_text(strip_solutions(src.read_text(encoding="utf-8"), str(src)), encoding="utf-8")
    return sorted(p for p in dest.rglob("*") if p.is_file())


def _test_names(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("test_*.py") if folder.is_dir() else []:
        names.update(re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), flags=re.M))
    return names


def find_leaks(solution_dir: Path, released_dir: Path) -> list[str]:
    """Anything hidden that shows up in a released copy."""
    leaks = []
    hidden_names = _test_names(solution_dir / "tests" / "hidden") - _test_names(solution_dir / "tests" / "public")
    hidden_files = {p.name for m in HIDDEN_MARKERS if (solution_dir / m).is_dir()
                    for p in (solution_dir / m).rglob("*") if p.is_file()}
    public_files = {p.name for m in RELEASED_TREES if (solution_dir / m).is_dir()
                    for p in (solution_dir / m).rglob("*") if p.is_file()}
    for path in released_dir.rglob("*"):
        rel = path.relative_to(released_dir).as_posix()
        if any(rel.startswith(m) for m in HIDDEN_MARKERS):
            leaks.append(f"{rel}: a hidden folder was released")
            continue
        if not path.is_file():
            continue
        if path.name in hidden_files - public_files - {"conftest.py", "__init__.py"}:
            leaks.append(f"{rel}: has the name of a hidden file")
        if path.suffix in (".py", ".md", ".toml", ".txt"):
            text = path.read_text(encoding="utf-8", errors="replace")
            if BEGIN in text or END in text:
                leaks.append(f"{rel}: contains a solution region marker")
            if path.suffix == ".toml" and any(_STAFF_TABLE.match(line) for line in text.splitlines()):
                leaks.append(f"{rel}: contains the staff-only [mutants] table")
            for name in hidden_names:
                if re.search(rf"\b{name}\b", text):
                    leaks.append(f"{rel}: mentions the hidden test {name}")
    return leaks


def check_release(solution_dir: Path, released_dir: Path) -> list[str]:
    """Differences between a fresh release and `released_dir`, plus leaks; empty when all is well."""
    problems = []
    if not released_dir.is_dir():
        return [f"{released_dir} does not exist; run `llmkit release {solution_dir.name}`"]
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / solution_dir.name
        build_release(solution_dir, fresh)
        problems += _compare(fresh, released_dir)
    problems += find_leaks(solution_dir, released_dir)
    return problems


def _compare(expected: Path, actual: Path) -> list[str]:
    exp = {p.relative_to(expected).as_posix() for p in expected.rglob("*") if p.is_file()}
    act = {p.relative_to(actual).as_posix() for p in actual.rglob("*")
           if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts}
    problems = [f"{rel}: missing from the released copy" for rel in sorted(exp - act)]
    problems += [f"{rel}: in the released copy but not produced by release" for rel in sorted(act - exp)]
    problems += [f"{rel}: out of date" for rel in sorted(exp & act)
                 if not filecmp.cmp(expected / rel, actual / rel, shallow=False)]
    if problems:
        problems.append(f"run `llmkit release {expected.name}` to regenerate {actual}")
    return problems
