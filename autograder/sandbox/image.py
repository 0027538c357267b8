"""The grading images: one per worker environment, built (online or fully offline) and checked.

Each assignment's manifest says what its students may import (`[environment] packages`, see
`autograder.sandbox.environment`); every distinct package set gets its own image,
`llmkit-worker:cpu-<hash>`, the hash covering the set and everything that decides how the worker
behaves (`worker_hash`: worker code, protocol, constraints.txt, the Dockerfiles). All of them are
built FROM one stage with Python and msgpack, then install the set's wheels and last the kit's wheel
(--no-deps): a student's image never contains an oracle library its manifest does not allow, and
a change to the kit rebuilds only that last layer.

`build_images(offline=True)` needs no container registry: it makes a Debian base with
debootstrap, imports it with `docker import`, downloads the wheels into a wheelhouse on the host
(pip, with constraints.txt), resolves each environment's wheels there, and builds
docker/Dockerfile with the network off, installing only from those wheels. Every image carries
the worker hash as a label; `check_image` refuses an image whose label differs, so a stale image
is a clear error, not a silent protocol mismatch. The unrestricted image `llmkit-grader:cpu`
(every runtime dependency of the kit, for workers started without an environment) is built only
on request.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from pathlib import Path

from autograder.sandbox.base import SandboxError
from autograder.sandbox.environment import WORKER_REQUIREMENTS, environment_key

DEFAULT_IMAGE = "llmkit-grader:cpu"  # unrestricted: every runtime dependency (workers without an environment)
GPU_IMAGE = "llmkit-grader:gpu"
WORKER_REPO = "llmkit-worker"  # one image per environment: llmkit-worker:cpu-<hash>, llmkit-worker:gpu-<hash>
GPU_BASE_IMAGE = "nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04"
OFFLINE_BASE = "llmkit-base:bookworm"
WORKER_PYTHON = "/opt/llmkit/bin/python"
WORKER_UID = 10001
PACKAGE_DIR = Path(__file__).resolve().parents[1]
KIT_DIR = PACKAGE_DIR.parent
DOCKER_DIR = KIT_DIR / "docker"
CACHE_DIR = Path(os.environ.get("LLMKIT_CACHE", "/var/tmp/llmkit"))
HASH_LABEL = "llmkit.worker_hash"
ENV_LABEL = "llmkit.environment"  # the package set, canonical names separated by spaces ("" = standard library)
CLOSURE_LABEL = "llmkit.closure"  # what was installed for it: name==version ...


def _in_image_files() -> list[Path]:
    """The worker's code (autograder/worker/*.py and the kit modules it imports: protocol, channel,
    ...), constraints.txt and the Dockerfiles."""
    from autograder.sandbox.environment import worker_files

    files = [KIT_DIR / "constraints.txt", DOCKER_DIR / "Dockerfile", DOCKER_DIR / "Dockerfile.gpu"]
    files += [path for _, path in sorted(worker_files().items())]
    return files


TRUSTED_ONLY_MARKER = "# --- trusted side only"


def _hashed_bytes(path: Path) -> bytes:
    """What of a file the hash covers: all of it, except constraints.txt's trusted-side-only section (pins of
    tools no worker imports, e.g. nbformat), so adding such a pin does not make every image stale."""
    if not path.exists():
        return b"(missing)"
    data = path.read_bytes()
    if path.name == "constraints.txt":
        text = data.decode("utf-8")
        if TRUSTED_ONLY_MARKER in text:
            data = (text.split(TRUSTED_ONLY_MARKER, 1)[0].rstrip("\n") + "\n").encode("utf-8")
    return data


def worker_hash() -> str:
    """Hash of everything that decides how the in-image worker behaves."""
    digest = hashlib.sha256()
    for path in _in_image_files():
        digest.update(path.name.encode() + b"\0")
        digest.update(_hashed_bytes(path))
    return digest.hexdigest()[:16]


def environment_tag(packages, gpu: bool = False) -> str:
    """`llmkit-worker:cpu-<hash>`: the image of one package set, for this kit's worker."""
    facts = json.dumps({"packages": list(environment_key(packages)), "worker": worker_hash(), "gpu": bool(gpu)})
    return f"{WORKER_REPO}:{'gpu' if gpu else 'cpu'}-{hashlib.sha256(facts.encode()).hexdigest()[:12]}"


