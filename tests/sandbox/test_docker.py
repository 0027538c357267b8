"""The Docker backend: hardened settings on a live container, and clear errors when Docker is not right."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.catalog import Assignment, resolve
from autograder.grade import grade_submission
from autograder.harness.client import Deadline, Student, StudentError, WorkerSession
from autograder.results import assemble
from autograder.sandbox.base import Limits, Sandbox, SandboxError, WorkerSpec

SCENARIOS = Path(__file__).parents[1] / "scenarios"
FULL = SCENARIOS / "submissions" / "full"
CALC_ENV = ("numpy",)  # the scenario assignment's [environment] packages


def _assignment(**manifest_updates) -> Assignment:
    base = resolve("90-calc", root=SCENARIOS / "kit")
    limits = base.manifest.limits.model_copy(update=manifest_updates.pop("limits", {}))
    manifest = base.manifest.model_copy(update={"limits": limits, **manifest_updates})
    return Assignment(id=base.id, manifest=manifest, solution_dir=base.solution_dir, assignment_dir=base.assignment_dir)


def test_live_container_is_hardened(docker_ready):
    from autograder.sandbox.docker import LABEL, DockerSandbox

    sandbox = DockerSandbox()
    session = WorkerSession(sandbox, WorkerSpec(submission_dir=FULL, modules=("calc",), limits=Limits(memory_mb=1024),
                                                packages=CALC_ENV))
    student = Student(session, "calc", FULL, Deadline(60))
    try:
        assert student.call("add", 2, 3) == 5
        container = session.worker.container
        container.reload()
        host = container.attrs["HostConfig"]
        config = container.attrs["Config"]
        assert host["NetworkMode"] == "none"
        assert host["ReadonlyRootfs"] is True
        assert host["CapDrop"] == ["ALL"]
        assert "no-new-privileges:true" in host["SecurityOpt"]
        assert host["PidsLimit"] == 64
        assert host["Memory"] == host["MemorySwap"] == 1024 * 1024 * 1024
        assert host["NanoCpus"] == 2_000_000_000
        assert host["Init"] is True
        assert host["IpcMode"] == "private"
        assert host["LogConfig"]["Type"] == "none"
        assert "size=256m" in host["Tmpfs"]["/tmp"] and "noexec" in host["Tmpfs"]["/tmp"]
        assert {u["Name"] for u in host["Ulimits"]} == {"nofile", "fsize", "core"}
        assert [m for m in container.attrs["Mounts"] if m["Destination"] == "/submission"][0]["RW"] is False
        assert config["User"] == "10001:10001"
        assert config["Labels"][LABEL] == "1"
        assert "SECRET" not in " ".join(config["Env"])
    finally:
        session.close()
        sandbox.close()
    assert docker_ready.containers.list(all=True, filters={"label": f"llmkit.session={sandbox.session}"}) == []


def test_no_engine_is_a_clear_error(monkeypatch):
    from autograder.sandbox.docker import connect

    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(SandboxError) as info:
        connect()
    assert "no Docker engine reachable" in str(info.value) and "--sandbox local" in str(info.value)


def test_missing_image_gives_an_error_result_naming_the_fix(docker_ready, monkeypatch, tmp_path):
    monkeypatch.setenv("LLMKIT_IMAGE", "llmkit-grader:does-not-exist")
    result = grade_submission(assignment=_assignment(), source=FULL, out_dir=tmp_path, sandbox="docker")
    assert result.status == "error"
    assert "does not exist" in result.message and "llmkit image build --offline" in result.message
    assert (tmp_path / "results.json").is_file()


def test_stale_image_is_refused(docker_ready, monkeypatch):
    from autograder.sandbox import image

    name = image.image_for(gpu=False, packages=CALC_ENV)  # the tag holds the worker hash: take it before the change
    monkeypatch.setattr(image, "worker_hash", lambda: "0000000000000000")
    with pytest.raises(SandboxError, match="is stale"):
        image.check_image(docker_ready, name)
    with pytest.raises(SandboxError, match="is stale"):  # the new kit's tag: only an older image of its environment exists
        image.check_image(docker_ready, image.image_for(gpu=False, packages=CALC_ENV), CALC_ENV)


def test_memory_request_beyond_the_machine_is_refused(tmp_path):
    result = grade_submission(assignment=_assignment(limits={"memory_mb": 1024 * 1024}), source=FULL, out_dir=tmp_path)
    assert result.status == "error" and "asks for 1048576 MiB" in result.message and "lower the limit" in result.message


class _DyingSandbox(Sandbox):
    """An engine that dies: every start fails."""

    name = "dying"

    def start(self, spec):
        raise SandboxError("the Docker engine could not start a worker container (connection refused)")


def test_engine_failure_is_not_blamed_on_the_student():
    session = WorkerSession(_DyingSandbox(), WorkerSpec(submission_dir=FULL, modules=("calc",)))
    with pytest.raises(StudentError) as info:
        Student(session, "calc", FULL, Deadline(5)).call("add", 1, 2)
    assert info.value.category == "sandbox" and "not your fault" in info.value.summary()


def test_a_submission_hit_by_a_sandbox_failure_is_an_error_to_regrade(tmp_path):
    records = tmp_path / "records.jsonl"
    records.write_text(
        '{"kind": "collected", "tests": [{"id": "t::a", "points": 1, "visibility": "public", "doc": "a"},'
        ' {"id": "t::b", "points": 1, "visibility": "public", "doc": "b"}]}\n'
        '{"kind": "result", "id": "t::a", "name": "a", "points": 1, "score": 1, "status": "passed", "category": "ok",'
        ' "visibility": "public", "output": "", "duration": 0}\n'
        '{"kind": "result", "id": "t::b", "name": "b", "points": 1, "score": 0, "status": "failed",'
        ' "category": "sandbox", "visibility": "public", "output": "Result: failed: sandbox", "duration": 0}\n'
    )
    result = assemble("90-calc", "s", records)
    assert result.status == "error" and "grade this submission again" in result.message


def test_leftovers_of_a_dead_grader_are_swept_at_start(docker_ready):
    import socket

    from autograder.sandbox.docker import LABEL, DockerSandbox
    from autograder.sandbox.image import image_for

    labels = {LABEL: "1", "llmkit.session": "ghost", "llmkit.host": socket.gethostname(), "llmkit.pid": "999999999"}
    ghost = docker_ready.containers.create(image_for(gpu=False, packages=CALC_ENV), ["sleep", "600"], labels=labels,
                                           network_mode="none")
    sandbox = DockerSandbox()
    try:
        assert docker_ready.containers.list(all=True, filters={"id": ghost.id}) == []
    finally:
        sandbox.close()


def test_sweep_survives_a_container_removed_by_another_grader():
    """Two graders on one engine: a container listed by one and removed by the other before it is
    inspected is skipped, so neither grader's sandbox fails to start."""
    import docker.errors

    from autograder.sandbox.docker import remove_containers, sweep

    class _Gone:
        labels = {"llmkit.pid": "999999999"}

        def remove(self, force: bool = False) -> None:
            raise docker.errors.NotFound("already removed")

    class _Containers:
        def list(self, all: bool = False, filters: dict | None = None, ignore_removed: bool = False):
            if not ignore_removed:  # what docker-py does when a listed container vanishes before inspection
                raise docker.errors.NotFound("No such container")
            return [_Gone()]

    class _Client:
        containers = _Containers()

    assert sweep(_Client()) == 0
    assert remove_containers(_Client(), {"llmkit.session": "x"}) == 0


