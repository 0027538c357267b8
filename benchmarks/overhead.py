"""Grading overhead: the same tests on the same reference, graded four ways, measured in one run.

For each assignment, alternating, `--repeat` times each (median reported):

  bare      python -m pytest tests --llmkit-sandbox inprocess
            (the student's code imported into the pytest process: no worker,
            no codec, no sandbox; what a grader without isolation costs)
  local     llmkit grade <reference> --sandbox local
  docker    llmkit grade <reference> --sandbox docker  (when an engine and the image exist)

overhead = wall(llmkit grade) / wall(bare). Plus the Docker backend's container
start-to-teardown time (create, start, worker import handshake, remove).

Usage: python benchmarks/overhead.py [ASSIGNMENT ...] [--repeat 3] [--no-docker]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.catalog import list_assignments, resolve  # noqa: E402

INI = ROOT / "autograder" / "harness" / "pytest.ini"


def _time(cmd: list[str], cwd: Path) -> float:
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout.decode(errors="replace")[-3000:])
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    return elapsed


def measure(assignment_id: str, repeat: int, docker: bool) -> dict:
    assignment = resolve(assignment_id, ROOT)
    sol = assignment.solution_dir
    times: dict[str, list[float]] = {"bare": [], "local": []}
    if docker:
        times["docker"] = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            times["bare"].append(_time([sys.executable, "-m", "pytest", "tests", "-p", "autograder.harness.plugin",
                                        "-c", str(INI), "--rootdir", str(sol), "--llmkit-sandbox", "inprocess"], sol))
            for sandbox in [k for k in times if k != "bare"]:
                times[sandbox].append(_time([sys.executable, "-m", "autograder", "grade", assignment.id, str(sol),
                                             "--jobs", "1", "--sandbox", sandbox, "--out", tmp], ROOT))
    return {k: statistics.median(v) for k, v in times.items()}


def container_cycle(repeat: int) -> float:
    """Median seconds from container create to removal, with the worker's import handshake."""
    from autograder.harness.client import WorkerSession
    from autograder.sandbox.base import WorkerSpec
    from autograder.sandbox.docker import DockerSandbox

    sub = ROOT / "tests" / "scenarios" / "submissions" / "full"
    sandbox = DockerSandbox()
    cycles = []
    try:
        for _ in range(repeat):
            session = WorkerSession(sandbox, WorkerSpec(submission_dir=sub, modules=("calc",), packages=("numpy",)))
            start = time.perf_counter()
            session.worker = session._start()
            session.close()
            cycles.append(time.perf_counter() - start)
    finally:
        sandbox.close()
    return statistics.median(cycles)


def _docker_ready() -> bool:
    try:
        from autograder.sandbox.docker import connect
        from autograder.sandbox.image import check_image, image_for

        check_image(connect(), image_for(False, ("numpy",)))
        return True
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-docker", action="store_true")
    args = parser.parse_args()
    docker = not args.no_docker and _docker_ready()
    assignments = args.assignments or [t.id for t in list_assignments(ROOT) if t.solution_dir]
    head = f"{'assignment':<32} {'bare pytest':>11} {'local':>8} {'overhead':>8}"
    if docker:
        head += f" {'docker':>8} {'overhead':>8} {'docker-local':>12}"
    print(head)
    for tid in assignments:
        t = measure(tid, args.repeat, docker)
        line = f"{tid:<32} {t['bare']:>10.2f}s {t['local']:>7.2f}s {t['local'] / t['bare']:>8.2f}"
        if docker:
            line += f" {t['docker']:>7.2f}s {t['docker'] / t['bare']:>8.2f} {t['docker'] - t['local']:>+11.2f}s"
        print(line, flush=True)
    if docker:
        print(f"container start-to-teardown (create, start, worker handshake, remove): "
              f"{container_cycle(max(5, args.repeat)):.2f}s median")


if __name__ == "__main__":
    main()
