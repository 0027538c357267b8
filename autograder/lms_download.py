"""Take in a whole batch of submissions as TAs download it, and a class roster.

Three layouts, detected from the batch itself (a folder, or a zip of one):

- **canvas**: Canvas's "Download Submissions" zip. Every file is named
  `<lastfirst>_[LATE_]<canvas user id>_<submission id>_<original name>`; a
  student's files are gathered into one folder (Canvas's `-1`, `-2` resubmission
  suffixes are dropped), and a student who uploaded one zip is that zip;
- **gradescope**: Gradescope's "Export Submissions" zip: one folder per
  submission plus `submission_metadata.yml` (submitters, sid, email, created_at);
- **plain**: one `<student id>/` folder, `<student id>.zip` or `<student id>.ipynb` per student.

Each entry gives a student key, the folder or zip to grade and, where the layout
knows it, the submission time. `reconcile` matches entries to the roster and
reports submissions of unknown students and roster students with no submission.
Nothing here grades or opens the student's archives (the per-submission checks
are `intake`'s); the outer batch zip gets the same zip-slip and size checks.
"""

from __future__ import annotations

import csv
import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from autograder.errors import ConfigError, SubmissionError
from autograder.grade import Submission
from autograder.intake import UnsafeZipEntry, zip_entry_path

