"""Shared helpers for the 10-preference-alignment tests: tiny Hugging Face Llama logits, Hugging
Face's causal-LM loss and TRL's DPOTrainer as oracles, and synthetic preference data.

Everything here runs on the trusted side. The student's code is reached only through the
`student` fixture. Only library-backed oracles (transformers, trl), data generators and loaders
live here; the hand-written oracles of the handout's formulas (the manual gather, DPO/KTO/PPO
closed forms, the reverse GAE loop, the bigram DPO steps) are in tests/hidden/conftest.py, and
the public tests read the values they produced from fixtures/public/expected_values.json.
Seeds are set inside each test; nothing is downloaded. Tests reach these helpers through the
`oracle` fixture (`oracle.make_llama(...)`), since they run with `--import-mode=importlib`.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM
from transformers.loss.loss_utils import ForCausalLMLoss

from autograder.expected_values import expected_value

torch.set_num_threads(2)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def expected(name: str):
    """A committed expected value from fixtures/public/expected_values.json (see tools/)."""
    return expected_value(FIXTURES.parent, name)


def randn(*shape, seed: int, dtype=torch.float64, scale: float = 1.0) -> torch.Tensor:
    """A seeded standard-normal tensor (seed local to this call)."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g, dtype=torch.float64) * scale).to(dtype)


# -----------------------------------------------------------------------------
# tiny Llama and padded prompt/response batches


def make_llama(seed: int, vocab_size: int = 96, **overrides) -> LlamaForCausalLM:
    """A tiny LlamaForCausalLM (1-2 layers, hidden 32) with seeded weights scaled so logits vary."""
    kw = dict(vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
              num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    kw.update(overrides)
    cfg = LlamaConfig(**kw, attn_implementation="eager", tie_word_embeddings=False)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(cfg).eval()
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.ndim == 1:
                continue
            scale = 1.0 if name.endswith("embed_tokens.weight") else p.shape[1] ** -0.5
            p.copy_(torch.randn(p.shape, generator=g) * scale)
    return model


def padded_batch(prompt_lens, response_lens, vocab_size: int, seed: int, side: str, pad_id: int = 0):
    """Prompt+response rows padded to one length on `side` ("left" or "right").

    Returns (input_ids (B, T) int64, attention_mask (B, T) int64, response_mask (B, T) bool).
    Real tokens are drawn from 1 .. vocab_size - 1; padding holds `pad_id`.
    """
    g = torch.Generator().manual_seed(seed)
    T = max(p + r for p, r in zip(prompt_lens, response_lens))
    B = len(prompt_lens)
    ids = torch.full((B, T), pad_id, dtype=torch.int64)
    attn = torch.zeros(B, T, dtype=torch.int64)
    resp = torch.zeros(B, T, dtype=torch.bool)
    for b, (p, r) in enumerate(zip(prompt_lens, response_lens)):
        n = p + r
        start = T - n if side == "left" else 0
        ids[b, start:start + n] = torch.randint(1, vocab_size, (n,), generator=g)
        attn[b, start:start + n] = 1
        resp[b, start + p:start + n] = True
    return ids, attn, resp


def llama_logits(model, input_ids, attention_mask) -> torch.Tensor:
    """HF logits of a padded batch; position ids count real tokens only (so left padding works)."""
    position_ids = (attention_mask.cumsum(-1) - 1).clamp(min=0)
    with torch.no_grad():
        return model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                     use_cache=False).logits


def hf_response_logprobs(logits, input_ids, response_mask) -> torch.Tensor:
    """Per-row summed log-probs of the response tokens: minus HF's causal-LM loss with labels
    -100 outside the response and a sum reduction (num_items_in_batch=1), row by row."""
    labels = input_ids.masked_fill(~response_mask.bool(), -100)
    out = []
    for b in range(logits.shape[0]):
        nll = ForCausalLMLoss(logits[b:b + 1].float(), labels[b:b + 1], logits.shape[-1],
                              num_items_in_batch=torch.tensor(1))
        out.append(-nll)
    return torch.stack(out)


