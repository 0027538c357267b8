"""Write fixtures/public/expected_values.json: the values public tests compare against that come
from the hidden-only NF4 oracle (tests/hidden/conftest.py). Staff-only: release does not ship tools/.

Run from the repository root after changing the oracle or a public test's inputs:
    .venv/bin/python solutions/09-sft-lora/tools/make_public_expected.py
Each block rebuilds exactly the inputs of the public test it serves (same seeds, same calls).
"""

from __future__ import annotations

import sys
from pathlib import Path

from autograder.expected_values import load_conftests, write_expected

TOPIC = Path(__file__).resolve().parents[1]


def main() -> int:
    pub, hid = load_conftests(TOPIC)
    values: dict = {}

    # test_codes_match_the_nearest_level: w = randn(8, 64, seed=2), block 64
    w = pub.randn(8, 64, seed=2)
    codes, absmax = hid.nf4_reference(w, 64)
    values["nf4_codes_randn8x64_seed2_block64"] = codes.tolist()
    values["nf4_dequantized_randn8x64_seed2_block64"] = hid.nf4_reference_dequantize(codes, absmax, (8, 64), 64).tolist()

    write_expected(TOPIC, values)
    return 0


if __name__ == "__main__":
    sys.exit(main())
