"""Public tests: sequence log-probabilities of responses under a tiny Llama, left and right padding."""

from __future__ import annotations

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close


@pytest.mark.points(2)
@pytest.mark.parametrize("side", ["right", "left"])
def test_sequence_logprobs_matches_hf_loss(student, oracle, device, side):
    """sequence_logprobs on a tiny Llama's logits (padded on one side) equals minus Hugging Face's summed causal-LM loss over the response tokens (float32, 1e-5)."""
    model = oracle.make_llama(seed=0)
    ids, attn, resp = oracle.padded_batch([3, 2, 5], [2, 4, 1], 96, seed=1, side=side)
    logits = oracle.llama_logits(model, ids, attn)
    got = student.call("sequence_logprobs", logits, ids, resp, device=device)
    assert_close(got, oracle.hf_response_logprobs(logits, ids, resp), rel=1e-5, abs=1e-5)


@pytest.mark.points(1)
def test_sequence_logprobs_average_divides_by_response_length(student, oracle, device):
    """average=True gives the summed log-prob divided by the number of response tokens (float32, 1e-5)."""
    model = oracle.make_llama(seed=0)
    ids, attn, resp = oracle.padded_batch([2, 4], [3, 2], 96, seed=2, side="right")
    logits = oracle.llama_logits(model, ids, attn)
    got = student.call("sequence_logprobs", logits, ids, resp, average=True, device=device)
    expected = oracle.hf_response_logprobs(logits, ids, resp) / torch.tensor([3.0, 2.0])
    assert_close(got, expected, rel=1e-5, abs=1e-5)


@pytest.mark.points(1)
def test_sequence_logprobs_rejects_mask_on_first_token(student, oracle, device):
    """A response mask that marks token 0 (which has no prediction) raises ValueError."""
    logits = oracle.randn(2, 5, 7, seed=3, dtype=torch.float32)
    ids = torch.randint(0, 7, (2, 5), generator=torch.Generator().manual_seed(4))
    mask = torch.zeros(2, 5, dtype=torch.bool)
    mask[1, 0:3] = True
    with pytest.raises(StudentError) as err:
        student.call("sequence_logprobs", logits, ids, mask, device=device)
    assert err.value.exc_type == "ValueError", f"expected ValueError, got {err.value.exc_type}"
