"""Hidden tests: log-softmax, NLL and perplexity (other models, shapes, dtypes and edge cases)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(1)
def test_log_softmax_is_stable_and_float64(student):
    """log_softmax of float32 logits with very large and very negative values is finite, float64 and equals torch's."""
    rng = np.random.default_rng(11)
    x = (rng.normal(size=(5, 9)) * 30).astype(np.float32)
    x[1] += 5e4
    x[2] -= 5e4
    got = student.call("log_softmax", x)
    assert_equal(str(np.asarray(got).dtype), "float64", what="the dtype")
    want = torch.log_softmax(torch.from_numpy(x.astype(np.float64)), dim=-1).numpy()
    assert_close(got, want, rel=1e-10, abs=1e-10)


@pytest.mark.points(2)
def test_perplexity_of_a_2d_sequence(student, oracle):
    """For one sequence given as (T, V) logits and (T,) ids, perplexity equals exp(HF loss) (rel 1e-5)."""
    model = oracle.make_llama(seed=21, vocab_size=130, num_hidden_layers=1)
    ids = oracle.random_ids(1, 33, 130, seed=22)[0]
    logits = oracle.logits_of(model, ids)
    loss, n = oracle.hf_loss(model, ids, ids)
    nll, count = student.call("causal_lm_nll", logits, ids)
    assert_equal(count, n, dtype=True, what="the number of scored labels")
    assert_close(nll, loss * n, rel=1e-5, what="the summed NLL")
    assert_close(student.call("perplexity", logits, ids), math.exp(loss), rel=1e-5, what="the perplexity")


@pytest.mark.points(2)
def test_nll_with_random_ignored_labels(student, oracle):
    """Labels set to -100 at random places in a batch are skipped; the first label of each row never counts."""
    model = oracle.make_llama(seed=23)
    ids = oracle.random_ids(4, 15, 96, seed=24)
    labels = ids.copy()
    rng = np.random.default_rng(25)
    labels[rng.random(labels.shape) < 0.3] = oracle.IGNORE_INDEX
    labels[:, 0] = ids[:, 0]
    logits = oracle.logits_of(model, ids)
    loss, n = oracle.hf_loss(model, ids, labels)
    nll, count = student.call("causal_lm_nll", logits, labels)
    assert_equal(count, n, dtype=True, what="the number of scored labels")
    assert_close(nll, loss * n, rel=1e-5, what="the summed NLL")
    assert_close(student.call("perplexity", logits, labels), math.exp(loss), rel=1e-5, what="the perplexity")


@pytest.mark.points(1)
def test_nll_float64_logits_exact(student):
    """float64 logits: the NLL equals -sum of torch's log-probabilities of the shifted labels (1e-10)."""
    rng = np.random.default_rng(26)
    logits = rng.normal(size=(2, 7, 11)) * 4
    ids = rng.integers(0, 11, size=(2, 7))
    lp = torch.log_softmax(torch.from_numpy(logits), -1)[:, :-1]
    want = -lp.gather(-1, torch.from_numpy(ids[:, 1:])[..., None]).sum().item()
    nll, count = student.call("causal_lm_nll", logits, ids)
    assert_equal(count, 12, dtype=True, what="the number of scored labels")
    assert_close(nll, want, rel=1e-10, what="the summed NLL")


@pytest.mark.points(1)
def test_perplexity_without_scored_labels_raises(student):
    """perplexity raises ValueError when every label is ignored."""
    logits = np.zeros((1, 4, 5))
    labels = np.full((1, 4), -100)
    labels[0, 0] = 3  # the first label is never scored
    with pytest.raises(StudentError) as err:
        student.call("perplexity", logits, labels)
    assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"
