"""Hidden tests: greedy and beam search on other tables, orders, beam sizes and penalties.

`ref_beam` below is an independent implementation of the handout's shrinking-beam rules.
"""

from __future__ import annotations

import math

import pytest
import torch
from autograder.harness import StudentError


def ref_beam(table, bos, eos, beam_size, max_len, alpha=0.0):
    """The handout's algorithm, written with explicit bookkeeping of done / alive."""
    m, V = table.ndim - 1, table.shape[-1]
    alive, done = [((bos,), 0.0)], []
    for _ in range(max_len):
        room = beam_size - len(done)
        pool = []
        for seq, s in alive:
            ctx = ((bos,) * m + seq)[-m:]
            row = table[ctx].tolist()
            pool.extend((seq + (w,), s + row[w]) for w in range(V))
        pool.sort(key=lambda t: (-t[1], t[0]))
        chosen = pool[:room] if room > 0 else []
        done += [c for c in chosen if c[0][-1] == eos]
        alive = [c for c in chosen if c[0][-1] != eos]
    done += alive
    out = [(list(seq), s / ((5 + len(seq) - 1) / 6) ** alpha) for seq, s in done]
    out.sort(key=lambda t: (-t[1], t[0]))
    return out


def assert_same(got, expected, tol=1e-9):
    """Same sequences in the same order, scores within tol (messages reveal no expected values)."""
    assert [list(seq) for seq, _ in got] == [list(seq) for seq, _ in expected], "the hypotheses or their order differ"
    for (_, s_got), (_, s_exp) in zip(got, expected):
        assert math.isclose(s_got, s_exp, rel_tol=tol, abs_tol=tol), "a hypothesis score differs"


