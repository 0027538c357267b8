"""Hidden tests: reciprocal_rank_fusion and mmr against trusted references on random inputs."""

import math
import random

import numpy as np
import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close


def _rrf(student, *args, **kwargs):
    return [(int(d), float(s)) for d, s in student.call("reciprocal_rank_fusion", *args, **kwargs)]


def _reference_rrf(rankings, k):
    """The handout's rule: first position per ranking, accumulated ranking by ranking from 0.0."""
    fused = {}
    for ranking in rankings:
        first = {}
        for position, doc in enumerate(ranking, start=1):
            first.setdefault(doc, position)
        for doc, position in sorted(first.items(), key=lambda item: item[1]):
            fused[doc] = fused.get(doc, 0.0) + 1.0 / (k + position)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def _random_rankings(rng, n_rankings, pool, max_len, duplicates=False):
    out = []
    for _ in range(n_rankings):
        ranking = rng.sample(range(pool), rng.randint(0, max_len))
        if duplicates and ranking:
            for _ in range(rng.randint(1, 4)):
                ranking.insert(rng.randrange(len(ranking) + 1), rng.choice(ranking))
        out.append(ranking)
    return out


def _assert_same_fusion(got, expected):
    assert [d for d, _ in got] == [d for d, _ in expected]
    for (d, s), (_, e) in zip(got, expected):
        assert_close(s, e, rel=0, abs=1e-12, what=f"doc {d}")


@pytest.mark.points(3)
def test_rrf_random_rankings(student, oracle):
    """RRF ids, order and scores match the stated rule on random overlapping rankings of different lengths, for several k."""
    rng = random.Random(4242)
    for k in (60, 10, 1, 2.5):
        for _ in range(10):
            rankings = _random_rankings(rng, rng.randint(1, 5), 30, 20)
            _assert_same_fusion(_rrf(student, rankings, k=k), _reference_rrf(rankings, k))


@pytest.mark.points(1)
def test_rrf_random_with_duplicates(student, oracle):
    """Repeated ids inside a ranking count once, at their first position, without renumbering the rest."""
    rng = random.Random(4343)
    for _ in range(15):
        rankings = _random_rankings(rng, rng.randint(1, 4), 15, 12, duplicates=True)
        _assert_same_fusion(_rrf(student, rankings, k=60), _reference_rrf(rankings, 60))


@pytest.mark.points(1)
def test_rrf_single_ranking_and_k_zero(student, oracle):
    """One ranking keeps its order with scores 1/(k + rank); with k = 0 the scores are 1/rank."""
    ranking = [9, 2, 7, 0, 5]
    assert [d for d, _ in _rrf(student, [ranking])] == ranking
    got = _rrf(student, [ranking], k=0)
    assert_close([s for _, s in got], [1.0, 1 / 2, 1 / 3, 1 / 4, 1 / 5], abs=1e-15)
    got = _rrf(student, [[1, 2], [2, 1], [3]], k=0)
    assert_close(got, [(1, 1.5), (2, 1.5), (3, 1.0)], abs=1e-15)


def _reference_mmr(q, x, candidates, lam, n):
    """Greedy MMR from the definition, in plain Python; also returns the smallest gap between the best and the runner-up."""
    def cos(u, v):
        nu, nv = math.sqrt(sum(a * a for a in u)), math.sqrt(sum(b * b for b in v))
        if nu == 0 or nv == 0:
            return 0.0
        return sum(a * b for a, b in zip(u, v)) / (nu * nv)

    q, x = [float(v) for v in q], [[float(v) for v in row] for row in x]
    selected, remaining, min_gap = [], sorted(candidates), math.inf
    while remaining and len(selected) < n:
        scored = []
        for c in remaining:
            redundancy = max((cos(x[c], x[s]) for s in selected), default=0.0)
            scored.append((lam * cos(q, x[c]) - (1 - lam) * redundancy, c))
        scored.sort(key=lambda t: (-t[0], t[1]))
        if len(scored) > 1:
            min_gap = min(min_gap, scored[0][0] - scored[1][0])
        selected.append(scored[0][1])
        remaining.remove(scored[0][1])
    return selected, min_gap


