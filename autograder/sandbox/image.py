"""The grading image: build it (online or fully offline) and check that it matches this kit.

`build_image(offline=True)` needs no container registry: it makes a Debian
base with debootstrap, imports it with `docker import`, downloads every Python
package into a wheelhouse on the host (pip, with constraints.txt), and builds
docker/Dockerfile with the network off, installing only from that wheelhouse.
The image carries a label with the hash of the code that runs inside it (the
worker and the protocol) and of constraints.txt; `check_image` refuses an
image whose label differs, so a stale image is a clear error, not a silent
protocol mismatch.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

from autograder.sandbox.base import SandboxError

DEFAULT_IMAGE = "llmkit-grader:cpu"
GPU_IMAGE = "llmkit-grader:gpu"
OFFLINE_BASE = "llmkit-base:bookworm"
WORKER_PYTHON = "/opt/llmkit/bin/python"
WORKER_UID = 10001
PACKAGE_DIR = Path(__file__).resolve().parents[1]
KIT_DIR = PACKAGE_DIR.parent
DOCKER_DIR = KIT_DIR / "docker"
CACHE_DIR = Path(os.environ.get("LLMKIT_CACHE", "/var/tmp/llmkit"))
HASH_LABEL = "llmkit.worker_hash"


def _in_image_files() -> list[Path]:
    files = [PACKAGE_DIR / "protocol.py", PACKAGE_DIR / "channel.py", KIT_DIR / "constraints.txt",
             DOCKER_DIR / "Dockerfile"]
    files += sorted((PACKAGE_DIR / "worker").glob("*.py"))
    return files


def worker_hash() -> str:
    """Hash of everything that decides how the in-image worker behaves."""
    digest = hashlib.sha256()
    for path in _in_image_files():
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"(missing)")
    return digest.hexdigest()[:16]


def image_for(gpu: bool) -> str:
    """The image name to grade with: $LLMKIT_IMAGE / $LLMKIT_GPU_IMAGE or the defaults."""
    if gpu:
        return os.environ.get("LLMKIT_GPU_IMAGE", GPU_IMAGE)
    return os.environ.get("LLMKIT_IMAGE", DEFAULT_IMAGE)


def check_image(client, name: str) -> str:
    """The image id of `name`, or SandboxError if it is missing or stale."""
    import docker

    try:
        image = client.images.get(name)
    except docker.errors.ImageNotFound:
        raise SandboxError(
            f"the grading image {name} does not exist; build it with `llmkit image build --offline` "
            "(or `llmkit image build` where a registry is reachable)"
        ) from None
    except docker.errors.APIError as exc:
        raise SandboxError(f"the Docker engine failed to look up {name}: {exc}") from None
    built = (image.labels or {}).get(HASH_LABEL)
    if built != worker_hash():
        raise SandboxError(
            f"the grading image {name} is stale: it was built from another version of the kit's worker "
            f"({built} != {worker_hash()}); rebuild it with `llmkit image build --offline`"
        )
    return image.id


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


def build_wheelhouse(dest: Path, log=print) -> Path:
    """Download every runtime dependency (binary wheels, constraints applied) and build the kit's wheel."""
    deps = dest / "deps"
    kit = dest / "kit"
    deps.mkdir(parents=True, exist_ok=True)
    if kit.exists():
        shutil.rmtree(kit)
    kit.mkdir(parents=True)
    reqs = runtime_requirements()
    (deps / "requirements.txt").write_text("\n".join(reqs) + "\n")
    _run([sys.executable, "-m", "pip", "download", "-q", "-d", str(deps), "-c", str(KIT_DIR / "constraints.txt"),
          "--only-binary=:all:", *reqs], "downloading the wheelhouse", log)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(kit), str(KIT_DIR)],
         "building the kit's wheel", log)
    return dest


def build_offline_base(client, *, suite: str = "bookworm", mirror: str = "http://deb.debian.org/debian", log=print) -> str:
    """Create `llmkit-base:<suite>` with debootstrap + docker import (skipped when it exists)."""
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
        _run(["debootstrap", "--variant=minbase", "--include=python3,python3-venv", suite, str(rootfs), mirror],
             "debootstrap", log)
    with tempfile.TemporaryDirectory(dir=CACHE_DIR) as tmp:
        archive = Path(tmp) / "rootfs.tar"
        with tarfile.open(archive, "w") as tar:
            for entry in sorted(os.listdir(rootfs)):
                tar.add(rootfs / entry, arcname=entry)
        log(f"importing {rootfs} as {tag}")
        repo, _, version = tag.partition(":")
        client.api.import_image_from_file(str(archive), repository=repo, tag=version)
    return tag


def build_image(client, *, offline: bool = True, base_image: str | None = None, tag: str = DEFAULT_IMAGE,
                log=print) -> str:
    """Build the CPU grading image; return its id."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    if base_image is None:
        base_image = build_offline_base(client, log=log) if offline else "python:3.11-slim"
    wheelhouse = build_wheelhouse(CACHE_DIR / "wheelhouse", log=log)
    with tempfile.TemporaryDirectory(dir=CACHE_DIR) as ctx:
        ctx = Path(ctx)
        shutil.copyfile(DOCKER_DIR / "Dockerfile", ctx / "Dockerfile")
        shutil.copyfile(KIT_DIR / "constraints.txt", ctx / "constraints.txt")
        for sub in ("deps", "kit"):
            shutil.copytree(wheelhouse / sub, ctx / "wheelhouse" / sub, copy_function=_link_or_copy)
        log(f"building {tag} from {base_image} (network off)")
        try:
            image, _ = client.images.build(
                path=str(ctx), tag=tag, rm=True, network_mode="none" if offline else None,
                buildargs={"BASE_IMAGE": base_image}, labels={HASH_LABEL: worker_hash()},
            )
        except Exception as exc:
            raise SandboxError(f"building {tag} failed: {exc}") from None
    return image.id


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
