"""Public tests: the block allocator (plain cases and a small Hypothesis state machine)."""

from __future__ import annotations

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


@pytest.mark.points(2)
def test_allocate_share_free(student):
    """Allocation hands out distinct blocks, runs out with RuntimeError, share/free move the ref
    count, a block returns to the pool at ref count 0, and bad frees raise ValueError."""
    alloc = student.new("BlockAllocator", 3, 4)
    blocks = [alloc.call("allocate") for _ in range(3)]
    assert sorted(blocks) == [0, 1, 2], "three allocations hand out the three blocks once each"
    assert_equal(alloc.call("num_free"), 0, dtype=True, what="num_free when every block is allocated")
    with pytest.raises(StudentError) as err:
        alloc.call("allocate")
    assert err.value.exc_type == "RuntimeError", "allocate with no free block raises RuntimeError"
    alloc.call("share", blocks[1])
    assert_equal(alloc.call("ref_count", blocks[1]), 2, dtype=True, what="ref_count after share")
    alloc.call("free", blocks[1])
    assert_equal([alloc.call("ref_count", blocks[1]), alloc.call("num_free")], [1, 0], dtype=True,
                 what="[ref_count, num_free] after freeing one of two references (the block stays allocated)")
    alloc.call("free", blocks[1])
    assert_equal([alloc.call("ref_count", blocks[1]), alloc.call("num_free")], [0, 1], dtype=True,
                 what="[ref_count, num_free] after the last free (the block is released)")
    with pytest.raises(StudentError) as err:
        alloc.call("free", blocks[1])
    assert err.value.exc_type == "ValueError", "freeing a free block raises ValueError"
    assert_equal(alloc.call("allocate"), blocks[1], dtype=True, what="allocate when a single block is free")


@pytest.mark.points(2)
@pytest.mark.limits(seconds=60)
def test_allocator_state_machine(student, oracle):
    """A Hypothesis state machine (allocate / share / free / bad frees, 4 blocks) keeps ref counts
    and num_free in agreement with a bookkeeping dict and never double-allocates a block."""
    oracle.run_allocator_machine(lambda n: student.new("BlockAllocator", n, 16), 4, max_examples=10, steps=15)