def image_for(gpu: bool, packages=None) -> str:
    """The image to grade with: the image of the environment `packages` (the manifest's
    [environment] packages), or for None the unrestricted image. $LLMKIT_IMAGE / $LLMKIT_GPU_IMAGE,
    when set, replace every image (one image for all environments: then the import guard alone
    keeps what the manifest does not allow out of reach)."""
    override = os.environ.get("LLMKIT_GPU_IMAGE" if gpu else "LLMKIT_IMAGE")
    if override:
        return override
    if packages is None:
        return GPU_IMAGE if gpu else DEFAULT_IMAGE
    return environment_tag(packages, gpu)


def _environment_words(packages) -> str:
    key = environment_key(packages)
    return f" (the environment of [{', '.join(key)}])" if key else " (the standard-library environment)"


def check_image(client, name: str, packages=None) -> str:
    """The image id of `name`, or SandboxError if it is missing or stale. `packages` only words the message."""
    import docker

    what = "" if packages is None else _environment_words(packages)
    unrestricted = packages is None and name in (DEFAULT_IMAGE, GPU_IMAGE)
    try:
        image = client.images.get(name)
    except docker.errors.ImageNotFound:
        how = ("`llmkit image build --offline --unrestricted`" if unrestricted else
               "`llmkit image build --offline`, which builds the image of every assignment's environment")
        older = _older_images(client, name, packages)
        if older:
            raise SandboxError(
                f"the grading image of this environment is stale: {', '.join(older[:3])}{what} was built from another "
                f"version of the kit's worker, and {name} does not exist yet; rebuild with {how}"
            ) from None
        raise SandboxError(
            f"the grading image {name}{what} does not exist; build it with {how} "
            "(or `llmkit image build --online` where a registry is reachable)"
        ) from None
    except docker.errors.APIError as exc:
        raise SandboxError(f"the Docker engine failed to look up {name}: {exc}") from None
    built = (image.labels or {}).get(HASH_LABEL)
    if built != worker_hash():
        raise SandboxError(
            f"the grading image {name}{what} is stale: it was built from another version of the kit's worker "
            f"({built} != {worker_hash()}); rebuild it with `llmkit image build --offline`"
        )
    return image.id


def _older_images(client, name: str, packages) -> list[str]:
    """Tags of images built for the environment `packages` (CPU or GPU like `name`) by other
    versions of the worker."""
    if packages is None or not name.startswith(f"{WORKER_REPO}:"):
        return []
    wanted = " ".join(environment_key(packages))
    kind = name.split(":", 1)[1].split("-", 1)[0] + "-"
    try:
        images = client.images.list(name=WORKER_REPO)
    except Exception:
        return []
    return sorted(tag for image in images if (image.labels or {}).get(ENV_LABEL) == wanted
                  for tag in image.tags if tag.startswith(f"{WORKER_REPO}:{kind}"))


def runtime_requirements() -> list[str]:
    """The kit's runtime dependencies, as pyproject.toml states them."""
    data = tomllib.loads((KIT_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    return list(data["project"]["dependencies"])


def _run(cmd: list[str], what: str, log) -> None:
    log(f"$ {' '.join(cmd)}")
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        tail = proc.stdout.decode(errors="replace")[-3000:]
        raise SandboxError(f"{what} failed (exit {proc.returncode}):\n{tail}")


def build_wheelhouse(dest: Path, log=print, requirements: list[str] | None = None) -> Path:
    """Download `requirements` (default: every runtime dependency) and the worker's own as binary
    wheels, constraints applied, into dest/deps (kept between builds), and build the kit's wheel."""
    deps = dest / "deps"
    kit = dest / "kit"
    deps.mkdir(parents=True, exist_ok=True)
    if kit.exists():
        shutil.rmtree(kit)
    kit.mkdir(parents=True)
    reqs = sorted({*(runtime_requirements() if requirements is None else requirements), *WORKER_REQUIREMENTS})
    _run([sys.executable, "-m", "pip", "download", "-q", "-d", str(deps), "-c", str(KIT_DIR / "constraints.txt"),
          "--only-binary=:all:", *reqs], "downloading the wheelhouse", log)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(kit), str(KIT_DIR)],
         "building the kit's wheel", log)
    return dest


