"""Hidden tests: sequence log-probabilities (other models, sizes, padding, dtypes and edge cases)."""

from __future__ import annotations

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close


@pytest.mark.points(2)
@pytest.mark.parametrize("side", ["left", "right"])
def test_hidden_logprobs_tiny_llama_vs_manual_gather(student, oracle, device, side):
    """Summed response log-probs of a padded batch from another tiny Llama equal a per-token manual gather and Hugging Face's loss."""
    model = oracle.make_llama(seed=7, vocab_size=131, num_hidden_layers=1)
    ids, attn, resp = oracle.padded_batch([1, 4, 6, 2, 3], [5, 1, 3, 6, 2], 131, seed=70, side=side)
    logits = oracle.llama_logits(model, ids, attn)
    got = student.call("sequence_logprobs", logits, ids, resp, device=device)
    assert_close(got, oracle.gather_logprobs(logits, ids, resp).float(), rel=1e-5, abs=1e-5)
    assert_close(got, oracle.hf_response_logprobs(logits, ids, resp), rel=1e-5, abs=1e-5)


@pytest.mark.points(2)
def test_hidden_logprobs_float64_average_and_sum(student, oracle, device):
    """Float64 logits give float64 sums and averages equal to a manual gather, with response tokens in the middle of a row."""
    logits = oracle.randn(4, 9, 23, seed=71, scale=3.0)
    ids = torch.randint(0, 23, (4, 9), generator=torch.Generator().manual_seed(72))
    resp = torch.zeros(4, 9, dtype=torch.bool)
    resp[0, 3:6] = resp[1, 1:9] = resp[2, 8] = True
    resp[3, 2:4] = resp[3, 6:8] = True  # two separate spans
    for average in (False, True):
        got = student.call("sequence_logprobs", logits, ids, resp, average=average, device=device)
        assert_close(got, oracle.gather_logprobs(logits, ids, resp, average=average), rel=1e-10, abs=1e-10)


@pytest.mark.points(2)
def test_hidden_logprobs_ignore_unused_logits_and_ids(student, oracle, device):
    """Non-finite logits at positions that predict no response token, and out-of-range ids outside the mask, do not change the result."""
    logits = oracle.randn(3, 8, 17, seed=73, scale=2.0)
    ids = torch.randint(0, 17, (3, 8), generator=torch.Generator().manual_seed(74))
    resp = torch.zeros(3, 8, dtype=torch.bool)
    resp[0, 2:5] = resp[1, 5:8] = resp[2, 1:3] = True
    expected = oracle.gather_logprobs(logits, ids, resp)
    dirty_logits, dirty_ids = logits.clone(), ids.clone()
    predicts = torch.zeros(3, 8, dtype=torch.bool)
    predicts[:, :-1] = resp[:, 1:]
    dirty_logits[~predicts] = float("nan")
    dirty_logits[0, 7, 3] = float("inf")
    dirty_ids[~resp] = -100
    dirty_ids[2, 6] = 17  # == vocab size, outside the mask
    for average in (False, True):
        got = student.call("sequence_logprobs", dirty_logits, dirty_ids, resp, average=average, device=device)
        want = oracle.gather_logprobs(logits, ids, resp, average=average)
        assert_close(got, want, rel=1e-10, abs=1e-10)
    assert_close(student.call("sequence_logprobs", dirty_logits, dirty_ids, resp, device=device), expected,
                 rel=1e-10, abs=1e-10)


@pytest.mark.points(1)
def test_hidden_logprobs_int_mask_and_empty_rows(student, oracle, device):
    """A 0/1 integer mask works like a bool one, and a row without response tokens gives 0 for the sum and the
    average; a mask with token 0 in the response raises ValueError."""
    logits = oracle.randn(3, 6, 11, seed=75, dtype=torch.float32)
    ids = torch.randint(0, 11, (3, 6), generator=torch.Generator().manual_seed(76))
    mask = torch.zeros(3, 6, dtype=torch.int64)
    mask[0, 2:6] = 1
    mask[2, 4:6] = 1
    for average in (False, True):
        got = student.call("sequence_logprobs", logits, ids, mask, average=average, device=device)
        want = oracle.gather_logprobs(logits, ids, mask.bool(), average=average).float()
        assert_close(got, want, rel=1e-5, abs=1e-6)
    mask[1, 0] = 1
    with pytest.raises(StudentError) as err:
        student.call("sequence_logprobs", logits, ids, mask, device=device)
    assert err.value.exc_type == "ValueError", f"token 0 in the response mask: got {err.value.exc_type}"


@pytest.mark.points(1)
def test_hidden_logprobs_selective_log_softmax(student, oracle, device):
    """The sum agrees with TRL's selective_log_softmax on the shifted logits, masked and summed."""
    from trl.trainer.utils import selective_log_softmax

    model = oracle.make_llama(seed=8)
    ids, attn, resp = oracle.padded_batch([2, 3, 1], [4, 2, 6], 96, seed=77, side="left")
    logits = oracle.llama_logits(model, ids, attn)
    per_token = selective_log_softmax(logits[:, :-1], ids[:, 1:])
    expected = (per_token * resp[:, 1:]).sum(-1)
    assert_close(student.call("sequence_logprobs", logits, ids, resp, device=device), expected, rel=1e-5, abs=1e-5)