Layout = str  # "canvas" | "gradescope" | "plain"
LAYOUTS = ("auto", "canvas", "gradescope", "plain")
GRADESCOPE_METADATA = "submission_metadata.yml"
CANVAS_NAME = re.compile(r"^(?P<name>[^_/]+)_(?:(?P<late>LATE)_)?(?P<uid>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
_RESUBMIT_SUFFIX = re.compile(r"-\d+(?=\.[^.]+$)")
MAX_BATCH_BYTES = 4 * 1024 ** 3
MAX_BATCH_ENTRIES = 200_000
_IGNORED = ("__MACOSX", ".DS_Store", "Thumbs.db")


@dataclass(frozen=True)
class BatchEntry:
    """One student's submission found in a batch."""

    key: str  # the id the layout gives: canvas user id, gradescope sid, plain folder name
    source: Path  # folder or zip to grade
    label: str  # a file-system-safe name for the results folder
    layout: Layout
    submitted_at: datetime | None = None  # aware, UTC
    name: str = ""  # the student's name where the layout carries it
    email: str = ""
    late_flag: bool = False  # the LMS marked it late
    student: str = ""  # the roster id, once reconciled
    stored: Mapping[str, bytes] | None = None  # files a gradebook kept (regrade): graded instead of `source`

    @property
    def student_id(self) -> str:
        return self.student or self.key

    def submission(self, label: str) -> Submission:
        return Submission(label, self.source, self.stored)


@dataclass(frozen=True)
class Batch:
    root: Path
    layout: Layout
    entries: tuple[BatchEntry, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Student:
    """One row of the roster."""

    id: str
    name: str = ""
    email: str = ""
    canvas_id: str = ""
    sis_id: str = ""
    section: str = ""


@dataclass(frozen=True)
class Reconciled:
    entries: tuple[BatchEntry, ...]  # matched to a roster student (`.student` set)
    unknown: tuple[BatchEntry, ...]  # no roster student matches
    missing: tuple[Student, ...]  # roster students with no submission
    duplicates: tuple[str, ...] = field(default=())  # notes about students with several entries


# --- the outer batch zip ---------------------------------------------------------------------

def _safe_member(info: zipfile.ZipInfo, archive: Path) -> PurePosixPath:
    try:
        return zip_entry_path(info)
    except UnsafeZipEntry as exc:
        if exc.reason in ("absolute", "parent"):
            raise SubmissionError(f"{archive}: entry {info.filename!r} points outside the batch; "
                                  "re-download the batch") from None
        raise SubmissionError(f"{archive}: entry {info.filename!r} is not a regular file; re-download the batch") from None


def extract_batch(archive: Path, dest: Path) -> Path:
    """Unpack a batch zip into `dest` with zip-slip and size checks; return `dest`."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{archive}: the batch is not a readable zip ({exc}); download it again") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_BATCH_ENTRIES or sum(i.file_size for i in infos) > MAX_BATCH_BYTES:
            raise SubmissionError(f"{archive}: the batch unpacks to more than {MAX_BATCH_ENTRIES} files or "
                                  f"{MAX_BATCH_BYTES} bytes; split it")
        dest.mkdir(parents=True, exist_ok=True)
        for info in infos:
            rel = _safe_member(info, archive)
            if info.is_dir() or not rel.parts:
                continue
            target = dest.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(target, "wb") as out:
                    out.write(src.read())
            except (zipfile.BadZipFile, EOFError, RuntimeError, NotImplementedError) as exc:
                raise SubmissionError(f"{archive}: entry {info.filename!r} cannot be extracted ({exc}); "
                                      "the batch is corrupt or truncated; download it again") from None
            stamp = datetime(*info.date_time).timestamp()  # keeps the LMS's file times for `_mtime`
            os.utime(target, (stamp, stamp))
    return dest


# --- layouts ---------------------------------------------------------------------------------

# a student's submission as one file in a plain batch: a zip, or a notebook (converted at intake)
_SUBMISSION_FILES = (".zip", ".ipynb")


def _visible(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.name not in _IGNORED)


def _looks_like_batch(folder: Path) -> bool:
    items = _visible(folder)
    if (folder / GRADESCOPE_METADATA).exists() or any(CANVAS_NAME.match(p.name) for p in items if p.is_file()):
        return True
    many = sum(p.is_dir() or p.suffix.lower() in _SUBMISSION_FILES for p in items) >= 2
    return many and not any(p.suffix == ".py" for p in items if p.is_file())


def _unwrap(folder: Path) -> Path:
    """Descend through single-folder wrappers (a zip of the download folder), but not into the one
    student folder of a one-student batch."""
    while True:
        items = _visible(folder)
        if (len(items) == 1 and items[0].is_dir() and not (folder / GRADESCOPE_METADATA).exists()
                and _looks_like_batch(items[0])):
            folder = items[0]
        else:
            return folder


def _mtime(path: Path) -> datetime:
    if path.is_dir():
        stamps = [p.stat().st_mtime for p in path.rglob("*") if p.is_file()] or [path.stat().st_mtime]
        return datetime.fromtimestamp(max(stamps), tz=timezone.utc)
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)


def detect_layout(root: Path) -> Layout:
    if (root / GRADESCOPE_METADATA).is_file():
        return "gradescope"
    files = [p for p in _visible(root) if p.is_file()]
    if files and sum(bool(CANVAS_NAME.match(p.name)) for p in files) >= max(1, len(files) // 2):
        return "canvas"
    return "plain"


def safe_label(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "submission"


def _canvas(root: Path, work: Path) -> tuple[list[BatchEntry], list[str]]:
    groups: dict[str, list[tuple[Path, re.Match]]] = {}
    problems = []
    for path in _visible(root):
        match = CANVAS_NAME.match(path.name) if path.is_file() else None
        if match is None:
            problems.append(f"{path.name}: not named like a Canvas download "
                            "(<name>_<user id>_<submission id>_<file>); skipped")
            continue
        groups.setdefault(match["uid"], []).append((path, match))
    entries = []
    for uid, files in sorted(groups.items()):
        first = files[0][1]
        when = max(_mtime(p) for p, _ in files)
        late = any(m["late"] for _, m in files)
        if len(files) == 1 and files[0][0].suffix.lower() == ".zip":
            source = files[0][0]
        else:
            source = work / "canvas" / uid
            source.mkdir(parents=True, exist_ok=True)
            for path, match in files:
                original = _RESUBMIT_SUFFIX.sub("", match["file"])
                (source / original).write_bytes(path.read_bytes())
        entries.append(BatchEntry(key=uid, source=source, label=safe_label(f"{first['name']}_{uid}"),
                                  layout="canvas", submitted_at=when, name=first["name"], late_flag=late))
    return entries, problems


def _symbol(data: dict, key: str):
    return data.get(f":{key}", data.get(key))


def _as_utc(value) -> datetime | None:
    if isinstance(value, datetime):
        stamp = value
    elif isinstance(value, str):
        text = re.sub(r"(\.\d{6})\d+", r"\1", value.strip())
        text = re.sub(r"\s+([+-]\d\d:?\d\d|Z)$", r"\1", text).replace(" ", "T", 1)
        try:
            stamp = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    return stamp.astimezone(timezone.utc) if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def _gradescope(root: Path) -> tuple[list[BatchEntry], list[str]]:
    import yaml

    meta_path = root / GRADESCOPE_METADATA
    try:
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{meta_path}: not readable YAML ({exc}); export the submissions from Gradescope again") from None
    if not isinstance(meta, dict):
        raise ConfigError(f"{meta_path}: expected a mapping of submission folders; export again from Gradescope")
    entries, problems = [], []
    for folder_name, info in sorted(meta.items(), key=lambda kv: str(kv[0])):
        folder = root / str(folder_name)
        if not folder.exists():
            problems.append(f"{GRADESCOPE_METADATA}: {folder_name} has no folder in the batch; skipped")
            continue
        info = info if isinstance(info, dict) else {}
        submitters = _symbol(info, "submitters") or []
        when = _as_utc(_symbol(info, "created_at"))
        if not submitters:
            problems.append(f"{GRADESCOPE_METADATA}: {folder_name} lists no submitters; skipped")
            continue
        for person in submitters:  # a group submission counts for each member
            person = person if isinstance(person, dict) else {}
            sid = str(_symbol(person, "sid") or _symbol(person, "email") or "").strip()
            if not sid:
                problems.append(f"{GRADESCOPE_METADATA}: {folder_name} has a submitter without sid or email; skipped")
                continue
            entries.append(BatchEntry(key=sid, source=folder, label=safe_label(sid), layout="gradescope",
                                      submitted_at=when, name=str(_symbol(person, "name") or ""),
                                      email=str(_symbol(person, "email") or "")))
    listed = {str(k) for k in meta}
    for path in _visible(root):
        if path.is_dir() and path.name not in listed:
            problems.append(f"{path.name}: not listed in {GRADESCOPE_METADATA}; skipped")
    return entries, problems


def _plain(root: Path) -> tuple[list[BatchEntry], list[str]]:
    entries, problems = [], []
    for path in _visible(root):
        if path.is_dir() or path.suffix.lower() in _SUBMISSION_FILES:
            key = path.name if path.is_dir() else path.stem
            entries.append(BatchEntry(key=key, source=path, label=safe_label(key), layout="plain",
                                      submitted_at=_mtime(path)))
        else:
            problems.append(f"{path.name}: neither a <student id>/ folder, a <student id>.zip nor a "
                            "<student id>.ipynb; skipped")
    return entries, problems


def open_batch(source: Path, work: Path, *, layout: str = "auto") -> Batch:
    """Find the submissions in `source` (a folder or a zip); `work` is scratch space the caller owns."""
    source = Path(source)
    if not source.exists():
        raise SubmissionError(f"{source}: no such batch folder or zip; check the path")
    if layout not in LAYOUTS:
        raise ConfigError(f"unknown batch layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    root = extract_batch(source, work / "batch") if source.is_file() else source
    root = _unwrap(root)
    found = detect_layout(root) if layout == "auto" else layout
    if found == "canvas":
        entries, problems = _canvas(root, work)
    elif found == "gradescope":
        entries, problems = _gradescope(root)
    else:
        entries, problems = _plain(root)
    return Batch(root=root, layout=found, entries=tuple(entries), problems=tuple(problems))


# --- roster ----------------------------------------------------------------------------------

_COLUMNS = {
    "id": ("id", "student_id", "student id", "sid", "login", "sis login id", "username"),
    "name": ("name", "student", "student name", "full name"),
    "email": ("email", "e-mail", "email address"),
    "canvas_id": ("canvas_id", "canvas id", "canvas user id"),
    "sis_id": ("sis_id", "sis user id", "sis id"),
    "section": ("section", "sections"),
}


def load_roster(path: Path) -> tuple[Student, ...]:
    """Read a roster CSV (our columns, or a Canvas gradebook export).

    Columns (case-insensitive): id (or student_id/sid/login), name, email,
    canvas_id, sis_id, section. In a Canvas export, `ID` is the Canvas user id and
    `SIS Login ID` (else `SIS User ID`) becomes the student id.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: roster file not found; export it from your LMS as CSV") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8; save the roster as CSV UTF-8") from None
    reader = csv.DictReader(text.splitlines())
    headers = {h.strip().lower(): h for h in (reader.fieldnames or [])}
    canvas_export = {"student", "id", "sis login id"} <= set(headers) or {"student", "id", "sis user id"} <= set(headers)
    pick = {}
    for key, aliases in _COLUMNS.items():
        if canvas_export and key == "id":
            aliases = ("sis login id", "sis user id")
        if canvas_export and key == "canvas_id":
            aliases = ("id",)
        pick[key] = next((headers[a] for a in aliases if a in headers), None)
    if pick["id"] is None:
        raise ConfigError(f"{path}: no student id column; add a header 'id' (or student_id, sid, login); "
                          f"found: {', '.join(reader.fieldnames or []) or 'no header'}")
    students: list[Student] = []
    seen: dict[str, int] = {}
    for lineno, row in enumerate(reader, start=2):
        values = {k: (row.get(col) or "").strip() for k, col in pick.items() if col}
        if canvas_export and values.get("name", "").lower().startswith("points possible"):
            continue
        if not any(values.values()):
            continue
        if canvas_export and not values.get("id"):
            values["id"] = values.get("canvas_id", "")
        if not values.get("id"):
            raise ConfigError(f"{path}: line {lineno}: column '{pick['id']}' is empty; every student needs an id")
        if values["id"] in seen:
            raise ConfigError(f"{path}: line {lineno}: student id {values['id']!r} already on line "
                              f"{seen[values['id']]}; remove the duplicate")
        seen[values["id"]] = lineno
        students.append(Student(**values))
    return tuple(students)


def reconcile(batch: Batch, roster: tuple[Student, ...] | None) -> Reconciled:
    """Match batch entries to roster students; without a roster every entry keeps its own key.

    A student with several entries keeps the latest one (by submission time).
    """
    index: dict[str, Student] = {}
    for s in roster or ():
        for value in (s.id, s.canvas_id, s.sis_id, s.email.lower()):
            if value:
                index.setdefault(value, s)
    matched: dict[str, BatchEntry] = {}
    unknown, notes = [], []
    for entry in batch.entries:
        if roster is None:
            student_id = entry.key
        else:
            hit = index.get(entry.key) or (index.get(entry.email.lower()) if entry.email else None)
            if hit is None:
                unknown.append(entry)
                continue
            student_id = hit.id
        entry = replace(entry, student=student_id)
        previous = matched.get(student_id)
        if previous is not None:
            keep = max((previous, entry), key=lambda e: e.submitted_at or datetime.min.replace(tzinfo=timezone.utc))
            drop = entry if keep is previous else previous
            notes.append(f"{student_id}: several submissions in the batch; kept {keep.source.name}, "
                         f"ignored {drop.source.name}")
            entry = keep
        matched[student_id] = entry
    missing = tuple(s for s in roster or () if s.id not in matched)
    return Reconciled(entries=tuple(matched[k] for k in sorted(matched)), unknown=tuple(unknown),
                      missing=missing, duplicates=tuple(notes))