def peaked_table(vocab_size, context_len, seed, eos, eos_logit):
    """A random log-prob table whose eos logit is shifted, to make eos likely or unlikely."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(*([vocab_size] * (context_len + 1)), generator=g, dtype=torch.float64) * 1.5
    logits[..., eos] += eos_logit
    return torch.log_softmax(logits, dim=-1)


@pytest.mark.points(2)
def test_beam_one_equals_greedy_higher_orders(student, oracle):
    """beam_size 1 equals greedy decoding on higher-order tables (trigram and above, other bos/eos ids, several seeds).

    Trigram and 4-gram tables, V=6."""
    for context_len, seed, bos, eos in ((2, 201, 4, 2), (3, 202, 5, 0), (2, 203, 1, 3)):
        table = oracle.random_table(6, context_len, seed=seed)
        hyps = student.call("beam:beam_search", table, bos, eos, 1, 7)
        exp_seq, exp_score = oracle.greedy(table, bos, eos, 7)
        assert [list(s) for s, _ in hyps] == [exp_seq]
        assert math.isclose(hyps[0][1], exp_score, rel_tol=1e-9, abs_tol=1e-9)
        seq, score = student.call("beam:greedy_search", table, bos, eos, 7)
        assert list(seq) == exp_seq and math.isclose(score, exp_score, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.points(2)
def test_exhaustive_trigram_brute_force(student, oracle):
    """A trigram table with a beam large enough to keep every hypothesis: the whole ranked list equals brute-force enumeration.

    V=3, L=5, beam_size 3^5."""
    table = oracle.random_table(3, 2, seed=211, scale=1.0)
    hyps = student.call("beam:beam_search", table, 0, 1, 3**5, 5)
    assert_same(hyps, oracle.brute_force(table, 0, 1, 5))


@pytest.mark.points(2)
def test_exhaustive_with_length_penalty(student, oracle):
    """A bigram table, exhaustive beam, alpha > 0: the ranked list equals brute force with GNMT-normalized scores.

    V=5, L=3, alpha 0.6."""
    table = peaked_table(5, 1, seed=221, eos=2, eos_logit=0.5)
    hyps = student.call("beam:beam_search", table, 3, 2, 5**3, 3, 0.6)
    assert_same(hyps, oracle.brute_force(table, 3, 2, 3, 0.6))


@pytest.mark.points(2)
def test_small_beams_follow_the_rules(student, oracle):
    """Small beams on random bigram/trigram tables (likely and unlikely eos, with and without length penalty) match the handout's algorithm exactly.

    Beam sizes 2, 3 and 5; alpha 0 and 0.8."""
    cases = [
        (7, 1, 231, 2, 1.0, 0.0, 6),
        (7, 1, 232, 3, 1.5, 0.8, 6),
        (5, 2, 233, 5, 0.5, 0.8, 5),
        (6, 2, 234, 3, -1.0, 0.0, 4),
        (4, 1, 235, 5, 2.0, 1.5, 7),
    ]
    for V, context_len, seed, beam_size, eos_logit, alpha, max_len in cases:
        table = peaked_table(V, context_len, seed, eos=1, eos_logit=eos_logit)
        hyps = student.call("beam:beam_search", table, 0, 1, beam_size, max_len, alpha)
        assert_same(hyps, ref_beam(table, 0, 1, beam_size, max_len, alpha))


@pytest.mark.points(2)
def test_pruning_uses_raw_scores(student, oracle):
    """Pruning keeps the highest raw log-prob prefixes even when alpha would favour a pruned longer one."""
    # bos=0, eos=1, A=2, B=3, C=4. beam 2: step 1 keeps [eos] (.5) and [A] (.3); [B] (.19) is pruned,
    # although [B, C, eos] (.19 * .95 * .95) wins the brute-force search once alpha = 5 rewards length.
    table = oracle.bigram_table({0: {1: 0.5, 2: 0.3, 3: 0.19}, 2: {1: 0.5}, 3: {4: 0.95}, 4: {1: 0.95}}, vocab_size=5)
    alpha = 5.0
    best_overall = oracle.brute_force(table, 0, 1, 4, alpha)[0][0]
    assert best_overall[:3] == [0, 3, 4]  # a check on the test: the global optimum goes through B
    hyps = student.call("beam:beam_search", table, 0, 1, 2, 4, alpha)
    expected = ref_beam(table, 0, 1, 2, 4, alpha)
    assert all(seq[1] != 3 for seq, _ in expected)
    assert_same(hyps, expected)


@pytest.mark.points(2)
def test_max_len_truncates_unfinished_hypotheses(student, oracle):
    """With eos very unlikely, the beam returns beam_size unfinished hypotheses of exactly max_len tokens, best first.

    Beam 3."""
    table = peaked_table(5, 1, seed=241, eos=1, eos_logit=-30.0)
    hyps = student.call("beam:beam_search", table, 0, 1, 3, 4, 0.5)
    assert len(hyps) == 3
    for seq, _ in hyps:
        assert len(seq) == 5 and 1 not in list(seq), "a hypothesis is not an unfinished max_len one"
    assert_same(hyps, ref_beam(table, 0, 1, 3, 4, 0.5))


@pytest.mark.points(1)
def test_beam_width_shrinks_as_hypotheses_finish(student, oracle):
    """Each finished hypothesis shrinks the beam: with eos likely, exactly beam_size hypotheses come back, some of different lengths."""
    table = peaked_table(6, 1, seed=251, eos=1, eos_logit=1.5)
    hyps = student.call("beam:beam_search", table, 0, 1, 4, 6)
    assert len(hyps) == 4
    assert len({len(seq) for seq, _ in hyps}) > 1
    assert_same(hyps, ref_beam(table, 0, 1, 4, 6))


@pytest.mark.points(2)
def test_greedy_stops_at_eos_and_max_len(student, oracle):
    """greedy_search stops right after eos, stops after max_len tokens without eos, and breaks ties to the lowest id."""
    table = oracle.bigram_table({0: {3: 0.6}, 3: {1: 0.7}}, vocab_size=5)
    seq, score = student.call("beam:greedy_search", table, 0, 1, 10)
    assert list(seq) == [0, 3, 1]
    assert math.isclose(score, float(table[0, 3] + table[3, 1]), rel_tol=1e-12)
    looping = oracle.bigram_table({0: {2: 0.6}, 2: {2: 0.8}}, vocab_size=4)
    seq, score = student.call("beam:greedy_search", looping, 0, 1, 3)
    assert list(seq) == [0, 2, 2, 2]
    assert math.isclose(score, float(looping[0, 2] + 2 * looping[2, 2]), rel_tol=1e-12)
    tied = torch.log(torch.tensor([[0.1, 0.1, 0.4, 0.4], [0.25] * 4, [0.1, 0.7, 0.1, 0.1], [0.1, 0.7, 0.1, 0.1]], dtype=torch.float64))
    seq, _ = student.call("beam:greedy_search", tied, 0, 1, 5)
    assert list(seq) == [0, 2, 1]


@pytest.mark.points(2)
def test_next_log_probs_context(student, oracle):
    """next_log_probs reads the last m tokens of the bos-padded sequence (higher-order tables).

    Trigram and 4-gram tables."""
    tri = oracle.random_table(4, 2, seed=261)
    for seq, ctx in (([2], (2, 2)), ([2, 3], (2, 3)), ([2, 0, 1, 3], (1, 3))):
        got = student.call("beam:next_log_probs", tri, seq, 2)
        assert torch.equal(torch.as_tensor(got, dtype=torch.float64), tri[ctx]), "wrong row of a trigram table"
    four = oracle.random_table(3, 3, seed=262)
    for seq, ctx in (([1], (1, 1, 1)), ([1, 0], (1, 1, 0)), ([1, 0, 2, 2], (0, 2, 2))):
        got = student.call("beam:next_log_probs", four, seq, 1)
        assert torch.equal(torch.as_tensor(got, dtype=torch.float64), four[ctx]), "wrong row of a 4-gram table"


@pytest.mark.points(2)
def test_ties_and_a_single_step(student, oracle):
    """Exact ties: pruning keeps the lexicographically smaller candidate (also across parents) and the final list orders tied scores the same way (also across steps); max_len 1 works."""
    # bos=2, eos=0, A=1, B=3: from bos, A and B tie (.45 each); both are followed by eos (.9)
    table = oracle.bigram_table({2: {1: 0.45, 3: 0.45}, 1: {0: 0.9}, 3: {0: 0.9}}, vocab_size=4)
    hyps = student.call("beam:beam_search", table, 2, 0, 1, 4)
    assert [list(s) for s, _ in hyps] == [[2, 1, 0]], "a tie must keep the smaller sequence"
    hyps = student.call("beam:beam_search", table, 2, 0, 2, 4, 0.7)
    assert [list(s) for s, _ in hyps] == [[2, 1, 0], [2, 3, 0]]
    assert hyps[0][1] == hyps[1][1]
    # a pruning tie between children of different parents: [0, 1, 1] (.25 * .5) beats [0, 3, 1] (.5 * .25)
    # for the last slot because it is the smaller sequence, although its parent ranks lower
    table = torch.log(torch.tensor([[0.125, 0.25, 0.125, 0.5], [0.125, 0.5, 0.25, 0.125],
                                    [0.25] * 4, [0.125, 0.25, 0.125, 0.5]], dtype=torch.float64))
    assert float(table[0, 1] + table[1, 1]) == float(table[0, 3] + table[3, 1])  # a check on the test
    hyps = student.call("beam:beam_search", table, 0, 2, 2, 2)
    assert [list(s) for s, _ in hyps] == [[0, 3, 3], [0, 1, 1]]
    # a final-ranking tie between hypotheses finished at different steps: [0, 1, 3] (.5 * .5) before [0, 3] (.25)
    table = torch.log(torch.tensor([[0.125, 0.5, 0.125, 0.25], [0.125, 0.25, 0.125, 0.5],
                                    [0.25] * 4, [0.25] * 4], dtype=torch.float64))
    assert 0.0 + float(table[0, 3]) == 0.0 + float(table[0, 1]) + float(table[1, 3])  # a check on the test
    hyps = student.call("beam:beam_search", table, 0, 3, 2, 2)
    assert [list(s) for s, _ in hyps] == [[0, 1, 3], [0, 3]]
    # one step only: the 3 best single tokens (ties by id), eos among them finished, the rest truncated
    table = oracle.bigram_table({0: {1: 0.3, 3: 0.3, 4: 0.3}}, vocab_size=5)
    hyps = student.call("beam:beam_search", table, 0, 1, 3, 1)
    assert [list(s) for s, _ in hyps] == [[0, 1], [0, 3], [0, 4]]
    assert_same(hyps, ref_beam(table, 0, 1, 3, 1))


@pytest.mark.points(1)
def test_bad_sizes_raise_value_error(student, oracle):
    """beam_size < 1 (0 or negative) and max_len < 1 raise ValueError."""
    table = oracle.random_table(4, 1, seed=271)
    for beam_size, max_len in ((-1, 3), (0, 2), (2, 0)):
        with pytest.raises(StudentError) as err:
            student.call("beam:beam_search", table, 0, 1, beam_size, max_len)
        assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"
