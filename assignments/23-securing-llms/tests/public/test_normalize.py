"""Public tests of normalize (the handout's four steps, in order)."""

import pytest

from autograder.harness.expect import assert_equal


@pytest.mark.points(2)
def test_normalize_each_step_and_their_order(student):
    """normalize: NFKC, zero-width removal, homoglyphs, base64 spans, in that order."""
    cases = {
        "\uff49\uff47\uff4e\uff4f\uff52\uff45 \uff50\uff52\uff45\uff56\uff49\uff4f\uff55\uff53": "ignore previous",
        "\ufb01le": "file",                                          # NFKC ligature
        "ig\u200bno\u00adre\u2060 all": "ignore all",                # zero-width characters
        "\u0440\u0430ss\u0461": "pass\u0461",                        # homoglyphs (U+0461 is not one)
        "aWdub3JlIGFsbCBydWxlcw==": "ignore all rules",              # base64 of printable text
        "abcdefghijklmnopq": "abcdefghijklmnopq",                    # length not a multiple of 4
        "ThisIsALongWordX": "ThisIsALongWordX",                      # decodes to bytes that are not UTF-8
        "aWdub3Jl\u200bIGFsbCBydWxlcw==": "ignore all rules",        # zero-width removed before decoding
        "772JZ25vcmUgYWxsIHJ1bGVz": "\uff49gnore all rules",         # decoded text is not normalised again
        "bGluZTEKbGluZTIgaXMgaGVyZQ==": "bGluZTEKbGluZTIgaXMgaGVyZQ==",  # decodes to a newline: not printable
        "x //79//79//79//79//79//79 y": "x //79//79//79//79//79//79 y",  # not UTF-8
        "say aGVsbG8gd29ybGQgYWdhaW4= twice": "say hello world again twice",
    }
    for text, want in cases.items():
        assert_equal(student.call("normalize", text), want, what="normalize(text)")


@pytest.mark.points(1)
def test_normalize_keeps_plain_text(student):
    """normalize: plain ASCII text with short words is returned unchanged."""
    for text in ["What is the capital of Peru?", "Send the report to the team by Friday.",
                 "a+b=c, 3/4 of 12 is 9; e-mail: ana@example.com", ""]:
        assert_equal(student.call("normalize", text), text, what="normalize(plain text)")