def test_demux_splits_interleaved_frames_and_closes_both_pipes_at_eof():
    """Docker's multiplexed attach stream, fed through a socket in small pieces: stdout frames
    reach the protocol pipe, stderr frames the output pipe, in order; EOF closes both."""
    import os
    import socket
    import struct
    import threading

    from autograder.sandbox.docker import _Demux

    def frame(stream: int, data: bytes) -> bytes:
        return struct.pack(">BxxxL", stream, len(data)) + data

    frames = [(1, b"proto-1"), (2, b"print one\n"), (1, b"x" * 70000), (2, b""), (2, b"print two\n"), (1, b"proto-2")]
    stream = b"".join(frame(kind, data) for kind, data in frames)
    host, container = socket.socketpair()
    protocol_r, protocol_w = os.pipe()
    output_r, output_w = os.pipe()
    demux = _Demux(host, protocol_w, output_w)
    demux.start()

    def feed():  # split headers and payloads across writes
        for i in range(0, len(stream), 5):
            container.sendall(stream[i:i + 5])
        container.close()

    feeder = threading.Thread(target=feed)
    feeder.start()
    collected = {protocol_r: b"", output_r: b""}

    def drain(fd):
        while chunk := os.read(fd, 65536):  # b"" once the demux closed the write end
            collected[fd] += chunk

    drains = [threading.Thread(target=drain, args=(fd,)) for fd in collected]
    for t in drains:
        t.start()
    for t in (feeder, demux, *drains):
        t.join(timeout=30)
        assert not t.is_alive()
    host.close()
    os.close(protocol_r)
    os.close(output_r)
    assert collected[protocol_r] == b"proto-1" + b"x" * 70000 + b"proto-2"
    assert collected[output_r] == b"print one\nprint two\n"
