"""solutions/NN-slug -> assignments/NN-slug: the student copy, generated and checked.

What is released: the handout (README.md), manifest.toml (less its staff-only [mutants] tables), the submitted files
with every solution region replaced by a stub, a starter notebook ID.ipynb (handout + those stubs in tagged
cells, for students who work in Jupyter or Colab), tests/conftest.py,
tests/public/, fixtures/public/. What never is: tests/hidden/,
fixtures/hidden/, the reference's solution regions. `check_release` compares
a fresh release with what is committed and scans for leaks.
"""

from __future__ import annotations

import filecmp
import hashlib
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.errors import ConfigError
from autograder.manifest import load_manifest

if TYPE_CHECKING:
    from autograder.course import Course

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
    write_starter_notebook(manifest, dest)
    return sorted(p for p in dest.rglob("*") if p.is_file())


def write_starter_notebook(manifest, dest: Path) -> Path:
    """dest/ID.ipynb: the handout and the released starter files as a notebook (see autograder.notebooks),
    built from the files just written, so it can only be as current as they are."""
    from autograder.notebooks import starter_notebook

    readme = dest / "README.md"
    handout = readme.read_text(encoding="utf-8") if readme.is_file() else f"# {manifest.title}\n"
    files = {name: (dest / name).read_text(encoding="utf-8") for name in manifest.submission.files}
    path = dest / f"{manifest.id}.ipynb"
    path.write_text(starter_notebook(manifest.id, manifest.title, handout, files), encoding="utf-8")
    return path


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
        if path.suffix in (".py", ".md", ".toml", ".txt", ".ipynb"):
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


# ---------------------------------------------------------------------------------------------
# The student kit: `llmkit release --kit DIR` writes the whole tree students receive.
# ---------------------------------------------------------------------------------------------

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # autograder/
KIT_TOP_LEVEL = ("README.md", "pyproject.toml", "constraints.txt", "autograder", "assignments", "course")
KIT_SOURCE_FILES = ("pyproject.toml", "constraints.txt")
KIT_FORBIDDEN_WORDS = ("solutions", "hidden", "samples", "roster")  # in any path of the kit
KIT_FORBIDDEN_PARTS = (".git", "wheelhouse", ".llmkit", "benchmarks", "docker")
KIT_IGNORED_PARTS = ("__pycache__",)  # byproducts of running the kit (plus *.egg-info from `pip install -e`)
CHUNK_LINES = 5  # this many consecutive non-trivial lines copied from staff material is a leak
_COURSE_KEYS = {"name", "term", "timezone", "assignments", "late", "sandbox"}
_COURSE_ASSIGNMENT_KEYS = {"id", "weight", "due", "title", "late"}
_COURSE_SANDBOX_KEYS = {"backend", "memory_mb", "test_seconds"}


@dataclass
class KitReport:
    kit_dir: Path
    assignments: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # in solutions/ but never released
    notes: list[str] = field(default_factory=list)  # e.g. a stale assignments/ copy in the repo
    files: int = 0
    leaks: list[str] = field(default_factory=list)


def student_course_text(course: "Course", assignment_ids: list[str]) -> str:
    """course.toml for students: the term, the released assignments (id, title, weight, deadline, own late
    policy), the late policy and the per-test limits their `llmkit check` must share with grading. No
    extensions (they name students), no letter cut-offs, Canvas columns, sandbox backend or jobs."""
    from autograder.course import SandboxDefaults, dump_course

    assignments = tuple(a.model_copy(update={"canvas_column": ""}) for a in course.assignments if a.id in assignment_ids)
    student = course.model_copy(update={
        "assignments": assignments, "extensions": (), "letters": {},
        "sandbox": SandboxDefaults(memory_mb=course.sandbox.memory_mb, test_seconds=course.sandbox.test_seconds),
    })
    body = dump_course(student).split("\n")
    while body and body[0].startswith("#"):
        body.pop(0)
    header = ["# This term's assignments: weights, deadlines (with time zones) and the late policy.",
              "# [sandbox] holds the per-test limits the grader uses; `llmkit check` uses the same ones."]
    return "\n".join(header + body)


