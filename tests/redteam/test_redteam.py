"""Each attack of attacks.py, graded through the Docker backend, then checked by a post-run oracle.

The oracle, after every attack: the host canary file is unchanged and nothing
was written next to it; no llmkit container is left; no worker process is left
on the host; host disk and memory moved by less than a bound; the grading took
no longer than its limits plus a grace; and an honest submission graded right
after still gets full marks.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import shutil
import socket
import stat
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import pytest

from autograder.catalog import resolve
from autograder.grade import grade_submission
from autograder.sandbox.base import pid_alive
from autograder.sandbox.docker import orphaned
from attacks import ATTACKS, FULL, HONEST, Attack

SCENARIO_ROOT = Path(__file__).resolve().parents[1] / "scenarios" / "kit"
GRACE_SECONDS = 45
DISK_BOUND = 300 * 1024 * 1024
MEMORY_BOUND_KB = 1024 * 1024


def _meminfo() -> dict[str, int]:
    fields = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, _, rest = line.partition(":")
        fields[key] = int(rest.split()[0])
    return fields


def _mem_available_kb() -> int:
    """MemAvailable with the page cache dropped first where we may (root, as in CI): the cache left
    by other tests' file I/O then cannot make the before/after comparison drift."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        pass
    return _meminfo()["MemAvailable"]


def _memory_settles(before_kb: int, patience_s: float = 60.0) -> bool:
    """Host memory comes back within the bound once the container is gone. The kernel frees a
    killed cgroup's pages asynchronously, so poll instead of reading once."""
    deadline = time.monotonic() + patience_s
    while before_kb - _mem_available_kb() >= MEMORY_BOUND_KB:
        if time.monotonic() > deadline:
            return False
        time.sleep(1.0)
    return True


def _worker_processes() -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    # containers' workers only (--stdio); local workers of other runs on this machine are not ours
    return [line for line in out.splitlines() if "autograder.worker" in line and "--stdio" in line]


class Listener(threading.Thread):
    """A TCP listener on the host's loopback that records any connection."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass


@pytest.fixture(scope="module")
def host(tmp_path_factory, docker_ready):
    folder = tmp_path_factory.mktemp("host")
    canary = folder / "hidden-answers.txt"
    canary.write_text(f"SECRET_ANSWER={secrets.token_hex(16)}\n")
    listener = Listener()
    listener.start()
    yield {"canary": canary, "digest": hashlib.sha256(canary.read_bytes()).hexdigest(),
           "listener": listener, "host_file": folder / "results.json", "client": docker_ready,
           "assignment": resolve("90-calc", root=SCENARIO_ROOT), "folder": folder}
    listener.stop = True


def _submission(attack: Attack, host: dict, dest: Path) -> Path:
    values = {"CANARY": str(host["canary"]), "PORT": str(host["listener"].port), "HOST_FILE": str(host["host_file"])}
    if attack.archive is not None:
        path = dest / f"{attack.name}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data, kind in attack.archive:
                info = zipfile.ZipInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = ((stat.S_IFLNK | 0o777) if kind == "symlink" else (stat.S_IFREG | 0o644)) << 16
                zf.writestr(info, data)
        return path
    folder = dest / attack.name
    folder.mkdir()
    (folder / "calc.py").write_text(attack.source(**values))
    for name, text in attack.extra_files.items():
        (folder / name).write_text(text)
    return folder


def _leftover_workers(client) -> list[str]:
    """In-container worker processes that no running grading session owns (other sessions on this
    machine, e.g. a second grading run, may have live workers at the same time)."""
    workers = _worker_processes()
    owned: set[int] = set()
    for container in client.containers.list(filters={"label": "llmkit.sandbox=1"}):
        if not orphaned(container):
            try:
                owned.update(int(row[1]) for row in container.top(ps_args="-eo user,pid").get("Processes") or [])
            except Exception:  # the container ended meanwhile
                pass
    return [line for line in workers
            if int(line.split()[0]) not in owned and pid_alive(int(line.split()[0]))]


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_is_contained(attack: Attack, host, tmp_path):
    client = host["client"]
    disk_before = shutil.disk_usage("/").used
    mem_before = _mem_available_kb()
    started = time.monotonic()
    result = grade_submission(assignment=host["assignment"], source=_submission(attack, host, tmp_path),
                              out_dir=tmp_path / "out", sandbox="docker", name=attack.name)
    elapsed = time.monotonic() - started

    # the verdict
    assert result.status == attack.expected_status, result.message
    if attack.expected_score is not None:
        failing = {t.name: t.category for t in result.tests if t.status != "passed"}
        if attack.at_most:
            assert result.score <= attack.expected_score, failing
        else:
            assert result.score == attack.expected_score, failing
    if attack.expected_words:
        assert attack.expected_words in result.message

    # the post-run oracle
    assert hashlib.sha256(host["canary"].read_bytes()).hexdigest() == host["digest"]
    assert not host["host_file"].exists() and not Path(str(host["host_file"]) + ".pwned").exists()
    assert host["listener"].connections == 0
    # left behind = labelled by a grading session that has ended (others may grade at the same time)
    assert [c for c in client.containers.list(all=True, filters={"label": "llmkit.sandbox=1"})
            if orphaned(c)] == []
    assert _leftover_workers(client) == []
    assert shutil.disk_usage("/").used - disk_before < DISK_BOUND
    assert _memory_settles(mem_before), (
        f"host memory still down by more than {MEMORY_BOUND_KB} kB after the attack: available {mem_before} kB "
        f"before; now {_meminfo()}; containers: {[c.name for c in client.containers.list(all=True)]}")
    limit = len(result.tests) * host["assignment"].manifest.limits.test_seconds
    assert elapsed < limit + GRACE_SECONDS

    honest_dir = tmp_path / "honest"
    honest_dir.mkdir()
    (honest_dir / "calc.py").write_text(HONEST)
    honest = grade_submission(assignment=host["assignment"], source=honest_dir, out_dir=tmp_path / "honest-out",
                              sandbox="docker", name="honest")
    assert honest.score == FULL, [t.output for t in honest.tests if t.status != "passed"]


def test_the_suite_covers_the_required_attacks():
    names = {a.name for a in ATTACKS}
    assert len(names) == len(ATTACKS) >= 30
    readme = (Path(__file__).parent / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in names), "document every attack in tests/redteam/README.md"
