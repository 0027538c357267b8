"""Hidden tests: multiple-choice scoring (other tokenizers, texts, choices and edge cases)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal

TEXTS = [
    "q: which animal barks? a: the dog barks. q: which animal meows? a: the cat meows.",
    "water boils at one hundred degrees. ice melts at zero degrees.",
    "red and blue make purple. yellow and blue make green.",
] * 5

CANDIDATES = [
    ("q: which animal barks? a:", " the dog"),
    ("q: which animal barks? a:", " the cat"),
    ("water boils at", " one hundred degrees"),
    ("red and blue make", " green"),
    ("yellow and blue", " make purple."),
    ("ice melts at zero", " degrees"),
]


@pytest.mark.points(2)
def test_encode_pair_whitespace_cases(student):
    """encode_pair moves every trailing whitespace character (spaces, tabs, newlines) and nothing else."""
    cases = [("Answer:  ", "B", ("Answer:", "  B")), ("x\t\n", "y", ("x", "\t\ny")), ("no space", "z", ("no space", "z")),
             ("   ", "w", ("", "   w")), (" lead", " c", (" lead", " c")), ("", "e", ("", "e")),
             ("Q: 2+2? A: ", "4", ("Q: 2+2? A:", " 4")), ("tab\t", "t", ("tab", "\tt"))]
    for context, continuation, want in cases:
        assert_equal(student.call("encode_pair", context, continuation), want, what=f"encode_pair case {cases.index((context, continuation, want))}")


@pytest.mark.points(3)
def test_continuation_loglikelihood_other_tokenizer(student, oracle):
    """On another tokenizer and model, continuation_loglikelihood equals minus HF's loss on the continuation times its token count, and is_greedy matches the argmax."""
    tok = oracle.train_tokenizer(TEXTS, 300)
    model = oracle.make_llama(seed=41, vocab_size=tok.get_vocab_size(), num_hidden_layers=1)
    used = 0
    for context, continuation in CANDIDATES:
        ctx_ids = oracle.encode(tok, context)
        whole = oracle.encode(tok, context + continuation)
        if len(whole) <= len(ctx_ids):
            continue
        used += 1
        labels = np.array(whole)
        labels[: len(ctx_ids)] = oracle.IGNORE_INDEX
        loss, n = oracle.hf_loss(model, whole, labels)
        logits = oracle.logits_of(model, whole)
        ll, greedy = student.call("continuation_loglikelihood", logits, ctx_ids, whole)
        assert_close(ll, -loss * n, rel=1e-5, what="the continuation log-likelihood")
        want = bool((torch.from_numpy(logits[len(ctx_ids) - 1 : -1]).argmax(-1) == torch.tensor(whole[len(ctx_ids):])).all())
        assert_equal(greedy, want, dtype=True, what="is_greedy")
    assert used >= 3, "test setup: too few usable pairs"


@pytest.mark.points(1)
def test_continuation_uses_the_joint_split(student, oracle):
    """The continuation is whole_ids[len(context_ids):], even when the context's own ids differ from the start of whole_ids."""
    model = oracle.make_llama(seed=42)
    whole = [int(i) for i in oracle.random_ids(1, 10, 96, seed=43)[0]]
    ctx = [int(i) for i in oracle.random_ids(1, 4, 96, seed=44)[0]]  # same length, other ids
    labels = np.array(whole)
    labels[:4] = oracle.IGNORE_INDEX
    loss, n = oracle.hf_loss(model, whole, labels)
    ll, _ = student.call("continuation_loglikelihood", oracle.logits_of(model, whole), ctx, whole)
    assert_close(ll, -loss * n, rel=1e-5, what="the continuation log-likelihood")


@pytest.mark.points(1)
def test_continuation_loglikelihood_rejects_empty_parts(student):
    """continuation_loglikelihood raises ValueError for an empty context or an empty continuation."""
    logits = np.zeros((4, 7))
    for ctx, whole in [([], [1, 2, 3, 4]), ([1, 2, 3, 4], [1, 2, 3, 4])]:
        with pytest.raises(StudentError) as err:
            student.call("continuation_loglikelihood", logits, ctx, whole)
        assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"


@pytest.mark.points(2)
def test_multiple_choice_metrics_random_questions(student, oracle):
    """acc and acc_norm over many questions with 2 to 5 choices equal lm-evaluation-harness's (1e-12)."""
    rng = np.random.default_rng(45)
    words = ["a", "bb", "ccc", "dddd eeee", "ffffff ggg", " h", " ii jj kk"]
    lls, choices, gold = [], [], []
    for _ in range(40):
        k = int(rng.integers(2, 6))
        choices.append([str(rng.choice(words)) + str(i) for i in range(k)])
        lls.append([float(x) for x in rng.normal(-10, 4, size=k)])
        gold.append(int(rng.integers(0, k)))
    want = oracle.lm_eval_mc(lls, choices, gold)
    assert want["pred"] != want["pred_norm"]
    assert_close(student.call("multiple_choice_metrics", lls, choices, gold), want, rel=1e-12)


@pytest.mark.points(1)
def test_acc_norm_counts_characters_not_bytes(student, oracle):
    """acc_norm divides by the length in characters (a non-ASCII character counts once), with ties to the lowest index."""
    lls = [[-6.0, -5.0], [-4.0, -4.0], [-9.0, -6.0]]
    choices = [[" éééé", " abc"], [" x", " y"], [" ñandú", " ab"]]
    gold = [0, 0, 1]
    assert_close(student.call("multiple_choice_metrics", lls, choices, gold), oracle.lm_eval_mc(lls, choices, gold), rel=1e-12)


@pytest.mark.points(1)
def test_multiple_choice_metrics_rejects_bad_input(student):
    """multiple_choice_metrics raises ValueError for no question and for an empty choice string."""
    for args in [([], [], []), ([[-1.0, -2.0]], [["ab", ""]], [0])]:
        with pytest.raises(StudentError) as err:
            student.call("multiple_choice_metrics", *args)
        assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"
