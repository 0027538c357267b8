"""Public tests: log-softmax, NLL and perplexity against Hugging Face's loss on a tiny Llama."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(1)
def test_log_softmax_matches_torch(student):
    """log_softmax gives torch.log_softmax over the last axis (float64, 1e-12), also for logits around 1000."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4, 7)) * 5
    x[0, 0] += 1000.0
    got = student.call("log_softmax", x)
    assert_close(got, torch.log_softmax(torch.from_numpy(x), dim=-1).numpy(), rel=1e-12, abs=1e-12)


@pytest.mark.points(3)
def test_perplexity_equals_exp_of_hf_loss(student, oracle):
    """perplexity(logits, ids) equals exp(model(ids, labels=ids).loss) of a tiny Llama (rel 1e-5); causal_lm_nll scores T - 1 labels."""
    model = oracle.make_llama(seed=0)
    ids = oracle.random_ids(1, 20, 96, seed=1)
    logits = oracle.logits_of(model, ids)  # (1, 20, 96) float32
    loss, n = oracle.hf_loss(model, ids, ids)
    nll, count = student.call("causal_lm_nll", logits, ids)
    assert_equal(count, n, dtype=True, what="the number of scored labels")
    assert_close(nll, loss * n, rel=1e-5, what="the summed NLL")
    assert_close(student.call("perplexity", logits, ids), math.exp(loss), rel=1e-5, what="the perplexity")


@pytest.mark.points(2)
def test_nll_skips_ignored_labels_in_a_batch(student, oracle):
    """In a padded batch, labels equal to -100 are not scored: nll / n equals HF's loss with the same labels (rel 1e-5)."""
    model = oracle.make_llama(seed=2)
    ids = oracle.random_ids(3, 12, 96, seed=3)
    labels = ids.copy()
    labels[1, 8:] = oracle.IGNORE_INDEX  # right padding
    labels[2, :5] = oracle.IGNORE_INDEX  # a prompt that is not scored
    logits = oracle.logits_of(model, ids)
    loss, n = oracle.hf_loss(model, ids, labels)
    nll, count = student.call("causal_lm_nll", logits, labels)
    assert_equal(count, n, dtype=True, what="the number of scored labels")
    assert_close(nll / count, loss, rel=1e-5, what="the mean NLL")
