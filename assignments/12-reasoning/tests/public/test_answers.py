"""Public tests of extract_answer, majority_vote and self_consistency (cases from the handout's rules)."""

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal

CASES = [
    ("So the total is 1,234 apples.", "1234"),
    ("It costs $3.50, then -2 after the refund", "-2"),
    ("First 12, then 7.", "7"),
    ("Temperature: -0.00 degrees", "0"),
    ("Pages 3-5", "-5"),
    ("We get 007.250 and that is it", "7.25"),
    ("12,34 and 1,2345", "2345"),
    ("There is no number here.", None),
    ("", None),
]


@pytest.mark.points(2)
def test_extract_last_number(student):
    """extract_answer: the last number, with thousands commas, minus signs, decimals and None."""
    for text, want in CASES:
        assert_equal(student.call("extract_answer", text), want, what=f"extract_answer({text!r})")


@pytest.mark.points(2)
def test_extract_boxed(student):
    """extract_answer: the last closed \\boxed{...} wins over numbers, nested braces kept."""
    cases = [
        (r"We find 12 and 14, so \boxed{13} is it. Checked 99 times.", "13"),
        (r"\boxed{1} then \boxed{ \frac{1}{2} } end 7", r"\frac{1}{2}"),
        (r"\boxed{2} and an unclosed \boxed{3 so 4", "2"),
        (r"only an unclosed \boxed{3 and 4", "4"),
        (r"\boxed{1,000}", "1,000"),
    ]
    for text, want in cases:
        assert_equal(student.call("extract_answer", text), want, what=f"extract_answer({text!r})")


@pytest.mark.points(1)
def test_majority_vote_tie_and_none(student):
    """majority_vote: most frequent answer, ties to the first seen, None does not vote but counts."""
    assert_equal(student.call("majority_vote", ["3", "5", "5", "3", None]), ("3", 0.4))
    assert_equal(student.call("majority_vote", [None, "7", "2", "2"]), ("2", 0.5))
    assert_equal(student.call("majority_vote", [None, None]), (None, 0.0))
    assert_equal(student.call("majority_vote", []), (None, 0.0))


@pytest.mark.points(2)
def test_self_consistency_votes_and_calls_each_seed_once(student, kit):
    """self_consistency: samples i = 0..n-1 once each, in order; returns the vote of the extracted answers."""
    sample = kit.hashed_sampler(["18", "17", "20", ""], [4, 3, 2, 1], seed=5)
    sampler = student.callback(sample)
    extract = student.callback(kit.sampler_extract)
    prompt = "Q: Janet has 16 eggs... How many?"
    got = student.call("self_consistency", prompt, sampler, 9, extract)
    assert sampler.calls == [([prompt, i], {}) for i in range(9)], "sample_fn calls are not (prompt, 0), ..., (prompt, n-1)"
    answers = [kit.sampler_extract(sample(prompt, i)) for i in range(9)]
    want = kit.counter_vote(answers)
    assert isinstance(got, tuple) and len(got) == 2, "self_consistency returns a pair (answer, share)"
    assert_equal(got[0], want[0], what="voted answer")
    assert_close(got[1], want[1], rel=0, abs=1e-12, what="share")
    assert extract.count == 9, "extract was not called once per sample"


@pytest.mark.points(1)
def test_self_consistency_default_extract_and_bad_n(student):
    """self_consistency: extract_answer by default; n < 1 raises ValueError."""
    texts = ["so \\boxed{4}", "maybe 5", "it is 4.0", "I give up"]
    sampler = student.callback(lambda prompt, i: texts[i])
    assert_equal(student.call("self_consistency", "p", sampler, 4), ("4", 0.5))
    with pytest.raises(StudentError) as err:
        student.call("self_consistency", "p", sampler, 0)
    assert err.value.exc_type == "ValueError"
