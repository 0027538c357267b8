"""Shared helpers and oracles for the 13-evaluation tests (released to students: nothing hidden here).

Everything here runs on the trusted side. The student's code is reached only through the
`student` fixture and receives plain data: numpy logits computed here from a tiny Hugging Face
Llama, integer token ids from a byte-level BPE tokenizer trained here, strings.

Oracles are the field's libraries: `LlamaForCausalLM(...)(ids, labels=...).loss` (transformers)
for negative log-likelihoods, `sacrebleu.corpus_bleu` for BLEU and `rouge_score` for ROUGE-L.
The pieces of the handout's own algorithms (the sliding-window loop, the argmax rules of acc and
acc_norm) are in tests/hidden/conftest.py; the public tests read what they produced from
fixtures/public/expected_values.json (`oracle.expected(...)`). Seeds are set inside each
helper; nothing is downloaded. Tests run with `--import-mode=importlib`, so they reach these
helpers through the `oracle` fixture rather than `import conftest`.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import sacrebleu
import torch
from rouge_score import rouge_scorer, tokenizers as rouge_tokenizers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM

from autograder.expected_values import expected_value

torch.set_num_threads(2)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
IGNORE_INDEX = -100


def expected(name: str):
    """A committed expected value from fixtures/public/expected_values.json (see tools/)."""
    return expected_value(FIXTURES.parent, name)


# -----------------------------------------------------------------------------
# a tiny Llama and its losses


def make_llama(seed: int, vocab_size: int = 96, **overrides) -> LlamaForCausalLM:
    """A tiny LlamaForCausalLM (hidden 32, 2 layers) with random, well-scaled weights.

    HF's default init (std 0.02) gives nearly uniform logits; here matrices are N(0, 1/fan_in),
    the embedding N(0, 1) and norm weights 1 + 0.2 N(0, 1), so the logits are far from uniform.
    """
    kw = dict(
        vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
    )
    kw.update(overrides)
    cfg = LlamaConfig(**kw, attn_implementation="eager", tie_word_embeddings=False)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(cfg).eval()
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.ndim == 1:
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            elif name.endswith("embed_tokens.weight"):
                p.copy_(torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / p.shape[1] ** 0.5)
    return model


def random_ids(batch: int, length: int, vocab: int, seed: int) -> np.ndarray:
    """(batch, length) int64 token ids."""
    g = torch.Generator().manual_seed(seed)
    return torch.randint(vocab, (batch, length), generator=g).numpy()


def logits_of(model, ids) -> np.ndarray:
    """The model's float32 logits on ids (B, T) or (T,), as a numpy array of shape (..., T, V)."""
    t = torch.as_tensor(np.asarray(ids), dtype=torch.long)
    squeeze = t.ndim == 1
    with torch.no_grad():
        out = model(input_ids=t[None] if squeeze else t, use_cache=False).logits
    return (out[0] if squeeze else out).numpy()


def hf_forward(model, ids, labels) -> tuple[np.ndarray, float, int]:
    """One forward pass: (logits as numpy, model(ids, labels=labels).loss, number of scored labels)."""
    t = torch.as_tensor(np.asarray(ids), dtype=torch.long)
    lab = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    squeeze = t.ndim == 1
    if squeeze:
        t, lab = t[None], lab[None]
    with torch.no_grad():
        out = model(input_ids=t, labels=lab, use_cache=False)
    n = int((lab[:, 1:] != IGNORE_INDEX).sum())
    logits = out.logits.numpy()
    return (logits[0] if squeeze else logits), float(out.loss), n


def hf_loss(model, ids, labels) -> tuple[float, int]:
    """(model(ids, labels=labels).loss, number of scored labels): HF's mean NLL and its count."""
    _, loss, n = hf_forward(model, ids, labels)
    return loss, n


# -----------------------------------------------------------------------------
# a byte-level BPE tokenizer whose merges may cross spaces (no pre-tokenization regex)


def train_tokenizer(texts: list[str], vocab_size: int) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tok.train_from_iterator(texts, trainer)
    return tok


def encode(tok: Tokenizer, text: str) -> list[int]:
    return tok.encode(text).ids


# -----------------------------------------------------------------------------
# BLEU and ROUGE oracles


def sacrebleu_corpus(hyps: list[str], refs: list[list[str]], smooth: str) -> dict:
    """sacrebleu.corpus_bleu(tokenize="none") with refs[i] the references of hyps[i]."""
    streams = [list(stream) for stream in zip(*refs)]
    out = sacrebleu.corpus_bleu(hyps, streams, tokenize="none", smooth_method=smooth)
    return {
        "score": float(out.score), "bp": float(out.bp), "counts": list(out.counts), "totals": list(out.totals),
        "precisions": [float(p) for p in out.precisions], "sys_len": int(out.sys_len), "ref_len": int(out.ref_len),
    }


_ROUGE = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
_ROUGE_TOKENIZER = rouge_tokenizers.DefaultTokenizer(use_stemmer=False)


def rouge_l(hypothesis: str, reference: str) -> dict:
    """rouge-score's rougeL (no stemming); note its argument order: score(target, prediction)."""
    s = _ROUGE.score(reference, hypothesis)["rougeL"]
    return {"precision": float(s.precision), "recall": float(s.recall), "fmeasure": float(s.fmeasure)}


def rouge_tokenize(text: str) -> list[str]:
    return list(_ROUGE_TOKENIZER.tokenize(text))


def word_corpus(n: int, seed: int, lo: int, hi: int, vocab: list[str]) -> list[str]:
    """n sentences of lo..hi words drawn from vocab (seeded)."""
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(vocab, size=int(rng.integers(lo, hi + 1)))) for _ in range(n)]


# -----------------------------------------------------------------------------
# the fixture that hands the helpers to the tests


@pytest.fixture(scope="session")
def oracle() -> SimpleNamespace:
    """The helpers of this file as attributes, e.g. `oracle.make_llama(0)`."""
    return SimpleNamespace(
        expected=expected,
        make_llama=make_llama,
        random_ids=random_ids,
        logits_of=logits_of,
        hf_loss=hf_loss,
        hf_forward=hf_forward,
        train_tokenizer=train_tokenizer,
        encode=encode,
        sacrebleu_corpus=sacrebleu_corpus,
        rouge_l=rouge_l,
        rouge_tokenize=rouge_tokenize,
        word_corpus=word_corpus,
        IGNORE_INDEX=IGNORE_INDEX,
    )
