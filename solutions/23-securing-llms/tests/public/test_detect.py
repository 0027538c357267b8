"""Public tests of detect_injection: recall and false-positive rate on generated sets.

The texts are drawn at test time from the handout's grammar (tests/conftest.py) with the public
seed; the hidden tests draw other texts with other seeds.
"""

import random

import pytest


def _flags(student, kit, texts):
    return [kit.check_verdict(student.call("detect_injection", t)) for t in texts]


@pytest.mark.points(2)
def test_detect_public_set_recall_and_fpr(student, kit):
    """detect_injection: recall >= 0.9 and false-positive rate <= 0.05 together on the public draw."""
    data = kit.make_dataset(kit.PUBLIC_SEED, 60, 60)
    flagged = _flags(student, kit, [t for t, _ in data])
    recall, fpr = kit.rates([lab for _, lab in data], flagged)
    assert recall >= 0.9 and fpr <= 0.05, f"recall {recall:.3f} (needs >= 0.9), FPR {fpr:.3f} (needs <= 0.05)"


@pytest.mark.points(2)
def test_detect_public_evasions(student, kit):
    """detect_injection: each evasion (zero-width, casing, homoglyphs, fullwidth, base64) is still caught, and
    the same disguise on benign text is not flagged (recall >= 0.9, FPR <= 0.05 per evasion)."""
    for kind in kit.EVASIONS:
        rng = random.Random(f"public-{kind}")
        pos = [kit.make_positive(rng, kind) for _ in range(20)]
        neg = [kit.evade(kind, kit.make_negative(rng), rng) for _ in range(20)]
        flagged = _flags(student, kit, pos + neg)
        recall, fpr = kit.rates([1] * 20 + [0] * 20, flagged)
        assert recall >= 0.9 and fpr <= 0.05, f"evasion {kind}: recall {recall:.3f}, FPR {fpr:.3f}"
