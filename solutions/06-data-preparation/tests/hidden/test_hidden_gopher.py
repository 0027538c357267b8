"""Hidden tests: Gopher rules with other thresholds, both boundaries of each, and empty texts."""

from __future__ import annotations

import pytest


def words(n: int, length: int = 4, ch: str = "q") -> list[str]:
    return [ch * length] * n


@pytest.mark.points(1)
def test_hidden_word_count_custom_thresholds(student):
    """gopher_word_count_ok with custom thresholds passes word counts exactly at both bounds and fails one beyond each; the empty text fails the defaults.

    min_words=7, max_words=12."""
    for n, ok in ((6, False), (7, True), (12, True), (13, False)):
        text = "\n ".join(words(n))
        assert student.call("gopher_word_count_ok", text, min_words=7, max_words=12) is ok, f"{n} words"
    assert student.call("gopher_word_count_ok", "") is False
    assert student.call("gopher_word_count_ok", "x", 1, 1) is True


@pytest.mark.points(2)
def test_hidden_mean_word_length_custom_and_empty(student):
    """gopher_mean_word_length_ok with custom (fractional) thresholds: means exactly at both bounds pass, means just beyond fail; no words fails.

    min_len=4.5, max_len=6; means 4.25 and 6.25 fail."""
    cases = (
        (words(2, 4) + words(2, 5), True),  # 4.5
        (words(3, 4) + words(1, 5), False),  # 4.25
        (words(3, 6) + words(1, 6), True),  # 6.0
        (words(3, 6) + words(1, 7), False),  # 6.25
    )
    for ws, ok in cases:
        got = student.call("gopher_mean_word_length_ok", " ".join(ws), min_len=4.5, max_len=6.0)
        assert got is ok, f"mean {sum(map(len, ws)) / len(ws)}"
    assert student.call("gopher_mean_word_length_ok", "   \n ") is False
    assert student.call("gopher_mean_word_length_ok", "ab, cd.") is True, "punctuation counts as characters"


@pytest.mark.points(2)
def test_hidden_ellipsis_lines_custom_and_splitlines(student):
    """gopher_ellipsis_lines_ok uses str.splitlines (a final newline adds no line, '\\r\\n' is one break) and '<=' max_fraction."""
    text = "one...\r\ntwo\r\nthree…\t\nfour\n"  # 4 lines, 2 with an ellipsis
    assert student.call("gopher_ellipsis_lines_ok", text, max_fraction=0.5) is True
    assert student.call("gopher_ellipsis_lines_ok", text, max_fraction=0.49) is False
    assert student.call("gopher_ellipsis_lines_ok", text) is False
    assert student.call("gopher_ellipsis_lines_ok", "") is True, "no lines passes"
    assert student.call("gopher_ellipsis_lines_ok", "a..\nb. . .\nc..x") is True, "'..' and '. . .' are not ellipses"
    assert student.call("gopher_ellipsis_lines_ok", "done....") is False


@pytest.mark.points(1)
def test_hidden_alpha_words_custom_and_empty(student):
    """gopher_alpha_words_ok with a custom min_fraction: a fraction exactly at the bound passes, a lower one fails; no words fails; non-ASCII letters count.

    min_fraction=0.75: 3 of 4 pass, 2 of 4 fail."""
    assert student.call("gopher_alpha_words_ok", "año 12 x9 $5", min_fraction=0.5) is True
    assert student.call("gopher_alpha_words_ok", "año 12 x9 $5", min_fraction=0.75) is False
    assert student.call("gopher_alpha_words_ok", "año 12 x9 é5", min_fraction=0.75) is True
    assert student.call("gopher_alpha_words_ok", "") is False
    assert student.call("gopher_alpha_words_ok", "1 2 3 4 a b c d e f g h i j k l m n o p") is True  # 16 / 20
    assert student.call("gopher_alpha_words_ok", "1 2 3 4 5 b c d e f g h i j k l m n o p") is False  # 15 / 20


@pytest.mark.points(1)
def test_hidden_stop_words_custom(student):
    """gopher_stop_words_ok counts occurrences of the 8 stop words after stripping punctuation and lower-casing, against min_count."""
    text = "(With) THAT... have-to of, cat"
    # "have-to" is one word and not a stop word; "(With)", "THAT...", "of," are
    assert student.call("gopher_stop_words_ok", text, min_count=3) is True
    assert student.call("gopher_stop_words_ok", text, min_count=4) is False
    assert student.call("gopher_stop_words_ok", "be be be", min_count=3) is True
    assert student.call("gopher_stop_words_ok", "") is False
    assert student.call("gopher_stop_words_ok", "", min_count=0) is True
    assert student.call("gopher_stop_words_ok", "them then tot bee") is False


@pytest.mark.points(2)
def test_hidden_quality_filter_boundaries(student):
    """gopher_quality_filter at the default thresholds: a text exactly at every boundary passes, one step past any fails."""
    def make(n_words=50, n_short=9, n_numeric=10, ellipsis_lines=3):
        # 10 lines of 3-character words; the 9 characters of the 3 ellipses are offset by 9
        # 2-letter words, so the mean is exactly 3
        ws = ["the", "and"] + ["abc"] * (n_words - 2 - n_numeric) + ["123"] * n_numeric
        for k in range(n_short):
            ws[2 + k] = "ab"
        lines = [" ".join(ws[i::10]) for i in range(10)]
        lines = [ln + ("..." if i < ellipsis_lines else "") for i, ln in enumerate(lines)]
        return "\n".join(lines)

    assert student.call("gopher_quality_filter", make()) is True
    assert student.call("gopher_quality_filter", make(n_words=49, n_numeric=9)) is False
    assert student.call("gopher_quality_filter", make(n_numeric=11)) is False
    assert student.call("gopher_quality_filter", make(ellipsis_lines=4)) is False
    assert student.call("gopher_quality_filter", make().replace("the", "thy")) is False
    assert student.call("gopher_quality_filter", make(n_short=10)) is False