@pytest.mark.points(4)
def test_mmr_random_vs_reference(student, oracle):
    """mmr equals a brute-force greedy MMR on random vectors, random candidate subsets and several lambda_ values.

    lambda_ in {0.3, 0.5, 0.7, 0.9}."""
    rng = np.random.default_rng(555)
    for trial in range(12):
        x = rng.standard_normal((30, 8))
        x[3] = 0.0  # a zero vector: cosine 0 with everything
        q = rng.standard_normal(8)
        candidates = [int(c) for c in rng.choice(30, size=int(rng.integers(5, 30)), replace=False)]
        lam = [0.3, 0.5, 0.7, 0.9][trial % 4]
        n = int(rng.integers(1, 12))
        expected, gap = _reference_mmr(q, x, candidates, lam, n)
        assert gap > 1e-9, "test data has a near-tie"
        assert oracle.ids(student.call("mmr", q, x, candidates, lam, n)) == expected, (trial, lam, n)


@pytest.mark.points(1)
def test_mmr_lambda_zero_tie_rule(student, oracle):
    """With lambda_=0 every first score is 0, so the lowest id goes first; then the least redundant candidate."""
    x = np.array([[0.8, 0.6], [0.6, 0.8], [0.8, -0.6], [0.96, 0.28], [0.28, 0.96]])
    q = np.array([1.0, 0.0])
    assert oracle.ids(student.call("mmr", q, x, [3, 1, 4], 0.0, 3)) == [1, 3, 4]
    assert oracle.ids(student.call("mmr", q, x, [4, 2, 3], 0.0, 2)) == [2, 4]


@pytest.mark.points(1)
def test_mmr_order_of_candidates_does_not_matter(student, oracle):
    """Shuffling candidate_ids does not change the result, and n beyond the candidates returns them all."""
    rng = np.random.default_rng(556)
    x = rng.standard_normal((20, 5))
    q = rng.standard_normal(5)
    candidates = list(range(0, 20, 2))
    expected, gap = _reference_mmr(q, x, candidates, 0.6, 50)
    assert gap > 1e-9
    shuffled = candidates[:]
    random.Random(1).shuffle(shuffled)
    assert oracle.ids(student.call("mmr", q, x, shuffled, 0.6, 50)) == expected
    assert len(expected) == len(candidates)


@pytest.mark.points(1)
def test_rrf_rejects_negative_fractional_k(student):
    """Negative fractional k (even barely below zero) raises ValueError, while k = 0.0 (a float) is accepted.

    k = -0.5 and k = -1e-9."""
    for k in (-0.5, -1e-9):
        with pytest.raises(StudentError) as err:
            student.call("reciprocal_rank_fusion", [[3, 1], [1]], k=k)
        assert err.value.exc_type == "ValueError"
    got = _rrf(student, [[3, 1], [1]], k=0.0)
    assert_close(got, [(1, 1.5), (3, 1.0)], abs=1e-15)


@pytest.mark.points(1)
def test_mmr_boundary_arguments(student, oracle):
    """lambda_ = 1 (pure relevance) and lambda_ = 0 are accepted, and n = 1 returns the single best pick."""
    rng = np.random.default_rng(557)
    x = rng.standard_normal((12, 6))
    q = rng.standard_normal(6)
    candidates = [11, 4, 7, 0, 9, 2]
    for lam, n in [(1.0, 4), (1.0, 1), (0.4, 1), (0.0, 3)]:
        expected, gap = _reference_mmr(q, x, candidates, lam, n)
        assert lam == 0.0 or gap > 1e-9
        assert oracle.ids(student.call("mmr", q, x, candidates, lam, n)) == expected, (lam, n)


@pytest.mark.points(1)
def test_mmr_rejects_bad_arguments_hidden(student):
    """ValueError for lambda_ just outside [0, 1], n = 0 or negative, a repeated candidate, and an id equal to N or negative.

    lambda_ = -0.1 or 1.01; n = -3."""
    rng = np.random.default_rng(558)
    x = rng.standard_normal((6, 3))
    q = rng.standard_normal(3)
    for candidates, lam, n in [([1, 2], -0.1, 2), ([1, 2], 1.01, 2), ([1, 2], 0.5, 0), ([1, 2], 0.5, -3),
                               ([3, 1, 3], 0.5, 2), ([0, 6], 0.5, 1), ([2, -1], 0.5, 1)]:
        with pytest.raises(StudentError) as err:
            student.call("mmr", q, x, candidates, lam, n)
        assert err.value.exc_type == "ValueError", (candidates, lam, n)
