"""The local backend: the worker as a subprocess with rlimits, in a scratch folder.

This is the embedded default for students checking their work and for quick
runs. It is NOT a security boundary: the worker runs as the same user as the
grader, can read any file that user can read, can reach the network, and can
signal the grader. It does give robustness: a reduced environment
(an allowlist plus HF_HUB_OFFLINE=1), limits on address space, CPU time, file
size, open files and processes, a wall-clock kill of the whole process group,
and capped output. Use the Docker backend to grade code you do not trust.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from autograder.channel import Channel
from autograder.sandbox.base import (DEFAULT_ENV, Limits, OutputCapture, Sandbox, SandboxError, WorkerProcess, WorkerSpec,
                                     make_scratch, sweep_scratch)

_MB = 1024 * 1024
NOBODY_UID = 65534


# Tasks that other workers sharing the worker's uid may start after this one did (as root every
# local worker and every Docker container runs as the same unprivileged uid; without root, the
# student's own parallel checks): the process limit leaves room for them, or a torch thread pool
# created later in this worker fails with "can't start new thread" because another worker grew.
SHARED_UID_HEADROOM = 256


def _count_user_tasks(uid: int) -> int:
    """Tasks (processes and their threads) of `uid` now: what RLIMIT_NPROC counts on Linux."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                pass
    return count


def _limit_setter(limits: Limits, nproc_base: int):
    """Return a function run in the child before exec: new session + rlimits."""

    def apply() -> None:
        def cap(kind: int, value: int) -> None:
            soft, hard = resource.getrlimit(kind)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(kind, (value, value))

        cap(resource.RLIMIT_AS, limits.memory_mb * _MB)
        cap(resource.RLIMIT_CPU, limits.cpu_seconds)
        cap(resource.RLIMIT_FSIZE, limits.file_size_mb * _MB)
        cap(resource.RLIMIT_NOFILE, limits.open_files)
        cap(resource.RLIMIT_CORE, 0)
        # subtle: RLIMIT_NPROC counts every task (process or thread) of this uid, the grader's
        # and the other workers' included, so the limit is set relative to what is running now,
        # with room for the other workers to grow (SHARED_UID_HEADROOM).
        cap(resource.RLIMIT_NPROC, nproc_base + limits.processes + SHARED_UID_HEADROOM)

    return apply


class LocalWorker(WorkerProcess):
    def __init__(self, proc: subprocess.Popen, channel: Channel, output: OutputCapture, scratch: Path):
        self.proc = proc
        self.channel = channel
        self.output = output
        self.scratch = scratch

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not fail
            pass
        self.channel.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def exit_description(self) -> str:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "stopped answering"
        if code < 0:
            sig = signal.Signals(-code)
            hint = {
                signal.SIGKILL: " (killed: a memory, time or process limit, or the grader's timeout)",
                signal.SIGXCPU: " (CPU time limit exceeded)",
                signal.SIGXFSZ: " (file size limit exceeded)",
                signal.SIGSEGV: " (segmentation fault, often memory exhaustion in a native library)",
            }.get(sig, "")
            return f"was killed by {sig.name}{hint}"
        return f"exited with code {code}"


def worker_uid() -> int | None:
    """The unprivileged uid the worker runs as when the grader is root (Gradescope, CI), else None.

    As root, a worker could rewrite the harness's records or another grading's files; as `nobody`
    (or $LLMKIT_WORKER_UID) it can write only its own scratch folder."""
    if os.geteuid() != 0:
        return None
    uid = int(os.environ.get("LLMKIT_WORKER_UID", str(NOBODY_UID)))
    if uid == 0:
        raise SandboxError("LLMKIT_WORKER_UID=0 would run student code as root; give an unprivileged uid")
    return uid