def student_readme(assignments: list, course: "Course | None") -> str:
    """The kit's README.md: install, list, check, submit, and the assignments with their deadlines."""
    schedule = {a.id: a for a in course.assignments} if course else {}
    rows = []
    for t in assignments:
        entry = schedule.get(t.id)
        due = entry.due.isoformat() if entry else "-"
        weight = f"{entry.weight:g}" if entry else "-"
        files = ", ".join(f"`{f}`" for f in t.manifest.submission.files)
        rows.append(f"| `{t.id}` | {t.manifest.title} | {files} | {due} | {weight} |")
    title = f"{course.name} ({course.term})" if course else "llmkit"
    late = ""
    if course and course.late.policy != "none":
        p = course.late
        late = {"per_hour": f"{p.rate:.0%} of the points per started hour late",
                "per_day": f"{p.rate:.0%} of the points per started day late",
                "slip_days": f"{p.slip_days} slip day(s) for the term, then {p.rate:.0%} per started day"}[p.policy]
        late = (f"\nLate work: {late}, at most {p.cap:.0%}"
                + (f", after a {p.grace_minutes:g}-minute grace period" if p.grace_minutes else "")
                + ". Deadlines and weights are in `course/course.toml`.\n")
    first = assignments[0].id if assignments else "01-tokenization"
    commands = [("llmkit list", "assignments, deadlines, weights"),
                (f"cat assignments/{first}/README.md", "the handout"),
                (f"llmkit check {first}", "run the public tests: per-test feedback and points"),
                (f"llmkit submit {first}", f"writes {first}-submission.zip: upload that file")]
    width = max(len(c) for c, _ in commands) + 2
    lines = [f"{c.ljust(width)}# {why}" for c, why in commands]
    lines.insert(2, "# edit the starter: every `raise NotImplementedError` is yours to replace")
    command_lines = "\n".join(lines)
    return f"""# {title}: assignments

Your copy of the course kit: the assignments (`assignments/NN-slug/`: handout `README.md`, starter
code, public tests) and `llmkit`, the tool that checks your work with exactly the harness the grader uses.

## Install (once, Python 3.11)
```bash
python3.11 -m venv .venv && source .venv/bin/activate
pip install -c constraints.txt -e .
```

## Work on an assignment
```bash
{command_lines}
```
Working in Jupyter or Colab: open `assignments/ID/ID.ipynb` (the handout and the starter code in tagged cells;
its first cell says what is graded) and give its path to `llmkit check` and `llmkit submit`.
A fresh starter fails every test with `NotImplementedError`; that is expected. `llmkit check` exits with
0 when every public test passes, 1 when some fail. Grading also runs hidden tests with other inputs:
passing the public tests is necessary, not sufficient. `llmkit check` runs your code in a local
subprocess (`--sandbox local`), which protects you from accidents, not from malicious code.

## Assignments
| assignment | title | you submit | due | weight |
| --- | --- | --- | --- | --- |
{chr(10).join(rows)}
{late}"""


def _source_root() -> Path:
    root = PACKAGE_DIR.parent
    missing = [name for name in KIT_SOURCE_FILES if not (root / name).is_file()]
    if missing:
        raise ConfigError(f"{root}: no {', '.join(missing)} next to the autograder package; `release --kit` needs the "
                          f"kit's source checkout (pip install -e .), not an installed wheel")
    return root


def _looks_like_kit(folder: Path) -> bool:
    return (folder / "autograder").is_dir() and (folder / "assignments").is_dir() and not (folder / "solutions").exists()


def _prepare_kit_dir(kit_dir: Path, root: Path, force: bool) -> None:
    kit = kit_dir.resolve()
    for protected in {root.resolve(), PACKAGE_DIR.parent}:
        if kit == protected or protected.is_relative_to(kit):
            raise ConfigError(f"{kit_dir}: holds the kit's own sources ({protected}); choose a new, empty folder")
        if any(kit.is_relative_to(protected / name) for name in ("solutions", "assignments", "autograder", "course")):
            raise ConfigError(f"{kit_dir}: inside {protected}'s own folders; choose a folder outside them")
    if kit.exists() and not kit.is_dir():
        raise ConfigError(f"{kit_dir}: exists and is not a folder")
    if kit.is_dir() and any(kit.iterdir()):
        if not force:
            raise ConfigError(f"{kit_dir}: not empty; choose an empty folder, or pass --force to replace a kit written before")
        if not _looks_like_kit(kit):
            raise ConfigError(f"{kit_dir}: not empty and not a student kit written by `llmkit release --kit` "
                              f"(no autograder/ and assignments/); --force only replaces a kit; remove it yourself")
        shutil.rmtree(kit)
    kit.mkdir(parents=True, exist_ok=True)


