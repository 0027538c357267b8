"""`--engine ray` on a real two-node Ray cluster on this machine: `ray start --head` plus a second node
joined with `ray start --address`, each with one CPU and one logical GPU (GPU scheduling without
hardware). A mixed batch graded through the cluster gives the local pool's results; the second node
killed mid-batch loses and duplicates nothing; a node whose grading image differs from the driver's
is refused. The cluster has a private temp dir and its own ports, and is stopped whatever happens
(its process groups, then any process still naming its temp dir)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import ray  # in the test extra: these tests run in CI and never skip
from staff_helpers import KIT, grade_rows, load_json, plain_batch, zip_folder

from autograder.gradebook import Gradebook


REPO = Path(__file__).resolve().parents[2]
RAY = str(Path(sys.executable).with_name("ray"))
MISMATCH_IMAGE = "llmkit-test-mismatch:node2"
BATCH = {"a1": "full", "a2": "wrong_type", "a3": "os_exit", "a4": "syntax_error", "a5": "missing_function",
         "a6": "full"}


def _free_ports(n: int) -> list[int]:
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def _node_ports(ports: list[int]) -> list[str]:
    names = ("--node-manager-port", "--object-manager-port", "--dashboard-agent-listen-port", "--metrics-export-port",
             "--runtime-env-agent-port", "--dashboard-agent-grpc-port")
    return [f"{name}={port}" for name, port in zip(names, ports, strict=True)]


class Cluster:
    """Two `ray start --block` process groups; `kill_node2()` is the fault, `stop()` the teardown."""

    def __init__(self, cpus: int = 1):
        self.cpus = cpus
        self.temp = Path(tempfile.mkdtemp(prefix="rt", dir="/tmp"))  # short: unix socket paths stay < 107 chars
        self.procs: dict[str, subprocess.Popen] = {}
        port, *ports = _free_ports(13)
        self.address = f"127.0.0.1:{port}"
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
                    "LLMKIT_ROOT": str(KIT), "RAY_USAGE_STATS_ENABLED": "0", "RAY_enable_metrics_collection": "0"}
        self._start("head", ["--head", f"--port={port}", "--include-dashboard=false", *_node_ports(ports[:6])], self.env)
        self._node2_ports = ports[6:12]

    def _start_node2(self) -> None:
        """The second node joins once the head runs."""
        env = dict(self.env)
        if shutil.which("docker"):
            env["LLMKIT_IMAGE"] = MISMATCH_IMAGE  # only the Docker sandbox looks at it: the digest test
        self._start("node2", [f"--address={self.address}", *_node_ports(self._node2_ports)], env)

    def _start(self, name: str, args: list[str], env: dict) -> None:
        log = open(self.temp / f"{name}.log", "wb")
        cmd = [RAY, "start", "--block", f"--num-cpus={self.cpus}", "--num-gpus=1", "--disable-usage-stats",
               f"--temp-dir={self.temp / name}", *args]
        self.procs[name] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.temp,
                                            start_new_session=True)

    def wait(self, nodes: int, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"ray start of {name} ended: {(self.temp / f'{name}.log').read_text()[-3000:]}")
            if ray.is_initialized() and len(self.alive()) >= nodes:
                return
            if not ray.is_initialized() and b"Ray runtime started" in (self.temp / "head.log").read_bytes():
                ray.init(address=self.address, logging_level="WARNING", log_to_driver=False)
                if nodes >= 2:
                    self._start_node2()
            time.sleep(1)
        raise RuntimeError(f"the cluster did not reach {nodes} nodes in {timeout:.0f} s")

    def alive(self) -> list[dict]:
        return [n for n in ray.nodes() if n["Alive"]]

    def node2_id(self) -> str:
        head = ray.get_runtime_context().get_node_id()
        return next(n["NodeID"] for n in self.alive() if n["NodeID"] != head)

    def kill(self, name: str) -> None:
        proc = self.procs.get(name)
        if proc is None:
            return
        for sig in (signal.SIGKILL,):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
        proc.wait()
        self._kill_strays(self.temp / name)

    def _kill_strays(self, marker: Path) -> None:
        """Processes of this cluster outside its process groups (workers name the session folder)."""
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if str(marker).encode() in cmdline and int(pid) != os.getpid():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def stop(self) -> None:
        try:
            if ray.is_initialized():
                ray.shutdown()
        finally:
            for name in ("node2", "head"):
                self.kill(name)
            self._kill_strays(self.temp)
            shutil.rmtree(self.temp, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster():
    c = Cluster()
    try:
        c.wait(nodes=2)
        yield c
    finally:
        c.stop()


@pytest.fixture
def ray_env(monkeypatch):
    monkeypatch.setenv("LLMKIT_ROOT", str(KIT))
    monkeypatch.setenv("LLMKIT_SANDBOX", "local")


def _batch(tmp: Path, names: dict[str, str]) -> Path:
    batch = plain_batch(tmp / "batch", names)
    broken = zip_folder(batch / next(iter(names)), batch / "a9.zip")  # a refused (corrupt) zip: graded on the driver
    broken.write_bytes(broken.read_bytes()[:60])
    return batch


def _bulk(assignment, batch: Path, tmp: Path, name: str, **kw):
    from autograder.bulk import bulk_grade

    return bulk_grade(assignment=assignment, batch=batch, gradebook=tmp / f"{name}.sqlite", out=tmp / name, jobs=2,
                      sandbox=kw.pop("sandbox", "local"), **kw)


def _norm(text: str) -> str:
    """Outputs name each run's private work folder: the same submission graded twice differs only there."""
    return re.sub(r"/[^\s\"']*llmkit-grade-[^/\s]+/(scratch/llmkit-worker-[^/\s]+/)?", "<work>/", text)


