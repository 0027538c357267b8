"""Hidden tests: pairwise LLM-as-a-judge with other scripted judges and invalid verdicts."""

from __future__ import annotations

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal


def always(verdict):
    return lambda request: verdict


def prefers_longer(request: dict) -> str:
    a, b = len(request["first"]), len(request["second"])
    return "A" if a > b else "B" if b > a else "tie"


def run(student, judge, q, a, b):
    requests = student.call("judge_requests", q, a, b)
    assert_equal(len(requests), 2, what="the number of judge requests")
    return student.call("pairwise_verdict", *[judge(r) for r in requests])


@pytest.mark.points(2)
def test_position_biased_judges_tie(student):
    """Judges that always answer "B" or always "tie" yield a tie; so does one that always answers "A"."""
    for v in ("A", "B", "tie"):
        assert_equal(run(student, always(v), "q", "one answer", "another answer"), "tie", what=f"always {v}")


@pytest.mark.points(2)
def test_consistent_judge_over_a_set_of_questions(student):
    """A judge that prefers the longer answer, wherever it is shown, gives the expected verdicts and win rate."""
    pairs = [("long answer here", "short"), ("x", "much longer"), ("same", "size"), ("abcdefg", "abc")]
    verdicts = [run(student, prefers_longer, f"q{i}", a, b) for i, (a, b) in enumerate(pairs)]
    assert_equal(verdicts, ["A", "B", "tie", "A"])
    assert_close(student.call("win_rate", verdicts), 0.625, rel=1e-12)


@pytest.mark.points(1)
def test_judge_requests_keep_the_texts(student):
    """judge_requests copies question and answers unchanged (whitespace and unicode included)."""
    q, a, b = "  Wie geht's?\n", "Gut 👍", ""
    assert_equal(student.call("judge_requests", q, a, b),
                 [{"question": q, "first": a, "second": b}, {"question": q, "first": b, "second": a}])


@pytest.mark.points(1)
def test_invalid_verdicts_raise(student):
    """pairwise_verdict and win_rate raise ValueError for a verdict other than "A", "B" or "tie", win_rate also for an empty list."""
    for args in [("a", "B"), ("A", "C"), ("A", "")]:
        with pytest.raises(StudentError) as err:
            student.call("pairwise_verdict", *args)
        assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"
    for verdicts in [[], ["A", "draw"]]:
        with pytest.raises(StudentError) as err:
            student.call("win_rate", verdicts)
        assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"


@pytest.mark.points(1)
def test_win_rate_extremes(student):
    """win_rate is one when A always wins, zero when B always wins, and one half when every verdict is a tie."""
    for verdicts, want in [(["A"] * 3, 1.0), (["B", "B"], 0.0), (["tie"], 0.5)]:
        assert_close(student.call("win_rate", verdicts), want, rel=1e-12)
