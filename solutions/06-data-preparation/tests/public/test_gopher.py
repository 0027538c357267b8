"""Public tests: the Gopher quality rules, each with a just-passing and a just-failing text."""

from __future__ import annotations

import pytest

NATURAL = (
    "The committee met on Tuesday to review the proposal for a new public library.\n"
    "Members agreed that the building should have more space for children and students.\n"
    "After a long discussion, the plan was approved with a few changes to the budget.\n"
    "Construction is expected to begin next spring and to finish within two years.\n"
    "Residents can read the full report on the city website or at the town hall."
)


def words(n: int, length: int = 4) -> list[str]:
    return ["w" * length] * n


@pytest.mark.points(2)
def test_word_count_boundaries(student):
    """gopher_word_count_ok passes 50 and 100000 words, fails 49 and 100001 (whitespace-split words)."""
    for n, ok in ((49, False), (50, True), (100_000, True), (100_001, False)):
        text = " ".join(words(n))
        assert student.call("gopher_word_count_ok", text) is ok, f"{n} words"
    assert student.call("gopher_word_count_ok", "\n".join(words(50)) + "  \t") is True, "newlines and tabs separate words"


@pytest.mark.points(2)
def test_mean_word_length_boundaries(student):
    """gopher_mean_word_length_ok passes means of exactly 3 and 10 characters, fails 2.98 and 10.02."""
    cases = (
        (words(50, 3), True),
        (words(49, 3) + words(1, 2), False),  # 149 / 50 = 2.98
        (words(50, 10), True),
        (words(49, 10) + words(1, 11), False),  # 501 / 50 = 10.02
    )
    for ws, ok in cases:
        assert student.call("gopher_mean_word_length_ok", " ".join(ws)) is ok, f"mean {sum(map(len, ws)) / len(ws)}"


@pytest.mark.points(2)
def test_ellipsis_lines_boundaries(student):
    """gopher_ellipsis_lines_ok passes 3 of 10 lines ending in an ellipsis ('...' or '…', trailing spaces ignored), fails 4 of 10."""
    plain = ["this line is fine"] * 10
    just_pass = ["wait for it...", "and then…", "more to come...   "] + plain[3:]
    just_fail = just_pass[:3] + ["a fourth one..."] + plain[4:]
    assert student.call("gopher_ellipsis_lines_ok", "\n".join(just_pass)) is True
    assert student.call("gopher_ellipsis_lines_ok", "\n".join(just_fail)) is False
    middle = ["the ... is in the middle"] * 10
    assert student.call("gopher_ellipsis_lines_ok", "\n".join(middle)) is True, "only a line's end counts"


@pytest.mark.points(2)
def test_alpha_words_boundaries(student):
    """gopher_alpha_words_ok passes 40 of 50 words with a letter (80%), fails 39 of 50."""
    alpha = ["word", "x1", "3rd", "e.g."]
    other = ["123", "--", "4.5", "#"]
    just_pass = (alpha * 10) + (other * 3)[:10]
    just_fail = (alpha * 10)[:39] + (other * 3)[:11]
    assert student.call("gopher_alpha_words_ok", " ".join(just_pass)) is True
    assert student.call("gopher_alpha_words_ok", " ".join(just_fail)) is False


@pytest.mark.points(1)
def test_stop_words_boundaries(student):
    """gopher_stop_words_ok needs 2 stop-word occurrences; case and surrounding punctuation are ignored."""
    assert student.call("gopher_stop_words_ok", "The, cat sat on a mat") is False
    assert student.call("gopher_stop_words_ok", "The, cat sat with a mat") is True
    assert student.call("gopher_stop_words_ok", "and and") is True, "occurrences count, not distinct words"


@pytest.mark.points(2)
def test_quality_filter_combines_rules(student):
    """gopher_quality_filter keeps a natural paragraph and rejects it when any one rule breaks."""
    assert student.call("gopher_quality_filter", NATURAL) is True
    stop = {"the", "be", "to", "of", "and", "that", "have", "with"}
    ws = NATURAL.split()
    broken = {  # each text breaks exactly one rule
        "too short": " ".join(ws[:49]),
        "long words": " ".join(w if w.lower().strip(".,") in stop else w * 4 for w in ws),
        "ellipses": NATURAL.replace(".\n", "...\n"),
        "numbers": NATURAL + " " + " ".join(["42"] * 30),
        "no stop words": " ".join(w for w in ws if w.lower().strip(".,") not in stop),
    }
    for why, text in broken.items():
        assert student.call("gopher_quality_filter", text) is False, why
