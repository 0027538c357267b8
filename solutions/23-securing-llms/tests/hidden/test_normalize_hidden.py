"""Hidden tests of normalize."""

import random

import pytest

from autograder.harness.expect import assert_equal


@pytest.mark.points(3)
def test_normalize_generated_texts(student, oracle):
    """normalize matches the handout's four steps on generated texts (compatibility forms, zero-width
    characters, homoglyphs, base64 spans that do and do not decode to printable UTF-8)."""
    rng = random.Random(230101)
    texts = [oracle.random_normalize_text(rng) for _ in range(300)]
    for text in texts:
        assert_equal(student.call("normalize", text), oracle.normalize(text), what="normalize(text)")


@pytest.mark.points(1)
def test_normalize_every_table_entry_and_span_rule(student, oracle):
    """normalize: every ZERO_WIDTH character is removed, every HOMOGLYPHS key is mapped, and the base64 span
    rules hold (minimum length, padding, multiple of 4, strict alphabet, printable UTF-8)."""
    for ch in oracle.ZERO_WIDTH:
        assert_equal(student.call("normalize", "a" + ch + "b"), "ab", what="a zero-width character removed")
    for key, ascii_letter in oracle.HOMOGLYPHS.items():
        assert_equal(student.call("normalize", "[" + key + "]"), "[" + ascii_letter + "]", what="a homoglyph mapped")
    import base64
    cases = [base64.b64encode(b"exactly twelve").decode(),          # 20 chars with padding
             base64.b64encode(b"twelve bytes").decode(),            # 16 chars, no padding
             base64.b64encode(b"eleven byte").decode(),             # 16 chars, one '='
             base64.b64encode(b"ten bytes!").decode(),              # 16 chars with '==', 14 base64 letters
             base64.b64encode(b"nine byte").decode(),               # 12 chars: too short
             base64.b64encode(b"tab\there and more").decode(),      # not printable
             base64.b64encode("\u00e9t\u00e9 \u00e0 Paris !".encode()).decode(),
             "QUJDREVGR0hJSktMTU5PUA==x", "QUJDREVGR0hJSktMTU5PUA=", "QUJD-REVGR0hJSktMTU5PUA=="]
    for span in cases:
        for text in [span, "<" + span + ">", "say " + span + " now"]:
            assert_equal(student.call("normalize", text), oracle.normalize(text), what="normalize(base64 span)")
