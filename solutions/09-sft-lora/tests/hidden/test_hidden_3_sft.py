"""Hidden tests: the masked loss on other shapes, dtypes and masks; SFT steps on other configs and targets."""

from __future__ import annotations

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal

CONFIG_B = dict(
    vocab_size=96, hidden_size=48, intermediate_size=80, num_hidden_layers=1,
    num_attention_heads=6, num_key_value_heads=3, max_position_embeddings=64,
)
CONFIG_C = dict(
    vocab_size=80, hidden_size=24, intermediate_size=40, num_hidden_layers=2,
    num_attention_heads=3, num_key_value_heads=1, max_position_embeddings=64,
    attention_bias=True, mlp_bias=True,
)


def _loss(student, device, logits, labels):
    return student.call("masked_sft_loss", student.call_handle("to_device", logits, device),
                        student.call_handle("to_device", labels, device))


@pytest.mark.points(2)
def test_masked_loss_matches_transformers_random_masks(student, oracle, device):
    """masked_sft_loss equals transformers' causal-LM loss for random masks, uneven rows and a bigger vocabulary (1e-5): the mean is over all kept tokens of the batch."""
    logits = oracle.randn(4, 13, 300, seed=301, scale=3.0)
    labels = oracle.random_ids(4, 13, 300, seed=302)
    g = torch.Generator().manual_seed(303)
    labels[torch.rand(4, 13, generator=g) < 0.5] = -100
    labels[2, :] = -100  # one row without any kept target
    labels[3, 1:] = -100
    labels[3, 5] = 7  # one row with a single kept target
    got = _loss(student, device, logits, labels)
    assert got.dtype == torch.float32, f"loss dtype {got.dtype}"
    assert tuple(got.shape) == (), "the loss is a 0-dim tensor"
    assert_close(got, oracle.hf_causal_lm_loss(logits, labels), rel=1e-5, abs=1e-6, what="loss")


@pytest.mark.points(1)
def test_masked_loss_upcasts_low_precision_logits(student, oracle, device):
    """bfloat16 logits give a float32 loss equal to transformers' (which upcasts first) (1e-5)."""
    logits = oracle.randn(2, 9, 50, seed=311, scale=2.0).to(torch.bfloat16)
    labels = oracle.sft_labels(oracle.random_ids(2, 9, 50, seed=312), prompt_lengths=[2, 5])
    got = _loss(student, device, logits, labels)
    assert got.dtype == torch.float32, f"loss dtype {got.dtype}"
    assert_close(got, oracle.hf_causal_lm_loss(logits, labels), rel=1e-5, abs=1e-6, what="loss")


@pytest.mark.points(1)
def test_masked_loss_uses_shifted_pairs(student, oracle, device):
    """The first label and the last position's logits never enter the loss; a kept label at position t is scored by the logits at t - 1."""
    logits = oracle.randn(1, 6, 10, seed=321, scale=2.0)
    labels = torch.tensor([[3, 4, -100, -100, -100, -100]])
    expected = -torch.log_softmax(logits[0, 0].double(), dim=-1)[4]
    assert_close(_loss(student, device, logits, labels), float(expected), rel=1e-5, abs=1e-6, what="loss of one kept pair")
    changed_logits = logits.clone()
    changed_logits[0, -1] += 5.0
    changed_labels = labels.clone()
    changed_labels[0, 0] = 9
    assert_close(_loss(student, device, changed_logits, changed_labels), float(expected), rel=1e-5, abs=1e-6,
                 what="loss after changing the first label and the last logits")


@pytest.mark.points(1)
def test_masked_loss_nothing_kept_raises(student, oracle, device):
    """masked_sft_loss raises ValueError when no shifted pair is kept, also when only the first label is kept."""
    logits = oracle.randn(3, 5, 8, seed=325)
    for first in (-100, 4):
        labels = torch.full((3, 5), -100)
        labels[1, 0] = first
        with pytest.raises(StudentError) as err:
            _loss(student, device, logits, labels)
        assert err.value.exc_type == "ValueError", f"raised {err.value.exc_type}"


def _step_against_peft(student, oracle, device, config, seed, targets, r, alpha, lr, steps, batches):
    model = student.call_handle("build_tiny_llama", config, seed, device)
    model = student.call_handle("inject_lora", model, targets, r, alpha)  # returns the model
    peft = oracle.peft_model(oracle.make_llama(config, seed), targets, r, alpha)
    for name, value in oracle.random_adapters(peft, seed=seed + 1).items():
        student.call("set_parameter", model, name, value)
    before = student.call("parameters_of", model)
    trainable = [p for p in peft.parameters() if p.requires_grad]
    for step in range(steps):
        ids, labels = batches[step]
        for p in peft.parameters():
            p.grad = None
        loss = peft(input_ids=ids, labels=labels).loss
        loss.backward()
        with torch.no_grad():
            for p in trainable:
                p -= lr * p.grad
        got = student.call("sft_step", model, ids, labels, lr)
        assert_close(got, loss.item(), rel=1e-5, abs=1e-6, what=f"loss of step {step + 1}")
    after = student.call("parameters_of", model)
    grads = student.call("grads_of", model)
    for peft_name, p in peft.named_parameters():
        name = oracle.student_name(peft_name)
        if p.requires_grad:
            assert grads[name] is not None, "a trainable parameter has no gradient"
            assert_close(grads[name], p.grad, rel=1e-4, abs=1e-5, what=f"last gradient of {name}")
            assert_close(after[name], p.detach(), rel=1e-4, abs=1e-5, what=f"{name} after the steps")
        else:
            assert grads[name] is None, f"frozen {name} has a gradient"
            assert_equal(after[name], before[name], what=f"frozen {name}")


@pytest.mark.points(3)
def test_sft_step_matches_peft_hidden_targets(student, oracle, device):
    """One SFT step with other targets, rank, alpha and lr: peft's loss, gradients and updated adapters; frozen weights unchanged with .grad None."""
    cfg = CONFIG_B
    ids = oracle.random_ids(3, 12, cfg["vocab_size"], seed=331)
    labels = oracle.sft_labels(ids, prompt_lengths=[3, 7, 5], pad_from=[12, 10, 9])
    _step_against_peft(student, oracle, device, cfg, 330, ["k_proj", "o_proj", "gate_proj", "down_proj"], 3, 5.0,
                       0.2, 1, [(ids, labels)])


@pytest.mark.points(3)
def test_three_sft_steps_match_peft(student, oracle, device):
    """Three SFT steps on different batches (gradients not accumulated across steps) follow peft's SGD trajectory; frozen weights, biases and the head never change."""
    cfg = CONFIG_C
    batches = []
    for k in range(3):
        ids = oracle.random_ids(2, 10, cfg["vocab_size"], seed=341 + k)
        batches.append((ids, oracle.sft_labels(ids, prompt_lengths=[2 + k, 4])))
    _step_against_peft(student, oracle, device, cfg, 340, ["self_attn.v_proj", "up_proj", "lm_head"], 2, 16.0,
                       0.05, 3, batches)
