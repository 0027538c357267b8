"""Public tests: packing documents into fixed-length rows."""

import random

import numpy as np
import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


@pytest.mark.points(2)
def test_pack_hand_example(student):
    """EOS after every document, rows of seq_len, the last row padded; position ids restart per document and row."""
    out = student.call("pack", [[5, 6, 7], [8], [9, 10, 11, 12, 13, 14, 15]], 4, 0, -1)
    assert_equal(sorted(out), ["attention_mask", "input_ids", "position_ids"])
    assert_equal(out["input_ids"], np.array([[5, 6, 7, 0], [8, 0, 9, 10], [11, 12, 13, 14], [15, 0, -1, -1]]))
    assert_equal(out["attention_mask"], np.array([[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 0, 0]]))
    assert_equal(out["position_ids"], np.array([[0, 1, 2, 3], [0, 1, 0, 1], [0, 1, 2, 3], [0, 1, 0, 0]]))


@pytest.mark.points(2)
def test_pack_matches_trl_wrapped(student, oracle):
    """The rows equal trl's pack_dataset(strategy="wrapped") of the documents with EOS appended, padded;
    no token is lost or added."""
    rng = random.Random(4)
    docs = [[rng.randrange(3, 50) for _ in range(rng.randint(0, 12))] for _ in range(15)]
    for seq_len in (5, 8, 16):
        out = student.call("pack", docs, seq_len, 1, 2)
        rows = oracle.trl_wrapped_rows(docs, 1, seq_len)
        want = np.array([r + [2] * (seq_len - len(r)) for r in rows], dtype=np.int64)
        assert_equal(out["input_ids"], want)
        stream = [t for d in docs for t in d + [1]]
        assert_equal(out["input_ids"][out["attention_mask"] == 1].tolist(), stream)


@pytest.mark.points(1)
def test_pack_rejects_bad_seq_len(student):
    """seq_len < 1 raises ValueError."""
    with pytest.raises(StudentError) as info:
        student.call("pack", [[1, 2]], 0, 0, 0)
    assert info.value.exc_type == "ValueError"
