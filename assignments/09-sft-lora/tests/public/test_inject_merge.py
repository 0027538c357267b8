"""Public tests: LoRA injected into a tiny Llama and merged back, against peft."""

from __future__ import annotations

import pytest
import torch

from autograder.harness.expect import assert_close, assert_equal

TARGETS, R, ALPHA = ["q_proj", "v_proj"], 4, 8.0


def _injected(student, oracle, device, seed, targets=TARGETS, r=R, alpha=ALPHA):
    """(student's model handle with peft's random adapters copied in, peft model, adapters)."""
    model = student.call_handle("build_tiny_llama", oracle.CONFIG, seed, device)
    student.call_handle("inject_lora", model, targets, r, alpha)
    peft = oracle.peft_model(oracle.make_llama(oracle.CONFIG, seed), targets, r, alpha)
    adapters = oracle.random_adapters(peft, seed=seed + 1)
    for name, value in adapters.items():
        student.call("set_parameter", model, name, value)
    return model, peft, adapters


@pytest.mark.points(3)
def test_fresh_injection_keeps_logits(student, oracle, device):
    """Right after inject_lora (every B = 0) the logits equal the base model's, built by the tests with transformers (1e-4)."""
    model = student.call_handle("build_tiny_llama", oracle.CONFIG, 0, device)
    ids = oracle.random_ids(2, 8, oracle.CONFIG["vocab_size"], seed=2)
    student.call_handle("inject_lora", model, TARGETS, R, ALPHA)
    expected = oracle.logits(oracle.make_llama(oracle.CONFIG, 0), ids)
    assert_close(student.call("run_module", model, ids), expected, rel=1e-4, abs=1e-4, what="logits after injection")


@pytest.mark.points(4)
def test_injected_logits_match_peft(student, oracle, device):
    """With peft's A and B copied in, the injected model's logits equal peft.get_peft_model's (1e-4)."""
    model, peft, _ = _injected(student, oracle, device, seed=10)
    ids = oracle.random_ids(2, 9, oracle.CONFIG["vocab_size"], seed=11)
    assert_close(student.call("run_module", model, ids), oracle.logits(peft, ids), rel=1e-4, abs=1e-4, what="logits")


@pytest.mark.points(2)
def test_trainable_counts_match_peft(student, oracle, device):
    """count_trainable equals peft's get_nb_trainable_parameters() before and after injection; only lora_A/B train."""
    model = student.call_handle("build_tiny_llama", oracle.CONFIG, 0, device)
    plain = oracle.make_llama(oracle.CONFIG, 0)
    n = sum(p.numel() for p in plain.parameters())
    assert_equal(student.call("count_trainable", model), (n, n), what="(trainable, all) before injection")
    student.call_handle("inject_lora", model, TARGETS, R, ALPHA)
    peft = oracle.peft_model(plain, TARGETS, R, ALPHA)
    assert_equal(student.call("count_trainable", model), tuple(peft.get_nb_trainable_parameters()),
                 what="(trainable, all) after injection")
    flags = student.call("requires_grad_of", model)
    expected = {oracle.student_name(k): p.requires_grad for k, p in peft.named_parameters()}
    assert_equal(flags, expected, what="requires_grad of each parameter")


@pytest.mark.points(1)
def test_no_matching_target_raises(student, oracle, device):
    """inject_lora raises ValueError when no nn.Linear matches the targets."""
    from autograder.harness import StudentError

    model = student.call_handle("build_tiny_llama", oracle.CONFIG, 0, device)
    with pytest.raises(StudentError) as err:
        student.call_handle("inject_lora", model, ["no_such_proj"], R, ALPHA)
    assert err.value.exc_type == "ValueError", f"raised {err.value.exc_type}, expected ValueError"


@pytest.mark.points(3)
def test_merge_matches_peft_merge_and_unload(student, oracle, device):
    """merge_lora: logits unchanged (1e-4), no LoRALinear and no lora_ parameter left, weights = peft's merge_and_unload (1e-6)."""
    model, peft, _ = _injected(student, oracle, device, seed=20)
    ids = oracle.random_ids(2, 9, oracle.CONFIG["vocab_size"], seed=21)
    unmerged = student.call("run_module", model, ids)
    student.call_handle("merge_lora", model)
    assert_close(student.call("run_module", model, ids), unmerged, rel=1e-4, abs=1e-4, what="merged logits")
    kinds = student.call("module_types", model)
    left = sorted(name for name, kind in kinds.items() if kind == "LoRALinear")
    assert not left, f"LoRALinear modules left after merging: {left[:3]}"
    expected = {k: p.detach() for k, p in peft.merge_and_unload().named_parameters()}
    params = student.call("parameters_of", model)
    assert sorted(params) == sorted(expected), "after merging, the parameter names should be those of the plain model"
    for name, value in expected.items():
        assert_close(params[name], value, rel=1e-6, abs=1e-6, what=name)