# -----------------------------------------------------------------------------
# TRL's DPOTrainer as an oracle of the whole DPO loss (sequence log-probs + loss)


def trl_dpo_loss(policy, ref, input_ids, attention_mask, completion_mask, beta: float, loss_type: str) -> torch.Tensor:
    """The mean DPO loss TRL's DPOTrainer.compute_loss gives on a batch [chosen rows; rejected rows].

    The trainer is built with a throwaway word-level tokenizer and a one-example dataset only to
    satisfy its constructor; the batch itself (input_ids, attention_mask, completion_mask) is ours.
    """
    import datasets
    from datasets import Dataset
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast
    from trl import DPOConfig, DPOTrainer

    datasets.disable_progress_bars()
    vocab = {f"t{i}": i for i in range(policy.config.vocab_size)}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="t2"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="t0", eos_token="t1")
    data = Dataset.from_dict({"prompt": ["t3 t4"], "chosen": [" t5"], "rejected": [" t6"]})
    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as out:
        warnings.simplefilter("ignore")
        args = DPOConfig(output_dir=out, beta=beta, loss_type=[loss_type], report_to=[], use_cpu=True,
                         save_strategy="no", logging_strategy="no", disable_tqdm=True, bf16=False)
        trainer = DPOTrainer(model=policy, ref_model=ref, args=args, train_dataset=data, processing_class=tok)
        batch = {"input_ids": input_ids, "attention_mask": attention_mask, "completion_mask": completion_mask.long()}
        with torch.no_grad():
            return trainer.compute_loss(trainer.model, batch).detach()


# -----------------------------------------------------------------------------
# synthetic preference data


def preference_pairs(n: int, length_range, vocab_size: int, score, seed: int, pad_id: int = 0):
    """n pairs of right-padded token sequences where `score(seq)` (a list of ints -> number) of
    the chosen one is strictly larger; ties are redrawn. Returns (chosen_ids, chosen_mask,
    rejected_ids, rejected_mask) with ids (n, T) int64 and masks (n, T) bool."""
    g = torch.Generator().manual_seed(seed)
    lo, hi = length_range
    rows = []
    while len(rows) < n:
        la, lb = (int(torch.randint(lo, hi + 1, (1,), generator=g)) for _ in range(2))
        a = torch.randint(1, vocab_size, (la,), generator=g).tolist()
        b = torch.randint(1, vocab_size, (lb,), generator=g).tolist()
        if score(a) == score(b):
            continue
        rows.append((a, b) if score(a) > score(b) else (b, a))
    T = hi

    def pack(seqs):
        ids = torch.full((n, T), pad_id, dtype=torch.int64)
        mask = torch.zeros(n, T, dtype=torch.bool)
        for i, s in enumerate(seqs):
            ids[i, :len(s)] = torch.tensor(s)
            mask[i, :len(s)] = True
        return ids, mask

    c_ids, c_mask = pack([r[0] for r in rows])
    r_ids, r_mask = pack([r[1] for r in rows])
    return c_ids, c_mask, r_ids, r_mask


def bag_rewards(w: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """r(x) = sum of w over the unmasked tokens of each row (evaluating a returned reward model)."""
    return torch.where(mask, w.double()[ids.clamp(0, w.shape[0] - 1)], 0.0).sum(-1)


@pytest.fixture(scope="session")
def oracle() -> SimpleNamespace:
    """The helpers of this file as attributes, e.g. `oracle.make_llama(0)`."""
    return SimpleNamespace(
        expected=expected, randn=randn, make_llama=make_llama, padded_batch=padded_batch,
        llama_logits=llama_logits, hf_response_logprobs=hf_response_logprobs, trl_dpo_loss=trl_dpo_loss,
        preference_pairs=preference_pairs, bag_rewards=bag_rewards,
    )