def _drop_times(text: str) -> dict:
    data = json.loads(text)
    data.pop("execution_time", None)
    for test in data.get("tests", []):
        test.pop("execution_time", None)
        test.pop("duration", None)
    return data


def _comparable(result) -> tuple:
    return (result.status, result.score, result.max_score, _norm(result.message), result.failure,
            tuple((t.id, t.status, t.score, t.points, str(t.category), _norm(t.output)) for t in result.tests))


def test_two_node_batch_matches_the_local_pool(cluster, ray_env, assignment, tmp_path):
    batch = _batch(tmp_path, BATCH)
    local = _bulk(assignment, batch, tmp_path, "local")
    events: list[str] = []
    remote = _bulk(assignment, batch, tmp_path, "ray", engine="ray", address=cluster.address,
                   on_event=lambda kind, outcome, total: events.append(kind))
    assert not remote.grader_failed and not local.grader_failed, [o.note for o in remote.outcomes]
    assert events.count("done") == len(BATCH) + 1 and events[0] == "start"
    by_student = {o.student: o for o in local.outcomes}
    for outcome in remote.outcomes:
        assert outcome.state == by_student[outcome.student].state
        assert _comparable(outcome.result) == _comparable(by_student[outcome.student].result), outcome.student
    graded_on = {o.node for o in remote.outcomes if o.student != "a9"}
    assert len(graded_on) == 2, graded_on  # both nodes graded (one CPU each)
    # the driver wrote the results folders from the bytes the nodes sent back, and the gradebook
    folder = tmp_path / "ray" / "90-calc"
    for student in BATCH:
        assert load_json(folder / student / "results.json")["score"] == by_student[student].result.score
        assert (folder / student / "grader.log").is_file() and "on " in (folder / student / "llmkit.log").read_text()
    with Gradebook(tmp_path / "ray.sqlite") as book:
        rows = {r.student_id: r for r in book.current("90-calc")}
    assert set(rows) == set(BATCH) | {"a9"}
    assert {o.student: o.result.score for o in remote.outcomes} == {s: r.score for s, r in rows.items()}
    # a rerun through the cluster skips everything: claims and resume are the driver's, as with the local pool
    again = _bulk(assignment, batch, tmp_path, "ray", engine="ray", address=cluster.address)
    assert again.count("skipped") == len(BATCH) + 1
    assert len(grade_rows(tmp_path / "ray.sqlite")) == len(BATCH) + 1


