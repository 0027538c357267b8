"""Take a submission (a folder or a zip) in as a checked folder of exactly the submitted files.

Checks, each with a message that says what to do:
- archive entries with absolute paths, `..` components, symlinks or other
  non-regular files are refused (zip-slip, link tricks);
- a zip bomb is refused before extraction (entry count, total uncompressed
  size, per-file size, compression ratio);
- only the files named in the manifest are taken, found at the top level or
  in exactly one folder (students often zip the folder itself); others are
  ignored and listed;
- missing files and files that are not UTF-8 are reported as problems, and
  grading goes on with what is there, so a missing file costs only the tests
  that need it;
- a notebook (an .ipynb given alone, or the only one in a zip or folder that holds none of the
  submitted files) is converted into the submitted files by `autograder.notebooks` (tagged cells,
  the untagged-code rule, magics removed); its notes join the problems, and a notebook that cannot
  be read at all refuses the submission. When the submitted files are there too, they win.

Nothing here runs student code.
"""

from __future__ import annotations

import hashlib
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.errors import SubmissionError

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_RATIO = 200
MAX_NOTEBOOK_BYTES = MAX_TOTAL_BYTES  # notebooks carry outputs (plots): larger than a source file, stripped on intake


@dataclass
class Intake:
    """The outcome of taking one submission in."""

    folder: Path
    files: dict[str, str] = field(default_factory=dict)  # name -> sha256
    problems: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    notebook: str | None = None  # the converted notebook's path in the submission, if any
    notebook_text: str = ""  # that notebook without outputs (kept beside the results)

    def read_files(self) -> dict[str, bytes]:
        """The taken-in files' bytes (what a gradebook keeps for regrading)."""
        return {name: (self.folder / name).read_bytes() for name in self.files}

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(f"{name}\0{self.files[name]}\n".encode())
        return digest.hexdigest()


