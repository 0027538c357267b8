"""Public tests: reciprocal_rank_fusion and mmr on hand examples."""

import numpy as np
import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close


def _rrf(student, *args, **kwargs):
    """The fused list with each entry as (int id, float score)."""
    return [(int(d), float(s)) for d, s in student.call("reciprocal_rank_fusion", *args, **kwargs)]


@pytest.mark.points(3)
def test_rrf_hand_values(student, oracle):
    """RRF scores are sum 1/(k + rank) with 1-based ranks, sorted by score descending, ties to the lower id."""
    fused = _rrf(student, [[3, 1, 2], [1, 3, 4], [2, 5]], k=60)
    assert [d for d, _ in fused] == [1, 3, 2, 5, 4]
    expected = {1: 1 / 62 + 1 / 61, 3: 1 / 61 + 1 / 62, 2: 1 / 63 + 1 / 61, 5: 1 / 62, 4: 1 / 63}
    for d, s in fused:
        assert_close(s, expected[d], rel=0, abs=1e-15, what=f"doc {d}")

    fused = _rrf(student, [[10, 20], [20, 30]], k=1)
    assert [d for d, _ in fused] == [20, 10, 30]
    assert_close([s for _, s in fused], [1 / 3 + 1 / 2, 1 / 2, 1 / 3], abs=1e-15)

    assert [d for d, _ in _rrf(student, [[4, 8, 9]])] == [4, 8, 9]  # default k = 60
    assert_close(_rrf(student, [[4, 8, 9]])[0][1], 1 / 61, abs=1e-15)


@pytest.mark.points(1)
def test_rrf_duplicates_and_empty(student, oracle):
    """A repeated id in one ranking counts only at its first position (others keep their positions); no rankings give []."""
    fused = _rrf(student, [[7, 7, 8]], k=0)
    assert_close(fused, [(7, 1.0), (8, 1 / 3)], abs=1e-15)
    assert _rrf(student, []) == []
    assert_close(_rrf(student, [[], [5]], k=60), [(5, 1 / 61)], abs=1e-15)
    with pytest.raises(StudentError) as err:
        student.call("reciprocal_rank_fusion", [[1]], k=-1)
    assert err.value.exc_type == "ValueError"


# five unit vectors in the plane, query along the x axis:
# relevance cos(q, x_i) = 0.8, 0.6, 0.8, 0.96, 0.28
MMR_DOCS = np.array([[0.8, 0.6], [0.6, 0.8], [0.8, -0.6], [0.96, 0.28], [0.28, 0.96]])
MMR_QUERY = np.array([2.0, 0.0])


@pytest.mark.points(3)
def test_mmr_hand_example(student, oracle):
    """MMR (lambda_=0.5) picks the most relevant doc, then trades relevance for diversity: [3, 2, 0, 1, 4]."""
    # step 2: 0.5*rel - 0.5*cos(x, x_3) = -0.068 (doc 0), -0.1 (1), +0.1 (2), -0.1288 (4) -> doc 2
    # step 3: doc 0: 0.4 - 0.5*max(0.936, 0.28) = -0.068 beats -0.1 (1) and -0.1288 (4)
    assert oracle.ids(student.call("mmr", MMR_QUERY, MMR_DOCS, [0, 1, 2, 3, 4], 0.5, 3)) == [3, 2, 0]
    assert oracle.ids(student.call("mmr", MMR_QUERY, MMR_DOCS, [4, 3, 2, 1, 0], 0.5, 10)) == [3, 2, 0, 1, 4]
    assert oracle.ids(student.call("mmr", MMR_QUERY, MMR_DOCS, [1, 4, 0], 0.5, 2)) == [0, 1]


@pytest.mark.points(2)
def test_mmr_lambda_one_and_ties(student, oracle):
    """lambda_=1 ranks the candidates by cosine alone; the exact tie of docs 0 and 2 goes to the lower id."""
    assert oracle.ids(student.call("mmr", MMR_QUERY, MMR_DOCS, [2, 0, 4, 1], 1.0, 4)) == [0, 2, 1, 4]
    assert oracle.ids(student.call("mmr", MMR_QUERY, MMR_DOCS, [2, 0], 1.0, 1)) == [0]
    assert oracle.ids(student.call("mmr", MMR_QUERY, MMR_DOCS, [], 0.5, 3)) == []
    for args in [([0, 1], 1.5, 2), ([0, 1], 0.5, 0), ([0, 0], 0.5, 2), ([0, 5], 0.5, 2)]:
        with pytest.raises(StudentError) as err:
            student.call("mmr", MMR_QUERY, MMR_DOCS, *args)
        assert err.value.exc_type == "ValueError", f"args {args}"
