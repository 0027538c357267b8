"""Public tests: the block allocator (plain cases and a small Hypothesis state machine)."""

from __future__ import annotations

import pytest

from autograder.harness import StudentError


@pytest.mark.points(2)
def test_allocate_share_free(student):
    """Allocation hands out distinct blocks, runs out with RuntimeError, share/free move the ref
    count, a block returns to the pool at ref count 0, and bad frees raise ValueError."""
    alloc = student.new("BlockAllocator", 3, 4)
    blocks = [alloc.call("allocate") for _ in range(3)]
    assert sorted(blocks) == [0, 1, 2], "three allocations hand out the three blocks once each"
    assert alloc.call("num_free") == 0
    with pytest.raises(StudentError) as err:
        alloc.call("allocate")
    assert err.value.exc_type == "RuntimeError", "allocate with no free block raises RuntimeError"
    alloc.call("share", blocks[1])
    assert alloc.call("ref_count", blocks[1]) == 2, "share adds a reference"
    alloc.call("free", blocks[1])
    assert alloc.call("ref_count", blocks[1]) == 1 and alloc.call("num_free") == 0, "a shared block stays allocated"
    alloc.call("free", blocks[1])
    assert alloc.call("ref_count", blocks[1]) == 0 and alloc.call("num_free") == 1, "the last free releases it"
    with pytest.raises(StudentError) as err:
        alloc.call("free", blocks[1])
    assert err.value.exc_type == "ValueError", "freeing a free block raises ValueError"
    assert alloc.call("allocate") == blocks[1], "the only free block is the one allocate returns"


@pytest.mark.points(2)
@pytest.mark.limits(seconds=60)
def test_allocator_state_machine(student, oracle):
    """A Hypothesis state machine (allocate / share / free / bad frees, 4 blocks) keeps ref counts
    and num_free in agreement with a bookkeeping dict and never double-allocates a block."""
    oracle.run_allocator_machine(lambda n: student.new("BlockAllocator", n, 16), 4, max_examples=10, steps=15)
