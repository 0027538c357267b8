"""Hidden tests: the n-gram LM on other corpora, orders, k values and discounts.

The expected values come from `RefLM` below, an independent exact (Fraction) implementation
written straight from the handout's formulas.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from fractions import Fraction

import pytest
from autograder.harness import StudentError

BOS, EOS, UNK = "<s>", "</s>", "<unk>"
VOCAB = ["the", "cat", "dog", "sat", "on", "mat", "ran"]
WORDS = VOCAB + ["zz", "qq"]  # zz, qq are outside the vocab: they become <unk>


def make_corpus(seed: int, n_sentences: int, max_len: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    # skewed word choice so that some n-grams repeat and others are rare
    weights = [6, 4, 3, 3, 2, 2, 1, 1, 1]
    return [rng.choices(WORDS, weights, k=rng.randint(0, max_len)) for _ in range(n_sentences)]


class RefLM:
    """Exact n-gram LM from the handout's formulas (Fractions), written independently."""

    def __init__(self, order, vocab, sentences, smoothing="addk", k=1, discount=Fraction(3, 4)):
        self.n = order
        self.vocab = set(vocab)
        self.W = sorted(self.vocab) + [UNK, EOS]
        self.smoothing = smoothing
        self.k = Fraction(k)
        self.D = Fraction(discount)
        self.windows = Counter()
        for sent in sentences:
            padded = [BOS] * (order - 1) + [self.map(t) for t in sent] + [EOS]
            for i in range(order - 1, len(padded)):
                self.windows[tuple(padded[i - order + 1 : i + 1])] += 1

    def map(self, t):
        return t if (t in self.vocab or t in (BOS, EOS)) else UNK

    def count(self, h, w):
        """c_j(h, w): raw count at the top order, continuation count below it."""
        if len(h) == self.n - 1:
            return self.windows[h + (w,)]
        L = len(h) + 2
        left = {win[-L] for win in self.windows if win[-L + 1 :] == h + (w,)}
        return len(left)

    def p(self, w, context):
        full = [BOS] * self.n + [self.map(t) for t in context]
        h = tuple(full[len(full) - (self.n - 1) :])  # the last n-1 tokens
        w = self.map(w)
        if self.smoothing == "addk":
            total = sum(self.count(h, u) for u in self.W)
            return (self.count(h, w) + self.k) / (total + self.k * len(self.W))
        return self.kn(w, h)

    def kn(self, w, h):
        """Top-down recursion: P_j(w | h) with the lower order P_(j-1)(w | h[1:])."""
        lower = Fraction(1, len(self.W)) if len(h) == 0 else self.kn(w, h[1:])
        counts = {u: self.count(h, u) for u in self.W}
        total = sum(counts.values())
        if total == 0:
            return lower
        seen = sum(1 for c in counts.values() if c > 0)
        return max(counts[w] - self.D, 0) / total + self.D * seen / total * lower

    def perplexity(self, sentences):
        logs, n = 0.0, 0
        for sent in sentences:
            padded = [BOS] * (self.n - 1) + list(sent) + [EOS]
            for i in range(self.n - 1, len(padded)):
                logs += math.log(self.p(padded[i], padded[:i]))
                n += 1
        return math.exp(-logs / n)


def contexts_of(corpus, order, extra):
    """Every (order-1)-context seen in the corpus plus some unseen ones."""
    seen = set()
    for sent in corpus:
        padded = [BOS] * (order - 1) + list(sent)
        for i in range(order - 1, len(padded) + 1):
            seen.add(tuple(padded[i - order + 1 : i]))
    return sorted(seen) + [tuple(c) for c in extra]


def check_all(lm, ref, contexts, tol=1e-12):
    for ctx in contexts:
        total = 0.0
        for w in ref.W + ["zz"]:
            got = lm.call("prob", w, list(ctx))
            exp = ref.p(w, list(ctx))
            assert math.isclose(got, float(exp), rel_tol=tol, abs_tol=tol), "a probability differs from the formula"
            total += got if w != "zz" else 0.0
        assert abs(total - 1.0) < 1e-12, "the probabilities of a context do not sum to 1"


def new_lm(student, corpus, order, smoothing, **kw):
    lm = student.new("NGramLM", order, VOCAB, smoothing, **kw)
    lm.call("fit", corpus)
    return lm


# -----------------------------------------------------------------------------


@pytest.mark.points(1)
def test_padded_ngrams_edge_cases(student):
    """padded_ngrams of an empty sentence and of a sentence shorter than the order.

    Empty sentence with a bigram; one word with a 4-gram."""
    assert [tuple(g) for g in student.call("padded_ngrams", [], 2)] == [(BOS, EOS)]
    assert [tuple(g) for g in student.call("padded_ngrams", ["w"], 4)] == [(BOS, BOS, BOS, "w"), (BOS, BOS, "w", EOS)]


