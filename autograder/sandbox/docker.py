"""The Docker backend: one hardened container per student worker.

The only module of the kit that imports the docker SDK. The worker runs in the
container with the protocol on its stdin/stdout (`--stdio`) and the student's
prints on stderr; the harness, hidden tests and references stay on the host
and never enter the container. The submission is bind-mounted read-only.

Hardening by default: no network; read-only root filesystem; sized tmpfs for
/tmp and /dev/shm; a non-root user; all capabilities dropped;
no-new-privileges; the engine's default seccomp profile; a pids limit; a
memory limit with swap equal to memory; a CPU quota; ulimits on open files,
file size and core dumps; an init process; private IPC; no log driver (output
is captured and capped on the host); a label on every container so leftovers
are swept; a wall-clock kill from the host (the harness's deadline).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import uuid
from pathlib import Path

from autograder.channel import Channel
from autograder.sandbox.base import (DEFAULT_ENV, OutputCapture, Sandbox, SandboxError, WorkerProcess, WorkerSpec,
                                     make_scratch, pid_alive, sweep_scratch)
from autograder.sandbox.image import WORKER_PYTHON, WORKER_UID, check_image, image_for

LABEL = "llmkit.sandbox"
SUBMISSION_MOUNT = "/submission"


def connect():
    """A docker client, or SandboxError saying how to get an engine."""
    try:
        import docker
    except ImportError:  # pragma: no cover - docker is a dependency of the kit
        raise SandboxError("the docker Python package is missing; reinstall the kit: pip install -c constraints.txt -e .") from None
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except Exception as exc:  # DockerException, connection errors, permission denied
        raise SandboxError(
            f"no Docker engine reachable ({type(exc).__name__}: {exc}). Start it "
            "(`sudo systemctl start docker`, or `dockerd &` as root), check that your user may use "
            "/var/run/docker.sock, or grade with --sandbox local"
        ) from None
    return client


def hardening(spec: WorkerSpec, *, cpus: float) -> dict:
    """The docker SDK keyword arguments that confine one worker container."""
    from docker.types import Ulimit

    limits = spec.limits
    mb = 1024 * 1024
    return {
        "network_mode": "none",
        "read_only": True,
        "tmpfs": {
            "/tmp": f"rw,nosuid,nodev,noexec,size={limits.tmp_mb}m",
        },
        "shm_size": f"{max(16, limits.tmp_mb // 4)}m",
        "ipc_mode": "private",
        "user": f"{WORKER_UID}:{WORKER_UID}",
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true"],
        "pids_limit": max(16, limits.processes),
        "mem_limit": limits.memory_mb * mb,
        "memswap_limit": limits.memory_mb * mb,
        "nano_cpus": int(cpus * 1e9),
        "ulimits": [
            Ulimit(name="nofile", soft=limits.open_files, hard=limits.open_files),
            Ulimit(name="fsize", soft=limits.file_size_mb * mb, hard=limits.file_size_mb * mb),
            Ulimit(name="core", soft=0, hard=0),
        ],
        "init": True,
        "log_config": {"type": "none", "config": {}},
        "working_dir": SUBMISSION_MOUNT,
        "environment": {**DEFAULT_ENV, "HOME": "/tmp", "TMPDIR": "/tmp",
                        "CUDA_VISIBLE_DEVICES": spec.gpu_device if spec.gpu_device is not None else ""},
    }


def _gpu_request(device: str) -> list:
    from docker.types import DeviceRequest

    # One device by id, never count=-1 (all GPUs).
    return [DeviceRequest(device_ids=[device], capabilities=[["gpu"]])]


class _Demux(threading.Thread):
    """Splits docker's multiplexed attach stream: stdout -> protocol pipe, stderr -> output pipe."""

    def __init__(self, sock: socket.socket, protocol_w: int, output_w: int):
        super().__init__(daemon=True)
        self.sock = sock
        self.protocol_w = protocol_w
        self.output_w = output_w

    def run(self) -> None:
        from docker.utils.socket import STDOUT, SocketError, frames_iter

        try:
            # The SDK's frame parser (8-byte headers: stream id, payload size); it
            # ends at EOF, including EOF inside a frame.
            for stream, payload in frames_iter(self.sock, tty=False):
                target = self.protocol_w if stream == STDOUT else self.output_w
                view = memoryview(payload)
                while view:
                    view = view[os.write(target, view):]
        except (OSError, SocketError):
            pass
        finally:
            for fd in (self.protocol_w, self.output_w):
                try:
                    os.close(fd)
                except OSError:
                    pass


class DockerWorker(WorkerProcess):
    def __init__(self, container, sock, channel: Channel, output: OutputCapture, scratch: Path):
        self.container = container
        self.sock = sock
        self.channel = channel
        self.output = output
        self.scratch = scratch
        self._killed_by_us = False

    def kill(self) -> None:
        self._killed_by_us = True
        try:
            self.container.remove(force=True)
        except Exception:
            pass
        try:
            self.sock.close()
        except OSError:
            pass
        self.channel.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def exit_description(self) -> str:
        try:
            result = self.container.wait(timeout=5)
            self.container.reload()
            state = self.container.attrs.get("State", {})
        except Exception:
            return "was stopped (its container is gone)"
        if state.get("OOMKilled"):
            return "was killed for using more memory than the limit"
        code = result.get("StatusCode", state.get("ExitCode"))
        if code is not None and code > 128:
            return f"was killed by signal {code - 128}"
        return f"exited with code {code}"


