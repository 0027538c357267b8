"""Public tests: speculative decoding, greedy (exact) and sampled (chi-square)."""

from __future__ import annotations

import math

import pytest
import torch

from autograder.harness.expect import assert_equal

ROUNDS = 6  # rounds of greedy speculative decoding in test_greedy_speculative_equals_target_greedy


@pytest.mark.points(2)
def test_greedy_speculative_equals_target_greedy(student, oracle):
    """With a draft that agrees with the target only sometimes, greedy speculative decoding returns
    exactly the target's greedy tokens, with k draft calls per target call and the handout's number
    of rounds (6 for these 9 tokens: greedy acceptance is deterministic)."""
    target = oracle.TinyDecoder(vocab=30, dim=16, seed=4)
    prompt = [2, 9, 14]
    t, dr = student.callback(oracle.sequence_model(target)), student.callback(oracle.noisy_model(target, 2.0, 5))
    out = student.call("speculative_generate", t, dr, prompt, 9, 3)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.int64 and out.shape == (9,), \
        "speculative_generate returns a (max_new_tokens,) int64 tensor"
    assert oracle.greedy_reference_check(target, prompt, out.tolist()), "not the target's greedy tokens"
    assert dr.count == 3 * t.count, "each round makes k draft calls and one target call"
    assert t.count == ROUNDS, f"{t.count} target calls, want {ROUNDS} (one per round of greedy acceptance)"


@pytest.mark.points(2)
def test_perfect_draft_needs_one_target_call_per_round(student, oracle):
    """When the draft is the target itself, every round accepts all k drafts plus one more token:
    ceil(n / (k + 1)) target calls for n tokens, greedy and sampled."""
    target = oracle.TinyDecoder(vocab=30, dim=16, seed=6)
    prompt = [5, 1]
    for seed in (None, 3):
        t = student.callback(oracle.sequence_model(target))
        out = student.call("speculative_generate", t, student.callback(oracle.sequence_model(target)), prompt, 10, 4, seed)
        assert isinstance(out, torch.Tensor) and out.shape == (10,), "returns max_new_tokens tokens"
        assert t.count == math.ceil(10 / 5), f"{t.count} target calls (seed={seed}), want one per round of k + 1 tokens"
        if seed is None:
            assert oracle.greedy_reference_check(target, prompt, out.tolist()), "not the target's greedy tokens"


@pytest.mark.points(3)
@pytest.mark.limits(seconds=120)
def test_sampled_follows_target_distribution_with_bad_draft(student, oracle):
    """2 tokens sampled 1500 times with k = 2 and a bad draft model: scipy's chi-square test of the
    token pairs against the target's joint distribution gives p > 1e-3. First, the rounds are
    checked (a sampler that ignores the draft must not pass): a perfect draft takes
    ceil(n / (k + 1)) target calls, a close draft (logits x 0.95) at most 2n/3."""
    oracle.check_sampled_rounds(student, oracle.TinyDecoder(vocab=30, dim=16, seed=8), [4, 2], 12, 3, 21)
    target, draft = oracle.bigram_tables(6, seed=7, bad_draft=True)
    samples = student.call("sample_bigram_speculative", target, draft, [0], 2, 2, 1500, 100)
    assert isinstance(samples, torch.Tensor) and samples.shape == (1500, 2) and samples.dtype == torch.int64, \
        "sample_bigram_speculative returns (n_draws, max_new_tokens) int64"
    p = oracle.chi2_joint(samples, target, 0)
    assert p > 1e-3, f"the samples do not follow the target distribution (chi-square p = {p:.2e})"
