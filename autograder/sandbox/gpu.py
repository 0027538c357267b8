"""GPU inventory and scheduling: one device per job, never all of them.

`detect_gpus()` asks NVML (through nvidia-smi) what the machine has.
`plan_devices()` turns the assignment's `gpu = none|optional|required` and the
TA's `--gpus auto|none|0,1,...` into the devices a batch may use, or a clear
error. `GpuPool` hands one device at a time to each job, makes jobs wait for a
free one, and after each job checks the device for leftover compute
processes: a device with leftovers leaves the pool with a message, because
the next student's job would share its memory.

Everything that touches real hardware goes through the two probe callables,
so the scheduler is tested with injected inventories.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from autograder.sandbox.base import SandboxError


@dataclass(frozen=True)
class Gpu:
    index: str
    uuid: str
    name: str
    memory_mb: int


def _nvidia_smi(args: list[str]) -> list[list[str]]:
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        out = subprocess.run(["nvidia-smi", *args, "--format=csv,noheader,nounits"], capture_output=True,
                             text=True, timeout=30, check=True).stdout
    except (subprocess.SubprocessError, OSError):
        return []
    return [[field.strip() for field in line.split(",")] for line in out.splitlines() if line.strip()]


def detect_gpus() -> list[Gpu]:
    """The machine's NVIDIA GPUs (empty without a driver)."""
    rows = _nvidia_smi(["--query-gpu=index,uuid,name,memory.total"])
    return [Gpu(index=r[0], uuid=r[1], name=r[2], memory_mb=int(float(r[3]))) for r in rows if len(r) >= 4]


def compute_processes(gpu: Gpu) -> list[str]:
    """PIDs of compute processes still holding `gpu`."""
    rows = _nvidia_smi(["--query-compute-apps=pid,gpu_uuid"])
    return [r[0] for r in rows if len(r) >= 2 and r[1] == gpu.uuid]


def parse_gpus_option(value: str) -> str | list[str]:
    """`auto`, `none`, or a comma-separated list of device indices."""
    value = value.strip().lower()
    if value in ("auto", "none"):
        return value
    ids = [v.strip() for v in value.split(",") if v.strip()]
    if not ids or not all(i.isdigit() for i in ids):
        raise SandboxError(f"--gpus {value!r}: use auto, none, or device indices like 0,1")
    return ids


def plan_devices(gpu_mode: str, gpus_option: str, inventory: list[Gpu], assignment: str = "") -> list[Gpu]:
    """The GPUs a batch of `assignment` may use; [] means run on the CPU."""
    choice = parse_gpus_option(gpus_option)
    if gpu_mode == "none":
        return []
    if choice == "none":
        chosen: list[Gpu] = []
    elif choice == "auto":
        chosen = list(inventory)
    else:
        known = {g.index: g for g in inventory}
        missing = [i for i in choice if i not in known]
        if missing:
            have = ", ".join(g.index for g in inventory) or "none"
            raise SandboxError(f"--gpus {gpus_option}: no GPU with index {', '.join(missing)} (this machine has: {have})")
        chosen = [known[i] for i in choice]
    if not chosen and gpu_mode == "required":
        why = "--gpus none was given" if choice == "none" else "this machine has no NVIDIA GPU (nvidia-smi found none)"
        raise SandboxError(
            f"{assignment or 'this assignment'} needs a GPU (gpu = \"required\" in its manifest) but {why}; "
            "grade it on a machine with a GPU and the NVIDIA Container Toolkit"
        )
    return chosen


class GpuPool:
    """Hands out one GPU per job; quarantines devices that a job left busy."""

    def __init__(self, gpus: list[Gpu], leftovers: Callable[[Gpu], list[str]] = compute_processes,
                 warn: Callable[[str], None] = print):
        self._free = list(gpus)
        self._all = list(gpus)
        self._quarantined: dict[str, str] = {}
        self._leftovers = leftovers
        self._warn = warn
        self._cond = threading.Condition()

    @property
    def quarantined(self) -> dict[str, str]:
        return dict(self._quarantined)

    def acquire(self, timeout: float | None = None) -> Gpu:
        """Wait for a free device; raises SandboxError when none can ever come back."""
        with self._cond:
            while not self._free:
                if len(self._quarantined) == len(self._all):
                    raise SandboxError(
                        "every GPU of the pool was taken out because jobs left processes on it: "
                        + "; ".join(f"GPU {k}: {v}" for k, v in self._quarantined.items())
                    )
                if not self._cond.wait(timeout=timeout):
                    raise SandboxError(f"no GPU became free within {timeout:g} s")
            return self._free.pop(0)

    @contextmanager
    def lease(self) -> Iterator[Gpu]:
        """One device for the length of a job: acquired, then released (and checked for leftovers)."""
        gpu = self.acquire()
        try:
            yield gpu
        finally:
            self.release(gpu)

    def release(self, gpu: Gpu) -> None:
        """Return `gpu` after a job, unless compute processes are still on it."""
        pids = self._leftovers(gpu)
        with self._cond:
            if pids:
                message = (f"GPU {gpu.index} ({gpu.uuid}) still runs compute process(es) {', '.join(pids)} after a job; "
                           "it is out of the pool until they end (check `nvidia-smi`, then restart grading)")
                self._quarantined[gpu.index] = message
                self._warn(message)
            else:
                self._free.append(gpu)
            self._cond.notify_all()


def pool_for(gpu_mode: str, gpus_option: str, assignment: str = "", inventory: list[Gpu] | None = None) -> GpuPool | None:
    """The GPU pool of a batch of `assignment`, one device per job; None when the batch runs on the CPU.
    `inventory` defaults to the GPUs found on this machine."""
    if gpu_mode == "none":
        return None
    devices = plan_devices(gpu_mode, gpus_option, detect_gpus() if inventory is None else inventory, assignment)
    return GpuPool(devices) if devices else None