@pytest.mark.points(2)
def test_addk_trigram_matches_formula(student):
    """Add-k trigram with a fractional k on a random corpus with OOV words: every P(w | h) equals the formula, sums to 1.

    k = 0.3."""
    corpus = make_corpus(101, 25)
    lm = new_lm(student, corpus, 3, "addk", k=0.3)
    ref = RefLM(3, VOCAB, corpus, "addk", k=Fraction(3, 10))
    check_all(lm, ref, contexts_of(corpus, 3, [("mat", "mat"), ("ran", "zz")])[:12], tol=1e-12)


@pytest.mark.points(2)
def test_addk_4gram_k2_and_repeated_ngrams(student):
    """Add-k above trigram order with k > 1, on a corpus with repeated sentences, matches the formula (raw counts, not distinct n-grams).

    4-gram, k = 2."""
    corpus = [["the", "cat", "sat"]] * 3 + [["the", "cat", "ran"], ["the", "dog"]]
    lm = new_lm(student, corpus, 4, "addk", k=2.0)
    ref = RefLM(4, VOCAB, corpus, "addk", k=2)
    check_all(lm, ref, [(BOS, BOS, BOS), (BOS, "the", "cat"), (BOS, BOS, "the"), ("cat", "sat", "on")])


@pytest.mark.points(3)
def test_kn_bigram_matches_formula(student):
    """Interpolated KN bigram on a random corpus with OOV words matches the formula for every (h, w).

    D = 0.75."""
    corpus = make_corpus(202, 30)
    lm = new_lm(student, corpus, 2, "kn", discount=0.75)
    ref = RefLM(2, VOCAB, corpus, "kn", discount=Fraction(3, 4))
    check_all(lm, ref, contexts_of(corpus, 2, [(EOS,)]))


@pytest.mark.points(3)
def test_kn_trigram_matches_formula(student):
    """KN trigram with a non-default discount: seen, half-seen, unseen and empty contexts all match the formula (continuation counts below the top order).

    D = 0.6."""
    corpus = make_corpus(303, 30)
    lm = new_lm(student, corpus, 3, "kn", discount=0.6)
    ref = RefLM(3, VOCAB, corpus, "kn", discount=Fraction(3, 5))
    contexts = contexts_of(corpus, 3, [("mat", "ran"), (EOS, "the"), ("qq", "zz"), (BOS, "ran")])
    check_all(lm, ref, contexts[:10] + contexts[-4:])
    for w in ("the", "cat", EOS):  # an empty context is padded to (<s>, <s>)
        assert math.isclose(lm.call("prob", w, []), float(ref.p(w, [BOS, BOS])), rel_tol=1e-12)


@pytest.mark.points(3)
def test_kn_4gram_matches_formula(student):
    """KN above trigram order, on a small corpus, matches the formula, including short and long contexts.

    4-gram, D = 0.9."""
    corpus = make_corpus(404, 12, max_len=5)
    lm = new_lm(student, corpus, 4, "kn", discount=0.9)
    ref = RefLM(4, VOCAB, corpus, "kn", discount=Fraction(9, 10))
    contexts = contexts_of(corpus, 4, [("dog", "dog", "dog")])
    check_all(lm, ref, contexts[:6] + contexts[-2:])
    # a context longer than n-1 uses its last 3 tokens; a shorter one is padded with <s>
    for w in ("cat", EOS):
        long_ctx = ["ran", "ran", "the", "cat", "sat"]
        assert math.isclose(lm.call("prob", w, long_ctx), float(ref.p(w, long_ctx[-3:])), rel_tol=1e-12)
        assert math.isclose(lm.call("prob", w, ["the"]), float(ref.p(w, [BOS, BOS, "the"])), rel_tol=1e-12)


@pytest.mark.points(2)
def test_kn_unigram_exact(student):
    """KN unigram (order 1): P(w) = max(c(w) - D, 0) / N + D * types / N / |W|.

    D = 0.5."""
    corpus = [["the", "cat"], ["the", "zz"], []]
    # counts: the 2, cat 1, <unk> 1, </s> 3; N = 7, 4 types, |W| = 9
    lm = new_lm(student, corpus, 1, "kn", discount=0.5)
    lam = Fraction(1, 2) * 4 / 7 / 9
    expected = {"the": Fraction(3, 2) / 7 + lam, "cat": Fraction(1, 2) / 7 + lam, "dog": lam,
                UNK: Fraction(1, 2) / 7 + lam, EOS: Fraction(5, 2) / 7 + lam}
    for w, p in expected.items():
        got = lm.call("prob", w, ["cat"])
        assert math.isclose(got, float(p), rel_tol=1e-12), "a unigram probability differs from the formula"


