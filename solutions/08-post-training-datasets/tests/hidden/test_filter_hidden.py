"""Hidden tests: ROUGE-L against rouge-score and the keep-first filter."""

import random

import pytest

from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(2)
def test_rouge_tokenize_unicode_and_symbols(student, oracle):
    """rouge_tokenize equals rouge-score's tokenizer on non-ASCII letters, case folding and symbols."""
    texts = ["İstanbul is big", "KELVIN \u212a sign", "naïve café ÆON straße", "under_score a-b a.b 3,5",
             "ＦＵＬＬ width", "tabs\tand\nnewlines\r\n", "ǅemal Ǆ", "", "---", "x" * 30]
    for t in texts:
        assert_equal(list(student.call("rouge_tokenize", t)), oracle.rouge_tokens(t))


@pytest.mark.points(3)
def test_rouge_l_random_pairs(student, oracle):
    """rouge_l equals rouge-score's ROUGE-L F on random pairs with repeats and reordering."""
    rng = random.Random(11)
    words = "a b c d e f the cat sat on mat".split()
    for _ in range(60):
        a = " ".join(rng.choice(words) for _ in range(rng.randint(0, 15)))
        b = " ".join(rng.choice(words) for _ in range(rng.randint(0, 15)))
        assert_close(student.call("rouge_l", a, b), oracle.rouge_l(a, b), abs=1e-12)
        assert_close(student.call("rouge_l", b.upper(), a), oracle.rouge_l(b.upper(), a), abs=1e-12)


@pytest.mark.points(2)
@pytest.mark.parametrize("seed", [0, 1])
def test_filter_samples_random(student, oracle, seed):
    """filter_samples keeps the same samples as the handout's keep-first rule with rouge-score.

    Generated instructions with near copies, other thresholds and length bounds, and an existing pool."""
    rng = random.Random(400 + seed)
    pool = [oracle.novel_instruction(rng) for _ in range(4)]
    samples = [c for r in oracle.mock_responses(500 + seed, pool, 10) for c in oracle.ref_parse(r)]
    for threshold, lo, hi, existing in [(0.7, 3, 16, None), (0.55, 1, 30, pool), (0.85, 5, 12, pool[:1])]:
        assert not oracle.near_threshold(samples + (existing or []), threshold)
        got = student.call("filter_samples", samples, lo, hi, threshold, existing=existing)
        assert_equal([int(i) for i in got], oracle.ref_filter(samples, lo, hi, threshold, existing))


@pytest.mark.points(2)
def test_filter_samples_boundaries(student, oracle):
    """Length bounds are inclusive, an exact copy is dropped, a score equal to the threshold is kept,
    and a dropped sample does not block later ones."""
    samples = ["one two", "one two three", "ONE TWO THREE!", "a b c d", "a b x y", "a b c d e f",
               "q r s t u"]
    # "a b x y" vs "a b c d": lcs 2 of 4 and 4 -> F = 0.5 exactly
    assert_equal([int(i) for i in student.call("filter_samples", samples, 3, 4, 0.5)], [1, 3, 4])
    assert_equal([int(i) for i in student.call("filter_samples", samples, 2, 6, 0.49)], [0, 3, 6])
    assert_equal([int(i) for i in student.call("filter_samples", samples, 1, 100, 1.0)], [0, 1, 2, 3, 4, 5, 6])
    assert_equal([int(i) for i in student.call("filter_samples", [], 1, 5, 0.7)], [])
