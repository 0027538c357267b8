"""Hidden tests: KV-cached greedy generation on other models, prompts and stopping cases."""

from __future__ import annotations

import pytest
import torch

from autograder.harness.expect import assert_equal


def check_cached_calls(calls, prompt, tokens):
    assert len(calls) == len(tokens), "one model call per generated token"
    (ids, past), _ = calls[0]
    assert past is None, "prefill passes past_kv=None"
    assert_equal(torch.as_tensor(ids), torch.tensor(prompt, dtype=torch.int64), what="prefill input_ids")
    for i in range(1, len(calls)):
        (ids, past), _ = calls[i]
        assert_equal(torch.as_tensor(ids), torch.tensor([int(tokens[i - 1])], dtype=torch.int64), what="decode input_ids")
        assert past is not None and len(past) == 2, "decode passes the cache back"
        assert int(torch.as_tensor(past[0]).shape[0]) == len(prompt) + i - 1, "the cache covers every earlier position"


@pytest.mark.points(1)
def test_hidden_single_token_is_prefill_only(student, oracle):
    """max_new_tokens = 1: one prefill call and nothing more; the token is the greedy one."""
    model = oracle.TinyDecoder(vocab=23, dim=12, seed=31)
    fake = student.callback(model)
    out = student.call("generate_cached", fake, [4, 4, 19], 1)
    assert oracle.greedy_reference_check(model, [4, 4, 19], out.tolist()) and out.shape == (1,), "wrong token"
    check_cached_calls(fake.calls, [4, 4, 19], out.tolist())


@pytest.mark.points(2)
@pytest.mark.parametrize("seed,prompt,n", [(32, [0], 14), (33, [5, 6, 7, 8, 9, 10, 11], 9)])
def test_hidden_cached_equals_uncached(student, oracle, seed, prompt, n):
    """Cached tokens equal uncached ones and the model's greedy tokens; prefill then one-token steps
    with a growing cache; uncached calls always read the whole sequence."""
    model = oracle.TinyDecoder(vocab=29, dim=24, seed=seed)
    slow_fake = student.callback(model)
    slow = student.call("generate_uncached", slow_fake, prompt, n)
    assert slow_fake.count == n, "one uncached call per token"
    for i, ((ids, past), _) in enumerate(slow_fake.calls):
        assert past is None and torch.as_tensor(ids).shape == (len(prompt) + i,), "uncached calls read the whole sequence"
    fake = student.callback(model)
    fast = student.call("generate_cached", fake, prompt, n)
    assert_equal(fast, slow, what="cached vs uncached tokens")
    assert oracle.greedy_reference_check(model, prompt, fast.tolist()), "not the greedy tokens"
    check_cached_calls(fake.calls, prompt, fast.tolist())


@pytest.mark.points(1)
def test_hidden_eos_first_token(student, oracle):
    """When the very first generated token is eos, both decoders return it alone after one call."""
    model = oracle.TinyDecoder(vocab=23, dim=12, seed=34)
    prompt = [3, 1]
    first = int(torch.argmax(model(torch.tensor(prompt), None)[0][-1]))
    for name in ("generate_cached", "generate_uncached"):
        fake = student.callback(model)
        out = student.call(name, fake, prompt, 5, first)
        assert_equal(out, torch.tensor([first], dtype=torch.int64), what=f"{name} output")
        assert fake.count == 1, f"{name} calls the model once"


@pytest.mark.points(1)
def test_hidden_uncached_eos_midway(student, oracle):
    """generate_uncached, then generate_cached, stop right after eos (kept) when it appears mid-sequence."""
    model = oracle.TinyDecoder(vocab=23, dim=12, seed=35)
    prompt = [9]
    full = student.call("generate_cached", student.callback(model), prompt, 7).tolist()
    eos = full[2]
    stop = full.index(eos) + 1
    fake = student.callback(model)
    out = student.call("generate_uncached", fake, prompt, 7, eos)
    assert_equal(out, torch.tensor(full[:stop], dtype=torch.int64), what="tokens up to eos")
    assert fake.count == stop, "no call after eos"
    fake = student.callback(model)
    out = student.call("generate_cached", fake, prompt, 7, eos)
    assert_equal(out, torch.tensor(full[:stop], dtype=torch.int64), what="cached tokens up to eos")
    check_cached_calls(fake.calls, prompt, out.tolist())
