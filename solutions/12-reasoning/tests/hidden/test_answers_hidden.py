"""Hidden tests of extract_answer, majority_vote and self_consistency."""

import random

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(3)
def test_extract_matches_the_rules_on_generated_texts(student, oracle):
    """extract_answer follows the handout's rules (boxes, numbers, normalization, None) on generated texts."""
    rng = random.Random(1201)
    texts = [oracle.random_text(rng) for _ in range(300)]
    for text in texts:
        assert_equal(student.call("extract_answer", text), oracle.extract(text))


@pytest.mark.points(1)
def test_extract_box_edge_cases(student, oracle):
    """extract_answer: nested and empty boxes, a box inside a box, boxes across lines, stray braces.

    Cases: r"\\boxed{}", a box within a box, "}}" after a box, a box spanning a newline.
    """
    cases = ["\\boxed{}", "a \\boxed{\\boxed{3} and 4} b", "\\boxed{x}} 5", "\\boxed{1\n2} 3",
             "\\boxed{{}} 9", "\\boxed{ -12 } 3", "\\boxed {5} 6", "\\boxed{5 \\boxed{6 7"]
    for text in cases:
        assert_equal(student.call("extract_answer", text), oracle.extract(text))


@pytest.mark.points(1)
def test_extract_number_edge_cases(student, oracle):
    """extract_answer: signs, zeros, decimals without digits, broken thousands groups."""
    cases = ["-0", "000", "0.000", "-0.50", "1,000,000.000", "12.", ".5", "1,23,456", "--7", "a-b 3-", "1.2.3",
             "10,000,00", "x1,234y"]
    for text in cases:
        assert_equal(student.call("extract_answer", text), oracle.extract(text))


@pytest.mark.points(1)
def test_majority_vote_matches_counter(student, oracle):
    """majority_vote equals Counter.most_common (ties to the first seen), share over all answers."""
    rng = random.Random(1202)
    for _ in range(60):
        answers = [rng.choice(["1", "2", "3", "42", None]) for _ in range(rng.randint(1, 12))]
        want = oracle.counter_vote(answers)
        got = student.call("majority_vote", answers)
        assert isinstance(got, tuple) and len(got) == 2, "majority_vote returns a pair"
        assert_equal(got[0], want[0], what="answer")
        assert_close(got[1], want[1], rel=0, abs=1e-12, what="share")


@pytest.mark.points(2)
def test_self_consistency_other_samplers(student, oracle):
    """self_consistency: n calls with seeds in order, the vote of the extracted answers, ties and all-None."""
    for seed, n, answers, weights in [(7, 15, ["4", "5", ""], [3, 3, 1]), (8, 1, ["9", ""], [1, 1]),
                                      (9, 6, ["", "x"], [5, 0]), (10, 40, ["1", "2", "3", ""], [1, 1, 1, 1])]:
        sample = oracle.hashed_sampler(answers, weights, seed=seed)
        sampler = student.callback(sample)
        extract = student.callback(oracle.sampler_extract)
        prompt = f"Question {seed}: how many?"
        got = student.call("self_consistency", prompt, sampler, n, extract)
        assert sampler.calls == [([prompt, i], {}) for i in range(n)], "sample_fn calls"
        assert extract.count == n, "extract calls"
        want = oracle.counter_vote([oracle.sampler_extract(sample(prompt, i)) for i in range(n)])
        assert isinstance(got, tuple) and len(got) == 2, "self_consistency returns a pair"
        assert_equal(got[0], want[0], what="answer")
        assert_close(got[1], want[1], rel=0, abs=1e-12, what="share")


@pytest.mark.points(1)
def test_self_consistency_default_extract_follows_the_rules(student, oracle):
    """self_consistency without extract uses extract_answer's rules; n < 1 raises ValueError."""
    rng = random.Random(1203)
    texts = [oracle.random_text(rng) for _ in range(12)] + ["\\boxed{7}", "7.0", "007"]
    sampler = student.callback(lambda prompt, i: texts[i])
    got = student.call("self_consistency", "p", sampler, len(texts))
    want = oracle.counter_vote([oracle.extract(t) for t in texts])
    assert isinstance(got, tuple) and len(got) == 2, "self_consistency returns a pair"
    assert_equal(got[0], want[0], what="answer")
    assert_close(got[1], want[1], rel=0, abs=1e-12, what="share")
    for bad in (0, -1):
        with pytest.raises(StudentError) as err:
            student.call("self_consistency", "p", sampler, bad)
        assert err.value.exc_type == "ValueError"