APT_DIR = Path("/etc/apt")
_MIRROR_SCHEMES = ("http://", "https://", "ftp://", "file:")


def _apt_one_line_entries(text: str):
    """(types, uris, suites) of each `deb URI suite components...` line of a sources.list file."""
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) < 3 or words[0] not in ("deb", "deb-src"):
            continue
        rest = words[1:]
        if rest[0].startswith("["):  # options: [arch=amd64 signed-by=...]
            while rest and not rest[0].endswith("]"):
                rest = rest[1:]
            rest = rest[1:]
        if len(rest) >= 2:
            yield [words[0]], [rest[0]], [rest[1]]


def _apt_deb822_entries(text: str):
    """(types, uris, suites) of each enabled stanza of a deb822 .sources file."""
    stanzas: list[dict[str, str]] = [{}]
    key = None
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        if not line.strip():
            stanzas.append({})
            key = None
        elif line[0] in " \t" and key is not None:
            stanzas[-1][key] += " " + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            key = key.strip().lower()
            stanzas[-1][key] = value.strip()
    for stanza in stanzas:
        if stanza.get("enabled", "yes").lower() in ("no", "false", "0"):
            continue
        types, uris, suites = (stanza.get(k, "").split() for k in ("types", "uris", "suites"))
        if types and uris and suites:
            yield types, uris, suites


def apt_debian_mirror(suite: str, apt_dir: Path | None = None) -> str | None:
    """The Debian mirror this host's apt uses (/etc/apt/sources.list, sources.list.d/*.list and
    deb822 *.sources), for debootstrap: a `deb` URI whose path ends in /debian, preferring one that
    serves `suite` itself; None when the host names no Debian mirror (an Ubuntu host, say)."""
    apt_dir = APT_DIR if apt_dir is None else Path(apt_dir)
    entries = []
    files = [apt_dir / "sources.list"]
    files += sorted((apt_dir / "sources.list.d").glob("*.list")) + sorted((apt_dir / "sources.list.d").glob("*.sources"))
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        parse = _apt_deb822_entries if path.suffix == ".sources" else _apt_one_line_entries
        entries += list(parse(text))
    candidates = []
    for types, uris, suites in entries:
        if "deb" not in types:
            continue
        for uri in uris:
            if uri.startswith(_MIRROR_SCHEMES) and uri.rstrip("/").rsplit("/", 1)[-1] == "debian":
                candidates.append((suite not in suites, uri.rstrip("/")))
    return min(candidates, key=lambda c: c[0])[1] if candidates else None


