"""Public tests: KV-cached greedy generation."""

from __future__ import annotations

import pytest
import torch

from autograder.harness.expect import assert_equal


def check_cached_calls(calls, prompt, tokens):
    """The recorded calls of generate_cached: one prefill on the prompt, then one call per token with
    the previous token and a cache as long as everything before it."""
    assert len(calls) == len(tokens), f"{len(calls)} model calls for {len(tokens)} generated tokens (want one per token)"
    (ids, past), _ = calls[0]
    assert past is None, "the first (prefill) call passes past_kv=None"
    assert_equal(torch.as_tensor(ids), torch.tensor(prompt, dtype=torch.int64), what="the prefill call's input_ids")
    for i in range(1, len(calls)):
        (ids, past), _ = calls[i]
        assert_equal(torch.as_tensor(ids), torch.tensor([int(tokens[i - 1])], dtype=torch.int64),
                     what=f"decode call {i}'s input_ids (the last generated token alone)")
        assert past is not None and len(past) == 2, f"decode call {i} passes the [k, v] cache back"
        assert int(torch.as_tensor(past[0]).shape[0]) == len(prompt) + i - 1, \
            f"decode call {i}'s cache covers every earlier position"


@pytest.mark.points(2)
def test_uncached_is_greedy(student, oracle):
    """generate_uncached returns the greedy tokens (each the argmax of the model on its prefix),
    with one full-sequence call (past_kv=None) per token."""
    model = oracle.TinyDecoder(vocab=40, dim=16, seed=1)
    fake = student.callback(model)
    prompt = [3, 17, 5, 9]
    out = student.call("generate_uncached", fake, prompt, 8)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.int64 and out.shape == (8,), \
        "generate_uncached returns an (n,) int64 tensor"
    assert oracle.greedy_reference_check(model, prompt, out.tolist()), "a token is not the argmax on its prefix"
    assert fake.count == 8, "one model call per generated token"
    for i, ((ids, past), _) in enumerate(fake.calls):
        assert past is None and torch.as_tensor(ids).shape == (len(prompt) + i,), \
            "every uncached call reads the whole sequence with past_kv=None"


@pytest.mark.points(3)
def test_cached_equals_uncached_and_steps_one_token(student, oracle):
    """generate_cached gives torch.equal tokens to generate_uncached; the recorded calls are one
    prefill, then single-token steps that pass the cache back."""
    model = oracle.TinyDecoder(vocab=40, dim=16, seed=2)
    prompt = [1, 2, 30, 4, 11]
    slow = student.call("generate_uncached", student.callback(model), prompt, 10)
    fake = student.callback(model)
    fast = student.call("generate_cached", fake, prompt, 10)
    assert_equal(fast, slow, what="cached vs uncached tokens")
    assert oracle.greedy_reference_check(model, prompt, fast.tolist()), "a token is not the argmax on its prefix"
    check_cached_calls(fake.calls, prompt, fast.tolist())


@pytest.mark.points(1)
def test_cached_stops_at_eos(student, oracle):
    """With eos_id set to the token greedy decoding emits at step 4, generation stops right after it
    (eos kept) and makes no further model call."""
    model = oracle.TinyDecoder(vocab=40, dim=16, seed=3)
    prompt = [7, 8]
    full = student.call("generate_uncached", student.callback(model), prompt, 6).tolist()
    eos = full[3]
    stop = full.index(eos) + 1
    fake = student.callback(model)
    out = student.call("generate_cached", fake, prompt, 6, eos)
    assert_equal(out, torch.tensor(full[:stop], dtype=torch.int64), what="tokens up to and including eos")
    check_cached_calls(fake.calls, prompt, full[:stop])
