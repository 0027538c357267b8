"""Public tests: one self-instruct round over a mock generator."""

import pytest

from autograder.harness.expect import assert_equal

POOL = ["Write a poem about cats.", "List three uses of a paperclip.", "Explain photosynthesis to a child."]
BANNED = ["image", "draw"]


@pytest.mark.points(1)
def test_parse_instructions_hand_example(student):
    """One candidate per line, list numbers and surrounding whitespace removed, empty lines skipped."""
    response = "1. Write a haiku.\n  2) Name a colour  \n\n3.\n4.5 apples\nPlain line\r\n"
    assert_equal(list(student.call("parse_instructions", response)),
                 ["Write a haiku.", "Name a colour", "5 apples", "Plain line"])


@pytest.mark.points(3)
def test_synth_round_public(student, oracle):
    """synth_round's instructions and counts, and how many responses it draws, match the handout's round."""
    for case in oracle.expected("synth_public"):
        responses = oracle.mock_responses(case["seed"], POOL, 12, tuple(BANNED))
        feed = student.feed(responses)
        got = student.call("synth_round", POOL, feed, case["n_new"], 3, 16, 0.7, BANNED)
        assert_equal(sorted(got), ["counts", "instructions"])
        assert_equal(list(got["instructions"]), case["instructions"])
        assert_equal(dict(got["counts"]), case["counts"])
        assert_equal(feed.pulled, case["drawn"])


@pytest.mark.points(1)
def test_synth_round_stops_drawing(student, oracle):
    """Once n_new instructions are kept, no further response is drawn."""
    responses = ["1. Compose a song about rivers\n2. Write a letter to a friend about trains"] * 50
    feed = student.feed(responses)
    got = student.call("synth_round", [], feed, 1, 3, 16, 0.7, [])
    assert_equal(list(got["instructions"]), ["Compose a song about rivers"])
    assert_equal(feed.pulled, 1)
