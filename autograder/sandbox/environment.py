"""Worker environments: what a student's code may import, per assignment.

An assignment's manifest lists the distributions its students may use
(`[environment] packages = ["numpy"]`); the worker then sees exactly those, their runtime
requirements, the standard library and the worker's own code, never the oracle libraries the
tests compare against (tiktoken, faiss, scikit-learn, ...).

- `requirement_closure(packages)`: the distributions plus their runtime requirements,
  transitively, from the installed metadata (markers evaluated with no extras), plus msgpack,
  which the worker's protocol needs.
- `local_view(packages)`: for the local backend, a cached folder with a symbolic link to every
  top-level entry (package, module, `.libs` folder, `.dist-info`) of each distribution of the
  closure, a minimal COPY of the worker code (so `autograder.__file__`, seen from student code,
  points into the cache and never into the kit's repository, where solutions/ lives), and a
  bootstrap script. The worker runs it as `python -I -S <view>/llmkit_worker.py ...`: with -S
  neither site-packages nor the kit's editable install are on sys.path.
- `environment_key(packages)`: the canonical form of a package set, shared by the Docker images
  (one image per distinct environment, see `autograder.sandbox.image`).

Views live under `$LLMKIT_CACHE/envs/<hash>` (default `~/.cache/llmkit/envs/<hash>`), the hash
covering the closure with versions and locations, the interpreter and the worker code; a new
version of any of them makes a new view. Views are built in a temporary folder and renamed into
place, so graders racing for the same view are safe.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path, PurePath

from autograder.errors import ConfigError
from autograder.sandbox.base import SandboxError

WORKER_REQUIREMENTS = ("msgpack",)  # what the worker's own code imports besides the standard library
BOOTSTRAP = "llmkit_worker.py"
PACKAGE_DIR = Path(__file__).resolve().parents[1]
_VIEW_FORMAT = "1"
_NAMESPACE_DEPTH = 4  # how deep namespace packages (no __init__.py, shared by distributions) are split
_KIT_MODULE = re.compile(r"^\s*(?:(?:from|import)\s+autograder\.|from\s+autograder\s+import\s+\(?\s*)([A-Za-z_]\w*)",
                         re.MULTILINE)

_BOOTSTRAP_SOURCE = '''"""Start the llmkit worker from this environment view: python -I -S {name} <worker arguments>.

With -I -S, sys.path holds the standard library only; this folder goes after it (so nothing here
can shadow the standard library) and the student's folder after that (the worker adds it).
"""

import os
import site  # with -S, importing site adds nothing to sys.path; it only restores exit()/quit()/help()
import sys

sys.path.append(os.path.dirname(os.path.abspath(__file__)))
site.setquit()
site.sethelper()

from autograder.worker.server import main  # noqa: E402

main()
'''.replace("{name}", BOOTSTRAP)

_PACKAGE_INIT = '"""The llmkit worker: a copy of the kit\'s worker code made for the sandbox."""\n'


class MissingDistribution(ConfigError, SandboxError):
    """An environment names a distribution that is not installed where the worker starts.

    Both a configuration error (the manifest asks for it) and a sandbox error (no worker can start)."""

    exit_code = 3


