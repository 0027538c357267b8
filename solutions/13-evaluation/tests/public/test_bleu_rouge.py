"""Public tests: corpus BLEU against sacrebleu (tokenize="none") and ROUGE-L against rouge-score."""

from __future__ import annotations

import pytest

from autograder.harness.expect import assert_close, assert_equal

WORDS = "the a cat dog sat on mat red blue runs fast slow big small house".split()


@pytest.mark.points(3)
def test_corpus_bleu_matches_sacrebleu(student, oracle):
    """corpus_bleu (one reference, smooth "exp") equals sacrebleu.corpus_bleu(tokenize="none"): score within 1e-6, counts exact."""
    hyps = oracle.word_corpus(12, seed=0, lo=4, hi=14, vocab=WORDS)
    refs = [[r] for r in oracle.word_corpus(12, seed=1, lo=4, hi=14, vocab=WORDS)]
    got = student.call("corpus_bleu", hyps, refs)
    assert_close(got, oracle.sacrebleu_corpus(hyps, refs, "exp"), rel=1e-9, abs=1e-6)


@pytest.mark.points(2)
def test_corpus_bleu_multiple_references_and_brevity(student, oracle):
    """Three references per hypothesis, short hypotheses (brevity penalty < 1), smooth "none" and "exp": equal to sacrebleu."""
    hyps = oracle.word_corpus(8, seed=2, lo=3, hi=7, vocab=WORDS[:8])
    refs = [list(t) for t in zip(*(oracle.word_corpus(8, seed=s, lo=6, hi=12, vocab=WORDS[:8]) for s in (3, 4, 5)))]
    for smooth in ("none", "exp"):
        want = oracle.sacrebleu_corpus(hyps, refs, smooth)
        assert want["bp"] < 1.0
        assert_close(student.call("corpus_bleu", hyps, refs, smooth=smooth), want, rel=1e-9, abs=1e-6, what=f"smooth={smooth}")


@pytest.mark.points(1)
def test_corpus_bleu_without_matches_is_zero(student, oracle):
    """No n-gram in common gives BLEU 0.0 with either smoothing, as sacrebleu does."""
    hyps = ["x y z w", "u v"]
    refs = [["a b c d"], ["e f g"]]
    for smooth in ("none", "exp"):
        assert_close(student.call("corpus_bleu", hyps, refs, smooth=smooth), oracle.sacrebleu_corpus(hyps, refs, smooth),
                     abs=1e-9, what=f"smooth={smooth}")


@pytest.mark.points(1)
def test_rouge_tokenize_matches_rouge_score(student, oracle):
    """rouge_tokenize lowercases and splits on every non-alphanumeric character, like rouge-score's tokenizer."""
    for text in ["The Cat's hat, 2nd-best!", "  Déjà vu   au café  ", "", "a_b c3PO"]:
        assert_equal(student.call("rouge_tokenize", text), oracle.rouge_tokenize(text), what=repr(text))


@pytest.mark.points(2)
def test_rouge_l_matches_rouge_score(student, oracle):
    """rouge_l gives rouge-score's rougeL precision, recall and F-measure (1e-12)."""
    pairs = [
        ("the cat sat on the mat", "the cat was sitting on the mat"),
        ("police killed the gunman", "the gunman killed police"),
        ("A B C D", "a x b y c"),
        ("nothing in common", "totally different words"),
    ]
    for hyp, ref in pairs:
        assert_close(student.call("rouge_l", hyp, ref), oracle.rouge_l(hyp, ref), rel=1e-12, abs=1e-12, what=repr(hyp))
