"""Hidden tests: BLEU against sacrebleu and ROUGE-L against rouge-score on other texts and edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal

WORDS = "il y a un chat sur le tapis rouge bleu vite lent grand petit maison the of".split()


@pytest.mark.points(3)
def test_corpus_bleu_random_corpora(student, oracle):
    """corpus_bleu equals sacrebleu on many random corpora (several references, both smoothings): the score within 1e-6, the statistics exactly."""
    rng = np.random.default_rng(51)
    for case in range(12):
        n, R = int(rng.integers(1, 7)), int(rng.integers(1, 5))
        lo, hi = [(0, 3), (1, 6), (3, 10), (5, 15)][case % 4]
        vocab = WORDS[: int(rng.integers(4, len(WORDS)))]
        hyps = oracle.word_corpus(n, seed=100 + case, lo=lo, hi=hi, vocab=vocab)
        refs = [list(t) for t in zip(*(oracle.word_corpus(n, seed=200 + 10 * case + r, lo=lo, hi=hi, vocab=vocab) for r in range(R)))]
        for smooth in ("none", "exp"):
            assert_close(student.call("corpus_bleu", hyps, refs, smooth=smooth), oracle.sacrebleu_corpus(hyps, refs, smooth),
                         rel=1e-9, abs=1e-6, what=f"case {case}, smooth={smooth}")


@pytest.mark.points(2)
def test_corpus_bleu_closest_reference_length(student, oracle):
    """The effective reference length is the closest one per hypothesis, the shorter on a tie, as in sacrebleu."""
    hyps = ["a b c d e", "a b c", "x y z w v u"]
    refs = [["a b c", "a b c d e f g"], ["a b", "a b c d"], ["x y z w v u t s", "x y z w"]]
    for smooth in ("none", "exp"):
        assert_close(student.call("corpus_bleu", hyps, refs, smooth=smooth), oracle.sacrebleu_corpus(hyps, refs, smooth),
                     rel=1e-9, abs=1e-6, what=f"smooth={smooth}")


@pytest.mark.points(1)
def test_corpus_bleu_default_smoothing_is_exp(student, oracle):
    """Without the smooth argument, corpus_bleu uses sacrebleu's default smoothing, "exp"."""
    hyps = ["a b c d e f", "g h i j"]
    refs = [["a b c x e f"], ["g h k j"]]
    assert_close(student.call("corpus_bleu", hyps, refs), oracle.sacrebleu_corpus(hyps, refs, "exp"), rel=1e-9, abs=1e-6)


@pytest.mark.points(2)
def test_corpus_bleu_edge_cases(student, oracle):
    """Edge cases equal sacrebleu: an empty hypothesis, hypotheses shorter than 4 tokens, a perfect match, clipped repeats, missing higher-order matches, no match at all, empty hypothesis and reference, a one-token hypothesis."""
    cases = [
        (["", "a b c d"], [["a b c d"], ["a b c d"]]),
        (["a b", "c"], [["a b"], ["c d"]]),
        (["a b c d e"], [["a b c d e"]]),
        (["the the the the the the"], [["the cat is on the mat"]]),
        (["a x b y c z d"], [["a b c d"]]),
        (["a b x c d y"], [["a b c d"]]),
        ([""], [["a b"]]),
        (["v w x y z", "q r s t"], [["a b c d e"], ["a b c d"]]),
        ([""], [[""]]),
        (["a"], [["a b c"]]),
    ]
    for i, (hyps, refs) in enumerate(cases):
        for smooth in ("none", "exp"):
            assert_close(student.call("corpus_bleu", hyps, refs, smooth=smooth), oracle.sacrebleu_corpus(hyps, refs, smooth),
                         rel=1e-9, abs=1e-6, what=f"edge case {i}, smooth={smooth}")


@pytest.mark.points(1)
def test_corpus_bleu_rejects_bad_arguments(student):
    """corpus_bleu raises ValueError for an unknown smoothing, mismatched lengths and a hypothesis without references."""
    for args, kwargs in [((["a"], [["a"]]), {"smooth": "floor"}), ((["a", "b"], [["a"]]), {}), ((["a"], [[]]), {})]:
        with pytest.raises(StudentError) as err:
            student.call("corpus_bleu", *args, **kwargs)
        assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"


@pytest.mark.points(1)
def test_ngram_counts(student):
    """ngram_counts counts the n-grams keyed by their space-joined tokens, and is empty for a sequence shorter than n."""
    assert_equal(student.call("ngram_counts", ["a", "b", "a", "b", "a"], 2), {"a b": 2, "b a": 2})
    assert_equal(student.call("ngram_counts", ["x", "y", "x"], 1), {"x": 2, "y": 1})
    assert_equal(student.call("ngram_counts", ["a", "b"], 3), {})


@pytest.mark.points(1)
def test_rouge_tokenize_other_texts(student, oracle):
    """rouge_tokenize equals rouge-score's tokenizer on text with digits, accents, apostrophes and runs of punctuation."""
    texts = ["It's 3:45pm -- UTC+2!!", "naïve résumé CAFÉ", "___", "A1b2 C3...d4", "tab\tsep\nnew"]
    for i, text in enumerate(texts):
        assert_equal(student.call("rouge_tokenize", text), oracle.rouge_tokenize(text), what=f"text {i}")


@pytest.mark.points(3)
def test_rouge_l_random_pairs(student, oracle):
    """rouge_l equals rouge-score's rougeL on random pairs, including empty and punctuation-only texts (1e-12)."""
    rng = np.random.default_rng(52)
    alphabet = list("abcAB Z09é'-,. ")
    for i in range(40):
        hyp = "".join(rng.choice(alphabet, size=int(rng.integers(0, 25))))
        ref = "".join(rng.choice(alphabet, size=int(rng.integers(0, 25))))
        assert_close(student.call("rouge_l", hyp, ref), oracle.rouge_l(hyp, ref), rel=1e-12, abs=1e-12, what=f"pair {i}")


@pytest.mark.points(1)
def test_lcs_length(student):
    """lcs_length is the longest common subsequence length (0 with an empty list)."""
    assert_equal(student.call("lcs_length", list("abcbdab"), list("bdcaba")), 4)
    assert_equal(student.call("lcs_length", [], ["a"]), 0)
    assert_equal(student.call("lcs_length", ["x", "y"], ["y", "x"]), 1)
