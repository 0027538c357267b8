"""Hidden tests: continuous batching with eos, other batch sizes and interleaved submits."""

from __future__ import annotations

import pytest

from autograder.harness.expect import assert_equal


@pytest.mark.points(3)
def test_hidden_batching_with_eos(student, oracle):
    """With eos and a larger batch: each request's tokens equal decoding it alone, the number of
    forward steps and the batch size of each step follow the handout's schedule, and it beats
    sequential decoding."""
    eos = 0
    fn = oracle.next_token_fn(vocab=6, salt=9)
    reqs = [([i + 1, 2 * i + 1], 3 + (i * 5) % 7) for i in range(7)]
    want = [oracle.sequential_outputs(fn.one, p, n, eos) for p, n in reqs]
    steps, sizes, _ = oracle.schedule_steps([len(w) for w in want], 3)
    step = student.callback(fn)
    batcher = student.new("ContinuousBatcher", step, 3, eos)
    for p, n in reqs:
        batcher.call("submit", p, n)
    out = batcher.call("run")
    assert isinstance(out, dict) and sorted(out) == list(range(7)), "run returns every request"
    for rid in range(7):
        assert_equal(out[rid], want[rid], what="a request's tokens (vs decoding it alone)")
    assert step.count == steps < sum(len(w) for w in want), "the number of forward steps is not the schedule's"
    assert [len(args[0]) for args, _ in step.calls] == sizes, "the batch sizes do not follow the schedule"


@pytest.mark.points(2)
def test_hidden_step_by_step(student, oracle):
    """submit returns ids in order; step() returns the ids finished in that step in increasing order, admits requests submitted
    between steps, and returns [] without a forward call when nothing waits or runs."""
    fn = oracle.next_token_fn(vocab=40, salt=3)
    step = student.callback(fn)
    batcher = student.new("ContinuousBatcher", step, 2, None)
    assert_equal(batcher.call("step"), [], what="an idle step makes no forward call")
    assert step.count == 0, "an idle step makes no forward call"
    ids = [batcher.call("submit", [1], 2), batcher.call("submit", [2], 1), batcher.call("submit", [3], 1)]
    assert_equal(ids, [0, 1, 2], dtype=True, what="submit returns ids 0, 1, 2, ... in submit order")
    assert_equal(batcher.call("step"), [1], what="step 1 finishes request 1")
    assert_equal(batcher.call("step"), [0, 2], what="step 2 finishes requests 0 and 2 (listed in increasing order)")
    ids = [batcher.call("submit", [4, 4], 2), batcher.call("submit", [5], 1)]
    assert_equal(ids, [3, 4], dtype=True, what="ids go on counting across steps")
    assert_equal(batcher.call("step"), [4], what="step 3 runs the two new requests")
    assert_equal(batcher.call("step"), [3], what="step 4 finishes the rest")
    assert_equal(batcher.call("step"), [], what="nothing left: no forward call")
    assert step.count == 4, "nothing left: no forward call"
    out = batcher.call("run")
    assert isinstance(out, dict) and sorted(out) == [0, 1, 2, 3, 4], "run returns every request"
    assert_equal(out[3], oracle.sequential_outputs(fn.one, [4, 4], 2, None), what="a request's tokens from run")