def canonical_name(name: str) -> str:
    """PEP 503 normalisation: 'Rank_BM25' -> 'rank-bm25'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def environment_key(packages) -> tuple[str, ...]:
    """The canonical, sorted, de-duplicated form of a package set (what makes two environments equal)."""
    return tuple(sorted({canonical_name(p) for p in packages}))


def describe(packages) -> str:
    """'the standard library only' / '... and numpy only' / 'the standard library, numpy and torch only'."""
    parts = ["the standard library", *environment_key(packages)]
    return (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]) + " only"


def _distribution(name: str, wanted_by: str | None) -> metadata.Distribution:
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        why = f", a requirement of {wanted_by}," if wanted_by else ""
        raise MissingDistribution(
            f"the worker environment needs the distribution {name!r}{why} but it is not installed for "
            f"{sys.executable}; install it (`pip install -c constraints.txt {name}`) or correct "
            "[environment] packages in the assignment's manifest.toml"
        ) from None


def _requirements(dist: metadata.Distribution, extras: frozenset[str]) -> list[tuple[str, frozenset[str]]]:
    from packaging.requirements import InvalidRequirement, Requirement

    found = []
    for text in dist.requires or ():
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in ("", *sorted(extras))):
            continue
        found.append((req.name, frozenset(req.extras)))
    return found


def _closure(packages) -> dict[str, metadata.Distribution]:
    """canonical name -> installed distribution, for the packages, their requirements and the worker's."""
    found: dict[str, metadata.Distribution] = {}
    done_extras: dict[str, frozenset[str]] = {}
    todo: list[tuple[str, frozenset[str], str | None]] = [
        (name, frozenset(), None) for name in (*packages, *WORKER_REQUIREMENTS)
    ]
    while todo:
        name, extras, wanted_by = todo.pop()
        key = canonical_name(name)
        if key in done_extras and extras <= done_extras[key]:
            continue
        found[key] = found.get(key) or _distribution(name, wanted_by)
        done_extras[key] = done_extras.get(key, frozenset()) | extras
        for req_name, req_extras in _requirements(found[key], extras):
            todo.append((req_name, req_extras, key))
    return found


def requirement_closure(packages) -> list[str]:
    """The distributions `packages` name, their runtime requirements (transitively, markers
    evaluated with no extras) and the worker's own (msgpack), as sorted canonical names.

    Raises MissingDistribution (a SandboxError) naming a distribution that is not installed."""
    return sorted(_closure(packages))


# -- the worker's code ----------------------------------------------------------------------------

def worker_files() -> dict[str, Path]:
    """Relative path in the view -> source file: autograder/worker/*.py and the single-file kit
    modules they import (channel, protocol, ...), found by following `from/import autograder.<name>` lines."""
    files = {f"autograder/worker/{p.name}": p for p in sorted((PACKAGE_DIR / "worker").glob("*.py"))}
    todo = list(files.values())
    while todo:
        text = todo.pop().read_text(encoding="utf-8")
        for name in _KIT_MODULE.findall(text):
            path = PACKAGE_DIR / f"{name}.py"
            rel = f"autograder/{name}.py"
            if rel not in files and path.is_file():
                files[rel] = path
                todo.append(path)
    return files


def worker_code_hash() -> str:
    digest = hashlib.sha256(_VIEW_FORMAT.encode())
    for rel, path in sorted(worker_files().items()):
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(_BOOTSTRAP_SOURCE.encode() + _PACKAGE_INIT.encode())
    return digest.hexdigest()[:16]


# -- local views ----------------------------------------------------------------------------------

def envs_dir() -> Path:
    """Where views are kept: $LLMKIT_CACHE/envs, else ~/.cache/llmkit/envs, or, for a grader
    running as root (whose worker runs as an unprivileged user, see `local.worker_uid`), the
    image builder's cache /var/tmp/llmkit/envs, which that user can read."""
    cache = os.environ.get("LLMKIT_CACHE")
    if cache:
        return Path(cache) / "envs"
    if os.geteuid() == 0:
        return Path("/var/tmp/llmkit/envs")
    return Path.home() / ".cache" / "llmkit" / "envs"


def _check_owned(folder: Path) -> None:
    """Refuse a cache folder another user could have planted or could change: the worker of one
    submission must not be able to rewrite the worker code that runs beside the next one."""
    st = folder.stat()
    if st.st_uid != os.geteuid() or st.st_mode & 0o022:
        raise SandboxError(
            f"{folder} is not owned by this user, or others may write to it: the worker environments "
            "kept there cannot be trusted; remove it, or point $LLMKIT_CACHE at a folder of your own"
        )


def _make_readable(view: Path) -> None:
    """Folders 0755, files 0644 (links are left alone): a worker running as another uid reads them."""
    for folder, dirs, files in os.walk(view):
        os.chmod(folder, 0o755)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, 0o644)


def _view_hash(dists: dict[str, metadata.Distribution]) -> str:
    facts = {
        "format": _VIEW_FORMAT,
        "python": [os.path.realpath(sys.executable), sys.version],
        "dists": [[key, dist.version, str(Path(str(dist.locate_file(""))).resolve())] for key, dist in sorted(dists.items())],
        "worker": worker_code_hash(),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:20]


