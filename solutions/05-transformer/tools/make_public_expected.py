"""Write fixtures/public/expected_values.json: the values public tests compare against that come
from the hidden-only oracles (tests/hidden/conftest.py). Staff-only: release does not ship tools/.

Run from the repository root after changing an oracle or a public test's inputs:
    .venv/bin/python solutions/05-transformer/tools/make_public_expected.py
Each block rebuilds exactly the inputs of the public test it serves (same seeds, same calls).
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from autograder.expected_values import load_conftests, write_expected

TOPIC = Path(__file__).resolve().parents[1]



def main() -> int:
    pub, hid = load_conftests(TOPIC)
    values: dict = {}

    # test_sdpa_matches_torch_4d_with_masks and test_sdpa_shift_invariance_and_large_scores: causal keep-masks
    values["causal_keep_6x6"] = hid.causal_keep_mask(6, 6).tolist()
    values["causal_keep_5x7"] = hid.causal_keep_mask(5, 7).tolist()

    # test_gqa_matches_hf_llama_attention: HF LlamaAttention, D 32, 4 heads, 2 kv heads, head_dim 8, T 6
    D, H, H_kv, hd, T = 32, 4, 2, 8, 6
    wq, wk, wv, wo = pub.attention_weights(D, H, H_kv, hd, seed=20)
    x = pub.randn(2, T, D, seed=21, dtype=torch.float64)
    values["gqa_h4_kv2"] = hid.hf_attention(x, wq, wk, wv, wo, H, H_kv, torch.arange(T), 10000.0).tolist()

    # test_mha_and_mqa_match_hf_llama_attention: D 24, 4 heads, head_dim 6, T 5; kv heads 4 and 1
    D, H, hd, T = 24, 4, 6, 5
    x = pub.randn(2, T, D, seed=22, dtype=torch.float64)
    values["mha_mqa_h4"] = {}
    for H_kv in (4, 1):
        wq, wk, wv, wo = pub.attention_weights(D, H, H_kv, hd, seed=23 + H_kv)
        values["mha_mqa_h4"][str(H_kv)] = hid.hf_attention(x, wq, wk, wv, wo, H, H_kv, torch.arange(T), 10000.0).tolist()

    # test_generate_greedy_matches_hf: HF greedy ids, 10 new tokens
    model, _, config = pub.make_llama(seed=0)
    prompt = pub.random_ids(2, 5, config["vocab_size"], seed=4)
    values["greedy_llama_seed0_prompt4_new10"] = hid.hf_greedy(model, prompt, 10).tolist()

    write_expected(TOPIC, values)
    return 0


if __name__ == "__main__":
    sys.exit(main())
