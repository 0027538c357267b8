"""Hidden tests: self-instruct rounds over other mock generators."""

import pytest

from autograder.harness.expect import assert_equal

POOL = ["Give three tips for a job interview.", "Write a haiku about autumn leaves.",
        "Explain how vaccines work in simple words.", "Draft a polite email declining a meeting."]


@pytest.mark.points(2)
@pytest.mark.parametrize("seed,n_new,threshold", [(21, 3, 0.7), (22, 8, 0.6), (23, 1000, 0.8), (24, 5, 0.7)])
def test_synth_round_matches_reference_round(student, oracle, seed, n_new, threshold):
    """Instructions, counts and responses drawn equal the handout's round on a seeded mock generator."""
    banned = ["image", "draw", "picture"]
    responses = oracle.mock_responses(seed, POOL, 15, ("image", "draw"))
    want, drawn = oracle.ref_synth_round(POOL, responses, n_new, 4, 14, threshold, banned)
    feed = student.feed(responses)
    got = student.call("synth_round", POOL, feed, n_new, 4, 14, threshold, banned)
    assert_equal(list(got["instructions"]), want["instructions"])
    assert_equal(dict(got["counts"]), want["counts"])
    assert_equal(feed.pulled, drawn)


@pytest.mark.points(2)
def test_synth_round_counts_add_up_and_laziness(student, oracle):
    """Counts add up, nothing is drawn for zero new instructions, and the round stops mid-response."""
    feed = student.feed(["1. Write a story about a brave mouse"] * 5)
    got = student.call("synth_round", POOL, feed, 0, 1, 50, 0.7, [])
    assert_equal(list(got["instructions"]), [])
    assert_equal(feed.pulled, 0)
    responses = ["1. Hi\n2. Draw an image of the sea\n3. Describe a sunrise over the mountains\n"
                 "4. Name five fruits that are red\n5. Write a haiku about autumn leaves"]
    feed = student.feed(responses * 3)
    got = student.call("synth_round", POOL, feed, 1, 3, 50, 0.7, ["image"])
    assert_equal(dict(got["counts"]), {"generated": 3, "length": 1, "keyword": 1, "duplicate": 0, "kept": 1})
    assert_equal(feed.pulled, 1)
    feed = student.feed(responses * 3)
    got = student.call("synth_round", POOL, feed, 10, 3, 50, 0.7, ["image"])
    c = got["counts"]
    assert c["generated"] == c["length"] + c["keyword"] + c["duplicate"] + c["kept"] == 15
    assert_equal(dict(c), {"generated": 15, "length": 3, "keyword": 3, "duplicate": 7, "kept": 2})
    assert_equal(feed.pulled, 3)
    # length bounds are inclusive: 3 and 5 words pass, 2 and 6 do not
    feed = student.feed(["1. Name two rivers\n2. Name rivers\n3. Sing a very long happy song\n"
                         "4. Sing a long happy song"])
    got = student.call("synth_round", [], feed, 10, 3, 5, 0.99, [])
    assert_equal(list(got["instructions"]), ["Name two rivers", "Sing a long happy song"])
    assert_equal(dict(got["counts"]), {"generated": 4, "length": 2, "keyword": 0, "duplicate": 0, "kept": 2})
    # a ROUGE-L F equal to the threshold is kept ("a b x y" vs "a b c d": F = 0.5 exactly); above it is a duplicate
    feed = student.feed(["1. a b x y\n2. a b c d e"])
    got = student.call("synth_round", ["a b c d"], feed, 10, 3, 10, 0.5, [])
    assert_equal(list(got["instructions"]), ["a b x y"])
    assert_equal(dict(got["counts"]), {"generated": 2, "length": 0, "keyword": 0, "duplicate": 1, "kept": 1})
