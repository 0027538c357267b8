"""Hidden tests: the block allocator under a longer state machine and at its edges."""

from __future__ import annotations

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


def _value_error(fn, *args, what: str) -> None:
    """fn(*args) must raise ValueError in the student's code."""
    with pytest.raises(StudentError) as err:
        fn(*args)
    assert err.value.exc_type == "ValueError", what


@pytest.mark.points(1)
def test_hidden_out_of_range_ids(student):
    """share, free and ref_count of ids outside the range raise ValueError (also when every block is in
    use, and without changing anything); ref_count of a free block is 0; the constructor refuses
    fewer than one block or a block size below one."""
    alloc = student.new("BlockAllocator", 2, 8)
    for bad in (-1, 2, 7):
        for method in ("free", "share"):
            _value_error(alloc.call, method, bad, what=f"{method} of an out-of-range id raises ValueError")
    for bad in (-1, 2):
        _value_error(alloc.call, "ref_count", bad, what="ref_count of an out-of-range id raises ValueError")
    assert_equal([alloc.call("ref_count", 1), alloc.call("num_free")], [0, 2], dtype=True,
                 what="[ref_count, num_free] of a fresh allocator")
    b = alloc.call("allocate")
    _value_error(alloc.call, "share", 1 - b, what="share of a free block raises ValueError")
    alloc.call("allocate")  # now every block is in use: an id out of range is still refused
    for bad in (-1, -2, 2):
        for method in ("free", "share"):
            _value_error(alloc.call, method, bad,
                         what=f"{method} of an out-of-range id raises ValueError (all blocks in use)")
    assert_equal([alloc.call("ref_count", 0), alloc.call("ref_count", 1), alloc.call("num_free")], [1, 1, 0], dtype=True,
                 what="ref counts unchanged by refused calls")
    for args in ((0, 8), (3, 0), (-1, 4)):
        _value_error(student.new, "BlockAllocator", *args,
                     what="BlockAllocator with num_blocks < 1 or block_size < 1 raises ValueError")


@pytest.mark.points(3)
@pytest.mark.limits(seconds=90)
def test_hidden_allocator_state_machine(student, oracle):
    """A longer derandomized Hypothesis state machine over more blocks: no double allocation, ref counts,
    num_free, release at ref count 0 and the error cases all agree with a bookkeeping dict."""
    oracle.run_allocator_machine(lambda n: student.new("BlockAllocator", n, 2), 6, max_examples=12, steps=25)


@pytest.mark.points(1)
def test_hidden_one_block(student, oracle):
    """A one-block allocator passes the state machine too (full after a single allocation)."""
    oracle.run_allocator_machine(lambda n: student.new("BlockAllocator", n, 1), 1, max_examples=5, steps=12)
