"""Public tests: the tiny decoder LM against Hugging Face LlamaForCausalLM."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close


@pytest.mark.points(4)
def test_lm_matches_hf_llama(student, oracle):
    """lm_forward with a LlamaForCausalLM state_dict (2 layers, 4 heads, 2 kv heads) gives HF's logits (float32, atol 1e-4, rtol 1e-3)."""
    model, weights, config = oracle.make_llama(seed=0)
    ids = oracle.random_ids(2, 12, config["vocab_size"], seed=1)
    logits, _ = student.call("lm_forward", weights, ids, config)
    assert_close(logits, oracle.hf_logits(model, ids), atol=1e-4, rtol=1e-3)


@pytest.mark.points(2)
def test_lm_is_causal(student, oracle):
    """Changing the tokens after position 6 leaves the logits of positions 0..6 unchanged."""
    _, weights, config = oracle.make_llama(seed=0)
    ids = oracle.random_ids(2, 12, config["vocab_size"], seed=2)
    changed = ids.clone()
    changed[:, 7:] = (changed[:, 7:] + 17) % config["vocab_size"]
    a, _ = student.call("lm_forward", weights, ids, config)
    b, _ = student.call("lm_forward", weights, changed, config)
    assert_close(b[:, :7], a[:, :7], atol=1e-5, rtol=1e-5)
    assert (b[:, 7:] - a[:, 7:]).abs().max() > 1e-2, "changing the later tokens should change their logits"


@pytest.mark.points(2)
def test_lm_kv_cache_matches_full_forward(student, oracle):
    """Prefill 5 tokens, then feed 4 tokens one at a time with the returned cache: the logits equal one full forward (1e-5)."""
    _, weights, config = oracle.make_llama(seed=0)
    ids = oracle.random_ids(2, 9, config["vocab_size"], seed=3)
    full, _ = student.call("lm_forward", weights, ids, config)
    logits, cache = student.call("lm_forward", weights, ids[:, :5], config)
    steps = [logits]
    for t in range(5, 9):
        logits, cache = student.call("lm_forward", weights, ids[:, t : t + 1], config, cache)
        steps.append(logits)
    assert_close(torch.cat(steps, dim=1), full, atol=1e-5, rtol=1e-5)


@pytest.mark.points(3)
def test_generate_greedy_matches_hf(student, oracle):
    """generate (greedy, 10 new tokens) gives HF's greedy ids, and exactly the same ids with and without the KV cache."""
    _, weights, config = oracle.make_llama(seed=0)
    prompt = oracle.random_ids(2, 5, config["vocab_size"], seed=4)
    expected = torch.tensor(oracle.expected("greedy_llama_seed0_prompt4_new10"))  # HF's greedy ids, computed once
    cached = student.call("generate", weights, prompt, config, 10, use_cache=True)
    uncached = student.call("generate", weights, prompt, config, 10, use_cache=False)
    assert torch.equal(cached, uncached), f"with cache {cached.tolist()} != without cache {uncached.tolist()}"
    assert torch.equal(cached, expected), f"got {cached.tolist()}, expected {expected.tolist()}"