class UnsafeZipEntry(SubmissionError):
    """A zip entry that must not be extracted. `reason`: "absolute" (an absolute or drive path),
    "parent" (a '..' part), "symlink" or "special" (another non-regular file type)."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"zip entry {name!r} is unsafe ({reason})")
        self.name = name
        self.reason = reason


def zip_entry_path(info: zipfile.ZipInfo) -> PurePosixPath:
    """The relative path a zip entry unpacks to, or UnsafeZipEntry for zip-slip and link tricks: an
    absolute path, a drive letter, a '..' part, a symbolic link or another non-regular file type.
    Backslashes count as separators. Shared by submissions (intake) and batches (batch)."""
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UnsafeZipEntry(info.filename, "absolute")
    if ".." in path.parts:
        raise UnsafeZipEntry(info.filename, "parent")
    mode = info.external_attr >> 16
    file_type = stat.S_IFMT(mode)  # 0 when the archiver recorded permissions only
    if file_type and file_type not in (stat.S_IFREG, stat.S_IFDIR):
        raise UnsafeZipEntry(info.filename, "symlink" if stat.S_ISLNK(mode) else "special")
    return path


def _check_entry(info: zipfile.ZipInfo, archive: Path) -> str:
    name = info.filename
    try:
        return str(zip_entry_path(info))
    except UnsafeZipEntry as exc:
        if exc.reason == "absolute":
            raise SubmissionError(
                f"{archive.name}: entry {name!r} has an absolute path; re-create the zip from inside "
                "your assignment folder (e.g. `llmkit submit ASSIGNMENT`)"
            ) from None
        if exc.reason == "parent":
            raise SubmissionError(
                f"{archive.name}: entry {name!r} points outside the archive ('..'); re-create the zip "
                "with `llmkit submit ASSIGNMENT`"
            ) from None
        kind = "a symbolic link" if exc.reason == "symlink" else "not a regular file"
        raise SubmissionError(
            f"{archive.name}: entry {name!r} is {kind}; submit plain files only (`llmkit submit ASSIGNMENT`)"
        ) from None


def _read_zip(archive: Path) -> dict[str, bytes]:
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise SubmissionError(
            f"{archive.name}: not a readable zip archive (corrupt or truncated); upload the zip again"
        ) from None
    except OSError as exc:
        raise SubmissionError(f"{archive.name}: cannot be read ({exc.strerror or exc})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise SubmissionError(f"{archive.name}: {len(infos)} entries is more than the {MAX_ENTRIES} allowed; submit only your solution files")
        total = 0
        for info in infos:
            _check_entry(info, archive)
            total += info.file_size
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1024 * 1024:
                raise SubmissionError(
                    f"{archive.name}: entry {info.filename!r} has a compression ratio over {MAX_RATIO}:1 "
                    "(a zip bomb?); submit only your solution files"
                )
            if info.file_size > (MAX_NOTEBOOK_BYTES if _is_notebook(info.filename) else MAX_FILE_BYTES):
                raise SubmissionError(
                    f"{archive.name}: entry {info.filename!r} unpacks to {info.file_size} bytes, over the "
                    f"{MAX_FILE_BYTES} byte limit per file; submit only your solution files"
                )
        if total > MAX_TOTAL_BYTES:
            raise SubmissionError(f"{archive.name}: unpacks to {total} bytes, over the {MAX_TOTAL_BYTES} byte limit")
        contents: dict[str, bytes] = {}
        for info in infos:
            if info.is_dir():
                continue
            name = _check_entry(info, archive)
            try:
                with zf.open(info) as fh:
                    # subtle: read one byte past the declared size, so a header that lies about it is caught
                    limit = MAX_NOTEBOOK_BYTES if _is_notebook(info.filename) else MAX_FILE_BYTES
                    data = fh.read(limit + 1)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
                raise SubmissionError(
                    f"{archive.name}: entry {info.filename!r} cannot be extracted ({exc}); the archive is "
                    "corrupt, truncated or encrypted; upload it again without a password"
                ) from None
            if len(data) > limit:
                raise SubmissionError(f"{archive.name}: entry {info.filename!r} is larger than it claims (a zip bomb?)")
            contents[name] = data
        return contents


def _read_folder(folder: Path) -> dict[str, bytes | None]:
    contents: dict[str, bytes | None] = {}
    total = 0
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") or part == "__pycache__" for part in PurePosixPath(rel).parts):
            continue
        if path.is_symlink():
            contents[rel] = None  # reported only if it is one of the submitted files
            continue
        if not path.is_file():
            continue
        size = path.stat().st_size
        total += size
        if size > (MAX_NOTEBOOK_BYTES if _is_notebook(rel) else MAX_FILE_BYTES) or total > MAX_TOTAL_BYTES:
            contents[rel] = b""  # too large: only reported if it is a submitted file
            continue
        contents[rel] = path.read_bytes()
        if len(contents) > MAX_ENTRIES:
            break
    return contents


def _is_notebook(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return (name.lower().endswith(".ipynb") and ".ipynb_checkpoints" not in parts
            and not any(p.startswith(("__MACOSX", ".")) for p in parts))


def _from_notebook(contents: dict[str, bytes | None], files: tuple[str, ...], intake: Intake,
                   archive: bool) -> dict[str, bytes | None]:
    """Replace `contents` by the files converted from its notebook, when that is what was submitted."""
    from autograder.notebooks import NotebookError, convert, missing_hint

    notebooks = sorted(p for p, data in contents.items() if _is_notebook(p) and data)
    if not notebooks:
        return contents
    if any(_locate(contents, name) != (None, None) for name in files):
        if archive:
            intake.problems.append(f"{', '.join(notebooks)}: not converted, because the submission also has "
                                   f"{', '.join(files)}, which is graded; submit either the notebook or the files")
        return contents
    if len(notebooks) > 1:
        raise SubmissionError(f"the submission holds {len(notebooks)} notebooks ({', '.join(notebooks)}) and none of "
                              f"{', '.join(files)}; submit exactly one notebook")
    where = notebooks[0]
    try:
        conversion = convert(contents[where] or b"", files, PurePosixPath(where).name)  # never empty: see `notebooks`
    except NotebookError as exc:
        raise SubmissionError(str(exc)) from None
    intake.notebook, intake.notebook_text = where, conversion.stripped
    intake.problems += conversion.notes
    intake.problems += [missing_hint(name, files) for name in files if name not in conversion.files]
    converted: dict[str, bytes | None] = {name: text.encode("utf-8") for name, text in conversion.files.items()}
    converted.update({p: d for p, d in contents.items() if p != where and p not in converted})
    return converted


def _locate(contents: dict[str, bytes | None], name: str) -> tuple[str | None, str | None]:
    """Find `name` at the top level, else in exactly one subfolder."""
    if name in contents:
        return name, None
    matches = [p for p in contents if PurePosixPath(p).name == name]
    if len(matches) == 1:
        return matches[0], None
    if len(matches) > 1:
        return None, f"{name} appears {len(matches)} times ({', '.join(sorted(matches))}); submit exactly one copy"
    return None, None


def take_in(source: Path, files: tuple[str, ...], dest: Path) -> Intake:
    """Copy the submitted `files` from `source` (folder, .zip or .ipynb) into `dest`.

    Raises SubmissionError when the archive itself must be refused; problems
    with single files are recorded in `Intake.problems`.
    """
    source = Path(source)
    if not source.exists():
        raise SubmissionError(f"{source}: no such file or folder; check the path")
    contents: dict[str, bytes | None]  # None: a symbolic link (in a folder)
    if source.is_dir():
        contents = _read_folder(source)
    elif source.suffix.lower() == ".ipynb":
        if source.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise SubmissionError(f"{source.name}: over {MAX_NOTEBOOK_BYTES} bytes; clear the outputs "
                                  "(Edit > Clear All Outputs) and save the notebook again")
        contents = {source.name: source.read_bytes()}
    elif zipfile.is_zipfile(source) or source.suffix.lower() == ".zip":
        contents = dict(_read_zip(source))
    elif source.suffix == ".py" and len(files) == 1:
        contents = {files[0]: source.read_bytes()} if source.name == files[0] else {source.name: source.read_bytes()}
    else:
        raise SubmissionError(f"{source}: expected a folder, a .zip archive or a notebook (.ipynb) holding "
                              f"{', '.join(files)}")
    dest.mkdir(parents=True, exist_ok=True)
    intake = Intake(folder=dest)
    contents = _from_notebook(contents, files, intake, archive=not source.is_dir())
    return _admit(contents, files, intake, source if source.is_dir() else None)


def from_stored(stored: Mapping[str, bytes], files: tuple[str, ...], dest: Path) -> Intake:
    """The intake of files a gradebook kept from an earlier intake (regrade): the same checks, no source."""
    dest.mkdir(parents=True, exist_ok=True)
    return _admit(dict(stored), files, Intake(folder=dest), None)


def _admit(contents: dict[str, bytes | None], files: tuple[str, ...], intake: Intake, folder: Path | None) -> Intake:
    """Write each expected file of `contents` into the intake's folder; record a problem for each one
    that is missing, a link, too large or not UTF-8. `folder`: the source folder, when it is one."""
    dest = intake.folder
    used = set()
    for name in files:
        where, problem = _locate(contents, name)
        if problem:
            intake.problems.append(problem)
            continue
        if where is None:
            if intake.notebook is not None:
                continue  # the notebook's conversion said why
            intake.problems.append(f"{name} is missing; your submission must contain: {', '.join(files)}")
            continue
        data = contents[where]
        used.add(where)
        if data is None:
            intake.problems.append(f"{name} is a symbolic link; submit the file itself")
            continue
        if folder is not None and len(data) == 0 and (folder / where).is_file() and (folder / where).stat().st_size > MAX_FILE_BYTES:
            intake.problems.append(f"{name} is larger than {MAX_FILE_BYTES} bytes; submit only source code")
            continue
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            intake.problems.append(
                f"{name} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "save the file with UTF-8 encoding"
            )
        (dest / name).write_bytes(data)
        intake.files[name] = hashlib.sha256(data).hexdigest()
    intake.ignored = sorted(p for p in contents if p not in used)
    return intake
