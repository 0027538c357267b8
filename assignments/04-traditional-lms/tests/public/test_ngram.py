"""Public tests: the n-gram LM (padding, add-k, interpolated Kneser-Ney, perplexity).

The toy corpus below is small enough to check every expected value by hand; the working
is in the comments.
"""

from __future__ import annotations

import math
from fractions import Fraction as Fr

import pytest
from autograder.harness import StudentError

VOCAB = ["a", "b", "c"]
TOY = [["a", "b"], ["a", "c"], ["b", "a", "b"]]
# Bigram counts after padding (<s> a b </s>, <s> a c </s>, <s> b a b </s>):
#   after <s>: a 2, b 1     (total 3)      after a: b 2, c 1  (total 3)
#   after b:   </s> 2, a 1  (total 3)      after c: </s> 1    (total 1)
# W = {a, b, c, <unk>, </s>}, |W| = 5.


def close(got: float, expected, tol: float = 1e-12) -> bool:
    return math.isclose(got, float(expected), rel_tol=tol, abs_tol=tol)


@pytest.mark.points(1)
def test_padded_ngrams(student):
    """padded_ngrams pads with order-1 <s> and one </s>, one n-gram per predicted token."""
    got = student.call("padded_ngrams", ["a", "b"], 3)
    assert [tuple(g) for g in got] == [("<s>", "<s>", "a"), ("<s>", "a", "b"), ("a", "b", "</s>")]
    got = student.call("padded_ngrams", ["x", "y"], 1)
    assert [tuple(g) for g in got] == [("x",), ("y",), ("</s>",)]


@pytest.mark.points(3)
def test_addk_toy_exact_values(student):
    """Add-k bigram probabilities on the toy corpus equal the hand-computed values (k = 1 and k = 0.5)."""
    lm = student.new("NGramLM", 2, VOCAB, "addk", k=1.0)
    lm.call("fit", TOY)
    expected = {
        ("b", ("a",)): Fr(2 + 1, 3 + 5),     # (c(a,b) + 1) / (c(a) + |W|)
        ("c", ("a",)): Fr(1 + 1, 3 + 5),
        ("a", ("<s>",)): Fr(2 + 1, 3 + 5),
        ("</s>", ("b",)): Fr(2 + 1, 3 + 5),
        ("a", ("c",)): Fr(0 + 1, 1 + 5),
        ("</s>", ("c",)): Fr(1 + 1, 1 + 5),
        ("b", ("<unk>",)): Fr(1, 5),         # unseen context: uniform
    }
    for (w, ctx), p in expected.items():
        got = lm.call("prob", w, list(ctx))
        assert close(got, p), f"k=1: P({w} | {ctx}) = {got}, expected {p} = {float(p)}"

    lm = student.new("NGramLM", 2, VOCAB, "addk", k=0.5)
    lm.call("fit", TOY)
    got = lm.call("prob", "b", ["a"])
    assert close(got, Fr(5, 11)), f"k=0.5: P(b | a) = {got}, expected (2 + 0.5) / (3 + 2.5) = 5/11"
    got = lm.call("prob", "<unk>", ["a"])
    assert close(got, Fr(1, 11)), f"k=0.5: P(<unk> | a) = {got}, expected 0.5 / 5.5 = 1/11"


@pytest.mark.points(2)
def test_addk_unigram_toy(student):
    """An add-1 unigram model (order 1): counts a 3, b 3, c 1, </s> 3, <unk> 0 over 10 tokens, so P(a) = 4/15."""
    lm = student.new("NGramLM", 1, VOCAB, "addk", k=1.0)
    lm.call("fit", TOY)
    for w, p in {"a": Fr(4, 15), "c": Fr(2, 15), "</s>": Fr(4, 15), "<unk>": Fr(1, 15)}.items():
        got = lm.call("prob", w, ["b", "a"])  # the context is ignored by a unigram model
        assert close(got, p), f"P({w}) = {got}, expected {p}"


@pytest.mark.points(2)
def test_addk_sums_to_one(student, oracle):
    """Add-k trigram probabilities sum to 1 over W = vocab + <unk> + </s>, for seen and unseen contexts."""
    lm = student.new("NGramLM", 3, VOCAB, "addk", k=0.1)
    lm.call("fit", TOY)
    for ctx in (["<s>", "<s>"], ["a", "b"], ["<s>", "a"], ["c", "c"], ["b", "zzz"], []):
        dist = oracle.distribution(lm, VOCAB, ctx)
        assert abs(sum(dist.values()) - 1.0) < 1e-12, f"context {ctx}: probabilities sum to {sum(dist.values())}"