def test_gpu_tasks_get_the_devices_ray_assigned(cluster):
    """Each task asks for one GPU; Ray's assignment is the device handed to the grading function."""
    from autograder.ray_pool import RayPool

    def where(item: int, gpu: str | None) -> tuple[int, str | None, str, str | None]:
        import ray as r

        return item, gpu, r.get_runtime_context().get_node_id(), os.environ.get("CUDA_VISIBLE_DEVICES")

    done: list[int] = []
    values = RayPool(num_gpus=1).run(list(range(4)), where, on_crash=lambda item, exc: (item, repr(exc), "", None),
                                     on_done=lambda i, v: done.append(i))
    assert sorted(done) == [0, 1, 2, 3] and [v[0] for v in values] == [0, 1, 2, 3]
    assert all(gpu == "0" and visible == "0" for _, gpu, _, visible in values), values  # one logical GPU per node
    assert len({node for *_, node, _ in values}) >= 1


def test_refused_node_with_another_image(cluster, ray_env, assignment, docker_ready, tmp_path):
    """Node 2 sees another grading image (LLMKIT_IMAGE set on that node, another image id): refused, clearly."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from autograder import ray_pool
    from autograder.outcomes import Failure
    from autograder.sandbox.image import image_for

    packages = assignment.manifest.environment.packages
    base = image_for(False, packages)
    subprocess.run(["docker", "build", "-q", "-t", MISMATCH_IMAGE, "-"], check=True, capture_output=True,
                   input=f"FROM {base}\nLABEL llmkit.test=another-build\n".encode(), timeout=120)
    expected = ray_pool.expected_image("docker", False, packages)
    job = ray_pool.NodeJob(assignment_id="90-calc", kit_root=str(KIT), label="n2", files={"calc.py": b"x = 1\n"},
                           sandbox="docker", expected_image=expected)
    on_node2 = ray.remote(ray_pool._call).options(
        num_cpus=1, scheduling_strategy=NodeAffinitySchedulingStrategy(cluster.node2_id(), soft=False))
    back = ray.get(on_node2.remote(ray_pool.grade_on_node, job), timeout=180)
    assert back.result.failure is Failure.SANDBOX and back.result.graders_fault
    assert "refused for grading" in back.result.message and back.node.endswith(cluster.node2_id()[:8])
    assert expected[:19] in back.result.message and back.image_id != expected
    # through bulk: a node refused is a grader failure, never recorded, so a rerun grades it
    batch = plain_batch(tmp_path / "batch", {"d1": "full", "d2": "full"})
    import unittest.mock as mock

    try:
        with mock.patch.object(ray_pool, "expected_image", return_value="sha256:" + "0" * 64):
            report = _bulk(assignment, batch, tmp_path, "digest", engine="ray", address=cluster.address,
                           sandbox="docker")
    finally:
        subprocess.run(["docker", "rmi", "-f", MISMATCH_IMAGE], capture_output=True, timeout=120)
    assert [o.state for o in report.outcomes] == ["failure", "failure"]
    assert all("refused for grading" in o.note for o in report.outcomes)
    assert grade_rows(tmp_path / "digest.sqlite") == []


def test_second_node_killed_mid_batch(cluster, ray_env, assignment, tmp_path):
    """Kill node 2 once the first result is in: its submissions run again on the head (Ray's bounded
    retries); the gradebook holds every submission exactly once, with the local pool's scores."""
    names = {f"k{i}": ("full", "wrong_type", "os_exit")[i % 3] for i in range(6)}
    batch = plain_batch(tmp_path / "batch", names)
    first_done = threading.Event()

    def on_event(kind, outcome, total):
        if kind == "done":
            first_done.set()

    killer = threading.Thread(target=lambda: first_done.wait(300) and cluster.kill("node2"))
    killer.start()
    report = _bulk(assignment, batch, tmp_path, "killed", engine="ray", address=cluster.address, on_event=on_event)
    killer.join()
    assert cluster.procs["node2"].poll() is not None
    assert not report.grader_failed, [o.note for o in report.outcomes]
    rows = grade_rows(tmp_path / "killed.sqlite")
    assert sorted(s for s, _ in rows) == sorted(names)  # each exactly once
    expected = {"full": 9.0}
    for o in report.outcomes:
        if names[o.student] in expected:
            assert o.result.score == expected[names[o.student]]