def build_offline_base(client, *, suite: str = "bookworm", mirror: str | None = None, log=print) -> str:
    """Create `llmkit-base:<suite>` with debootstrap + docker import (skipped when it exists).

    The Debian mirror: `mirror`, else the one this host's apt configuration names
    (`apt_debian_mirror`), else none at all, so debootstrap uses its own default."""
    import docker

    tag = f"llmkit-base:{suite}"
    try:
        client.images.get(tag)
        log(f"{tag} exists; skipping debootstrap")
        return tag
    except docker.errors.ImageNotFound:
        pass
    if shutil.which("debootstrap") is None:
        raise SandboxError("debootstrap is not installed; install it (`apt-get install debootstrap`) or build online")
    rootfs = CACHE_DIR / f"rootfs-{suite}"
    if not (rootfs / "usr" / "bin" / "python3").exists():
        if rootfs.exists():
            shutil.rmtree(rootfs)
        rootfs.mkdir(parents=True)
        mirror = mirror or apt_debian_mirror(suite)
        log(f"debootstrap {suite} from " + (mirror or "debootstrap's default mirror"))
        _run(["debootstrap", "--variant=minbase", "--include=python3,python3-venv", suite, str(rootfs),
              *([mirror] if mirror else [])], "debootstrap", log)
    with tempfile.TemporaryDirectory(dir=CACHE_DIR) as tmp:
        archive = Path(tmp) / "rootfs.tar"
        with tarfile.open(archive, "w") as tar:
            for entry in sorted(os.listdir(rootfs)):
                tar.add(rootfs / entry, arcname=entry)
        log(f"importing {rootfs} as {tag}")
        repo, _, version = tag.partition(":")
        client.api.import_image_from_file(str(archive), repository=repo, tag=version)
    return tag


def resolve_wheels(deps: Path, requirements, log=print) -> list[tuple[str, str, Path]]:
    """The wheels that installing `requirements` (and the worker's msgpack) takes from the wheelhouse
    `deps`, resolved by pip itself (--dry-run --report): (canonical name, version, file)."""
    from urllib.parse import unquote, urlparse

    from autograder.sandbox.environment import canonical_name

    with tempfile.TemporaryDirectory(dir=CACHE_DIR) as tmp:
        report = Path(tmp) / "report.json"
        _run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "-q", "--report", str(report),
              "--no-index", "--find-links", str(deps), "-c", str(KIT_DIR / "constraints.txt"), "--only-binary=:all:",
              *WORKER_REQUIREMENTS, *requirements], f"resolving the wheels of {' '.join(requirements) or 'msgpack'}", log)
        data = json.loads(report.read_text(encoding="utf-8"))
    wheels = []
    for item in data.get("install", []):
        url = urlparse(item["download_info"]["url"])
        wheels.append((canonical_name(item["metadata"]["name"]), item["metadata"]["version"], Path(unquote(url.path))))
    return sorted(wheels)


def assignment_environments(roots) -> dict[tuple[str, ...], list[str]]:
    """Every distinct environment of the assignments under `roots` (their solutions/ and
    assignments/), with the assignments that use it."""
    from autograder.catalog import list_assignments

    found: dict[tuple[str, ...], list[str]] = {}
    for root in roots:
        for assignment in list_assignments(Path(root)):
            assignments = found.setdefault(environment_key(assignment.manifest.environment.packages), [])
            if assignment.id not in assignments:
                assignments.append(assignment.id)
    return dict(sorted(found.items()))


def _docker_build(client, ctx: Path, *, tag: str, target: str, base_image: str, offline: bool, labels: dict,
                  dockerfile: str = "Dockerfile"):
    try:
        image, _ = client.images.build(
            path=str(ctx), dockerfile=dockerfile, tag=tag, target=target, rm=True,
            network_mode="none" if offline else None, buildargs={"BASE_IMAGE": base_image}, labels=labels,
        )
    except Exception as exc:
        lines = [str(chunk.get("stream", chunk.get("error", ""))) for chunk in getattr(exc, "build_log", []) or []]
        tail = "".join(lines)[-3000:]
        raise SandboxError(f"building {tag} failed: {exc}" + (f"\n{tail}" if tail else "")) from None
    return image


def _fill(folder: Path, files) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        _link_or_copy(str(path), str(folder / Path(path).name))


