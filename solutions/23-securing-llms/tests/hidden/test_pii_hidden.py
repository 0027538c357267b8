"""Hidden tests of luhn_valid and redact_pii."""

import random

import pytest

from autograder.harness.expect import assert_equal


@pytest.mark.points(1)
def test_luhn_valid_random_numbers(student, oracle):
    """luhn_valid agrees with an independent Luhn check on random digit strings and generated card numbers."""
    rng = random.Random(2323)
    cases = ["".join(str(rng.randrange(10)) for _ in range(rng.randint(1, 20))) for _ in range(150)]
    cases += [oracle.random_card(rng, valid=v).replace(" ", "").replace("-", "") for v in (True, False) for _ in range(40)]
    cases += ["", "12 34", "-1", "\uff11\uff18", "0000", "5"]
    for digits in cases:
        assert_equal(student.call("luhn_valid", digits), oracle.luhn(digits), what="luhn_valid(digits)")


@pytest.mark.points(3)
def test_redact_pii_generated_texts(student, oracle):
    """redact_pii matches the handout's rules (patterns, Luhn-valid cards only, leftmost-longest overlaps,
    replacement and span coordinates) on generated texts."""
    rng = random.Random(232323)
    for _ in range(250):
        text = oracle.random_pii_text(rng)
        got = student.call("redact_pii", text)
        assert isinstance(got, tuple) and len(got) == 2, "redact_pii returns a pair (text, spans)"
        want = oracle.redact(text)
        assert_equal(got[1], want[1], what="spans")
        assert_equal(got[0], want[0], what="redacted text")


@pytest.mark.points(1)
def test_redact_pii_cards_and_overlap_edge_cases(student, oracle):
    """redact_pii: cards of every allowed length, with and without separators, are masked only when Luhn-valid;
    adjacent spans are both kept; a candidate inside or overlapping an earlier one is dropped."""
    rng = random.Random(2324)
    texts = []
    for n in range(13, 20):
        for valid in (True, False):
            texts.append("pay " + oracle.random_card(rng, valid, n) + " today")
    texts += ["ana@example.com555-123-4567", "ssn 123-45-6789555-123-4567", "ip 10.0.0.1.5 and 10.0.0.1",
              "x.4111111111111111@bank.example", "555 123 4567 011", "555 123 4567 012",
              "4111-1111-1111-1111 123-45-6789 (555) 123-4567 a@b.io", "+44 555 123 4567 and +1 (555) 123-4567",
              "9999.1.2.3 v1.2.3.4", "41111111111111111111111 too long"]
    for text in texts:
        assert_equal(student.call("redact_pii", text), oracle.redact(text), what="redact_pii(text)")