@pytest.mark.points(4)
def test_kn_bigram_toy_exact_values(student):
    """Interpolated Kneser-Ney bigram (D = 0.75) on the toy corpus equals the hand-computed values."""
    # Continuation counts N1+(. w): a {<s>, b} 2, b {<s>, a} 2, c {a} 1, </s> {b, c} 2, <unk> 0; total 7,
    # 4 types seen.  P_0(w) = max(N1+(. w) - 0.75, 0) / 7 + 0.75 * 4 / 7 * 1/5
    p0 = {"a": Fr(37, 140), "b": Fr(37, 140), "</s>": Fr(37, 140), "c": Fr(17, 140), "<unk>": Fr(3, 35)}
    lm = student.new("NGramLM", 2, VOCAB, "kn", discount=0.75)
    lm.call("fit", TOY)
    for w, p in p0.items():  # an unseen context backs off to P_0
        got = lm.call("prob", w, ["<unk>"])
        assert close(got, p), f"P({w} | <unk>) = {got}, expected P_0({w}) = {p}"
    # after a: b 2, c 1 (total 3, 2 types): P(w | a) = max(c - 0.75, 0) / 3 + 0.75 * 2 / 3 * P_0(w)
    expected = {
        ("b", "a"): Fr(461, 840),
        ("c", "a"): Fr(121, 840),
        ("a", "a"): Fr(111, 840),
        ("<unk>", "a"): Fr(36, 840),
        ("</s>", "c"): Fr(1, 4) + Fr(3, 4) * Fr(37, 140),  # after c: </s> 1 (total 1, 1 type)
        ("a", "c"): Fr(3, 4) * Fr(37, 140),
    }
    for (w, h), p in expected.items():
        got = lm.call("prob", w, [h])
        assert close(got, p), f"P({w} | {h}) = {got}, expected {p} = {float(p)}"


@pytest.mark.points(2)
def test_kn_sums_to_one_trigram(student, oracle):
    """Kneser-Ney trigram probabilities sum to 1 over W for seen, half-seen and unseen contexts."""
    lm = student.new("NGramLM", 3, VOCAB, "kn", discount=0.75)
    lm.call("fit", TOY)
    for ctx in (["<s>", "<s>"], ["<s>", "a"], ["a", "b"], ["c", "a"], ["<unk>", "<unk>"], ["a"], []):
        dist = oracle.distribution(lm, VOCAB, ctx)
        assert abs(sum(dist.values()) - 1.0) < 1e-12, f"context {ctx}: probabilities sum to {sum(dist.values())}"
        assert min(dist.values()) > 0, f"context {ctx}: a zero probability"


@pytest.mark.points(2)
def test_perplexity_toy(student):
    """Perplexity = exp(-mean log P) over the predicted tokens (words and </s>), for add-1 and KN bigrams."""
    lm = student.new("NGramLM", 2, VOCAB, "addk", k=1.0)
    lm.call("fit", TOY)
    # P(a | <s>) P(c | a) P(</s> | c) = 3/8 * 2/8 * 2/6 = 1/32 over 3 tokens
    got = lm.call("perplexity", [["a", "c"]])
    assert close(got, 32 ** (1 / 3), 1e-10), f"add-1 perplexity of [a c] = {got}, expected 32^(1/3)"

    lm = student.new("NGramLM", 2, VOCAB, "kn", discount=0.75)
    lm.call("fit", TOY)
    # P(b | <s>) = 0.25/3 + 0.5 P_0(b) = 181/840 and P(</s> | b) = 1.25/3 + 0.5 P_0(</s>) = 461/840
    expected = (181 / 840 * 461 / 840) ** -0.5
    got = lm.call("perplexity", [["b"]])
    assert close(got, expected, 1e-10), f"KN perplexity of [b] = {got}, expected {expected}"


@pytest.mark.points(2)
def test_unknown_words_map_to_unk(student):
    """A word outside the vocab is scored as <unk>, both as the predicted word and in the context."""
    lm = student.new("NGramLM", 2, VOCAB, "kn")
    lm.call("fit", TOY)
    assert lm.call("prob", "zebra", ["a"]) == lm.call("prob", "<unk>", ["a"])
    assert lm.call("prob", "b", ["zebra"]) == lm.call("prob", "b", ["<unk>"])
    # a short context is left-padded with <s>
    assert lm.call("prob", "a", []) == lm.call("prob", "a", ["<s>"])


@pytest.mark.points(1)
def test_bad_arguments_raise_value_error(student):
    """An unknown smoothing name and predicting <s> raise ValueError."""
    with pytest.raises(StudentError) as err:
        student.new("NGramLM", 2, VOCAB, "witten-bell")
    assert err.value.exc_type == "ValueError", f"got {err.value.exc_type}, expected ValueError"
    lm = student.new("NGramLM", 2, VOCAB, "addk")
    lm.call("fit", TOY)
    with pytest.raises(StudentError) as err:
        lm.call("prob", "<s>", ["a"])
    assert err.value.exc_type == "ValueError", f"got {err.value.exc_type}, expected ValueError"
