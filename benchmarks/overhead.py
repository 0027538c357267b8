"""Grading overhead: `llmkit grade` on the reference vs the same tests run in-process with pytest.

overhead = wall(llmkit grade <reference>) / wall(pytest <tests> --llmkit-sandbox inprocess)

Both are measured in the same run, alternating, `--repeat` times each, and the
median is reported. The in-process baseline runs the same test files with the
student's code imported into the pytest process (no worker, no codec, no
sandbox): it is what a grader without isolation costs.

Usage: python benchmarks/overhead.py [TOPIC ...] [--repeat 3]
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

from autograder.catalog import list_topics, resolve  # noqa: E402

INI = ROOT / "autograder" / "harness" / "pytest.ini"


def _time(cmd: list[str], cwd: Path) -> float:
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0,):
        sys.stderr.write(proc.stdout.decode(errors="replace")[-3000:])
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    return elapsed


def measure(topic_id: str, repeat: int) -> dict:
    topic = resolve(topic_id, ROOT)
    sol = topic.solution_dir
    grade, direct = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            grade.append(_time([sys.executable, "-m", "autograder.cli", "grade", topic.id, str(sol),
                                "--jobs", "1", "--out", tmp], ROOT))
            direct.append(_time([sys.executable, "-m", "pytest", "tests", "-p", "autograder.harness.plugin",
                                 "-c", str(INI), "--rootdir", str(sol), "--llmkit-sandbox", "inprocess"], sol))
    g, d = statistics.median(grade), statistics.median(direct)
    return {"topic": topic.id, "grade_s": g, "pytest_inprocess_s": d, "overhead": g / d}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("topics", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    topics = args.topics or [t.id for t in list_topics(ROOT) if t.solution_dir]
    print(f"{'topic':<20} {'llmkit grade (s)':>17} {'pytest in-process (s)':>22} {'overhead':>9}")
    for tid in topics:
        row = measure(tid, args.repeat)
        print(f"{row['topic']:<20} {row['grade_s']:>17.2f} {row['pytest_inprocess_s']:>22.2f} {row['overhead']:>9.2f}")


if __name__ == "__main__":
    main()