# --- the driver's side of the Ray path, without a cluster: an in-process stand-in for `ray` ---------


class _Ref:
    def __init__(self, value=None, error: Exception | None = None):
        self.value, self.error = value, error


class _TaskError(Exception):
    """Like ray's RayTaskError: the task's own exception is its `cause`."""

    def __init__(self, cause: Exception):
        super().__init__(str(cause))
        self.cause = cause


class InProcessRay:
    """Runs each task at once in this process (the same functions a node runs); `fail` makes a task's
    node "die" (a RayError without a task exception, as after the retries ran out)."""

    def __init__(self, gpus: int = 0):
        self.initialized, self.gpus, self.options, self.fail = False, gpus, {}, set()
        self.current_gpu: list[str] = []

    def is_initialized(self):
        return self.initialized

    def init(self, **kw):
        self.initialized = True

    def shutdown(self):
        self.initialized = False

    def cluster_resources(self):
        return {"CPU": 2.0, "GPU": float(self.gpus)}

    def get_gpu_ids(self):
        return list(self.current_gpu)

    def get_runtime_context(self):
        return type("Ctx", (), {"get_node_id": staticmethod(lambda: "f" * 56)})()

    def remote(self, fn):
        fake = self

        class Task:
            def options(self, **kw):
                fake.options = kw
                return self

            def remote(self, *args):
                label = getattr(args[-1], "label", None)
                if label in fake.fail:
                    return _Ref(error=RuntimeError(f"the node running {label} died (no retries left)"))
                fake.current_gpu = ["0"] if fake.options.get("num_gpus") else []
                try:
                    return _Ref(fn(*args))
                except Exception as exc:
                    return _Ref(error=_TaskError(exc))
                finally:
                    fake.current_gpu = []

        return Task()

    def wait(self, pending, num_returns=1):
        return pending[:num_returns], pending[num_returns:]

    def get(self, ref):
        if ref.error is not None:
            raise ref.error
        return ref.value


@pytest.fixture
def in_process_ray(monkeypatch):
    from autograder import ray_pool

    fake = InProcessRay()
    monkeypatch.setattr(ray_pool, "_ray", lambda: fake)
    return fake


