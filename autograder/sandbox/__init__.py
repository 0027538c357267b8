"""Sandbox backends. `get_sandbox(name)` is the only way the rest of the kit picks one."""

from __future__ import annotations

from autograder.sandbox.base import Limits, Sandbox, SandboxError, WorkerProcess, WorkerSpec

BACKENDS = ("local",)

LOCAL_WARNING = (
    "the local sandbox is not a security boundary: student code runs as your user, "
    "can read your files and reach the network. Grade untrusted code only inside a container or VM."
)


def get_sandbox(name: str) -> Sandbox:
    if name == "local":
        from autograder.sandbox.local import LocalSandbox

        return LocalSandbox()
    raise SandboxError(f"unknown sandbox {name!r}; choose one of: {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "LOCAL_WARNING", "Limits", "Sandbox", "SandboxError", "WorkerProcess", "WorkerSpec", "get_sandbox"]