def build_images(client, environments=(), *, offline: bool = True, base_image: str | None = None, gpu: bool = False,
                 unrestricted: bool = False, unrestricted_tag: str | None = None, mirror: str | None = None,
                 log=print) -> dict[str, str]:
    """Build the image of every package set in `environments` (see `assignment_environments`), and
    with `unrestricted` the image with every runtime dependency; returns {tag: image id}.

    CPU images install only wheels from the host's wheelhouse, with the network off when offline.
    GPU images (docker/Dockerfile.gpu) are built online: pip installs the CUDA build of torch from
    the index inside the build. `mirror`: the Debian mirror of the offline base (see
    `build_offline_base`)."""
    if gpu and offline:
        raise SandboxError("the GPU images are built online (`llmkit image build --gpu --online`): their CUDA base "
                           "and the CUDA build of torch come from registries")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    if base_image is None:
        base_image = GPU_BASE_IMAGE if gpu else (build_offline_base(client, mirror=mirror, log=log) if offline else "python:3.11-slim")
    keys = sorted({environment_key(e) for e in environments})
    targets: list[tuple[str, tuple[str, ...] | None]] = [(environment_tag(key, gpu), key) for key in keys]
    if unrestricted:
        targets.append((unrestricted_tag or (GPU_IMAGE if gpu else DEFAULT_IMAGE), None))
    everything = runtime_requirements()
    wanted = sorted({p for key in keys for p in key} | (set(everything) if unrestricted else set()))
    wheelhouse = build_wheelhouse(CACHE_DIR / ("wheelhouse-gpu" if gpu else "wheelhouse"), log=log,
                                  requirements=[] if gpu else wanted)
    deps, kit = wheelhouse / "deps", sorted((wheelhouse / "kit").glob("*.whl"))
    dockerfile = "Dockerfile.gpu" if gpu else "Dockerfile"
    base_wheels = [] if gpu else [w[2] for w in resolve_wheels(deps, [], log=log)]
    built: dict[str, str] = {}
    started = time.monotonic()
    for index, (tag, key) in enumerate(targets):
        requirements = list(key) if key is not None else everything
        wheels = [] if gpu else resolve_wheels(deps, requirements, log=log)
        what = "every runtime dependency" if key is None else ("the standard library" if not key else ", ".join(key))
        one = time.monotonic()
        with tempfile.TemporaryDirectory(dir=CACHE_DIR) as ctx_name:
            ctx = Path(ctx_name)
            shutil.copyfile(DOCKER_DIR / dockerfile, ctx / dockerfile)
            shutil.copyfile(KIT_DIR / "constraints.txt", ctx / "constraints.txt")
            _fill(ctx / "wheelhouse" / "base", base_wheels)
            _fill(ctx / "wheelhouse" / "env", [w[2] for w in wheels])
            (ctx / "wheelhouse" / "env" / "requirements.txt").write_text("".join(f"{r}\n" for r in requirements))
            _fill(ctx / "wheelhouse" / "kit", kit)
            labels = {HASH_LABEL: worker_hash()}
            if index == 0:  # the shared stage, tagged so that it can be seen (the others reuse its layers)
                base_tag = f"{WORKER_REPO}:{'gpu' if gpu else 'cpu'}-base"
                log(f"building {base_tag} from {base_image}" + (" (network off)" if offline else ""))
                _docker_build(client, ctx, tag=base_tag, target="base", base_image=base_image, offline=offline,
                              labels=labels, dockerfile=dockerfile)
            labels[ENV_LABEL] = "(unrestricted)" if key is None else " ".join(key)
            labels[CLOSURE_LABEL] = " ".join(f"{name}=={version}" for name, version, _ in wheels)
            log(f"building {tag}: {what}" + (f" ({len(wheels)} wheels)" if wheels else ""))
            image = _docker_build(client, ctx, tag=tag, target="worker", base_image=base_image, offline=offline,
                                  labels=labels, dockerfile=dockerfile)
        built[tag] = image.id
        log(f"built {tag} in {time.monotonic() - one:.0f} s: {image.id}")
    log(f"{len(built)} image(s) built in {time.monotonic() - started:.0f} s")
    return built


def build_image(client, *, offline: bool = True, base_image: str | None = None, tag: str = DEFAULT_IMAGE,
                log=print) -> str:
    """Build the unrestricted CPU image (every runtime dependency) under `tag`; return its id."""
    return build_images(client, (), offline=offline, base_image=base_image, unrestricted=True,
                        unrestricted_tag=tag, log=log)[tag]


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