def build_kit(kit_dir: Path, root: Path | None = None, *, force: bool = False) -> KitReport:
    """Write the tree students receive into `kit_dir`, then scan it for leaks (`report.leaks`).

    It holds the `llmkit` package (autograder/), pyproject.toml, constraints.txt, a student README.md,
    every released assignment freshly generated from solutions/ by `build_release`, and a student
    course/course.toml. A non-empty `kit_dir` is refused unless `force` (and it looks like a kit)."""
    from autograder.catalog import kit_root, list_assignments
    from autograder.course import COURSE_FILE, load_course

    root = (root or kit_root()).resolve()
    source = _source_root()
    solutions = root / "solutions"
    if not solutions.is_dir():
        raise ConfigError(f"{root}: no solutions/ folder; the kit is built from the source of truth")
    _prepare_kit_dir(kit_dir, root, force)
    report = KitReport(kit_dir=kit_dir)
    assignments = []
    for t in list_assignments(root):
        if t.solution_dir is None:
            raise ConfigError(f"{t.assignment_dir}: released but solutions/{t.id} is missing; the kit cannot regenerate it")
        if t.assignment_dir is None:
            report.skipped.append(t.id)
            continue
        dest = kit_dir / "assignments" / t.id
        build_release(t.solution_dir, dest)
        stale = [p for p in _compare(dest, t.assignment_dir) if not p.startswith("run ")]
        if stale:
            report.notes.append(f"assignments/{t.id} in {root} is stale ({len(stale)} difference(s)): the kit has the fresh "
                                f"release; run `llmkit release {t.id}` to update the repository's copy")
        report.assignments.append(t.id)
        assignments.append(t)
    shutil.copytree(PACKAGE_DIR, kit_dir / "autograder", ignore=_IGNORED)
    for name in KIT_SOURCE_FILES:
        shutil.copyfile(source / name, kit_dir / name)
    course = None
    if (root / COURSE_FILE).is_file():
        course = load_course(root / COURSE_FILE)
        text = student_course_text(course, report.assignments)
        (kit_dir / COURSE_FILE).parent.mkdir(parents=True, exist_ok=True)
        (kit_dir / COURSE_FILE).write_text(text, encoding="utf-8")
        course = load_course(kit_dir / COURSE_FILE, report.assignments)  # what students get must load
    (kit_dir / "README.md").write_text(student_readme(assignments, course), encoding="utf-8")
    report.files = sum(1 for p in kit_dir.rglob("*") if p.is_file())
    report.leaks = scan_kit(kit_dir, solutions)
    return report


# --- the leak scan -----------------------------------------------------------------------------

def _normalized(line: str) -> str | None:
    """A line as the chunk comparison sees it, or None when it is too trivial to count
    (blank, a comment, a lone keyword or bracket: anything under 8 characters)."""
    text = " ".join(line.split())
    if len(text) < 8 or text.startswith("#"):
        return None
    return text


def _windows(lines: list[str], first_line: int = 1) -> dict[tuple[str, ...], int]:
    """Every run of CHUNK_LINES consecutive non-trivial lines -> the line number where it starts."""
    kept = [(n, t) for n, t in ((first_line + i, _normalized(l)) for i, l in enumerate(lines)) if t is not None]
    out: dict[tuple[str, ...], int] = {}
    for i in range(len(kept) - CHUNK_LINES + 1):
        out.setdefault(tuple(t for _, t in kept[i:i + CHUNK_LINES]), kept[i][0])
    return out


def _text(path: Path) -> str | None:
    """A file's text as the chunk comparison reads it; a notebook's is its cells' text, not its JSON."""
    if path.suffix == ".ipynb":
        from autograder.notebooks import notebook_sources

        return notebook_sources(path)
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None


