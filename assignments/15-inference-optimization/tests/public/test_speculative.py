"""Public tests: speculative decoding, greedy (exact) and sampled (chi-square)."""

from __future__ import annotations

import math

import pytest
import torch

from autograder.harness.expect import assert_equal


@pytest.mark.points(2)
def test_greedy_speculative_equals_target_greedy(student, oracle):
    """With a different (worse) draft model, greedy speculative decoding returns exactly the
    target's greedy tokens."""
    target = oracle.TinyDecoder(vocab=30, dim=16, seed=4)
    draft = oracle.TinyDecoder(vocab=30, dim=8, seed=5)
    prompt = [2, 9, 14]
    out = student.call("speculative_generate", student.callback(oracle.sequence_model(target)),
                       student.callback(oracle.sequence_model(draft)), prompt, 9, 3)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.int64 and out.shape == (9,), \
        "speculative_generate returns a (max_new_tokens,) int64 tensor"
    assert oracle.greedy_reference_check(target, prompt, out.tolist()), "not the target's greedy tokens"


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
    """2 tokens sampled 3000 times with k = 2 and a bad draft model: scipy's chi-square test of the
    token pairs against the target's joint distribution gives p > 1e-3."""
    target, draft = oracle.bigram_tables(6, seed=7, bad_draft=True)
    samples = student.call("sample_bigram_speculative", target, draft, [0], 2, 2, 3000, 100)
    assert isinstance(samples, torch.Tensor) and samples.shape == (3000, 2) and samples.dtype == torch.int64, \
        "sample_bigram_speculative returns (n_draws, max_new_tokens) int64"
    p = oracle.chi2_joint(samples, target, 0)
    assert p > 1e-3, f"the samples do not follow the target distribution (chi-square p = {p:.2e})"
