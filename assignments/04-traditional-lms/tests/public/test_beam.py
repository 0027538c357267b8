"""Public tests: greedy and beam search over Markov log-prob tables (token 0 = bos, 1 = eos)."""

from __future__ import annotations

import math

import pytest
from autograder.harness import StudentError

BOS, EOS = 0, 1
A, B, C = 2, 3, 4


@pytest.mark.points(1)
def test_length_penalty_values(student, oracle):
    """length_penalty(L, alpha) = ((5 + L) / 6) ** alpha (GNMT)."""
    for case in oracle.expected("length_penalty"):  # (L, alpha) in (1, 0), (1, 1), (4, 1), (7, 0.6)
        length, alpha = case["length"], case["alpha"]
        got = student.call("beam:length_penalty", length, alpha)
        assert math.isclose(got, case["value"], rel_tol=1e-12), f"lp({length}, {alpha}) = {got}"


@pytest.mark.points(2)
def test_greedy_search_bigram(student, oracle):
    """greedy_search on a random bigram table (V=6) returns the argmax path and its summed log-prob."""
    table = oracle.random_table(6, 1, seed=3)
    seq, score = student.call("beam:greedy_search", table, BOS, EOS, 8)
    greedy = oracle.expected("greedy_bigram_v6_seed3")  # the argmax path of this table, computed once
    exp_seq, exp_score = greedy["seq"], greedy["score"]
    assert list(seq) == exp_seq
    assert math.isclose(score, exp_score, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.points(2)
def test_beam_size_one_equals_greedy(student, oracle):
    """beam_search with beam_size 1 returns exactly the greedy hypothesis, on a bigram and a trigram table."""
    for context_len, seed in ((1, 5), (2, 6)):
        table = oracle.random_table(5, context_len, seed=seed)
        hyps = student.call("beam:beam_search", table, BOS, EOS, 1, 6)
        greedy = oracle.expected("greedy_v5_max6")[str(context_len)]  # the argmax path, computed once
        exp_seq, exp_score = greedy["seq"], greedy["score"]
        assert len(hyps) == 1, f"beam_size 1 returned {len(hyps)} hypotheses"
        assert list(hyps[0][0]) == exp_seq, f"context length {context_len}: {hyps[0][0]} != greedy {exp_seq}"
        assert math.isclose(hyps[0][1], exp_score, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.points(2)
def test_beam_beats_greedy(student, oracle):
    """A hand-made bigram model where greedy takes A (p .5) then eos (p .3) but beam 2 finds B eos (.4 * .9)."""
    table = oracle.bigram_table(
        {BOS: {A: 0.5, B: 0.4}, A: {EOS: 0.3, A: 0.25, B: 0.2, C: 0.2}, B: {EOS: 0.9}}, vocab_size=5
    )
    greedy_seq, _ = student.call("beam:greedy_search", table, BOS, EOS, 3)
    assert list(greedy_seq) == [BOS, A, EOS]
    hyps = student.call("beam:beam_search", table, BOS, EOS, 2, 3)
    assert [list(s) for s, _ in hyps] == [[BOS, B, EOS], [BOS, A, EOS]]
    assert math.isclose(hyps[0][1], math.log(0.4 * 0.9), rel_tol=1e-9)


@pytest.mark.points(3)
def test_exhaustive_beam_matches_brute_force(student, oracle):
    """With beam_size = V^L (V=4, L=4) beam search returns every hypothesis, ranked as brute-force enumeration."""
    table = oracle.random_table(4, 1, seed=7)
    hyps = student.call("beam:beam_search", table, BOS, EOS, 4**4, 4)
    ranked = oracle.expected("brute_force_v4_seed7_max4")  # every complete hypothesis, ranked, computed once
    oracle.assert_hypotheses_equal(hyps, [(h["seq"], h["score"]) for h in ranked])


@pytest.mark.points(2)
def test_length_penalty_changes_the_winner(student, oracle):
    """Short [bos, eos] wins with alpha 0; with alpha 1 the longer [bos, A, B, eos] wins (beam 3, max_len 3)."""
    table = oracle.bigram_table({BOS: {EOS: 0.45, A: 0.5}, A: {B: 0.8}, B: {EOS: 0.9}}, vocab_size=4)
    for alpha, winner in ((0.0, [BOS, EOS]), (1.0, [BOS, A, B, EOS])):
        best = oracle.expected("length_penalty_winner")[str(alpha)]  # brute-force best, computed once
        assert best["seq"] == winner  # a check on the test itself
        hyps = student.call("beam:beam_search", table, BOS, EOS, 3, 3, alpha)
        assert list(hyps[0][0]) == winner, f"alpha={alpha}: best {hyps[0][0]}, expected {winner}"
        expected_score = best["score"]
        assert math.isclose(hyps[0][1], expected_score, rel_tol=1e-9), f"alpha={alpha}: score {hyps[0][1]}"


@pytest.mark.points(1)
def test_ties_go_to_the_lexicographically_smaller_sequence(student, oracle):
    """Equal scores are ordered by the smaller sequence: [bos, A, eos] before [bos, B, eos]; greedy takes A."""
    table = oracle.bigram_table({BOS: {A: 0.5, B: 0.5}, A: {EOS: 0.99}, B: {EOS: 0.99}}, vocab_size=4)
    hyps = student.call("beam:beam_search", table, BOS, EOS, 2, 3)
    assert [list(s) for s, _ in hyps] == [[BOS, A, EOS], [BOS, B, EOS]]
    assert list(student.call("beam:greedy_search", table, BOS, EOS, 3)[0]) == [BOS, A, EOS]


@pytest.mark.points(1)
def test_beam_search_rejects_bad_sizes(student, oracle):
    """beam_size 0 raises ValueError."""
    with pytest.raises(StudentError) as err:
        student.call("beam:beam_search", oracle.random_table(4, 1, seed=1), BOS, EOS, 0, 3)
    assert err.value.exc_type == "ValueError", f"got {err.value.exc_type}, expected ValueError"
