"""Write fixtures/public/expected_values.json: the values public tests compare against that come
from the hidden-only oracles (tests/hidden/conftest.py). Staff-only: release does not ship tools/.

Run from the repository root after changing an oracle or a public test's inputs:
    .venv/bin/python solutions/14-quantization/tools/make_public_expected.py
Each block rebuilds exactly the inputs of the public test it serves (same seeds, same calls).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from autograder.expected_values import load_conftests, load_module, write_expected

TOPIC = Path(__file__).resolve().parents[1]


def main() -> int:
    _, hid = load_conftests(TOPIC)
    values: dict = {}

    # test_group_quantization_matches_committed_values: a random (4, 16) weight, groups of 8, 4 bits
    rng = np.random.default_rng(11)
    w = rng.standard_normal((4, 16)) * 1.5
    w[2, 8:] = 0.0  # an all-zero group
    q, s = hid.absmax_oracle(w, 4, "group", 8)
    qz, sz, z = hid.zeropoint_oracle(w, 4, "group", 8)
    values["group_case"] = {
        "w": w.tolist(),
        "absmax_q": q.tolist(), "absmax_scale": s.tolist(), "absmax_w_hat": hid.dequant_oracle(q, s).tolist(),
        "zeropoint_q": qz.tolist(), "zeropoint_scale": sz.tolist(), "zeropoint_zero": z.tolist(),
        "zeropoint_w_hat": hid.dequant_oracle(qz, sz, z).tolist(),
    }

    # tests/public/test_gptq.py: the layer of gptq_case()
    gptq_test = load_module(TOPIC / "tests" / "public" / "test_gptq.py", "public_test_gptq")
    W, X = gptq_test.gptq_case()
    _, s8, z8 = hid.zeropoint_oracle(W, 4, "group", 8)
    values["gptq_case"] = {
        "rtn_error": hid.layer_error(X, W, hid.rtn_oracle(W, 4, None)),
        "scale_g8": s8.tolist(), "zero_g8": z8.tolist(),
        "w_hat_4_g8": hid.gptq_oracle(W, X, 4, 8, 0.01).tolist(),
        "w_hat_3_row": hid.gptq_oracle(W, X, 3, None, 0.01).tolist(),
    }

    write_expected(TOPIC, values)
    return 0


if __name__ == "__main__":
    sys.exit(main())
