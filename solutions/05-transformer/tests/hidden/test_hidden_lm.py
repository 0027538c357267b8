"""Hidden tests: the decoder LM with other tiny Llama configs, seeds and cache schedules."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close

# 3 layers, 8 query heads sharing 1 kv head (MQA), head_dim 6, other theta and eps
CONFIG_B = dict(
    vocab_size=97, hidden_size=48, intermediate_size=80, num_hidden_layers=3,
    num_attention_heads=8, num_key_value_heads=1, rope_theta=500.0, rms_norm_eps=1e-5,
)
# 1 layer, plain MHA with 5 heads of 8 dims
CONFIG_C = dict(
    vocab_size=131, hidden_size=40, intermediate_size=72, num_hidden_layers=1,
    num_attention_heads=5, num_key_value_heads=5, rope_theta=2000.0, rms_norm_eps=1e-6,
)


@pytest.mark.points(4)
def test_lm_matches_hf_llama_other_config(student, oracle):
    """lm_forward matches HF LlamaForCausalLM for another config (more layers, MQA, other theta and eps, other vocab and batch sizes) (atol 1e-4, rtol 1e-3).

    3 layers, 8 heads, 1 kv head, theta 500, eps 1e-5, batch 3."""
    model, weights, config = oracle.make_llama(seed=300, **CONFIG_B)
    ids = oracle.random_ids(3, 9, config["vocab_size"], seed=301)
    logits, _ = student.call("lm_forward", weights, ids, config)
    assert_close(logits, oracle.hf_logits(model, ids), atol=1e-4, rtol=1e-3)


@pytest.mark.points(2)
def test_lm_single_layer_mha_one_token_and_long(student, oracle):
    """A single-layer MHA config matches HF for a single token (B=1, T=1) and for a longer sequence.

    5 heads, theta 2000, T=17."""
    model, weights, config = oracle.make_llama(seed=310, **CONFIG_C)
    for batch, length, seed in ((1, 1, 311), (2, 17, 312)):
        ids = oracle.random_ids(batch, length, config["vocab_size"], seed=seed)
        logits, _ = student.call("lm_forward", weights, ids, config)
        assert_close(logits, oracle.hf_logits(model, ids), atol=1e-4, rtol=1e-3, msg=lambda m: f"T={length}: {m}")


@pytest.mark.points(2)
def test_lm_is_causal_other_config(student, oracle):
    """With the MQA config, changing only the last tokens leaves the logits of all earlier positions unchanged.

    The last 3 of 11 tokens; the first 8 positions."""
    _, weights, config = oracle.make_llama(seed=300, **CONFIG_B)
    ids = oracle.random_ids(2, 11, config["vocab_size"], seed=320)
    changed = ids.clone()
    changed[:, 8:] = (changed[:, 8:] + 5) % config["vocab_size"]
    a, _ = student.call("lm_forward", weights, ids, config)
    b, _ = student.call("lm_forward", weights, changed, config)
    assert_close(b[:, :8], a[:, :8], atol=1e-5, rtol=1e-5)
    assert (b[:, 8:] - a[:, 8:]).abs().max() > 1e-2


@pytest.mark.points(3)
def test_lm_kv_cache_in_chunks(student, oracle):
    """Prefill, then several chunks of different lengths through the cache: logits equal one full forward (1e-5).

    Prefill 4 tokens, then chunks of 3, 1 and 2."""
    _, weights, config = oracle.make_llama(seed=300, **CONFIG_B)
    ids = oracle.random_ids(2, 10, config["vocab_size"], seed=330)
    full, _ = student.call("lm_forward", weights, ids, config)
    pieces, cache, start = [], None, 0
    for size in (4, 3, 1, 2):
        logits, cache = student.call("lm_forward", weights, ids[:, start : start + size], config, kv_cache=cache)
        pieces.append(logits)
        start += size
    assert_close(torch.cat(pieces, dim=1), full, atol=1e-5, rtol=1e-5)


@pytest.mark.points(1)
def test_lm_cache_layout(student, oracle):
    """lm_forward's cache is a list with one {"k", "v"} dict per layer, each (B, n_kv_heads, S, head_dim)."""
    _, weights, config = oracle.make_llama(seed=300, **CONFIG_B)
    ids = oracle.random_ids(2, 6, config["vocab_size"], seed=340)
    _, cache = student.call("lm_forward", weights, ids, config)
    assert isinstance(cache, list) and len(cache) == 3
    for layer in cache:
        assert set(layer) == {"k", "v"}
        assert tuple(layer["k"].shape) == (2, 1, 6, 6) and tuple(layer["v"].shape) == (2, 1, 6, 6)


@pytest.mark.points(4)
def test_generate_other_config_matches_hf(student, oracle):
    """generate (greedy) with the MQA config gives HF's greedy ids, identical with and without the cache.

    12 new tokens, batch 3."""
    model, weights, config = oracle.make_llama(seed=300, **CONFIG_B)
    prompt = oracle.random_ids(3, 4, config["vocab_size"], seed=350)
    expected = oracle.hf_greedy(model, prompt, 12)
    cached = student.call("generate", weights, prompt, config, 12, use_cache=True)
    uncached = student.call("generate", weights, prompt, config, 12, use_cache=False)
    assert torch.equal(cached, uncached)
    assert torch.equal(cached, expected)


@pytest.mark.points(2)
def test_generate_single_layer_mha(student, oracle):
    """generate with the single-layer MHA config from a one-token prompt gives HF's greedy ids with the cache.

    8 new tokens."""
    model, weights, config = oracle.make_llama(seed=310, **CONFIG_C)
    prompt = oracle.random_ids(2, 1, config["vocab_size"], seed=360)
    expected = oracle.hf_greedy(model, prompt, 8)
    assert torch.equal(student.call("generate", weights, prompt, config, 8), expected)


@pytest.mark.points(1)
def test_generate_zero_new_tokens_returns_prompt(student, oracle):
    """generate with max_new_tokens=0 returns the prompt itself (int64, same shape)."""
    _, weights, config = oracle.make_llama(seed=310, **CONFIG_C)
    prompt = oracle.random_ids(2, 3, config["vocab_size"], seed=370)
    out = student.call("generate", weights, prompt, config, 0)
    assert out.dtype == torch.int64 and torch.equal(out, prompt)