def _runs_as(uid: int, python: str) -> str:
    """'' when `uid` can run `python` and it is this interpreter's version, else why not."""
    try:
        proc = subprocess.run([python, "-I", "-S", "-c", "import sys; print(sys.version_info[:2])"], user=uid,
                              group=uid, extra_groups=[], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, cwd="/", timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    out = proc.stdout.decode(errors="replace").strip()
    if proc.returncode != 0:
        return out[-300:] or f"exit code {proc.returncode}"
    return "" if out == str(tuple(sys.version_info[:2])) else f"it is Python {out}, the grader {sys.version_info[:2]}"


def interpreter_for(uid: int) -> str:
    """An interpreter of this Python version that `uid` can run: this one, else the system's.

    pyenv and similar install Python under /root, which other users cannot enter; the worker only
    needs the standard library and the environment view (whose packages live in the kit's
    world-readable site-packages), so the system's python3.X of the same version serves."""
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    reasons = []
    for python in dict.fromkeys([sys.executable, f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]):
        if python != sys.executable and not os.path.exists(python):
            continue
        why = _runs_as(uid, python)
        if not why:
            return python
        reasons.append(f"{python}: {why}")
    raise SandboxError(
        f"grading as root, the local worker runs as uid {uid}, which cannot run a Python {version} "
        f"({'; '.join(reasons)}). Make the interpreter's folders traversable by other users (e.g. "
        f"`chmod o+x /root` when Python lives under /root), install python{version} system-wide, "
        "or grade with --sandbox docker"
    )


_VIEWS: dict[tuple[str, ...], Path] = {}


def worker_launcher(packages: tuple[str, ...] | None, python: str = sys.executable) -> list[str]:
    """The command that starts the worker, before its arguments.

    packages None: the kit's own interpreter with everything it has installed. Otherwise the
    assignment's environment view (`autograder.sandbox.environment`) run with -I -S, so neither
    site-packages nor the kit's editable install are visible to the student's code."""
    if packages is None:
        if python != sys.executable:
            raise SandboxError(
                f"a worker without an environment runs on the grader's own interpreter ({sys.executable}), "
                f"which the worker's uid cannot run here; give it an environment (WorkerSpec.packages, "
                "[environment] in the manifest) or make that interpreter reachable")
        return [sys.executable, "-I", "-u", "-m", "autograder.worker"]
    from autograder.sandbox.environment import BOOTSTRAP, bootstrap_command, environment_key, local_view

    key = environment_key(packages)
    view = _VIEWS.get(key)
    if view is None or not (view / BOOTSTRAP).is_file():
        view = _VIEWS[key] = local_view(key)
    return bootstrap_command(view, python)


class LocalSandbox(Sandbox):
    name = "local"
    is_security_boundary = False

    def __init__(self, scratch_root: Path | None = None):
        self.scratch_root = scratch_root
        self.uid = worker_uid()
        self.python = interpreter_for(self.uid) if self.uid is not None else sys.executable
        sweep_scratch(scratch_root, "worker")

    def _prepare(self, spec: WorkerSpec) -> tuple[Path, Path, Path]:
        """Scratch folder with a copy of the submission and a private tmp; as root, the copy stays
        root's (read-only to the worker) and only tmp belongs to the worker's uid."""
        scratch = make_scratch(self.scratch_root, "worker")
        sub = scratch / "submission"
        tmp = scratch / "tmp"
        tmp.mkdir()
        try:
            shutil.copytree(spec.submission_dir, sub, symlinks=True)
            if self.uid is not None:
                for path in [sub, *sub.rglob("*")]:
                    if not path.is_symlink():
                        path.chmod(0o755 if path.is_dir() else 0o644)
                os.chown(tmp, self.uid, self.uid)
                scratch.chmod(0o711)
        except OSError as exc:
            shutil.rmtree(scratch, ignore_errors=True)
            raise SandboxError(f"cannot copy the submission from {spec.submission_dir}: {exc}") from None
        return scratch, sub, tmp

    def start(self, spec: WorkerSpec) -> WorkerProcess:
        launcher = worker_launcher(spec.packages, self.python)  # first: an environment that cannot be made leaves nothing behind
        scratch, sub, tmp = self._prepare(spec)
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        env = {
            **DEFAULT_ENV,
            "PATH": os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin",
            "HOME": str(tmp),
            "TMPDIR": str(tmp),
        }
        if spec.gpu_device is not None:
            env["CUDA_VISIBLE_DEVICES"] = spec.gpu_device
        else:
            env["CUDA_VISIBLE_DEVICES"] = ""
        cmd = [
            *launcher,
            "--read-fd", str(to_worker_r), "--write-fd", str(from_worker_w),
            "--dir", str(sub), "--modules", ",".join(spec.modules),
            "--max-bytes", str(spec.max_message_bytes),
            *(("--allowed", ",".join(spec.packages)) if spec.packages is not None else ()),
            *(("--banned", ",".join(spec.banned)) if spec.banned else ()),
        ]
        # under root: the worker runs as the unprivileged uid
        as_user: dict[str, Any] = {"user": self.uid, "group": self.uid, "extra_groups": []} if self.uid is not None else {}
        try:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(to_worker_r, from_worker_w),
                cwd=sub,
                env=env,
                start_new_session=True,
                preexec_fn=_limit_setter(spec.limits, _count_user_tasks(self.uid if self.uid is not None else os.getuid())),
                **as_user,
            )
        except OSError as exc:
            shutil.rmtree(scratch, ignore_errors=True)
            raise SandboxError(f"cannot start the worker process: {exc}") from None
        finally:
            os.close(to_worker_r)
            os.close(from_worker_w)
        channel = Channel(from_worker_r, to_worker_w, spec.max_message_bytes)
        output = OutputCapture(proc.stdout, spec.limits.output_bytes)
        return LocalWorker(proc, channel, output, scratch)
