"""The Ray engine's overhead: the same batch through the local pool and through Ray with one and two
nodes on this machine, the results compared submission by submission.

    python benchmarks/ray_bulk.py --n 50                       # 90-calc of the scenario kit, local sandbox
    python benchmarks/ray_bulk.py --n 50 --sandbox docker      # with the grading image built

Three runs, each with a fresh gradebook and the same total parallelism (`--jobs`, default 2):
**local** = `bulk_grade(..., jobs=J)`; **ray, 1 node** = a head started with `ray start --head
--num-cpus J`; **ray, 2 nodes** = a head and a second node joined with `ray start --address`, J/2 CPUs
each (both on this machine, as tests/staff/test_ray_engine.py starts them). Reported: wall time,
seconds per submission, the Ray path's overhead per submission over the local pool
((wall_ray - wall_local) / n: the target is under 0.3 s), and whether every result (status, score,
per-test outcomes and outputs, work-folder paths aside) is identical to the local pool's. The
per-node counts show where Ray ran the tasks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "staff"), str(REPO / "benchmarks")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="90-calc")
    parser.add_argument("--root", type=Path, default=REPO / "tests" / "scenarios" / "kit")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sandbox", default="local", choices=("local", "docker"))
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures here.")
    args = parser.parse_args()
    os.environ["LLMKIT_ROOT"] = str(args.root.resolve())

    from bulk import make_batch  # benchmarks/bulk.py: the batch cycles through the samples
    from test_ray_engine import Cluster, _comparable, ray

    from autograder.bulk import bulk_grade
    from autograder.catalog import resolve

    assignment = resolve(args.assignment, root=args.root.resolve())
    rows = []
    with tempfile.TemporaryDirectory(prefix="llmkit-raybench-") as tmp:
        work = Path(tmp)
        batch = work / "batch"
        batch.mkdir()
        make_batch(assignment, args.root, args.n, batch)

        def grade(name: str, **kw):
            started = time.monotonic()
            report = bulk_grade(assignment=assignment, batch=batch, gradebook=work / f"{name}.sqlite", out=work / name,
                                jobs=args.jobs, sandbox=args.sandbox, **kw)
            return report, time.monotonic() - started

        local, local_wall = grade("local")
        reference = {o.student: _comparable(o.result) for o in local.outcomes}
        rows.append({"method": "local pool", "nodes": 1, "wall_s": round(local_wall, 2)})
        for nodes in (1, 2):
            cluster = Cluster(cpus=args.jobs if nodes == 1 else max(1, args.jobs // 2))
            try:
                cluster.wait(nodes=nodes)
                report, wall = grade(f"ray{nodes}", engine="ray", address=cluster.address)
            finally:
                cluster.stop()
            same = all(_comparable(o.result) == reference[o.student] for o in report.outcomes)
            per_node: dict[str, int] = {}
            for o in report.outcomes:
                per_node[o.node or "driver"] = per_node.get(o.node or "driver", 0) + 1
            rows.append({"method": "ray", "nodes": nodes, "wall_s": round(wall, 2),
                         "overhead_per_submission_s": round((wall - local_wall) / args.n, 3),
                         "identical_results": same, "grader_failures": report.count("failure"),
                         "per_node": per_node})
            assert not ray.is_initialized()
    for row in rows:
        row["s_per_submission"] = round(row["wall_s"] / args.n, 3)
    print(f"{args.assignment}: {args.n} submissions, jobs {args.jobs}, sandbox {args.sandbox}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| method | nodes | wall (s) | s / submission | overhead / submission over local | identical | per node |")
    print("| --- | ---: | ---: | ---: | ---: | --- | --- |")
    for r in rows:
        print(f"| {r['method']} | {r['nodes']} | {r['wall_s']} | {r['s_per_submission']} | "
              f"{r.get('overhead_per_submission_s', '-')} | {r.get('identical_results', '-')} | {r.get('per_node', '-')} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0 if all(r.get("identical_results", True) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
