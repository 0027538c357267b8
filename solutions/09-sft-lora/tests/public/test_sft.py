"""Public tests: the masked SFT loss against transformers' causal-LM loss, and one LoRA SFT step against peft."""

from __future__ import annotations

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(2)
def test_masked_loss_matches_transformers(student, oracle, device):
    """masked_sft_loss equals transformers' causal-LM loss (shift by one, -100 ignored, mean over kept targets) (1e-5)."""
    logits = oracle.randn(2, 7, 11, seed=1, scale=2.0)
    ids = oracle.random_ids(2, 7, 11, seed=2)
    labels = oracle.sft_labels(ids, prompt_lengths=[3, 2], pad_from=[7, 5])
    got = student.call("masked_sft_loss", student.call_handle("to_device", logits, device),
                       student.call_handle("to_device", labels, device))
    assert_close(got, oracle.hf_causal_lm_loss(logits, labels), rel=1e-5, abs=1e-6, what="loss")
    assert got.dtype == torch.float32, f"loss dtype {got.dtype}, expected float32"


@pytest.mark.points(1)
def test_masked_loss_every_label_ignored_raises(student, oracle, device):
    """masked_sft_loss raises ValueError when every label is -100."""
    logits = student.call_handle("to_device", oracle.randn(1, 4, 5, seed=3), device)
    labels = student.call_handle("to_device", torch.full((1, 4), -100), device)
    with pytest.raises(StudentError) as err:
        student.call("masked_sft_loss", logits, labels)
    assert err.value.exc_type == "ValueError", f"raised {err.value.exc_type}, expected ValueError"


@pytest.mark.points(4)
def test_sft_step_trains_only_the_adapters(student, oracle, device):
    """sft_step returns peft's loss; base weights are unchanged with .grad None; A and B take peft's SGD step (1e-5)."""
    targets, r, alpha, lr = ["q_proj", "v_proj"], 4, 8.0, 0.05
    cfg = oracle.CONFIG
    model = student.call_handle("build_tiny_llama", cfg, 30, device)
    student.call_handle("inject_lora", model, targets, r, alpha)
    peft = oracle.peft_model(oracle.make_llama(cfg, 30), targets, r, alpha)
    for name, value in oracle.random_adapters(peft, seed=31).items():
        student.call("set_parameter", model, name, value)
    before = student.call("parameters_of", model)
    ids = oracle.random_ids(2, 10, cfg["vocab_size"], seed=32)
    labels = oracle.sft_labels(ids, prompt_lengths=[4, 6])

    loss = peft(input_ids=ids, labels=labels).loss
    loss.backward()
    got_loss = student.call("sft_step", model, ids, labels, lr)
    assert_close(got_loss, loss.item(), rel=1e-5, abs=1e-6, what="loss before the step")

    after = student.call("parameters_of", model)
    grads = student.call("grads_of", model)
    for peft_name, p in peft.named_parameters():
        name = oracle.student_name(peft_name)
        if p.requires_grad:
            assert grads[name] is not None, f"{name} should have a gradient"
            assert_close(grads[name], p.grad, rel=1e-4, abs=1e-5, what=f"gradient of {name}")
            assert_close(after[name], p.detach() - lr * p.grad, rel=1e-5, abs=1e-6, what=f"{name} after the step")
        else:
            assert grads[name] is None, f"{name} is frozen: its .grad should stay None"
            assert_equal(after[name], before[name], what=f"frozen {name} after the step")
