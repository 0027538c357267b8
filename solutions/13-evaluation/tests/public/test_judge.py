"""Public tests: pairwise LLM-as-a-judge with position swapping, with scripted judges."""

from __future__ import annotations

import pytest

from autograder.harness.expect import assert_close, assert_equal

# the handout's verdict table: (original, swapped) -> reconciled
TABLE = {
    ("A", "A"): "tie", ("A", "B"): "A", ("A", "tie"): "tie",
    ("B", "A"): "B", ("B", "B"): "tie", ("B", "tie"): "tie",
    ("tie", "A"): "tie", ("tie", "B"): "tie", ("tie", "tie"): "tie",
}


def always_a(request: dict) -> str:
    """A judge with a pure position bias: the first answer shown always wins."""
    return "A"


def prefers_correct(request: dict) -> str:
    """A consistent judge: the answer that contains "correct" wins, wherever it is shown."""
    first, second = "correct" in request["first"], "correct" in request["second"]
    return "A" if first and not second else "B" if second and not first else "tie"


def run_judge(student, judge, question, a, b):
    requests = student.call("judge_requests", question, a, b)
    assert_equal(len(requests), 2, what="the number of judge requests")
    verdicts = [judge(r) for r in requests]
    return student.call("pairwise_verdict", *verdicts)


@pytest.mark.points(1)
def test_judge_requests_show_both_orders(student):
    """judge_requests returns the original order, then the swapped one."""
    got = student.call("judge_requests", "Q?", "first answer", "second answer")
    assert_equal(got, [{"question": "Q?", "first": "first answer", "second": "second answer"},
                       {"question": "Q?", "first": "second answer", "second": "first answer"}])


@pytest.mark.points(2)
def test_position_biased_judge_gives_a_tie(student):
    """A judge that always answers "A" yields a tie after swapping and reconciling."""
    assert_equal(run_judge(student, always_a, "2+2?", "4", "5"), "tie")


@pytest.mark.points(2)
def test_consistent_judge_picks_the_better_answer(student):
    """A judge that prefers the correct answer wherever it is shown makes that answer win, in either argument order."""
    assert_equal(run_judge(student, prefers_correct, "2+2?", "4 (correct)", "5"), "A")
    assert_equal(run_judge(student, prefers_correct, "2+2?", "5", "4 (correct)"), "B")


@pytest.mark.points(2)
def test_verdict_table(student):
    """pairwise_verdict follows the handout's table for all nine pairs of verdicts."""
    for (orig, swapped), want in TABLE.items():
        assert_equal(student.call("pairwise_verdict", orig, swapped), want, what=f"pairwise_verdict({orig!r}, {swapped!r})")


@pytest.mark.points(1)
def test_win_rate_counts_ties_as_half(student):
    """win_rate = (wins of A + 0.5 * ties) / n."""
    assert_close(student.call("win_rate", ["A", "B", "tie", "A"]), 0.625, rel=1e-12)
