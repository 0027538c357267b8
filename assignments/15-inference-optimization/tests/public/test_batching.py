"""Public tests: continuous batching."""

from __future__ import annotations

import pytest

from autograder.harness.expect import assert_equal


@pytest.mark.points(3)
def test_continuous_batching_matches_sequential_in_fewer_steps(student, oracle):
    """Four requests (3, 1, 2 and 2 new tokens, no eos) with max_batch 2: the same tokens as decoding
    each alone, in 5 forward steps (sequential decoding takes 8), never more than 2 sequences per step."""
    fn = oracle.next_token_fn(vocab=50, salt=1)
    step = student.callback(fn)
    batcher = student.new("ContinuousBatcher", step, 2, None)
    reqs = [([1, 2], 3), ([3], 1), ([4, 5, 6], 2), ([7], 2)]
    ids = [batcher.call("submit", p, n) for p, n in reqs]
    assert_equal(ids, [0, 1, 2, 3], dtype=True, what="request ids (0, 1, 2, ... in submit order)")
    out = batcher.call("run")
    assert isinstance(out, dict) and sorted(out) == ids, "run returns {request id: tokens} for every request"
    for rid, (p, n) in enumerate(reqs):
        assert_equal(out[rid], oracle.sequential_outputs(fn.one, p, n, None), what=f"request {rid}'s tokens (vs decoding it alone)")
    assert all(len(args[0]) <= 2 for args, _ in step.calls), "a step ran more than max_batch sequences"
    assert step.count == 5, f"{step.count} forward steps, want 5 (a finished request's slot is refilled at once)"
