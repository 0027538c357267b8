"""Public tests: masking of email addresses, phone numbers and IPv4 addresses (exact strings and counts)."""

from __future__ import annotations

import pytest

E, P, I = "|||EMAIL_ADDRESS|||", "|||PHONE_NUMBER|||", "|||IP_ADDRESS|||"


def check(student, fn, cases):
    for text, expected, count in cases:
        got = student.call(fn, text)
        assert tuple(got) == (expected, count), f"{fn}({text!r}) returned {got!r}, expected {(expected, count)!r}"


@pytest.mark.points(2)
def test_mask_emails_examples(student):
    """mask_emails replaces plain, dotted, plus-tagged and sub-domain addresses and counts them."""
    check(student, "mask_emails", [
        ("Feel free to contact me at test@gmail.com if you have any questions.",
         f"Feel free to contact me at {E} if you have any questions.", 1),
        ("mail bob@example.com!", f"mail {E}!", 1),
        ("first.last+news@mail.cs.example.org, jane_doe99@uni-x.de", f"{E}, {E}", 2),
        ("Write to <alice@example.com>.", f"Write to <{E}>.", 1),
        ("no address here", "no address here", 0),
    ])


@pytest.mark.points(2)
def test_mask_emails_near_misses(student):
    """Addresses without a dot-TLD of 2+ letters, with a doubled @, or followed by a digit stay; existing masks are not counted."""
    check(student, "mask_emails", [
        ("root@localhost is not an address", "root@localhost is not an address", 0),
        ("x@y.c has a one-letter TLD", "x@y.c has a one-letter TLD", 0),
        ("user@@example.com", "user@@example.com", 0),
        ("@example.com and user@", "@example.com and user@", 0),
        ("a@b.com1", "a@b.com1", 0),
        (f"already {E} and new@x.org", f"already {E} and {E}", 1),
    ])


@pytest.mark.points(3)
def test_mask_phone_formats(student):
    """mask_phone_numbers masks dashed, dotted, spaced, parenthesised, bare 10-digit, +1 and 1- numbers."""
    check(student, "mask_phone_numbers", [
        ("call 283-182-3829 now", f"call {P} now", 1),
        ("call (283) 182-3829.", f"call {P}.", 1),
        ("283.182.3829 or 2831823829", f"{P} or {P}", 2),
        ("tel: +1 283 182 3829", f"tel: {P}", 1),
        ("(283)182-3829;+1-283-182-3829", f"{P};{P}", 2),
        ("toll-free 1-800-555-0199", f"toll-free {P}", 1),
    ])


@pytest.mark.points(2)
def test_mask_phone_near_misses(student):
    """Nine or eleven digits, a number glued to letters, digits or extra dotted groups stay unmasked."""
    check(student, "mask_phone_numbers", [
        ("id 283-182-382 is short", "id 283-182-382 is short", 0),
        ("order 12831823829", "order 12831823829", 0),
        ("x2831823829 and 2831823829y", "x2831823829 and 2831823829y", 0),
        ("version 5.283.182.3829", "version 5.283.182.3829", 0),
        ("283-182-3829-5", "283-182-3829-5", 0),
        (f"{P} twice", f"{P} twice", 0),
    ])


@pytest.mark.points(2)
def test_mask_ips_valid(student):
    """mask_ips masks IPv4 addresses with octets 0..255, including at a sentence end."""
    check(student, "mask_ips", [
        ("host 10.0.0.255 is up", f"host {I} is up", 1),
        ("from 192.168.1.1 to 8.8.8.8.", f"from {I} to {I}.", 2),
        ("0.0.0.0 and 255.255.255.255", f"{I} and {I}", 2),
        ("(172.16.254.1)", f"({I})", 1),
    ])


@pytest.mark.points(2)
def test_mask_ips_near_misses(student):
    """256.1.1.1, three or five parts, leading zeros, and letters glued on stay unmasked."""
    check(student, "mask_ips", [
        ("256.1.1.1", "256.1.1.1", 0),
        ("1.1.1.256 and 999.1.1.1", "1.1.1.256 and 999.1.1.1", 0),
        ("version 1.2.3 and 1.2.3.4.5", "version 1.2.3 and 1.2.3.4.5", 0),
        ("192.168.001.1", "192.168.001.1", 0),
        ("v1.2.3.4 and 1.2.3.4a", "v1.2.3.4 and 1.2.3.4a", 0),
    ])
