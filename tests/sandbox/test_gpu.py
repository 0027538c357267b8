"""GPU planning and the one-device-per-job pool, with injected inventories (no GPU needed)."""

import threading
import time

import pytest

from autograder.sandbox.base import SandboxError, WorkerSpec
from autograder.sandbox.docker import _gpu_request, hardening
from autograder.sandbox.gpu import Gpu, GpuPool, parse_gpus_option, plan_devices

GPUS = [Gpu("0", "GPU-aaa", "H200", 143000), Gpu("1", "GPU-bbb", "H200", 143000)]


def test_gpu_none_assignments_never_get_a_device():
    assert plan_devices("none", "auto", GPUS) == []


def test_auto_uses_every_gpu_found():
    assert plan_devices("optional", "auto", GPUS) == GPUS


def test_explicit_indices_pick_devices():
    assert plan_devices("required", "1", GPUS) == [GPUS[1]]


def test_unknown_index_is_a_clear_error():
    with pytest.raises(SandboxError, match="no GPU with index 7 .*this machine has: 0, 1"):
        plan_devices("required", "0,7", GPUS)


def test_optional_runs_on_cpu_without_gpus():
    assert plan_devices("optional", "auto", []) == []
    assert plan_devices("optional", "none", GPUS) == []


@pytest.mark.parametrize("option, why", [("auto", "no NVIDIA GPU"), ("none", "--gpus none")])
def test_required_without_gpu_fails_with_the_fix(option, why):
    with pytest.raises(SandboxError) as info:
        plan_devices("required", option, [] if option == "auto" else GPUS, "20-multimodal")
    assert "20-multimodal needs a GPU" in str(info.value) and why in str(info.value)


@pytest.mark.parametrize("bad", ["all", "0;1", "", "-1"])
def test_bad_gpus_option(bad):
    with pytest.raises(SandboxError, match="--gpus"):
        parse_gpus_option(bad)


def test_pool_gives_each_job_its_own_device_and_makes_others_wait():
    pool = GpuPool(GPUS, leftovers=lambda gpu: [])
    held, log = [], []
    lock = threading.Lock()

    def job(i):
        gpu = pool.acquire(timeout=10)
        with lock:
            held.append(gpu.index)
            assert len(set(held)) == len(held), "two jobs share a device"
            log.append(len(held))
        time.sleep(0.05)
        with lock:
            held.remove(gpu.index)
        pool.release(gpu)

    threads = [threading.Thread(target=job, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(log) == 2 and len(log) == 6


def test_device_with_leftover_processes_is_quarantined():
    warnings = []
    busy = {"GPU-aaa"}
    pool = GpuPool(GPUS, leftovers=lambda gpu: ["4242"] if gpu.uuid in busy else [], warn=warnings.append)
    first = pool.acquire()
    assert first.index == "0"
    pool.release(first)
    assert "0" in pool.quarantined and "4242" in warnings[0] and "out of the pool" in warnings[0]
    second = pool.acquire(timeout=1)
    assert second.index == "1"
    pool.release(second)
    assert pool.acquire(timeout=1).index == "1"


def test_pool_with_every_device_quarantined_raises():
    pool = GpuPool(GPUS[:1], leftovers=lambda gpu: ["1"], warn=lambda m: None)
    pool.release(pool.acquire())
    with pytest.raises(SandboxError, match="every GPU of the pool was taken out"):
        pool.acquire(timeout=1)


def test_container_gets_one_device_by_id_never_all(tmp_path):
    (request,) = _gpu_request("3")
    assert request["DeviceIDs"] == ["3"] and request["Count"] != -1
    assert request["Capabilities"] == [["gpu"]]
    kwargs = hardening(WorkerSpec(submission_dir=tmp_path, modules=("m",), gpu_device="3"), cpus=2)
    assert kwargs["environment"]["CUDA_VISIBLE_DEVICES"] == "3"
    kwargs = hardening(WorkerSpec(submission_dir=tmp_path, modules=("m",)), cpus=2)
    assert kwargs["environment"]["CUDA_VISIBLE_DEVICES"] == ""


def test_required_gpu_batch_on_cpu_machine_grades_nothing(tmp_path):
    from pathlib import Path

    from autograder.catalog import Assignment, resolve
    from autograder.grade import grade_batch

    base = resolve("90-calc", root=Path(__file__).parents[1] / "scenarios" / "kit")
    manifest = base.manifest.model_copy(update={"gpu": "required"})
    assignment = Assignment(id=base.id, manifest=manifest, solution_dir=base.solution_dir, assignment_dir=base.assignment_dir)
    with pytest.raises(SandboxError, match="needs a GPU"):
        grade_batch(assignment=assignment, sources=[tmp_path], out_root=tmp_path / "out", gpu_inventory=[])
    assert not (tmp_path / "out").exists()


def test_the_worker_sees_only_its_device(tmp_path):
    """A GPU job's worker gets CUDA_VISIBLE_DEVICES set to the one device the pool gave it."""
    from pathlib import Path

    from autograder.catalog import Assignment, resolve
    from autograder.grade import grade_batch

    base = resolve("90-calc", root=Path(__file__).parents[1] / "scenarios" / "kit")
    manifest = base.manifest.model_copy(update={"gpu": "optional"})
    assignment = Assignment(id=base.id, manifest=manifest, solution_dir=base.solution_dir, assignment_dir=base.assignment_dir)
    full = (Path(__file__).parents[1] / "scenarios" / "submissions" / "full" / "calc.py").read_text()
    sub = tmp_path / "sub"
    sub.mkdir()
    # add() is right only when exactly device "5" is visible
    (sub / "calc.py").write_text(full.replace(
        "    return a + b", "    import os\n    return a + b + int(os.environ.get('CUDA_VISIBLE_DEVICES') or 0) - 5"))
    pool = GpuPool([Gpu("5", "GPU-x", "fake", 1000)], leftovers=lambda gpu: [])
    (result,) = grade_batch(assignment=assignment, sources=[sub], out_root=tmp_path / "out", gpu_pool=pool)
    assert result.score == result.max_score, [t.output for t in result.tests if t.status != "passed"]
    assert result.meta["gpu"] == "5"
