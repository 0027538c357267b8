"""Sandbox backends. `get_sandbox(name)` is the only way the rest of the kit picks one."""

from __future__ import annotations

from pathlib import Path

from autograder.sandbox.base import Limits, Sandbox, SandboxError, WorkerProcess, WorkerSpec

BACKENDS = ("local", "docker")

LOCAL_WARNING = (
    "the local sandbox is not a security boundary: student code runs as your user, "
    "can read your files and reach the network. Grade untrusted code with --sandbox docker."
)


def docker_available() -> bool:
    """True when a Docker engine answers (used to pick the default sandbox)."""
    try:
        from autograder.sandbox.docker import connect

        connect().close()
    except SandboxError:
        return False
    return True


def resolve_backend(name: str) -> str:
    """`auto` means docker when an engine is reachable, else local."""
    if name == "auto":
        return "docker" if docker_available() else "local"
    return name


def get_sandbox(name: str, *, gpu: bool = False, scratch_root: Path | None = None) -> Sandbox:
    """A backend by name; `scratch_root` is where it keeps its copies of the submission."""
    if name == "local":
        from autograder.sandbox.local import LocalSandbox

        return LocalSandbox(scratch_root=scratch_root)
    if name == "docker":
        from autograder.sandbox.docker import DockerSandbox

        return DockerSandbox(gpu=gpu, scratch_root=scratch_root)
    raise SandboxError(f"unknown sandbox {name!r}; choose one of: {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "docker_available", "resolve_backend", "LOCAL_WARNING", "Limits", "Sandbox", "SandboxError", "WorkerProcess", "WorkerSpec", "get_sandbox"]
