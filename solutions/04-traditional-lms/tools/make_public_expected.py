"""Write fixtures/public/expected_values.json: the values public tests compare against that come
from the hidden-only oracles (tests/hidden/conftest.py). Staff-only: release does not ship tools/.

Run from the repository root after changing an oracle or a public test's inputs:
    .venv/bin/python solutions/04-traditional-lms/tools/make_public_expected.py
Each block rebuilds exactly the inputs of the public test it serves (same tables, same calls).
"""

from __future__ import annotations

import sys
from pathlib import Path

from autograder.expected_values import load_conftests, write_expected

TOPIC = Path(__file__).resolve().parents[1]
BOS, EOS, A, B = 0, 1, 2, 3



def hyp(seq, score):
    return {"seq": list(seq), "score": score}


def main() -> int:
    pub, hid = load_conftests(TOPIC)
    values: dict = {}

    # test_length_penalty_values
    values["length_penalty"] = [{"length": n, "alpha": a, "value": hid.lp(n, a)}
                                for n, a in ((1, 0.0), (1, 1.0), (4, 1.0), (7, 0.6))]

    # test_greedy_search_bigram: random_table(6, 1, seed=3), max_len 8
    values["greedy_bigram_v6_seed3"] = hyp(*hid.greedy(pub.random_table(6, 1, seed=3), BOS, EOS, 8))

    # test_beam_size_one_equals_greedy: random_table(5, context_len, seed), max_len 6
    values["greedy_v5_max6"] = {str(context_len): hyp(*hid.greedy(pub.random_table(5, context_len, seed=seed), BOS, EOS, 6))
                                for context_len, seed in ((1, 5), (2, 6))}

    # test_exhaustive_beam_matches_brute_force: random_table(4, 1, seed=7), max_len 4
    values["brute_force_v4_seed7_max4"] = [hyp(s, v) for s, v in hid.brute_force(pub.random_table(4, 1, seed=7), BOS, EOS, 4)]

    # test_length_penalty_changes_the_winner: the hand-made bigram table, max_len 3
    table = pub.bigram_table({BOS: {EOS: 0.45, A: 0.5}, A: {B: 0.8}, B: {EOS: 0.9}}, vocab_size=4)
    best = {}
    for alpha, winner in ((0.0, [BOS, EOS]), (1.0, [BOS, A, B, EOS])):
        seq, score = hid.brute_force(table, BOS, EOS, 3, alpha)[0]
        assert seq == winner, (alpha, seq)
        best[str(alpha)] = hyp(seq, score)
    values["length_penalty_winner"] = best

    write_expected(TOPIC, values)
    return 0


if __name__ == "__main__":
    sys.exit(main())
