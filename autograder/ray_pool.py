"""Grading past one machine: a Ray backend with the same `run` as `scheduler.LocalPool`.

`RayPool.run(items, grade, on_crash=, on_done=)` sends each item to the cluster as one Ray task
that asks for the submission's resources (one CPU, the manifest's memory, one GPU for a GPU
assignment) and calls `grade(item, gpu)` on the node that runs it, `gpu` being the device Ray
assigned to the task (None for a CPU assignment). Values come back to the driver as data;
`on_done` runs on the driver, in completion order, so the caller (bulk.grade_entries) records
each grade itself: only the driver writes the gradebook. A task whose node dies is run again on
another node (`max_retries`, Ray's retries of system failures); a task that raises becomes
`on_crash`'s value, that submission's failure only.

`grade_on_node` is the grading function a bulk run ships: it receives a `NodeJob` (the taken-in
files as bytes, the assignment id and the kit root, the sandbox, the image id the driver expects),
refuses to grade when the node's grading image differs from the driver's (a sandbox failure: not
recorded, a rerun grades it again), else runs `grade.admit` + `grade.grade_intake` in a
`grading_folder()` with that node's Docker engine, and returns a `NodeResult`: the
SubmissionResult, the files of its results folder (results.json, grader.log, ...) as bytes, the
node and the image id. After a GPU job the node's device is checked for leftover compute processes
(as `sandbox.gpu.GpuPool` does on one machine): the task keeps the device until they end, so Ray
gives it to no other job meanwhile, and reports them.

Ray is imported lazily: the kit works without it. Each node needs the kit (its checkout, with the
assignment's `assignments/` and `solutions/` at the same kit root) and the grading image.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from autograder.sandbox.base import SandboxError

Item = TypeVar("Item")
Value = TypeVar("Value")

DEFAULT_MAX_RETRIES = 2  # a task whose node dies runs again at most this many times
LEFTOVER_WAIT_SECONDS = 300.0


def _ray() -> Any:
    try:
        import ray
    except ImportError:  # pragma: no cover - ray is in the [ray] extra
        raise SandboxError("--engine ray needs Ray: pip install -c constraints.txt -e '.[ray]'") from None
    return ray


def connect(address: str | None, *, num_cpus: int | None = None) -> bool:
    """Join the cluster at `address` (or start a local Ray instance); True when this call started Ray."""
    ray = _ray()
    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = {"logging_level": "WARNING", "log_to_driver": False, "configure_logging": True}
    if address:
        kwargs["address"] = address
    else:
        kwargs["num_cpus"] = num_cpus
        kwargs["include_dashboard"] = False
    try:
        ray.init(**kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise SandboxError(f"cannot reach {where}: {exc}; start a head with `ray start --head` and pass its "
                           "address (--address HOST:6379)") from None
    return True


def cluster_gpus() -> float:
    return float(_ray().cluster_resources().get("GPU", 0))


def _node_label() -> str:
    ray = _ray()
    node_id = ray.get_runtime_context().get_node_id() if ray.is_initialized() else ""
    return f"{socket.gethostname()}/{node_id[:8]}" if node_id else socket.gethostname()


def _call(grade: Callable[[Any, str | None], Any], item: Any) -> Any:
    """The body of one Ray task: grade(item, the GPU Ray assigned to this task or None)."""
    ids = _ray().get_gpu_ids()
    return grade(item, str(ids[0]) if ids else None)


class RayPool:
    """Grading jobs on a Ray cluster: one task per item with `num_cpus`, `memory_mb` and `num_gpus` each."""

    def __init__(self, *, address: str | None = None, num_cpus: float = 1, memory_mb: int | None = None,
                 num_gpus: float = 0, max_retries: int = DEFAULT_MAX_RETRIES, local_cpus: int | None = None):
        self.address = address
        self.num_cpus = num_cpus
        self.memory_mb = memory_mb
        self.num_gpus = num_gpus
        self.max_retries = max_retries
        self.local_cpus = local_cpus

    def run(self, items: Sequence[Item], grade: Callable[[Item, str | None], Value], *,
            on_crash: Callable[[Item, Exception], Value],
            on_done: Callable[[int, Value], None] | None = None) -> list[Value]:
        """grade(item, gpu) on the cluster for every item; values in input order (see the module's docstring)."""
        ray = _ray()
        started = connect(self.address, num_cpus=self.local_cpus)
        try:
            options: dict[str, Any] = {"num_cpus": self.num_cpus, "num_gpus": self.num_gpus,
                                       "max_retries": self.max_retries, "retry_exceptions": False}
            if self.memory_mb:
                options["memory"] = self.memory_mb * 1024 * 1024
            task = ray.remote(_call).options(**options)
            refs = {task.remote(grade, item): i for i, item in enumerate(items)}
            values: dict[int, Value] = {}
            pending = list(refs)
            while pending:
                ready, pending = ray.wait(pending, num_returns=1)
                for ref in ready:
                    index = refs[ref]
                    try:
                        values[index] = ray.get(ref)
                    except Exception as exc:  # the task raised, or ran out of retries: that submission only
                        values[index] = on_crash(items[index], _unwrap(exc))
                    if on_done is not None:
                        on_done(index, values[index])
            return [values[i] for i in range(len(items))]
        finally:
            if started:
                ray.shutdown()


def _unwrap(exc: Exception) -> Exception:
    """The grading function's own exception out of Ray's RayTaskError, else Ray's error itself."""
    cause = getattr(exc, "cause", None)
    return cause if isinstance(cause, Exception) else exc


# --- the grading function of a bulk run, shipped to the nodes -------------------------------------


@dataclass(frozen=True)
class NodeJob:
    """What travels to the node: plain data, no path of the driver's machine but the kit root."""

    assignment_id: str
    kit_root: str
    label: str
    files: dict[str, bytes]
    sandbox: str = "local"
    suite: str = "all"
    expected_image: str = ""  # the image id the driver has ("" = no image: the local sandbox)


@dataclass(frozen=True)
class NodeResult:
    result: Any  # SubmissionResult
    outputs: dict[str, bytes] = field(default_factory=dict)  # the results folder: relative path -> bytes
    node: str = ""
    image_id: str = ""
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0  # the node's time on this submission (intake copy, grading, leftover check)


def expected_image(sandbox: str, gpu: bool, packages: tuple[str, ...] | None) -> str:
    """The image id every node must grade with: the driver's (raises SandboxError when it has none)."""
    from autograder.grade import preflight

    if sandbox != "docker":
        return ""
    return str(preflight(sandbox, "0" if gpu else None, packages).get("image_id", ""))


def mismatch_message(node: str, image: str, have: str, want: str) -> str:
    return (f"node {node} has grading image {image} with id {have[:19]}, but the driver grades with id {want[:19]}: "
            "this node was refused for grading (results must not depend on the node). Build the same image on "
            "every node (`llmkit image build --offline` from the same kit checkout) or take the node out of the "
            "cluster; the submission was not recorded and a rerun grades it again")


def grade_on_node(job: NodeJob, gpu: str | None) -> NodeResult:
    """Grade one taken-in submission on this node (see the module's docstring)."""
    from autograder.catalog import resolve
    from autograder.grade import Submission, admit, grade_intake, grading_folder, preflight
    from autograder.outcomes import Failure
    from autograder.results import error_result

    clock = time.monotonic()
    assignment = resolve(job.assignment_id, root=Path(job.kit_root))
    node = _node_label()
    meta_extra = {"node": node}
    image_id = ""
    if job.expected_image:
        try:
            facts = preflight(job.sandbox, gpu, assignment.manifest.environment.packages)
        except SandboxError as exc:
            result = error_result(assignment.id, job.label, Failure.SANDBOX, f"node {node}: {exc}", meta=meta_extra)
            return NodeResult(result, node=node)
        image_id = str(facts.get("image_id", ""))
        if image_id != job.expected_image:
            message = mismatch_message(node, str(facts.get("image", "")), image_id, job.expected_image)
            result = error_result(assignment.id, job.label, Failure.SANDBOX, message,
                                  meta={**meta_extra, "image_id": image_id})
            return NodeResult(result, node=node, image_id=image_id)
    with grading_folder() as work:
        out = work / "out"
        intake = admit(Submission(job.label, stored=job.files), assignment, work)
        result = grade_intake(assignment=assignment, intake=intake, work=work, out_dir=out, name=job.label,
                              sandbox=job.sandbox, suite=job.suite, gpu=gpu)  # type: ignore[arg-type]
        result.meta.update(meta_extra)
        outputs = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    warnings = _wait_for_leftovers(gpu) if gpu is not None else ()
    return NodeResult(result, outputs, node=node, image_id=str(result.meta.get("image_id", "")), warnings=warnings,
                      seconds=time.monotonic() - clock)


def _wait_for_leftovers(index: str, timeout: float = LEFTOVER_WAIT_SECONDS) -> tuple[str, ...]:
    """The local pool's leftover-process check on this node's device: hold it (and so Ray's GPU
    resource) until the job's compute processes are gone, at most `timeout`; report what stayed."""
    from autograder.sandbox.gpu import compute_processes, detect_gpus

    device = next((g for g in detect_gpus() if g.index == index), None)
    if device is None:  # a logical GPU (a test cluster's --num-gpus) or no driver: nothing to check
        return ()
    deadline = time.monotonic() + timeout
    while pids := compute_processes(device):
        if time.monotonic() > deadline:
            return (f"node {_node_label()}: GPU {index} ({device.uuid}) still runs compute process(es) "
                    f"{', '.join(pids)} {timeout:.0f} s after a job; check `nvidia-smi` on that node",)
        time.sleep(2.0)
    return ()


def kit_root_for_nodes(assignment: Any) -> str:
    """The kit root the nodes use: $LLMKIT_NODE_ROOT when the nodes' checkouts live elsewhere, else the
    driver's (the folder holding the assignment's solutions/ or assignments/)."""
    return os.environ.get("LLMKIT_NODE_ROOT") or str(assignment.source_dir.parent.parent)
