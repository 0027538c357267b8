"""Shared helpers for the 07-pre-training tests: torch and transformers oracles, data, probes.

Everything here runs on the trusted side, except the `*_probe` functions, which the tests send to
the worker with `student.probe` to write a token file into the worker's temporary folder and to
read the parameters and gradients of a model the student's code holds. The oracles are torch's
(`torch.nn.functional.cross_entropy`, autograd, `torch.optim.AdamW`) and transformers'
(`LlamaForCausalLM` built from the same config and seed as the student's). Seeds are set inside
each test; nothing is downloaded. Tests reach these helpers through the `oracle` fixture.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from transformers import LlamaConfig, LlamaForCausalLM

torch.set_num_threads(2)

# the tiny Llama of the tests: a config dict the student's build_model receives as it is
LLAMA = dict(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=64, attn_implementation="eager")

# a training config for Trainer (every key the handout lists)
TRAIN = dict(seed=3, batch_size=4, context_length=16, grad_accum_steps=1, max_lr=3e-2, min_lr=3e-3,
             warmup_steps=3, cosine_steps=30, weight_decay=0.0, beta1=0.9, beta2=0.95, eps=1e-8, grad_clip=1.0)


def llama(config: dict, seed: int) -> LlamaForCausalLM:
    """The model build_model must produce: torch.manual_seed(seed); LlamaForCausalLM(LlamaConfig(**config))."""
    torch.manual_seed(seed)
    return LlamaForCausalLM(LlamaConfig(**config)).train()


def torch_loss(model, batches, ignore_index: int = -100) -> torch.Tensor:
    """The mean next-token loss of `model` over all non-ignored targets of all (x, y) batches
    (torch.nn.functional.cross_entropy; every batch in one sum, one global count)."""
    total = torch.zeros(())
    count = 0
    for x, y in batches:
        logits = model(input_ids=x).logits
        total = total + F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),
                                        ignore_index=ignore_index, reduction="sum")
        count += int((y != ignore_index).sum())
    return total / count


def full_batch_grads(config: dict, seed: int, batches, ignore_index: int = -100):
    """(loss, {name: grad}) of the mean loss over the whole batch, one backward (autograd)."""
    model = llama(config, seed)
    loss = torch_loss(model, batches, ignore_index)
    loss.backward()
    return float(loss.detach()), {n: p.grad.detach().clone() for n, p in model.named_parameters()}


def loss_with_params(config: dict, params: dict, batches) -> float:
    """The mean loss of a Llama of `config` loaded with `params` (eval mode, no dropout)."""
    model = llama(config, 0).eval()
    model.load_state_dict(params, strict=False)
    with torch.no_grad():
        return float(torch_loss(model, batches))


def random_ids(*shape, vocab: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, vocab, shape, generator=g)


def padded_batch(lengths, T: int, vocab: int, seed: int, ignore_index: int = -100):
    """(x, y) of len(lengths) rows of T tokens; row b keeps its first lengths[b] targets and is
    right-padded after them (x pad id 0, y = ignore_index)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, vocab, (len(lengths), T), generator=g)
    y = torch.randint(0, vocab, (len(lengths), T), generator=g)
    for b, n in enumerate(lengths):
        x[b, n:] = 0
        y[b, n:] = ignore_index
    return x, y


# -----------------------------------------------------------------------------
# probes: these run in the worker (student.probe), beside the student's code


def write_tokens_probe(tokens, name):
    """Write `tokens` (a numpy array) as raw bytes into the worker's temporary folder; its path."""
    import os
    import tempfile
    path = os.path.join(tempfile.gettempdir(), name)
    tokens.tofile(path)
    return path


def params_probe(model):
    """{name: parameter} of a torch module the worker holds (CPU copies)."""
    return {n: p.detach().cpu().clone() for n, p in model.named_parameters()}


def grads_probe(model):
    """{name: .grad} of a torch module the worker holds (None where there is none)."""
    return {n: (None if p.grad is None else p.grad.detach().cpu().clone()) for n, p in model.named_parameters()}


def trainer_params_probe(trainer):
    """{name: parameter} of the Trainer's model."""
    return {n: p.detach().cpu().clone() for n, p in trainer.model.named_parameters()}


@pytest.fixture(scope="session")
def oracle():
    return SimpleNamespace(
        LLAMA=LLAMA, TRAIN=TRAIN, llama=llama, torch_loss=torch_loss, full_batch_grads=full_batch_grads,
        loss_with_params=loss_with_params, random_ids=random_ids, padded_batch=padded_batch,
        write_tokens_probe=write_tokens_probe, params_probe=params_probe, grads_probe=grads_probe,
        trainer_params_probe=trainer_params_probe, F=F, np=np,
    )
