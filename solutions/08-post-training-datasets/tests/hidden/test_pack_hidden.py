"""Hidden tests: packing against trl, position ids, conservation and edge cases."""

import random

import numpy as np
import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


@pytest.mark.points(2)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pack_random_matches_trl_and_positions(student, oracle, seed):
    """Rows equal trl's wrapped packing (padded); attention mask and position ids follow the handout.

    Documents of random lengths, some longer than a row, some empty."""
    rng = random.Random(300 + seed)
    docs = [[rng.randrange(3, 1000) for _ in range(rng.choice([0, 1, 3, 9, 25, 40]))] for _ in range(rng.randint(5, 20))]
    for seq_len in (1, 3, 7, 32):
        out = student.call("pack", docs, seq_len, 2, 0)
        rows = oracle.trl_wrapped_rows(docs, 2, seq_len)
        assert_equal(out["input_ids"], np.array([r + [0] * (seq_len - len(r)) for r in rows], dtype=np.int64))
        assert_equal(out["attention_mask"], np.array([[1] * len(r) + [0] * (seq_len - len(r)) for r in rows],
                                                     dtype=np.int64))
        assert_equal(out["position_ids"], np.array(oracle.ref_position_ids(docs, seq_len), dtype=np.int64))


@pytest.mark.points(2)
def test_pack_conserves_tokens(student, oracle):
    """Flattening the rows and dropping the padding gives back every document followed by EOS, in order."""
    rng = random.Random(9)
    docs = [[rng.randrange(5, 60) for _ in range(rng.randint(0, 30))] for _ in range(30)]
    out = student.call("pack", docs, 13, 1, 1)  # pad id equal to the EOS id: only the mask tells them apart
    flat = out["input_ids"][out["attention_mask"] == 1].tolist()
    assert flat == [t for d in docs for t in d + [1]]
    assert out["input_ids"].shape == (-(-len(flat) // 13), 13)


@pytest.mark.points(2)
def test_pack_edge_cases(student):
    """No documents gives zero rows; an exact fit has no padding row; empty documents still get their EOS; seq_len < 1 raises ValueError."""
    out = student.call("pack", [], 4, 9, 0)
    assert_equal(out["input_ids"], np.zeros((0, 4), dtype=np.int64))
    assert_equal(out["position_ids"], np.zeros((0, 4), dtype=np.int64))
    out = student.call("pack", [[5, 6, 7], [8, 9, 10, 11, 12, 13, 14]], 4, 9, 0)
    assert_equal(out["input_ids"], np.array([[5, 6, 7, 9], [8, 9, 10, 11], [12, 13, 14, 9]]))
    assert_equal(out["attention_mask"], np.ones((3, 4), dtype=np.int64))
    assert_equal(out["position_ids"], np.array([[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]))
    out = student.call("pack", [[], [], [4]], 3, 9, 0)
    assert_equal(out["input_ids"], np.array([[9, 9, 4], [9, 0, 0]]))
    assert_equal(out["position_ids"], np.array([[0, 0, 0], [0, 0, 0]]))  # a row restarts at 0
    for bad_seq_len in (0, -3):
        with pytest.raises(StudentError) as info:
            student.call("pack", [[1]], bad_seq_len, 0, 0)
        assert info.value.exc_type == "ValueError", f"seq_len < 1: expected ValueError, got {info.value.exc_type}"
