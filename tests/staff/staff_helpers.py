"""Helpers shared by the staff tests: the scenario kit, and batches built from its submissions."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import zipfile
from datetime import datetime, timezone
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
KIT = TESTS / "scenarios" / "kit"
SUBMISSIONS = TESTS / "scenarios" / "submissions"
FULL = 9.0

# subtle: ctypes.string_at(0) dereferences NULL: the worker dies of SIGSEGV, not of a Python exception
SEGFAULT = (SUBMISSIONS / "full" / "calc.py").read_text().replace(
    "def add(a, b):\n    return a + b", "def add(a, b):\n    import ctypes\n    return ctypes.string_at(0)")


def stamp(folder: Path, when: datetime) -> None:
    """Give every file under `folder` (and itself) the modification time `when`."""
    t = when.timestamp()
    for p in [folder, *folder.rglob("*")]:
        os.utime(p, (t, t))


def plain_batch(dest: Path, names: dict[str, str], when: datetime | None = None) -> Path:
    """dest/<student>/ copied from scenario submissions: {student id: scenario name or source text}."""
    dest.mkdir(parents=True, exist_ok=True)
    for student, what in names.items():
        target = dest / student
        if (SUBMISSIONS / what).is_dir():
            shutil.copytree(SUBMISSIONS / what, target)
        else:
            target.mkdir()
            (target / "calc.py").write_text(what)
        stamp(target, when or datetime(2027, 2, 1, 12, 0, tzinfo=timezone.utc))
    return dest


def write_roster(path: Path, ids: list[str]) -> Path:
    path.write_text("id,name,email,canvas_id,section\n"
                    + "".join(f"{i},Student {i},{i}@uni.edu,{1000 + n},A\n" for n, i in enumerate(ids)))
    return path


def zip_folder(folder: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w") as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(folder).as_posix())
    return dest


def grade_rows(db: Path) -> list[tuple]:
    """(student, tests hash) of every grade row, straight from SQLite (duplicates would show twice)."""
    with sqlite3.connect(db) as con:
        return con.execute("SELECT s.student_id, g.tests_hash FROM grades g JOIN submissions s ON s.id = g.submission_id "
                           "ORDER BY 1").fetchall()


def load_json(path: Path) -> dict:
    return json.loads(path.read_text())
