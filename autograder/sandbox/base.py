"""The sandbox interface: how the harness starts a student worker and talks to it.

A backend starts `python -m autograder.worker` somewhere (a subprocess, a
container, ...), hands back a `WorkerProcess` with a framed `Channel` to it,
captures what the worker prints (capped), and can kill it at any time. The
harness never needs to know which backend it uses.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from autograder.channel import Channel
from autograder.errors import KitError

DEFAULT_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
    "OMP_NUM_THREADS": "2",
    "MKL_NUM_THREADS": "2",
    "LLMKIT_THREADS": "2",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
}


@dataclass(frozen=True)
class Limits:
    """Resource limits for one worker. Sizes in MiB, times in seconds."""

    memory_mb: int = 4096
    cpu_seconds: int = 900
    file_size_mb: int = 64
    open_files: int = 256
    processes: int = 64
    output_bytes: int = 256 * 1024
    tmp_mb: int = 256


@dataclass(frozen=True)
class WorkerSpec:
    """What to start: the student's files, which modules to import, and the limits."""

    submission_dir: Path
    modules: tuple[str, ...]
    limits: Limits = field(default_factory=Limits)
    gpu_device: str | None = None
    max_message_bytes: int = 64 * 1024 * 1024


class OutputCapture:
    """Drains a pipe in a thread, keeps at most `cap` bytes, counts the rest.

    Draining matters: a worker printing megabytes must not block on a full pipe,
    and must not fill the grader's memory or disk.
    """

    def __init__(self, fd_or_file, cap: int):
        self._file = fd_or_file
        self._cap = cap
        self._kept = bytearray()
        self._dropped = 0
        self._mark = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        try:
            while True:
                chunk = self._file.read1(65536) if hasattr(self._file, "read1") else self._file.read(65536)
                if not chunk:
                    return
                with self._lock:
                    room = self._cap - len(self._kept)
                    if room > 0:
                        self._kept += chunk[:room]
                    self._dropped += max(0, len(chunk) - max(room, 0))
        except (OSError, ValueError):
            return

    def take(self, wait: float = 0.05) -> str:
        """Text printed since the previous call (decoded leniently), with a note if output was cut."""
        self._thread.join(timeout=wait)
        with self._lock:
            text = bytes(self._kept[self._mark:]).decode("utf-8", errors="replace")
            self._mark = len(self._kept)
            dropped, self._dropped = self._dropped, 0
        if dropped:
            text += f"\n[llmkit: {dropped} more bytes of output were discarded; the cap is {self._cap} bytes]"
        return text


class WorkerProcess(ABC):
    """A running worker. `channel` carries requests and answers; `output` its prints."""

    channel: Channel
    output: OutputCapture

    @abstractmethod
    def kill(self) -> None:
        """Kill the worker and everything it started. Safe to call twice."""

    @abstractmethod
    def exit_description(self) -> str:
        """How the worker ended, in words ('exited with code 0', 'killed by SIGKILL (memory limit?)')."""


class Sandbox(ABC):
    """A place to run student workers."""

    name: str = "abstract"
    is_security_boundary: bool = False

    @abstractmethod
    def start(self, spec: WorkerSpec) -> WorkerProcess:
        """Start a worker for `spec`; raises SandboxError when it cannot."""

    def close(self) -> None:
        """Release what the backend holds (scratch folders, containers)."""


class SandboxError(KitError):
    """The sandbox could not start or run a worker; the message says how to fix it."""

    exit_code = 4
