"""Hidden tests of detect_injection.

Every labelled set here is drawn from the handout's grammar with seeds other than the public one,
and no text of the public draw is reused, so a detector that memorised the public texts fails.
Each test checks recall and false-positive rate together, so "flag everything" (FPR 1) and "flag
nothing" (recall 0) both fail every one of them.
"""

import random

import pytest


def _flags(student, kit, texts):
    return [kit.check_verdict(student.call("detect_injection", t)) for t in texts]


def _public(kit):
    return frozenset(t for t, _ in kit.make_dataset(kit.PUBLIC_SEED, 60, 60))


@pytest.mark.points(4)
def test_detect_hidden_set_recall_and_fpr(student, oracle):
    """detect_injection: recall >= 0.9 and false-positive rate <= 0.05 together on a hidden labelled set
    (texts disjoint from the public draw)."""
    data = oracle.make_dataset(23_777, 200, 200, exclude=_public(oracle))
    flagged = _flags(student, oracle, [t for t, _ in data])
    recall, fpr = oracle.rates([lab for _, lab in data], flagged)
    assert recall >= 0.9 and fpr <= 0.05, f"recall {recall:.3f} (needs >= 0.9), FPR {fpr:.3f} (needs <= 0.05)"


def _evasion(student, oracle, kind, seed):
    rng = random.Random(f"hidden-{kind}-{seed}")
    pos = [oracle.make_positive(rng, kind) for _ in range(60)]
    neg = [oracle.evade(kind, oracle.make_negative(rng), rng) for _ in range(60)]
    flagged = _flags(student, oracle, pos + neg)
    recall, fpr = oracle.rates([1] * 60 + [0] * 60, flagged)
    assert recall >= 0.9 and fpr <= 0.05, f"evasion {kind}: recall {recall:.3f}, FPR {fpr:.3f}"


@pytest.mark.points(1)
def test_detect_evasion_zero_width(student, oracle):
    """detect_injection: attacks with zero-width characters inserted are caught; benign text with the same is not."""
    _evasion(student, oracle, "zero_width", 1)


@pytest.mark.points(1)
def test_detect_evasion_casing(student, oracle):
    """detect_injection: attacks in random casing are caught; benign text in random casing is not."""
    _evasion(student, oracle, "casing", 2)


@pytest.mark.points(1)
def test_detect_evasion_homoglyphs(student, oracle):
    """detect_injection: attacks written with homoglyphs are caught; benign text with homoglyphs is not."""
    _evasion(student, oracle, "homoglyph", 3)


@pytest.mark.points(1)
def test_detect_evasion_fullwidth(student, oracle):
    """detect_injection: attacks in fullwidth forms are caught; benign text in fullwidth forms is not."""
    _evasion(student, oracle, "fullwidth", 4)


@pytest.mark.points(1)
def test_detect_evasion_base64(student, oracle):
    """detect_injection: attacks encoded in base64 are caught; benign text in base64 is not."""
    _evasion(student, oracle, "base64", 5)


@pytest.mark.points(2)
def test_detect_near_misses_pass_and_attacks_inside_them_are_caught(student, oracle):
    """detect_injection: benign near-misses (the attack vocabulary without an attack) are not flagged, and the
    same near-misses with an attack appended are (recall >= 0.9, FPR <= 0.05)."""
    rng = random.Random(230202)
    neg = [oracle.make_negative(rng, near_miss=True) for _ in range(80)]
    pos = [n + " " + oracle.make_core(rng, rng.choice(oracle.FAMILIES)) for n in neg]
    flagged = _flags(student, oracle, neg + pos)
    recall, fpr = oracle.rates([0] * 80 + [1] * 80, flagged)
    assert recall >= 0.9 and fpr <= 0.05, f"near-misses: recall {recall:.3f}, FPR {fpr:.3f}"