class DockerSandbox(Sandbox):
    name = "docker"
    is_security_boundary = True

    def __init__(self, image: str | None = None, *, gpu: bool = False, cpus: float = 2.0, client=None,
                 check: bool = True, scratch_root: Path | None = None):
        self.scratch_root = scratch_root
        sweep_scratch(scratch_root, "docker")
        self.client = client or connect()
        # One image per worker environment (the spec's packages), looked up and checked on first use.
        self.gpu = gpu
        self.image_override = image
        self.check = check
        self._images: dict[str, str] = {}  # image name -> checked id
        self._images_lock = threading.Lock()
        self.cpus = cpus
        self.session = uuid.uuid4().hex[:12]
        sweep(self.client)

    def image_id(self, packages: tuple[str, ...] | None) -> str:
        """The id of the image for the environment `packages` (None: the unrestricted image), checked
        once per sandbox; SandboxError when it is missing or stale."""
        name = self.image_override or image_for(self.gpu, packages)
        with self._images_lock:
            if name not in self._images:
                self._images[name] = check_image(self.client, name, packages) if self.check else name
            return self._images[name]

    def labels(self) -> dict:
        return {LABEL: "1", "llmkit.session": self.session, "llmkit.host": socket.gethostname(),
                "llmkit.pid": str(os.getpid())}

    def start(self, spec: WorkerSpec) -> WorkerProcess:
        image_id = self.image_id(spec.packages)  # first: a missing image leaves nothing behind
        # The scratch folder stays 0700 (only the grader reads the copy); the container sees just
        # the bind-mounted copy inside it, whose own modes let the worker's uid read it.
        scratch = make_scratch(self.scratch_root, "docker")
        sub = scratch / "submission"
        try:
            shutil.copytree(spec.submission_dir, sub, symlinks=False,
                            ignore=shutil.ignore_patterns("__pycache__"))
            for path in [sub, *sub.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
        except OSError as exc:
            shutil.rmtree(scratch, ignore_errors=True)
            raise SandboxError(f"cannot prepare the submission for the container: {exc}") from None
        command = [WORKER_PYTHON, "-I", "-u", "-m", "autograder.worker", "--stdio", "--dir", SUBMISSION_MOUNT,
                   "--modules", ",".join(spec.modules), "--max-bytes", str(spec.max_message_bytes),
                   *(("--allowed", ",".join(spec.packages)) if spec.packages is not None else ()),
                   *(("--banned", ",".join(spec.banned)) if spec.banned else ())]
        kwargs = hardening(spec, cpus=self.cpus)
        if spec.gpu_device is not None:
            kwargs["device_requests"] = _gpu_request(spec.gpu_device)
        try:
            container = self.client.containers.create(
                image_id, command, stdin_open=True, tty=False, labels=self.labels(),
                volumes={str(sub): {"bind": SUBMISSION_MOUNT, "mode": "ro"}}, **kwargs,
            )
            raw = self.client.api.attach_socket(container.id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
            sock = raw._sock if hasattr(raw, "_sock") else raw
            container.start()
        except Exception as exc:
            shutil.rmtree(scratch, ignore_errors=True)
            raise SandboxError(f"the Docker engine could not start a worker container ({type(exc).__name__}: {exc}); "
                               "check `docker info`, then grade this submission again") from None
        protocol_r, protocol_w = os.pipe()
        output_r, output_w = os.pipe()
        _Demux(sock, protocol_w, output_w).start()
        channel = Channel(protocol_r, os.dup(sock.fileno()), spec.max_message_bytes)
        output = OutputCapture(os.fdopen(output_r, "rb", buffering=0), spec.limits.output_bytes)
        return DockerWorker(container, sock, channel, output, scratch)

    def close(self) -> None:
        remove_containers(self.client, {"llmkit.session": self.session})


def _labelled(client, filters: dict) -> list:
    """Containers matching `filters`. Another grader may remove one of them between the listing
    and its inspection (two graders on one engine): such a container is skipped, not an error."""
    return client.containers.list(all=True, filters=filters, ignore_removed=True)


def remove_containers(client, labels: dict) -> int:
    filters = {"label": [LABEL + "=1"] + [f"{k}={v}" for k, v in labels.items()]}
    removed = 0
    for container in _labelled(client, filters):
        try:
            container.remove(force=True)
            removed += 1
        except Exception:
            pass
    return removed


def orphaned(container) -> bool:
    """Whether the grader process that started `container` (its llmkit.pid label) has ended."""
    pid = container.labels.get("llmkit.pid", "")
    return not (pid.isdigit() and int(pid) > 0 and pid_alive(int(pid)))


def sweep(client) -> int:
    """Remove llmkit containers left by grader processes of this host that are no longer running."""
    removed = 0
    host = socket.gethostname()
    for container in _labelled(client, {"label": [LABEL + "=1", f"llmkit.host={host}"]}):
        if orphaned(container):
            try:
                container.remove(force=True)
                removed += 1
            except Exception:
                pass
    return removed
