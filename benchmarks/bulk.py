"""Bulk grading throughput: `llmkit bulk` with --jobs 1 and 2, and nbgrader's own autograde on the
nbgrader export of the same assignment with the same submissions, measured in one run.

    python benchmarks/bulk.py --assignment 17-rag --n 50 --jobs 1 2
    python benchmarks/bulk.py --assignment 90-calc --root tests/scenarios/kit --n 50 --jobs 1 2 --nbgrader

The batch cycles through the assignment's samples (course/samples/ASSIGNMENT/{full,partial,broken}, or the
scenario submissions for 90-calc) so it mixes full, partial and broken work. Each llmkit run uses a
fresh gradebook. nbgrader runs only when its export of the assignment keeps every test (tests that need
conftest fixtures cannot be exported); it runs in one process, one notebook after another, as
`nbgrader autograde` does. Figures go to stdout and, with --json, to a file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCENARIO_SAMPLES = ("full", "wrong_type", "missing_function", "syntax_error", "os_exit")


def samples(assignment_id: str, root: Path) -> list[Path]:
    course = root / "course" / "samples" / assignment_id
    if course.is_dir():
        return sorted(p for p in course.iterdir() if p.is_dir())
    return [REPO / "tests" / "scenarios" / "submissions" / name for name in SCENARIO_SAMPLES]


def make_batch(assignment, root: Path, n: int, dest: Path) -> dict[str, dict[str, str]]:
    """dest/sNN/ for NN < n, cycling through the samples; returns each student's submitted files."""
    pool = samples(assignment.id, root)
    files = {}
    for i in range(n):
        src, student = pool[i % len(pool)], f"s{i:03d}"
        shutil.copytree(src, dest / student)
        files[student] = {p.name: p.read_text(encoding="utf-8", errors="replace")
                          for p in (dest / student).iterdir() if p.suffix == ".py"}
    return files


def run_llmkit(assignment, batch: Path, work: Path, jobs: int) -> dict:
    from autograder.bulk import bulk_grade

    started = time.monotonic()
    report = bulk_grade(assignment=assignment, batch=batch, gradebook=work / f"gb-{jobs}.sqlite", out=work / f"out-{jobs}",
                        jobs=jobs)
    wall = time.monotonic() - started
    scores = [o.result.score for o in report.outcomes if o.result]
    return {"method": "llmkit bulk", "jobs": jobs, "wall_s": round(wall, 2), "n": len(report.outcomes),
            "graded": report.count("graded"), "errors": report.count("error"), "failures": report.count("failure"),
            "mean_score": round(statistics.fmean(scores), 3) if scores else 0.0}


def run_nbgrader(assignment, files: dict[str, dict[str, str]], work: Path) -> dict:
    from autograder.exports.nbgrader import export_nbgrader, submission_notebook

    exe = Path(sys.executable).parent / "nbgrader"
    if not exe.exists():
        return {"method": "nbgrader autograde", "skipped": "nbgrader is not installed (pip install -e '.[nbgrader]')"}
    course = work / "nbgrader"
    export = export_nbgrader(assignment=assignment, dest=course)
    if export.skipped:
        return {"method": "nbgrader autograde",
                "skipped": f"{len(export.skipped)} test(s) cannot be exported, e.g. {export.skipped[0]}"}
    env = {**os.environ, "PATH": f"{exe.parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run([str(exe), "generate_assignment", assignment.id, "--force"], cwd=course, env=env, check=True,
                   capture_output=True)
    release = course / "release" / assignment.id / f"{assignment.id}.ipynb"
    for student, submitted in files.items():
        folder = course / "submitted" / student / assignment.id
        folder.mkdir(parents=True)
        (folder / f"{assignment.id}.ipynb").write_text(json.dumps(submission_notebook(release, submitted)))
    started = time.monotonic()
    proc = subprocess.run([str(exe), "autograde", assignment.id, "--create"], cwd=course, env=env, capture_output=True,
                          text=True)
    wall = time.monotonic() - started
    failed = sorted({line.split("/autograded/")[1].split("/")[0] for line in proc.stderr.splitlines()
                     if "Failed to autograde" in line or ("/autograded/" in line and "ERROR" in line)})
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as book:
        scores = [s.score for s in book.assignment_submissions(assignment.id)]
    # subtle: a notebook nbgrader could not autograde (e.g. os._exit killed its kernel) gets no score
    # here; it counts as 0 in the mean so the figure is comparable with llmkit's
    total = sum(scores)
    return {"method": "nbgrader autograde", "jobs": 1, "wall_s": round(wall, 2), "n": len(files),
            "graded": len(scores), "exit_code": proc.returncode, "not_autograded": failed,
            "mean_score": round(total / len(files), 3) if files else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="17-rag")
    parser.add_argument("--root", type=Path, default=None, help="kit root (default: this repository)")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--jobs", type=int, nargs="*", default=[1, 2], help="llmkit --jobs values (none: skip llmkit)")
    parser.add_argument("--nbgrader", action="store_true", help="also time nbgrader autograde on the export")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the batch, gradebooks and results here (e.g. for `llmkit report`)")
    args = parser.parse_args()
    root = (args.root or REPO).resolve()
    os.environ["LLMKIT_ROOT"] = str(root)
    from autograder.catalog import resolve

    assignment = resolve(args.assignment, root)
    rows = []
    with tempfile.TemporaryDirectory(prefix="llmkit-bench-") as tmp:
        work = args.keep.resolve() if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        files = make_batch(assignment, root, args.n, work / "batch")
        for jobs in args.jobs:
            rows.append(run_llmkit(assignment, work / "batch", work, jobs))
            print(json.dumps(rows[-1]), flush=True)
        if args.nbgrader:
            rows.append(run_nbgrader(assignment, files, work))
            print(json.dumps(rows[-1]), flush=True)
    base = next((r["wall_s"] for r in rows if r.get("jobs") == 1 and r["method"] == "llmkit bulk"), None)
    print(f"\n{assignment.id}: {args.n} submissions on {os.cpu_count()} cores")
    print(f"{'method':<20} {'jobs':>4} {'wall s':>8} {'s/sub':>7} {'efficiency':>10} {'mean score':>10}")
    for r in rows:
        if "skipped" in r:
            print(f"{r['method']:<20} skipped: {r['skipped']}")
            continue
        eff = f"{base / (r['jobs'] * r['wall_s']):.2f}" if base and r["method"] == "llmkit bulk" else "-"
        print(f"{r['method']:<20} {r['jobs']:>4} {r['wall_s']:>8.1f} {r['wall_s'] / r['n']:>7.2f} {eff:>10} "
              f"{r['mean_score']:>10.3f}")
    if args.json:
        args.json.write_text(json.dumps({"assignment": assignment.id, "n": args.n, "cores": os.cpu_count(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