def _regions(source: str) -> list[tuple[int, list[str]]]:
    """The solution regions of a reference: (first line number, lines) of each body."""
    regions: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    start = 0
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            current, start = [], number + 1
        elif stripped.startswith(END):
            if current is not None:
                regions.append((start, current))
            current = None
        elif current is not None:
            current.append(line)
    return regions


@dataclass
class _Secrets:
    digests: dict[str, str] = field(default_factory=dict)  # sha256 -> "solutions/ID/file"
    windows: dict[tuple[str, ...], tuple[str, int]] = field(default_factory=dict)  # chunk -> (source, line)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _staff_secrets(solutions_dir: Path, public: list[Path]) -> _Secrets:
    """What must never reach students, in comparable form: the bodies of the references' solution
    regions (and each whole reference), every hidden test and fixture, every sample submission
    (course/samples/). Hidden files and samples are compared only on what the released material does
    not already show (public tests share imports and helpers with hidden ones)."""
    secrets = _Secrets()
    public_digests: set[str] = set()
    public_windows: set[tuple[str, ...]] = set()
    for path in public:
        data = path.read_bytes()
        public_digests.add(_digest(data))
        text = _text(path)
        if text is not None:
            public_windows.update(_windows(text.splitlines()))
    label = lambda p: p.relative_to(solutions_dir.parent).as_posix()  # noqa: E731
    staff_files: list[Path] = []
    for solution in sorted(p for p in solutions_dir.iterdir() if p.is_dir()):
        try:
            references = load_manifest(solution).submission.files
        except ConfigError:
            references = ()
        for name in references:
            ref = solution / name
            text = _text(ref) if ref.is_file() else None
            if text is None:
                continue
            regions = _regions(text)
            if regions:
                secrets.digests[_digest(ref.read_bytes())] = f"{label(ref)} (the reference)"
            for start, lines in regions:
                for chunk, line in _windows(lines, start).items():
                    secrets.windows.setdefault(chunk, (f"{label(ref)} (the reference's solution)", line))
        for marker in HIDDEN_MARKERS:
            if (solution / marker).is_dir():
                staff_files += sorted(p for p in (solution / marker).rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    samples = solutions_dir.parent / "course" / "samples"
    if samples.is_dir():
        staff_files += sorted(p for p in samples.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in staff_files:
        data = path.read_bytes()
        if _digest(data) not in public_digests and data.strip():
            secrets.digests.setdefault(_digest(data), label(path))
        text = _text(path)
        if text is not None:
            for chunk, line in _windows(text.splitlines()).items():
                if chunk not in public_windows:
                    secrets.windows.setdefault(chunk, (label(path), line))
    return secrets


def _roster_needles(course_dir: Path) -> set[str]:
    """Student ids and e-mail addresses from course/roster.csv (names are left out: they are common words)."""
    path = course_dir / "roster.csv"
    if not path.is_file():
        return set()
    import csv

    needles = set()
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for key in ("id", "email"):
                value = (row.get(key) or "").strip()
                if len(value) >= 4:
                    needles.add(value)
    return needles


def _scan_course(path: Path) -> list[str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return [f"course/course.toml: does not load ({exc})"]
    problems = [f"course/course.toml: has [{k}] or {k} = ..., which is for staff only" for k in sorted(set(data) - _COURSE_KEYS)]
    for entry in data.get("assignments", []):
        extra = sorted(set(entry) - _COURSE_ASSIGNMENT_KEYS)
        if extra:
            problems.append(f"course/course.toml: assignment {entry.get('id')!r} has staff-only key(s) {', '.join(extra)}")
    extra = sorted(set(data.get("sandbox", {})) - _COURSE_SANDBOX_KEYS)
    if extra:
        problems.append(f"course/course.toml: [sandbox] has staff-only key(s) {', '.join(extra)}")
    return problems


def scan_kit(kit_dir: Path, solutions_dir: Path) -> list[str]:
    """Everything in a student kit that must not be there; empty when the kit is clean.

    Rules: (1) only README.md, pyproject.toml, constraints.txt, autograder/, assignments/ and
    course/course.toml at the top; no path with "solutions", "hidden", "samples" or "roster" in it, no
    .git, wheelhouse, .llmkit, benchmarks or docker folder; (2) every assignments/ID is exactly what
    `build_release` makes from solutions/ID, and `find_leaks` finds nothing in it (hidden folders, hidden
    file or test names, solution markers, [mutants] tables); (3) no manifest anywhere has [mutants] and no
    .py file has a solution marker line; (4) course/course.toml has only student keys (no extensions,
    letters, Canvas columns, jobs); no file names a student of course/roster.csv; (5) no file equals a
    reference, a hidden file or a sample submission, and none contains CHUNK_LINES consecutive
    non-trivial lines of a reference's solution regions, of a hidden test or fixture, or of a sample.
    """
    kit_dir, solutions_dir = Path(kit_dir), Path(solutions_dir)
    problems: list[str] = []
    files: list[Path] = []
    for path in sorted(kit_dir.rglob("*")):
        rel = path.relative_to(kit_dir)
        parts = rel.parts
        if any(p in KIT_IGNORED_PARTS or p.endswith(".egg-info") for p in parts):
            continue
        low = rel.as_posix().lower()
        if len(parts) == 1 and parts[0] not in KIT_TOP_LEVEL:
            problems.append(f"{low}: not part of the student kit")
        words = [w for w in KIT_FORBIDDEN_WORDS if w in low]
        if words:
            problems.append(f"{rel.as_posix()}: a staff-only path ({', '.join(words)})")
        if any(p.lower() in KIT_FORBIDDEN_PARTS for p in parts):
            problems.append(f"{rel.as_posix()}: a staff-only or build folder")
        if parts[0] == "course" and len(parts) > 1 and rel.as_posix() != "course/course.toml":
            problems.append(f"{rel.as_posix()}: course/ holds only course.toml for students")
        if path.is_file():
            files.append(path)

    released = kit_dir / "assignments"
    public: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        for folder in sorted(p for p in released.iterdir() if p.is_dir()) if released.is_dir() else []:
            solution = solutions_dir / folder.name
            if not (solution / "manifest.toml").is_file():
                problems.append(f"assignments/{folder.name}: no solutions/{folder.name} to check it against")
                continue
            fresh = Path(tmp) / folder.name
            build_release(solution, fresh)
            public += [p for p in fresh.rglob("*") if p.is_file()]
            problems += [f"assignments/{folder.name}/{p}" for p in _compare(fresh, folder) if not p.startswith("run ")]
            problems += [f"assignments/{folder.name}/{p}" for p in find_leaks(solution, folder)]
        secrets = _staff_secrets(solutions_dir, public) if solutions_dir.is_dir() else _Secrets()

        roster = _roster_needles(solutions_dir.parent / "course")
        roster_re = re.compile(r"(?<![\w@.])(" + "|".join(map(re.escape, sorted(roster))) + r")(?![\w@])") if roster else None
        for path in files:
            rel_name = path.relative_to(kit_dir).as_posix()
            data = path.read_bytes()
            if _digest(data) in secrets.digests:
                problems.append(f"{rel_name}: a copy of {secrets.digests[_digest(data)]}")
            text = _text(path)
            if text is None:
                continue
            lines = text.splitlines()
            if path.suffix == ".toml" and any(_STAFF_TABLE.match(line) for line in lines) and not rel_name.startswith("assignments/"):
                problems.append(f"{rel_name}: contains the staff-only [mutants] table")
            if path.suffix == ".py" and not rel_name.startswith("assignments/") and any(
                    line.strip().startswith((BEGIN, END)) for line in lines):
                problems.append(f"{rel_name}: contains a solution region marker line")
            if roster_re is not None:
                found = sorted(set(roster_re.findall(text)))
                if found:
                    problems.append(f"{rel_name}: names student(s) of the roster: {', '.join(found[:5])}")
            seen: set[str] = set()
            for chunk, line in _windows(lines).items():
                hit = secrets.windows.get(chunk)
                if hit is not None and hit[0] not in seen:
                    seen.add(hit[0])
                    problems.append(f"{rel_name}: line {line} starts {CHUNK_LINES}+ consecutive lines copied from "
                                    f"{hit[0]} (its line {hit[1]})")
    if (kit_dir / "course" / "course.toml").is_file():
        problems += _scan_course(kit_dir / "course" / "course.toml")
    return problems