@pytest.mark.points(1)
def test_kn_discount_one_still_normalized(student):
    """D = 1 is allowed: KN trigram probabilities still sum to 1 and match the formula."""
    corpus = make_corpus(505, 15)
    lm = new_lm(student, corpus, 3, "kn", discount=1.0)
    ref = RefLM(3, VOCAB, corpus, "kn", discount=1)
    check_all(lm, ref, contexts_of(corpus, 3, [])[:5])


@pytest.mark.points(2)
def test_perplexity_addk_trigram(student):
    """Add-k trigram perplexity of held-out sentences with OOV words and an empty sentence equals exp(-mean log P).

    k = 0.5."""
    corpus, held_out = make_corpus(606, 30), make_corpus(607, 6) + [[]]
    lm = new_lm(student, corpus, 3, "addk", k=0.5)
    expected = RefLM(3, VOCAB, corpus, "addk", k=Fraction(1, 2)).perplexity(held_out)
    got = lm.call("perplexity", held_out)
    assert math.isclose(got, expected, rel_tol=1e-9), "the perplexity differs from the formula"


@pytest.mark.points(2)
def test_perplexity_kn_bigram_and_trigram(student):
    """KN perplexity (bigram and trigram, different discounts) of held-out sentences equals exp(-mean log P).

    Bigram D 0.75, trigram D 0.4."""
    corpus, held_out = make_corpus(708, 30), make_corpus(709, 5)
    for order, d in ((2, Fraction(3, 4)), (3, Fraction(2, 5))):
        lm = new_lm(student, corpus, order, "kn", discount=float(d))
        expected = RefLM(order, VOCAB, corpus, "kn", discount=d).perplexity(held_out)
        got = lm.call("perplexity", held_out)
        assert math.isclose(got, expected, rel_tol=1e-9), "the perplexity differs from the formula"


@pytest.mark.points(1)
def test_fit_replaces_earlier_counts(student):
    """Calling fit a second time forgets the first corpus."""
    lm = new_lm(student, [["cat", "cat", "cat"]] * 5, 2, "addk", k=1.0)
    lm.call("fit", [["dog", "ran"]])
    ref = RefLM(2, VOCAB, [["dog", "ran"]], "addk", k=1)
    for w, h in (("cat", "cat"), ("ran", "dog"), ("dog", BOS)):
        assert math.isclose(lm.call("prob", w, [h]), float(ref.p(w, [h])), rel_tol=1e-12)


@pytest.mark.points(1)
def test_duplicate_vocab_words_count_once(student):
    """Duplicates in vocab are ignored: |W| counts the distinct words (+ 2), as the uniform probability of an unseen context shows.

    3 distinct words, so 1/5."""
    lm = student.new("NGramLM", 2, ["a", "b", "a", "c", "b"], "addk", k=1.0)
    lm.call("fit", [["a", "b"]])
    assert math.isclose(lm.call("prob", "c", ["c"]), 0.2, rel_tol=1e-12)
    assert math.isclose(lm.call("prob", "b", ["a"]), 2 / 6, rel_tol=1e-12)


@pytest.mark.points(2)
def test_invalid_arguments_raise_value_error(student):
    """ValueError for order 0, k = 0, k < 0, D = 0, D > 1, a vocab holding <s> / </s> / <unk>, and prob("<s>"); k and D edge values pass."""
    bad = [
        ((0, VOCAB), {}),
        ((2, VOCAB, "addk"), {"k": 0.0}),
        ((2, VOCAB, "addk"), {"k": -1.0}),
        ((2, VOCAB, "kn"), {"discount": 0.0}),
        ((2, VOCAB, "kn"), {"discount": 1.5}),
        ((2, VOCAB + [BOS]), {}),
        ((2, VOCAB + [EOS]), {}),
        ((2, VOCAB + [UNK]), {}),
        ((2, VOCAB, "KN"), {}),
    ]
    for args, kwargs in bad:
        with pytest.raises(StudentError) as err:
            student.new("NGramLM", *args, **kwargs)
        assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"
    lm = student.new("NGramLM", 1, VOCAB, "kn", k=1e-9, discount=1.0)  # valid edge values
    lm.call("fit", [["the", "cat"]])
    with pytest.raises(StudentError) as err:
        lm.call("prob", BOS, ["the"])  # <s> is never predicted
    assert err.value.exc_type == "ValueError", f"prob('<s>', ...): expected ValueError, got {err.value.exc_type}"
