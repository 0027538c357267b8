"""Public tests: lm-evaluation-harness style multiple-choice scoring on a tiny Llama."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.harness.expect import assert_close, assert_equal

TEXTS = [
    "the capital of france is paris. the capital of italy is rome.",
    "question: what is two plus two? answer: four. question: what colour is the sky? answer: blue.",
    "the cat sat on the mat and the dog sat on the log.",
] * 4

# (context, continuation) pairs whose joint tokenization differs from the context's own
# (the tokenizer's merges cross spaces), yet leaves continuation tokens after len(context_ids)
PAIRS = [
    ("the capital of france is", " paris"),
    ("the capital of italy is", " rome"),
    ("question: what is two plus two? answer:", " four."),
]


@pytest.mark.points(1)
def test_encode_pair_moves_trailing_whitespace(student):
    """encode_pair moves the context's trailing whitespace to the continuation and leaves other pairs alone."""
    assert_equal(student.call("encode_pair", "Q: 2+2? A: ", "4"), ("Q: 2+2? A:", " 4"))
    assert_equal(student.call("encode_pair", "Question:", " yes"), ("Question:", " yes"))
    assert_equal(student.call("encode_pair", "a \n", "b"), ("a", " \nb"))


@pytest.mark.points(3)
def test_continuation_loglikelihood_matches_hf_loss(student, oracle):
    """continuation_loglikelihood on jointly tokenized pairs equals -(HF loss with context labels -100) * n_continuation (rel 1e-5)."""
    tok = oracle.train_tokenizer(TEXTS, 320)
    model = oracle.make_llama(seed=8, vocab_size=tok.get_vocab_size())
    for context, continuation in PAIRS:
        ctx_ids = oracle.encode(tok, context)
        whole = oracle.encode(tok, context + continuation)
        labels = np.array(whole)
        labels[: len(ctx_ids)] = oracle.IGNORE_INDEX
        loss, n = oracle.hf_loss(model, whole, labels)
        logits = oracle.logits_of(model, whole)
        ll, greedy = student.call("continuation_loglikelihood", logits, ctx_ids, whole)
        assert_close(ll, -loss * n, rel=1e-5, what="the continuation log-likelihood")
        expected_greedy = bool((torch.from_numpy(logits[len(ctx_ids) - 1 : -1]).argmax(-1) == torch.tensor(whole[len(ctx_ids):])).all())
        assert_equal(greedy, expected_greedy, dtype=True, what="is_greedy")


@pytest.mark.points(1)
def test_greedy_continuation_is_greedy(student, oracle):
    """A continuation made of the model's own argmax tokens is reported greedy; changing its last token makes it not greedy."""
    model = oracle.make_llama(seed=9)
    ids = [int(i) for i in oracle.random_ids(1, 6, 96, seed=10)[0]]
    for _ in range(3):
        ids.append(int(np.argmax(oracle.logits_of(model, ids)[-1])))
    ctx = ids[:6]
    _, greedy = student.call("continuation_loglikelihood", oracle.logits_of(model, ids), ctx, ids)
    assert_equal(greedy, True, dtype=True, what="is_greedy of the argmax continuation")
    other = ids[:-1] + [(ids[-1] + 1) % 96]
    _, greedy = student.call("continuation_loglikelihood", oracle.logits_of(model, other), ctx, other)
    assert_equal(greedy, False, dtype=True, what="is_greedy after changing the last token")


@pytest.mark.points(2)
def test_multiple_choice_metrics_acc_and_acc_norm(student, oracle):
    """acc uses the raw log-likelihoods, acc_norm divides them by the choice's length in characters; ties go to the lowest index."""
    lls = [[-4.0, -6.5, -9.0], [-12.0, -5.0, -7.5, -8.0], [-3.0, -3.0], [-10.0, -20.0, -9.5]]
    choices = [[" no", " maybe not", " certainly yes"], [" Paris is the capital", " Rome", " Lyon", " Nice"],
               [" ab", " ba"], [" a", " a much longer answer", " bb"]]
    gold = [2, 0, 0, 1]
    got = student.call("multiple_choice_metrics", lls, choices, gold)
    assert_close(got, oracle.expected("mc_metrics_case"), rel=1e-12)
