"""Public tests: the Trainer overfits one batch, and a checkpoint resumes bit for bit in a fresh process."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(3)
@pytest.mark.limits(seconds=180)
def test_overfit_one_batch(student, oracle, device):
    """30 steps of fit_batch on one (4, 16) batch bring the loss (measured by the test) below 0.1;
    the first reported loss is the untrained model's (rel 1e-4)."""
    V = oracle.LLAMA["vocab_size"]
    x, y = oracle.random_ids(4, 16, vocab=V, seed=20), oracle.random_ids(4, 16, vocab=V, seed=21)
    trainer = student.new("Trainer", oracle.LLAMA, oracle.TRAIN, device)
    losses = trainer.call("fit_batch", x, y, 30)
    assert isinstance(losses, list) and len(losses) == 30, "fit_batch returns one loss per step"
    first = float(oracle.torch_loss(oracle.llama(oracle.LLAMA, oracle.TRAIN["seed"]), [(x, y)]))
    assert_close(losses[0], first, rel=1e-4, what="the loss of the first step")
    final = oracle.loss_with_params(oracle.LLAMA, student.probe(oracle.trainer_params_probe, trainer), [(x, y)])
    assert final < 0.1, f"after 30 steps the batch's loss is {final:.3f}, not below 0.1"


@pytest.mark.points(4)
@pytest.mark.limits(seconds=180)
def test_resume_in_a_fresh_process_is_bitwise_equal(student, oracle, device):
    """10 train_steps equal 5 steps + save_checkpoint + a new worker process + load_checkpoint into a
    Trainer built with another seed + 5 steps: bitwise-equal parameters, step restored to 5."""
    config = dict(oracle.LLAMA, attention_dropout=0.1)      # dropout: the torch RNG state matters too
    train = dict(oracle.TRAIN, warmup_steps=2, cosine_steps=7, grad_accum_steps=2, batch_size=2, context_length=12)
    tokens = np.random.default_rng(30).integers(0, config["vocab_size"], size=400).astype(np.uint16)

    data = student.call_handle("load_tokens", student.probe(oracle.write_tokens_probe, tokens, "corpus.bin"), "uint16")
    straight = student.new("Trainer", config, train, device)
    for _ in range(10):
        straight.call("train_step", data)
    want = student.probe(oracle.trainer_params_probe, straight)

    first = student.new("Trainer", config, train, device)
    for _ in range(5):
        first.call("train_step", data)
    first.call("save_checkpoint", student.tmp_path("ckpt.pt"))
    student.restart(keep=["ckpt.pt", "corpus.bin"])

    data = student.call_handle("load_tokens", student.tmp_path("corpus.bin"), "uint16")
    second = student.new("Trainer", config, dict(train, seed=train["seed"] + 100), device)
    assert_equal(second.call("load_checkpoint", student.tmp_path("ckpt.pt")), 5, what="load_checkpoint's step")
    assert_equal(second.get("step"), 5, what="Trainer.step after loading")
    for _ in range(5):
        second.call("train_step", data)
    assert_equal(student.probe(oracle.trainer_params_probe, second), want,
                 what="the parameters after resuming (bitwise)")