def test_ray_path_in_process_matches_the_local_pool(in_process_ray, ray_env, assignment, tmp_path):
    """Without a cluster: intake and claims on the driver, NodeJob bytes to grade_on_node, NodeResult back,
    the driver writes the results folder and the gradebook; the same results as the local pool."""
    batch = _batch(tmp_path, BATCH)
    local = _bulk(assignment, batch, tmp_path, "local")
    remote = _bulk(assignment, batch, tmp_path, "fake", engine="ray")
    assert not remote.grader_failed, [o.note for o in remote.outcomes]
    by_student = {o.student: o for o in local.outcomes}
    for outcome in remote.outcomes:
        assert _comparable(outcome.result) == _comparable(by_student[outcome.student].result), outcome.student
    assert {o.node for o in remote.outcomes if o.student != "a9"} == {f"{socket.gethostname()}/ffffffff"}
    assert in_process_ray.options["num_cpus"] == 1 and in_process_ray.options["num_gpus"] == 0
    assert in_process_ray.options["memory"] == assignment.manifest.limits.memory_mb * 1024 * 1024
    assert in_process_ray.options["max_retries"] >= 1 and not in_process_ray.initialized  # started, then shut down
    for student in BATCH:
        folder = tmp_path / "fake" / "90-calc" / student
        mine, theirs = (_norm((f / "results.json").read_text()) for f in (folder, tmp_path / "local" / "90-calc" / student))
        assert json.loads(mine) == json.loads(theirs) or _drop_times(mine) == _drop_times(theirs)
    with Gradebook(tmp_path / "fake.sqlite") as book:
        metas = {r.student_id: r for r in book.current("90-calc")}
    assert set(metas) == set(BATCH) | {"a9"}


def test_ray_path_lost_task_is_not_recorded_and_a_rerun_grades_it(in_process_ray, ray_env, assignment, tmp_path):
    batch = plain_batch(tmp_path / "batch", {"b1": "full", "b2": "full", "b3": "wrong_type"})
    in_process_ray.fail = {"b2"}
    first = _bulk(assignment, batch, tmp_path, "lost", engine="ray")
    assert [o.state for o in first.outcomes] == ["graded", "failure", "graded"]
    assert "died" in first.outcomes[1].note
    assert sorted(s for s, _ in grade_rows(tmp_path / "lost.sqlite")) == ["b1", "b3"]
    in_process_ray.fail = set()
    again = _bulk(assignment, batch, tmp_path, "lost", engine="ray")
    assert [o.state for o in again.outcomes] == ["skipped", "graded", "skipped"]
    assert sorted(s for s, _ in grade_rows(tmp_path / "lost.sqlite")) == ["b1", "b2", "b3"]


def test_node_with_another_image_refuses_to_grade(monkeypatch, ray_env):
    """grade_on_node compares the node's image id (preflight) with the driver's before grading anything."""
    from autograder import grade, ray_pool

    monkeypatch.setattr(grade, "preflight", lambda sandbox, gpu=None, packages=None:
                        {"image": "llmkit-worker:cpu-x", "image_id": "sha256:" + "b" * 64})
    job = ray_pool.NodeJob(assignment_id="90-calc", kit_root=str(KIT), label="n1", files={"calc.py": b"x = 1\n"},
                           sandbox="docker", expected_image="sha256:" + "a" * 64)
    back = ray_pool.grade_on_node(job, None)
    assert back.result.graders_fault and back.result.status == "error" and not back.outputs
    assert "refused for grading" in back.result.message and "sha256:aaaaaaaaaaaa" in back.result.message
    assert back.image_id == "sha256:" + "b" * 64 and back.result.meta["node"] == back.node


def test_regrade_command_with_engine_ray(in_process_ray, cli, assignment, tmp_path):
    """`llmkit regrade --engine ray`: the stored files go to the node path; a progress bar with per-node counts."""
    batch = plain_batch(tmp_path / "batch", {"r1": "full"})
    db, out = tmp_path / "term.sqlite", tmp_path / "graded"
    assert cli("bulk", "90-calc", batch, "--gradebook", db, "--out", out).exit_code == 0
    result = cli("regrade", "90-calc", "--all", "--engine", "ray", "--gradebook", db, "--out", out)
    assert result.exit_code == 0, result.output
    assert "per node:" in result.output and "/ffffffff 1" in result.output
    with Gradebook(db) as book:
        (row,) = book.current("90-calc")
        runs = book.runs()
    assert row.score == 9.0 and len(grade_rows(db)) == 1  # the regrade replaced the grade: still one row
    assert [r["command"] for r in runs] == ["grade", "regrade"] and runs[-1]["status"] == "finished"
