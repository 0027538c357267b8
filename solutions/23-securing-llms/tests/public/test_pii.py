"""Public tests of luhn_valid and redact_pii."""

import pytest

from autograder.harness.expect import assert_equal


@pytest.mark.points(1)
def test_luhn_valid_known_numbers(student):
    """luhn_valid: known valid and invalid numbers; empty and non-digit strings are invalid."""
    cases = {"4111111111111111": True, "79927398713": True, "79927398710": False, "0": True,
             "5500005555555559": True, "5500005555555550": False, "": False, "4111 1111": False, "12a4": False}
    for digits, want in cases.items():
        assert_equal(student.call("luhn_valid", digits), want, what="luhn_valid(digits)")


@pytest.mark.points(2)
def test_redact_pii_examples(student):
    """redact_pii: each label, the replacement text and the spans in original coordinates."""
    text = "Mail ana.b@example.org or call (555) 123-4567; SSN 123-45-6789 from 10.0.0.12."
    red, spans = student.call("redact_pii", text)
    assert_equal(red, "Mail [EMAIL] or call [PHONE]; SSN [SSN] from [IPV4].", what="redacted text")
    assert_equal(spans, [(5, 22, "EMAIL"), (31, 45, "PHONE"), (51, 62, "SSN"), (68, 77, "IPV4")], what="spans")
    red, spans = student.call("redact_pii", "nothing to see here")
    assert_equal((red, spans), ("nothing to see here", []), what="text without PII")


@pytest.mark.points(1)
def test_redact_pii_cards_luhn_and_overlaps(student):
    """redact_pii: only Luhn-valid card numbers are masked; overlapping matches are resolved leftmost-longest."""
    text = "Card 4111 1111 1111 1111 ok, card 4111 1111 1111 1112 not."
    red, spans = student.call("redact_pii", text)
    assert_equal(red, "Card [CARD] ok, card 4111 1111 1111 1112 not.", what="redacted text")
    assert_equal(spans, [(5, 24, "CARD")], what="spans")
    # the e-mail starts first and contains the card number: the e-mail wins
    red, spans = student.call("redact_pii", "to x.4111111111111111@bank.example now")
    assert_equal((red, spans), ("to [EMAIL] now", [(3, 34, "EMAIL")]), what="e-mail containing a card")
    # a phone number followed by 3 digits: a Luhn-valid 13-digit CARD with the same start is longer and wins;
    # when the 13 digits fail the Luhn check, the PHONE is kept
    red, spans = student.call("redact_pii", "id 555 123 4567 011 end")
    assert_equal((red, spans), ("id [CARD] end", [(3, 19, "CARD")]), what="phone inside a valid card")
    red, spans = student.call("redact_pii", "id 555 123 4567 012 end")
    assert_equal((red, spans), ("id [PHONE] 012 end", [(3, 15, "PHONE")]), what="phone next to digits")
