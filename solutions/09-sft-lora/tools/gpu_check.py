"""Grade the 09-sft-lora reference on a GPU: the `device` fixture then says "cuda" and every test
runs the student's code (the reference) there. Staff-only: release does not ship tools/.

Usage, on a machine with an NVIDIA GPU, from the repository root:
    .venv/bin/python solutions/09-sft-lora/tools/gpu_check.py [local|docker]
Exit 0: full marks on the GPU; 1: a test failed (printed); 2: no GPU here, nothing checked.
The tolerances of the tests (1e-4 on logits, 1e-6 on merged weights, rel 1e-4 on gradients)
were chosen to hold across devices, but have been run on CPUs only so far.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from autograder.catalog import resolve  # noqa: E402
from autograder.grade import grade_batch  # noqa: E402
from autograder.sandbox.gpu import GpuPool, detect_gpus, plan_devices  # noqa: E402


def main() -> int:
    sandbox = sys.argv[1] if len(sys.argv) > 1 else "local"
    gpus = detect_gpus()
    print(f"GPUs found: {[(g.index, g.name, g.memory_mb) for g in gpus]}")
    if not gpus:
        print("no GPU: nothing checked (the CPU path is what `llmkit validate 09-sft-lora` runs)")
        return 2
    topic = resolve("09-sft-lora", ROOT)
    work = Path(tempfile.mkdtemp())
    try:
        sub = work / "reference"
        sub.mkdir()
        shutil.copyfile(topic.solution_dir / "lora.py", sub / "lora.py")
        pool = GpuPool(plan_devices("optional", "auto", gpus, topic.id))
        [result] = grade_batch(topic=topic, sources=[sub], out_root=work / "out", sandbox=sandbox, gpu_pool=pool)
        print(f"{sandbox}: reference on GPU {result.meta.get('gpu')}: {result.score:g}/{result.max_score:g}")
        for t in result.tests:
            if t.score < t.points:
                print(f"  FAIL {t.id} [{t.category}]")
        if result.meta.get("gpu") is None:
            print("the run got no GPU from the pool")
            return 1
        return 0 if result.score == result.max_score else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
