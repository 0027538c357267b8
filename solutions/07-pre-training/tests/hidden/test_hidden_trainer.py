"""Hidden tests: Trainer updates against a torch AdamW oracle, resuming, overfitting another batch."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(4)
@pytest.mark.limits(seconds=180)
def test_updates_match_torch_adamw_with_the_schedule(student, oracle, device):
    """Four updates on given micro-batches equal torch AdamW with lr_at per step, the full batch's mean
    loss, weight decay and gradient clipping (rel 1e-4, abs 1e-5); each update returns that mean loss
    (rel 1e-4), step counts the updates, and grad_clip = 0 turns clipping off."""
    V = oracle.LLAMA["vocab_size"]
    train = dict(oracle.TRAIN, seed=31, max_lr=1e-2, min_lr=1e-3, warmup_steps=1, cosine_steps=3,
                 weight_decay=0.1, beta1=0.8, beta2=0.99, eps=1e-7, grad_clip=0.5)
    updates = [[oracle.padded_batch([7, 2], 7, V, seed=300 + 2 * k), oracle.padded_batch([1], 7, V, seed=301 + 2 * k)]
               for k in range(4)]
    trainer = student.new("Trainer", oracle.LLAMA, train, device)
    got_losses = [trainer.call("update", batches) for batches in updates]
    assert_equal(trainer.get("step"), 4, what="Trainer.step after four updates")
    want, want_losses = oracle.adamw_updates(oracle.LLAMA, train, updates)
    assert_close(got_losses, want_losses, rel=1e-4, what="the mean losses that update returns")
    assert_close(student.probe(oracle.trainer_params_probe, trainer), want, rel=1e-4, abs=1e-5,
                 what="the parameters after four updates")
    unclipped = dict(train, grad_clip=0.0)  # 0 means no clipping at all
    trainer = student.new("Trainer", oracle.LLAMA, unclipped, device)
    for batches in updates[:2]:
        trainer.call("update", batches)
    want, _ = oracle.adamw_updates(oracle.LLAMA, unclipped, updates[:2])
    assert_close(student.probe(oracle.trainer_params_probe, trainer), want, rel=1e-4, abs=1e-5,
                 what="the parameters after two updates with grad_clip = 0")


@pytest.mark.points(1)
def test_the_first_warmup_update_changes_nothing(student, oracle, device):
    """With warmup, update 0 runs at learning rate 0: the parameters stay exactly the initial ones."""
    V = oracle.LLAMA["vocab_size"]
    train = dict(oracle.TRAIN, seed=32, weight_decay=0.1)
    trainer = student.new("Trainer", oracle.LLAMA, train, device)
    trainer.call("update", [oracle.padded_batch([6, 6], 6, V, seed=310)])
    want = {n: p.detach() for n, p in oracle.llama(oracle.LLAMA, 32).named_parameters()}
    assert_equal(student.probe(oracle.trainer_params_probe, trainer), want, what="the parameters after update 0")


@pytest.mark.points(4)
@pytest.mark.limits(seconds=240)
def test_resume_with_accumulation_dropout_and_a_finished_schedule(student, oracle, device):
    """Straight training equals save + a new worker process + load into a Trainer built with another
    seed + the remaining steps, bitwise, with accumulation, dropout and the schedule ending on the way.

    Staff: 8 straight steps against 3 + save + restart + 5, grad_accum_steps 3, cosine end at step 5."""
    config = dict(oracle.LLAMA, attention_dropout=0.2, hidden_size=48, num_attention_heads=6, num_key_value_heads=3)
    train = dict(oracle.TRAIN, seed=41, warmup_steps=1, cosine_steps=5, grad_accum_steps=3, batch_size=2,
                 context_length=10, weight_decay=0.05)
    tokens = np.random.default_rng(40).integers(0, config["vocab_size"], size=300).astype(np.uint16)

    data = student.call_handle("load_tokens", student.probe(oracle.write_tokens_probe, tokens, "tok.bin"), "uint16")
    straight = student.new("Trainer", config, train, device)
    losses = [straight.call("train_step", data) for _ in range(8)]
    want = student.probe(oracle.trainer_params_probe, straight)

    first = student.new("Trainer", config, train, device)
    assert_equal([first.call("train_step", data) for _ in range(3)], losses[:3], what="the losses of the same steps")
    first.call("save_checkpoint", student.tmp_path("state.ckpt"))
    student.restart(keep=["state.ckpt", "tok.bin"])

    data = student.call_handle("load_tokens", student.tmp_path("tok.bin"), "uint16")
    second = student.new("Trainer", config, dict(train, seed=7), device)
    assert_equal(second.call("load_checkpoint", student.tmp_path("state.ckpt")), 3, what="load_checkpoint's step")
    resumed = [second.call("train_step", data) for _ in range(5)]
    assert_equal(resumed, losses[3:], what="the losses after resuming (bitwise)")
    assert_equal(student.probe(oracle.trainer_params_probe, second), want, what="the parameters after resuming (bitwise)")


@pytest.mark.points(2)
@pytest.mark.limits(seconds=180)
def test_overfit_another_batch(student, oracle, device):
    """fit_batch overfits another batch below the stated loss within the stated steps (measured by the test).

    Staff: a (2, 24) batch, 30 steps, loss below 0.1."""
    V = oracle.LLAMA["vocab_size"]
    x, y = oracle.random_ids(2, 24, vocab=V, seed=50), oracle.random_ids(2, 24, vocab=V, seed=51)
    trainer = student.new("Trainer", oracle.LLAMA, dict(oracle.TRAIN, seed=52), device)
    losses = trainer.call("fit_batch", x, y, 30)
    assert isinstance(losses, list) and len(losses) == 30, "fit_batch returns one loss per step"
    final = oracle.loss_with_params(oracle.LLAMA, student.probe(oracle.trainer_params_probe, trainer), [(x, y)])
    assert final < 0.1, "the batch's loss did not fall below the stated threshold"
