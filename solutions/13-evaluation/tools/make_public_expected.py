"""Write fixtures/public/expected_values.json: the values public tests compare against that come
from the hidden-only oracles (tests/hidden/conftest.py). Staff-only: release does not ship tools/.

Run from the repository root after changing an oracle or a public test's inputs:
    .venv/bin/python solutions/13-evaluation/tools/make_public_expected.py
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

    # test_sliding_windows_follow_the_guide
    values["windows_30_8_5"] = [list(w) for w in hid.guide_windows(30, 8, 5)]

    # test_strided_nll_matches_hf_loss_per_window: tiny Llama seed 4, ids seed 5, N 26, max_length 8, stride 3
    values["windows_26_8_3"] = [list(w) for w in hid.guide_windows(26, 8, 3)]
    model = pub.make_llama(seed=4)
    ids = pub.random_ids(1, 26, 96, seed=5)[0]
    total, count, _ = hid.guide_strided(model, ids, 8, 3, pub.hf_forward)
    values["strided_nll_26_8_3"] = [total, count]

    # test_multiple_choice_metrics_acc_and_acc_norm
    lls, choices, gold = MC_CASE
    values["mc_metrics_case"] = hid.lm_eval_mc(lls, choices, gold)

    write_expected(TOPIC, values)
    return 0


# the inputs of test_multiple_choice_metrics_acc_and_acc_norm (copied there)
MC_CASE = (
    [[-4.0, -6.5, -9.0], [-12.0, -5.0, -7.5, -8.0], [-3.0, -3.0], [-10.0, -20.0, -9.5]],
    [[" no", " maybe not", " certainly yes"], [" Paris is the capital", " Rome", " Lyon", " Nice"],
     [" ab", " ba"], [" a", " a much longer answer", " bb"]],
    [2, 0, 0, 1],
)

if __name__ == "__main__":
    sys.exit(main())
