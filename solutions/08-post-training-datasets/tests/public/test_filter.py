"""Public tests: ROUGE-L and near-duplicate filtering."""

import random

import pytest

from autograder.harness.expect import assert_close, assert_equal

SAMPLES = [
    "Write a poem about the sea.",
    "Write a short poem about the sea!",
    "Give three tips for staying healthy.",
    "Hi",
    "Explain how a rainbow forms, step by step, for a curious child who loves the sky.",
    "Give 3 tips for staying healthy",
    "Translate 'good morning' into French.",
    "write a POEM about the SEA",
    "Summarise the plot of Hamlet in two sentences.",
]


@pytest.mark.points(1)
def test_rouge_tokenize_matches_rouge_score(student, oracle):
    """rouge_tokenize equals rouge-score's default tokenizer."""
    for text in SAMPLES + ["Café au lait, s'il vous plaît", "  ", "x_y-z 3.14 CO2"]:
        assert_equal(list(student.call("rouge_tokenize", text)), oracle.rouge_tokens(text))


@pytest.mark.points(2)
def test_rouge_l_matches_rouge_score(student, oracle):
    """rouge_l equals rouge-score's ROUGE-L F-measure."""
    rng = random.Random(5)
    texts = SAMPLES + [oracle.novel_instruction(rng) for _ in range(10)] + ["", "!!"]
    for a in texts:
        for b in rng.sample(texts, 6):
            assert_close(student.call("rouge_l", a, b), oracle.rouge_l(a, b), abs=1e-12)


@pytest.mark.points(2)
def test_filter_samples_public(student, oracle):
    """filter_samples keeps the first of near-duplicates (ROUGE-L > threshold) and applies the length bounds."""
    for (lo, hi, th), want in zip([(2, 12, 0.7), (1, 20, 0.5), (3, 10, 0.9)], oracle.expected("filter_public")):
        assert_equal([int(i) for i in student.call("filter_samples", SAMPLES, lo, hi, th)], want)


@pytest.mark.points(1)
def test_filter_samples_existing_pool(student, oracle):
    """Texts in `existing` count as already kept: a sample too close to one is dropped."""
    got = student.call("filter_samples", SAMPLES, 1, 50, 0.7, existing=["Write a poem about the sea"])
    assert_equal([int(i) for i in got], oracle.expected("filter_existing"))
