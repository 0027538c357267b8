"""End-to-end check of the real GPU path, for a machine with an NVIDIA GPU.

It grades a copy of the 90-calc scenario with `gpu = "required"` and a
submission whose add() is right only when the worker sees exactly one CUDA
device and can run a kernel on it; then it checks that the device went back
to the pool (no leftover compute process). It uses the local sandbox, and the
Docker sandbox too when the GPU image of its numpy + torch environment exists
(`llmkit image build --gpu --online` builds it: assignments 03-05 use it).

Usage: python benchmarks/gpu_smoke.py          (exit 0 = every check passed)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.catalog import Assignment, resolve  # noqa: E402
from autograder.grade import grade_batch  # noqa: E402
from autograder.sandbox.gpu import GpuPool, detect_gpus, plan_devices  # noqa: E402

CUDA_ADD = '''
    import torch
    ok = torch.cuda.is_available() and torch.cuda.device_count() == 1
    if ok:
        x = torch.tensor([float(a), float(b)], device="cuda")
        return int(x.sum().item())
    return a - b
'''


def main() -> int:
    gpus = detect_gpus()
    print(f"GPUs found: {[(g.index, g.name, g.memory_mb) for g in gpus]}")
    if not gpus:
        print("no GPU: nothing to check here")
        return 2
    base = resolve("90-calc", root=ROOT / "tests" / "scenarios" / "kit")
    # the CUDA submission imports torch: its environment must allow it
    environment = base.manifest.environment.model_copy(update={"packages": ("numpy", "torch")})
    assignment = Assignment(id=base.id, manifest=base.manifest.model_copy(update={"gpu": "required", "environment": environment}),
                  solution_dir=base.solution_dir, assignment_dir=base.assignment_dir)
    full = (ROOT / "tests" / "scenarios" / "submissions" / "full" / "calc.py").read_text()
    work = Path(tempfile.mkdtemp())
    sub = work / "cuda_sub"
    sub.mkdir()
    (sub / "calc.py").write_text(full.replace("    return a + b\n", CUDA_ADD, 1))
    sandboxes = ["local"]
    try:
        from autograder.sandbox.docker import connect
        from autograder.sandbox.image import check_image, image_for

        check_image(connect(), image_for(gpu=True, packages=environment.packages), environment.packages)
        sandboxes.append("docker")
    except Exception as exc:
        print(f"docker GPU path skipped: {exc}")
    failures = 0
    for sandbox in sandboxes:
        pool = GpuPool(plan_devices("required", "auto", gpus, assignment.id))
        results = grade_batch(assignment=assignment, sources=[sub, sub], out_root=work / sandbox, sandbox=sandbox,
                              jobs=2, gpu_pool=pool)
        for r in results:
            ok = r.score == r.max_score
            failures += not ok
            print(f"{sandbox}: {r.submission} on GPU {r.meta.get('gpu')}: {r.score}/{r.max_score} {'OK' if ok else 'FAIL'}")
        if pool.quarantined:
            failures += 1
            print(f"{sandbox}: devices quarantined: {pool.quarantined}")
    shutil.rmtree(work, ignore_errors=True)
    print("all GPU checks passed" if not failures else f"{failures} GPU check(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
