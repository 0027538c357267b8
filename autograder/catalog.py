"""Find the kit's folders and resolve an ASSIGNMENT argument to an assignment.

An ASSIGNMENT may be the full id (`01-tokenization`), its number (`1`, `01`) or its
slug (`tokenization`). Staff machines have `solutions/`; a student's copy of
the kit may have only `assignments/`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import UnknownAssignment
from autograder.manifest import MANIFEST_NAME, Manifest, load_manifest


def kit_root(start: Path | None = None) -> Path:
    """The folder holding solutions/ or assignments/: $LLMKIT_ROOT, else the nearest one above the cwd."""
    env = os.environ.get("LLMKIT_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "solutions").is_dir() or (folder / "assignments").is_dir():
            return folder
    return Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Assignment:
    id: str
    manifest: Manifest
    solution_dir: Path | None
    assignment_dir: Path | None

    @property
    def source_dir(self) -> Path:
        """Where the tests live: solutions/ when present (staff), else assignments/ (students)."""
        folder = self.solution_dir or self.assignment_dir
        if folder is None:  # resolve() makes no such Assignment
            raise UnknownAssignment(f"assignment {self.id!r} has neither a solution nor an assignment folder")
        return folder


def _ids(root: Path) -> list[str]:
    ids: set[str] = set()
    for parent in ("solutions", "assignments"):
        base = root / parent
        if base.is_dir():
            ids.update(p.name for p in base.iterdir() if (p / MANIFEST_NAME).is_file())
    return sorted(ids)


def list_assignments(root: Path | None = None) -> list[Assignment]:
    root = root or kit_root()
    return [resolve(i, root) for i in _ids(root)]


def resolve(assignment: str, root: Path | None = None) -> Assignment:
    root = root or kit_root()
    ids = _ids(root)
    wanted = assignment.strip().lower()
    matches = [i for i in ids if i == wanted]
    if not matches and wanted.isdigit():
        matches = [i for i in ids if i.split("-", 1)[0].lstrip("0") == wanted.lstrip("0")]
    if not matches:
        matches = [i for i in ids if i.split("-", 1)[-1] == wanted]
    if len(matches) != 1:
        known = ", ".join(ids) or "(none found)"
        raise UnknownAssignment(f"unknown assignment {assignment!r} under {root}; known assignments: {known} (see `llmkit list`)")
    tid = matches[0]
    sol = root / "solutions" / tid
    asg = root / "assignments" / tid
    sol_dir = sol if (sol / MANIFEST_NAME).is_file() else None
    asg_dir = asg if (asg / MANIFEST_NAME).is_file() else None
    folder = sol_dir or asg_dir
    if folder is None:  # _ids() lists only folders with a manifest; it went away since
        raise UnknownAssignment(f"assignment {tid!r} under {root} has no {MANIFEST_NAME} any more")
    manifest = load_manifest(folder)
    return Assignment(id=tid, manifest=manifest, solution_dir=sol_dir, assignment_dir=asg_dir)
