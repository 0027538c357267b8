"""The sandbox interface: how the harness starts a student worker and talks to it.

A backend starts `python -m autograder.worker` somewhere (a subprocess, a
container, ...), hands back a `WorkerProcess` with a framed `Channel` to it,
captures what the worker prints (capped), and can kill it at any time. The
harness never needs to know which backend it uses.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import termios
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
    # What the student's code may import besides the standard library (distribution names, the
    # manifest's [environment] packages). None: everything the kit has (in-process runs, benchmarks).
    packages: tuple[str, ...] | None = None
    # qualified names the assignment's [[policy]] bans: stubbed in the worker before the student's code loads
    banned: tuple[str, ...] = ()


class OutputCapture:
    """Drains a pipe in a thread, keeps at most `cap` bytes, counts the rest.

    Draining matters: a worker printing megabytes must not block on a full pipe,
    and must not fill the grader's memory or disk.

    `take()` returns exactly what was printed before the worker's last answer, with no sleep:
    the worker flushes its prints before it answers, so they are already in the pipe; `take`
    reads whatever is still pending itself, under the lock the drain thread reads under, so
    no chunk can be half-way between the pipe and the buffer.
    """

    def __init__(self, fd_or_file, cap: int):
        self._file = fd_or_file  # keeps a file object (and so its descriptor) alive
        self._fd = fd_or_file if isinstance(fd_or_file, int) else fd_or_file.fileno()
        os.set_blocking(self._fd, False)
        self._cap = cap
        self._kept = bytearray()
        self._dropped = 0
        self._mark = 0
        self._eof = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _read_once(self) -> int:
        """Read one chunk into the buffer (lock held); bytes read, 0 if none is ready, -1 at end of file."""
        try:
            chunk = os.read(self._fd, 65536)
        except BlockingIOError:
            return 0
        except OSError:
            chunk = b""
        if not chunk:
            self._eof = True
            return -1
        room = self._cap - len(self._kept)
        if room > 0:
            self._kept += chunk[:room]
        self._dropped += max(0, len(chunk) - max(room, 0))
        return len(chunk)

    def _drain(self) -> None:
        poller = select.poll()  # not select(): no limit on descriptor numbers in a busy grader
        poller.register(self._fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        while not self._eof:
            try:
                events = poller.poll()
            except OSError:
                return
            if any(ev & select.POLLNVAL for _, ev in events):
                return  # the descriptor was closed under us
            with self._lock:
                if not self._eof:
                    self._read_once()

    def _pending_bytes(self) -> int:
        try:
            return struct.unpack("i", fcntl.ioctl(self._fd, termios.FIONREAD, b"\0\0\0\0"))[0]
        except OSError:
            return 0

    def take(self, wait: float = 0.0) -> str:
        """Text printed since the previous call (decoded leniently), with a note if output was cut.

        `wait` > 0 (after a crash) also waits that long for the end of the stream, so the last
        words of a dying worker are kept."""
        if wait > 0:
            self._thread.join(timeout=wait)
        with self._lock:
            # only what is pending now: a worker that keeps printing cannot keep us here
            budget = 0 if self._eof else self._pending_bytes()
            while budget > 0:
                got = self._read_once()
                if got <= 0:
                    break
                budget -= got
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


def make_scratch(root: Path | None, kind: str) -> Path:
    """A private (0700) scratch folder named after this grader process, under `root` or the temp dir.

    The pid in the name lets `sweep_scratch` remove what a grader killed with SIGKILL left behind."""
    import tempfile

    base = Path(root) if root is not None else Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"llmkit-{kind}-{os.getpid()}-", dir=base))


def sweep_scratch(root: Path | None, kind: str) -> int:
    """Remove scratch folders of `kind` whose grader process is gone; returns how many."""
    import shutil
    import tempfile

    base = Path(root) if root is not None else Path(tempfile.gettempdir())
    removed = 0
    for folder in base.glob(f"llmkit-{kind}-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not pid_alive(int(pid)) and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists (signal 0 probes without signalling)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SandboxError(KitError):
    """The sandbox could not start or run a worker; the message says how to fix it."""

    exit_code = 4
