"""Hidden tests: gradient accumulation against one full-batch backward, other splits and paddings."""

from __future__ import annotations

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close


def _pad_to(batch, T, ignore=-100):
    x, y = batch
    extra = T - x.shape[1]
    return (torch.cat([x, torch.zeros(x.shape[0], extra, dtype=x.dtype)], 1),
            torch.cat([y, torch.full((y.shape[0], extra), ignore, dtype=y.dtype)], 1))


@pytest.mark.points(4)
def test_micro_batches_of_different_lengths_and_padding(student, oracle, device):
    """Three micro-batches of different sequence lengths and very different numbers of real tokens:
    gradient and loss equal one backward through the whole batch's mean loss (rel 1e-4, abs 1e-6)."""
    V = oracle.LLAMA["vocab_size"]
    micro = [oracle.padded_batch([9, 2, 9], 9, V, seed=200),
             oracle.padded_batch([1], 5, V, seed=201),
             oracle.padded_batch([11, 4], 11, V, seed=202)]
    model = student.call_handle("build_model", oracle.LLAMA, 21, device)
    loss = student.call("accumulate_gradients", model, micro, device)
    full = [_pad_to(b, 11) for b in micro]   # right padding changes no earlier position (causal)
    want_loss, want = oracle.full_batch_grads(oracle.LLAMA, 21, full)
    assert_close(loss, want_loss, rel=1e-5, what="the returned loss")
    assert_close(student.probe(oracle.grads_probe, model), want, rel=1e-4, abs=1e-6, what="the gradients")


@pytest.mark.points(2)
def test_the_split_does_not_change_the_gradient(student, oracle, device):
    """The same batch as one micro-batch or as four single rows gives the same gradient (rel 1e-4)."""
    V = oracle.LLAMA["vocab_size"]
    x, y = oracle.padded_batch([10, 3, 7, 1], 10, V, seed=203)
    rows = [(x[i:i + 1], y[i:i + 1]) for i in range(4)]
    grads = []
    for batches in ([(x, y)], rows):
        model = student.call_handle("build_model", oracle.LLAMA, 22, device)
        student.call("accumulate_gradients", model, batches, device)
        grads.append(student.probe(oracle.grads_probe, model))
    _, want = oracle.full_batch_grads(oracle.LLAMA, 22, [(x, y)])
    assert_close(grads[0], want, rel=1e-4, abs=1e-6, what="the gradient of one micro-batch")
    assert_close(grads[1], want, rel=1e-4, abs=1e-6, what="the gradient of four micro-batches")


@pytest.mark.points(2)
def test_custom_ignore_index(student, oracle, device):
    """ignore_index=-1 marks the padding: the gradient equals torch's with that ignore_index."""
    V = oracle.LLAMA["vocab_size"]
    micro = [oracle.padded_batch([6, 2], 6, V, seed=204, ignore_index=-1),
             oracle.padded_batch([1, 6, 3], 6, V, seed=205, ignore_index=-1)]
    model = student.call_handle("build_model", oracle.LLAMA, 23, device)
    loss = student.call("accumulate_gradients", model, micro, device, ignore_index=-1)
    want_loss, want = oracle.full_batch_grads(oracle.LLAMA, 23, micro, -1)
    assert_close(loss, want_loss, rel=1e-5, what="the returned loss")
    assert_close(student.probe(oracle.grads_probe, model), want, rel=1e-4, abs=1e-6, what="the gradients")


@pytest.mark.points(1)
def test_gradients_add_into_existing_ones(student, oracle, device):
    """A second call adds to .grad instead of replacing it: twice the full-batch gradient."""
    V = oracle.LLAMA["vocab_size"]
    micro = [oracle.padded_batch([5, 2], 5, V, seed=206)]
    model = student.call_handle("build_model", oracle.LLAMA, 24, device)
    student.call("accumulate_gradients", model, micro, device)
    student.call("accumulate_gradients", model, micro, device)
    _, want = oracle.full_batch_grads(oracle.LLAMA, 24, micro)
    assert_close(student.probe(oracle.grads_probe, model), {n: 2 * g for n, g in want.items()}, rel=1e-4, abs=1e-6,
                 what="the gradients after two calls")


@pytest.mark.points(1)
def test_all_targets_ignored_raises(student, oracle, device):
    """Micro-batches without a single counted target raise ValueError."""
    V = oracle.LLAMA["vocab_size"]
    micro = [oracle.padded_batch([0, 0], 4, V, seed=207)]
    model = student.call_handle("build_model", oracle.LLAMA, 25, device)
    with pytest.raises(StudentError) as err:
        student.call("accumulate_gradients", model, micro, device)
    assert err.value.exc_type == "ValueError", "expected ValueError"
