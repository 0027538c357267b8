"""Hidden tests: PII masking on other strings and every boundary rule of the grammar."""

from __future__ import annotations

import pytest

E, P, I = "|||EMAIL_ADDRESS|||", "|||PHONE_NUMBER|||", "|||IP_ADDRESS|||"


def check(student, fn, cases):
    for text, expected, count in cases:
        got = student.call(fn, text)
        assert tuple(got) == (expected, count), f"{fn}({text!r}) returned {got!r}, expected {(expected, count)!r}"


@pytest.mark.points(2)
def test_hidden_emails_masked(student):
    """Emails with upper case, %, +, -, sub-domains, after a URI scheme and before a period or ellipsis are masked and counted."""
    check(student, "mask_emails", [
        ("Reach Bob.Smith@Example.COM today", f"Reach {E} today", 1),
        ("a%b+c@d-e.fg x_y@mail.server.example.travel", f"{E} {E}", 2),
        ("mailto:info@shop.co.uk.", f"mailto:{E}.", 1),
        ("write me at q@r.st...", f"write me at {E}...", 1),
        ("x!bob@example.com\tand\nann@ex.io", f"x!{E}\tand\n{E}", 2),
        ("(one@a.bc),[two@a.bc];three@a.bc", f"({E}),[{E}];{E}", 3),
    ])


@pytest.mark.points(2)
def test_hidden_emails_boundaries(student):
    """Email boundary rules: no '@' before, no letter/digit/_/-/@ or '.label' after, TLD of 2+ letters only."""
    check(student, "mask_emails", [
        ("a@b@c.com", "a@b@c.com", 0),
        ("bob@example.com@", "bob@example.com@", 0),
        ("bob@example.com-x and bob@example.com_x", "bob@example.com-x and bob@example.com_x", 0),
        ("bob@example.com.x1", "bob@example.com.x1", 0),
        ("bob@example.c0m", "bob@example.c0m", 0),
        ("bob@.com and bob@example..com", "bob@.com and bob@example..com", 0),
        ("bob@example.com..next", f"{E}..next", 1),
        (f"{E}{E}", f"{E}{E}", 0),
    ])


@pytest.mark.points(2)
def test_hidden_phone_numbers_masked(student):
    """+1 with any separator, '1 ' prefix, mixed separators and '(ddd)-' forms are masked whole and counted."""
    check(student, "mask_phone_numbers", [
        ("+12831823829 and +1.283.182.3829", f"{P} and {P}", 2),
        ("dial 1 (283) 182 3829 or 1.283.182.3829", f"dial {P} or {P}", 2),
        ("283 1823829, 283182-3829, (283)-182.3829", f"{P}, {P}, {P}", 3),
        ("fax:(555) 010-9999\n+1283-182-3829", f"fax:{P}\n{P}", 2),
        ("283-182-3829. Then 283-182-3829-x", f"{P}. Then {P}-x", 2),
    ])


@pytest.mark.points(2)
def test_hidden_phone_numbers_boundaries(student):
    """Phone boundary rules: not after a letter, digit, '.', '-' or '+'; not before a letter, digit or a '.'/'-' + digit."""
    check(student, "mask_phone_numbers", [
        ("a283-182-3829", "a283-182-3829", 0),
        ("7283-182-3829", "7283-182-3829", 0),
        ("x.283.182.3829 y-283-182-3829", "x.283.182.3829 y-283-182-3829", 0),
        ("+283-182-3829", "+283-182-3829", 0),
        ("283-182-3829a 283-182-38290", "283-182-3829a 283-182-38290", 0),
        ("283.182.3829.5", "283.182.3829.5", 0),
        ("x1-283-182-3829", "x1-283-182-3829", 0),
        ("12831823829 and 1--283-182-3829", "12831823829 and 1--283-182-3829", 0),
        ("283--182-3829 (283 182-3829", f"283--182-3829 ({P}", 1),
    ])


@pytest.mark.points(2)
def test_hidden_ips_masked(student):
    """Every octet form (0-9, 10-99, 100-199, 200-249, 250-255) is accepted; ports, commas and a final period stay."""
    check(student, "mask_ips", [
        ("100.99.10.9 250.249.200.199", f"{I} {I}", 2),
        ("1.2.3.4:8080,5.6.7.8", f"{I}:8080,{I}", 2),
        ("gateway 10.0.0.1. Next", f"gateway {I}. Next", 1),
        ("ip=127.0.0.1\n", f"ip={I}\n", 1),
        ("_8.8.4.4 and 8.8.4.4-5", f"_{I} and {I}-5", 2),
    ])


@pytest.mark.points(2)
def test_hidden_ips_boundaries(student):
    """Octets above 255 or with leading zeros, extra parts, and a letter/digit/'.' before or a letter/digit/'.digit' after stay."""
    check(student, "mask_ips", [
        ("255.255.255.256 260.1.1.1 300.1.1.1", "255.255.255.256 260.1.1.1 300.1.1.1", 0),
        ("00.1.1.1 1.1.1.01 1.01.1.1", "00.1.1.1 1.1.1.01 1.01.1.1", 0),
        ("a1.2.3.4 1.2.3.4b 9.1.2.3.4", "a1.2.3.4 1.2.3.4b 9.1.2.3.4", 0),
        (".1.2.3.4 1.2.3.4.7", ".1.2.3.4 1.2.3.4.7", 0),
        ("1.2.3. 1..2.3.4", "1.2.3. 1..2.3.4", 0),
        (f"{I} {I}", f"{I} {I}", 0),
    ])
