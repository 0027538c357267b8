"""Hidden tests: injection and merging with other configs, ranks, alphas and target modules, against peft."""

from __future__ import annotations

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal

# 1 layer, 6 heads sharing 3 kv heads (head_dim 8), another vocabulary
CONFIG_B = dict(
    vocab_size=96, hidden_size=48, intermediate_size=80, num_hidden_layers=1,
    num_attention_heads=6, num_key_value_heads=3, max_position_embeddings=64,
)
# 2 layers with biases in the attention and MLP projections
CONFIG_C = dict(
    vocab_size=80, hidden_size=24, intermediate_size=40, num_hidden_layers=2,
    num_attention_heads=3, num_key_value_heads=1, max_position_embeddings=64,
    attention_bias=True, mlp_bias=True,
)
H1 = (["k_proj", "o_proj", "gate_proj", "down_proj"], 3, 5.0)
H2 = (["self_attn.v_proj", "up_proj", "lm_head"], 2, 16.0)
H3 = (["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], 8, 4.0)


def _injected(student, oracle, device, config, seed, targets, r, alpha):
    model = student.call_handle("build_tiny_llama", config, seed, device)
    model = student.call_handle("inject_lora", model, targets, r, alpha)  # returns the model
    peft = oracle.peft_model(oracle.make_llama(config, seed), targets, r, alpha)
    for name, value in oracle.random_adapters(peft, seed=seed + 1).items():
        student.call("set_parameter", model, name, value)
    return model, peft


@pytest.mark.points(4)
def test_injected_logits_match_peft_hidden_targets(student, oracle, device):
    """With other target modules, rank and alpha, the injected model's logits equal peft's (1e-4).

    CONFIG_B, H1: k/o/gate/down, r 3, alpha 5."""
    model, peft = _injected(student, oracle, device, CONFIG_B, 200, *H1)
    ids = oracle.random_ids(3, 11, CONFIG_B["vocab_size"], seed=201)
    assert_close(student.call("run_module", model, ids), oracle.logits(peft, ids), rel=1e-4, abs=1e-4, what="logits")


@pytest.mark.points(3)
def test_injected_logits_match_peft_biases_suffix_and_lm_head(student, oracle, device):
    """Layers with biases, a dotted-suffix target and the output head as a target: logits equal peft's (1e-4).

    CONFIG_C, H2: self_attn.v_proj, up_proj, lm_head; r 2, alpha 16."""
    model, peft = _injected(student, oracle, device, CONFIG_C, 210, *H2)
    ids = oracle.random_ids(2, 13, CONFIG_C["vocab_size"], seed=211)
    assert_close(student.call("run_module", model, ids), oracle.logits(peft, ids), rel=1e-4, abs=1e-4, what="logits")
    kinds = student.call("module_types", model)
    wrapped = sorted(name for name, kind in kinds.items() if kind == "LoRALinear")
    expected = sorted(n for n, _ in peft.base_model.model.named_modules()
                      if n.endswith(("self_attn.v_proj", "up_proj", "lm_head")))
    assert_equal(wrapped, expected, what="names of the LoRALinear modules")


@pytest.mark.points(1)
def test_fresh_injection_keeps_logits_other_config(student, oracle, device):
    """Right after inject_lora (every B = 0) the logits equal the base model's, for another config and targets (1e-4)."""
    model = student.call_handle("build_tiny_llama", CONFIG_C, 220, device)
    ids = oracle.random_ids(2, 6, CONFIG_C["vocab_size"], seed=221)
    student.call_handle("inject_lora", model, *H3)
    expected = oracle.logits(oracle.make_llama(CONFIG_C, 220), ids)
    assert_close(student.call("run_module", model, ids), expected, rel=1e-4, abs=1e-4, what="logits")


@pytest.mark.points(2)
def test_trainable_counts_match_peft_hidden_targets(student, oracle, device):
    """count_trainable and the requires_grad flags equal peft's for other configs, ranks and target sets."""
    for config, seed, (targets, r, alpha) in ((CONFIG_B, 230, H3), (CONFIG_C, 231, H2), (CONFIG_C, 232, H1)):
        model = student.call_handle("build_tiny_llama", config, seed, device)
        student.call_handle("inject_lora", model, targets, r, alpha)
        peft = oracle.peft_model(oracle.make_llama(config, seed), targets, r, alpha)
        assert_equal(student.call("count_trainable", model), tuple(peft.get_nb_trainable_parameters()),
                     what="(trainable, all)")
        expected = {oracle.student_name(k): p.requires_grad for k, p in peft.named_parameters()}
        assert_equal(student.call("requires_grad_of", model), expected, what="requires_grad")


@pytest.mark.points(1)
def test_target_matches_whole_name_components_only(student, oracle, device):
    """A target matches a module's whole name or a suffix after a dot, never part of a name component (ValueError when nothing matches)."""
    model = student.call_handle("build_tiny_llama", CONFIG_B, 240, device)
    with pytest.raises(StudentError) as err:
        student.call_handle("inject_lora", model, ["proj", "_proj"], 2, 4.0)
    assert err.value.exc_type == "ValueError", f"raised {err.value.exc_type}"


@pytest.mark.points(3)
def test_merge_matches_peft_hidden_targets(student, oracle, device):
    """merge_lora with other targets, rank and alpha: logits unchanged (1e-4), no LoRALinear left, weights = peft's merge_and_unload (1e-6), all-parameter count back to the base model's."""
    model, peft = _injected(student, oracle, device, CONFIG_B, 250, *H1)
    ids = oracle.random_ids(2, 9, CONFIG_B["vocab_size"], seed=251)
    unmerged = student.call("run_module", model, ids)
    model = student.call_handle("merge_lora", model)  # returns the model
    assert_close(student.call("run_module", model, ids), unmerged, rel=1e-4, abs=1e-4, what="merged logits")
    kinds = student.call("module_types", model)
    assert "LoRALinear" not in kinds.values(), "a LoRALinear is left after merging"
    expected = {k: p.detach() for k, p in peft.merge_and_unload().named_parameters()}
    params = student.call("parameters_of", model)
    assert sorted(params) == sorted(expected), "parameter names after merging"
    for name, value in expected.items():
        assert_close(params[name], value, rel=1e-6, abs=1e-6, what=name)
    n_base = sum(v.numel() for v in expected.values())
    assert student.call("count_trainable", model)[1] == n_base, "all-parameter count after merging"


@pytest.mark.points(2)
def test_merge_keeps_biases_and_head(student, oracle, device):
    """merge_lora on layers with biases and on the output head: the merged weights and biases equal peft's merge_and_unload (1e-6) and logits are unchanged.

    CONFIG_C, H2."""
    model, peft = _injected(student, oracle, device, CONFIG_C, 260, *H2)
    ids = oracle.random_ids(1, 10, CONFIG_C["vocab_size"], seed=261)
    unmerged = oracle.logits(peft, ids)
    model = student.call_handle("merge_lora", model)  # returns the model
    assert_close(student.call("run_module", model, ids), unmerged, rel=1e-4, abs=1e-4, what="merged logits")
    expected = {k: p.detach() for k, p in peft.merge_and_unload().named_parameters()}
    params = student.call("parameters_of", model)
    assert sorted(params) == sorted(expected), "parameter names after merging"
    for name, value in expected.items():
        assert_close(params[name], value, rel=1e-6, abs=1e-6, what=name)
    kinds = student.call("module_types", model)
    assert kinds["lm_head"] == "Linear" and kinds["model.layers.1.mlp.up_proj"] == "Linear", "merged modules are nn.Linear"
