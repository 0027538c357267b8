"""Hidden tests: speculative decoding on other models, k values and distributions."""

from __future__ import annotations

import math

import pytest
import torch


@pytest.mark.points(2)
@pytest.mark.parametrize("k,n,noisy", [(1, 7, True), (5, 4, True), (3, 11, False)])
def test_hidden_greedy_equals_target(student, oracle, k, n, noisy):
    """Greedy speculative decoding returns the target's greedy tokens with a noisy or bad draft; each round is
    one target call and k draft calls, and the number of rounds is the handout's; also with very large logits."""
    target = oracle.TinyDecoder(vocab=26, dim=20, seed=50 + k)
    draft_fn = (oracle.noisy_model(target, 2.0, 60 + k) if noisy
                else oracle.sequence_model(oracle.TinyDecoder(vocab=26, dim=6, seed=60 + k)))
    prompt = [11, 3, 25, 0][: k % 4 + 1]
    t, dr = student.callback(oracle.sequence_model(target)), student.callback(draft_fn)
    out = student.call("speculative_generate", t, dr, prompt, n, k)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.int64 and out.shape == (n,), "returns (n,) int64"
    assert oracle.greedy_reference_check(target, prompt, out.tolist()), "not the target's greedy tokens"
    assert t.count == oracle.greedy_spec_rounds(oracle.sequence_model(target), draft_fn, prompt, n, k), \
        "the number of rounds (target calls) is not the handout's"
    assert dr.count == k * t.count, "k draft calls per round"
    # the same models with logits 400 times larger: greedy tokens do not change, and a softmax that
    # is not computed stably overflows exp
    big_target = oracle.scaled_logits(oracle.sequence_model(target), 400.0)
    big_draft = oracle.scaled_logits(draft_fn, 400.0)
    out = student.call("speculative_generate", student.callback(big_target), student.callback(big_draft), prompt, n, k)
    assert oracle.greedy_reference_check(target, prompt, out.tolist()), "not the target's greedy tokens with large logits"


@pytest.mark.points(1)
def test_hidden_perfect_draft_call_count(student, oracle):
    """With the target as its own draft, sampled decoding needs ceil(n / (k + 1)) target calls."""
    target = oracle.TinyDecoder(vocab=26, dim=20, seed=55)
    t = student.callback(oracle.sequence_model(target))
    out = student.call("speculative_generate", t, student.callback(oracle.sequence_model(target)), [2], 7, 2, 9)
    assert isinstance(out, torch.Tensor) and out.shape == (7,), "returns n tokens"
    assert t.count == math.ceil(7 / 3), "one target call per round of k + 1 accepted tokens"


@pytest.mark.points(3)
@pytest.mark.limits(seconds=120)
@pytest.mark.parametrize("bad", [True, False])
def test_hidden_sampled_distribution(student, oracle, bad):
    """Sampled speculative decoding follows the target's joint distribution of two tokens
    (chi-square p > 1e-3) with another vocabulary, k and draft model; the rounds are checked
    first (perfect draft: one target call per k + 1 tokens; close draft: most drafts accepted)."""
    oracle.check_sampled_rounds(student, oracle.TinyDecoder(vocab=27, dim=12, seed=80 + bad), [1], 15, 2, 31 + bad)
    target, draft = oracle.bigram_tables(5, seed=70 + bad, bad_draft=bad)
    samples = student.call("sample_bigram_speculative", target, draft, [3], 2, 3, 1200, 500 + bad)
    assert isinstance(samples, torch.Tensor) and samples.shape == (1200, 2), "(n_draws, n) samples"
    assert oracle.chi2_joint(samples, target, 3) > 1e-3, "the samples do not follow the target distribution"