def _file_tree(dist: metadata.Distribution) -> dict:
    """The distribution's installed files inside its site folder, as a nested dict of names."""
    tree: dict = {}
    files = dist.files
    paths: list[PurePath]
    if files is not None:
        paths = list(files)
    else:  # no RECORD: the names in top_level.txt and the metadata folder itself
        site = Path(str(dist.locate_file("")))
        paths = [Path(n) if (site / n).exists() else Path(f"{n}.py")
                 for n in (dist.read_text("top_level.txt") or "").split()]
        meta = getattr(dist, "_path", None)
        if meta is not None:
            paths.append(Path(Path(str(meta)).name))
    for path in paths:
        parts = Path(str(path)).parts
        if not parts or parts[0] in ("..", "/") or Path(str(path)).is_absolute() or parts[0] == "__pycache__":
            continue
        if len(parts) == 1 and parts[0].endswith(".pth"):
            continue  # .pth files act only through site, which the worker does not run
        node = tree
        for part in parts:
            node = node.setdefault(part, {})
    return tree


def _is_namespace(path: Path) -> bool:
    return (path.is_dir() and not path.is_symlink() and not (path / "__init__.py").exists()
            and not path.name.endswith((".dist-info", ".egg-info", ".libs", ".data")))


def _link_tree(view: Path, source: Path, tree: dict, depth: int = 0) -> None:
    """Link every entry of `tree` found in `source` into `view`; a namespace folder (shared by
    several distributions) becomes a real folder whose entries are linked one by one."""
    for name, sub in sorted(tree.items()):
        src = source / name
        dst = view / name
        if not (src.exists() or src.is_symlink()):
            continue
        if sub and depth < _NAMESPACE_DEPTH and _is_namespace(src):
            if dst.is_symlink():
                continue  # already linked whole by another distribution's entry
            dst.mkdir(exist_ok=True)
            _link_tree(dst, src, sub, depth + 1)
        elif not (dst.exists() or dst.is_symlink()):
            dst.symlink_to(src, target_is_directory=src.is_dir())


def _populate(view: Path, dists: dict[str, metadata.Distribution], packages) -> None:
    for _key, dist in sorted(dists.items()):
        _link_tree(view, Path(str(dist.locate_file(""))), _file_tree(dist))
    for rel, path in worker_files().items():
        dest = view / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    (view / "autograder" / "__init__.py").write_text(_PACKAGE_INIT, encoding="utf-8")
    (view / "llmkit-environment.json").write_text(json.dumps({
        "packages": list(environment_key(packages)),
        "closure": {key: dist.version for key, dist in sorted(dists.items())},
        "python": sys.version.split()[0],
    }, indent=1) + "\n", encoding="utf-8")
    (view / BOOTSTRAP).write_text(_BOOTSTRAP_SOURCE, encoding="utf-8")  # last: a view with it is complete


def local_view(packages) -> Path:
    """The cached view folder for `packages` (built on first use); run `<view>/llmkit_worker.py`."""
    dists = _closure(environment_key(packages))
    root = envs_dir()
    final = root / _view_hash(dists)
    try:
        root.mkdir(mode=0o755, parents=True, exist_ok=True)
        _check_owned(root)
        if (final / BOOTSTRAP).is_file():
            _check_owned(final)
            return final
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=root))
    except OSError as exc:
        raise SandboxError(f"cannot create the worker environment under {root}: {exc}; "
                           "make it writable or point $LLMKIT_CACHE elsewhere") from None
    try:
        _populate(tmp, dists, packages)
        _make_readable(tmp)
        try:
            os.rename(tmp, final)  # atomic; fails when a racing grader renamed its own first
        except OSError:
            if not (final / BOOTSTRAP).is_file():
                raise
    except OSError as exc:
        raise SandboxError(f"cannot build the worker environment {final}: {exc}; "
                           "make it writable or point $LLMKIT_CACHE elsewhere") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def bootstrap_command(view: Path, python: str = sys.executable) -> list[str]:
    """How the local backend starts the worker from a view (arguments follow)."""
    return [python, "-I", "-S", "-u", str(view / BOOTSTRAP)]
