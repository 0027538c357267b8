"""Shared helpers for the 15-inference-optimization tests (released: nothing hidden here).

The models your code drives live HERE, on the grader's side: a test wraps them with
`student.callback(...)`, so your code receives a plain callable and every call it makes is
recorded by the grader (`callback.calls`, `callback.count`). They are:

    TinyDecoder        a one-layer causal attention LM in float64 with a KV cache (model contract
                       of generate_cached / generate_uncached)
    sequence_model     a TinyDecoder seen as a full-sequence model (speculative_generate's contract)
    next_token_fn      a batched next-token function (ContinuousBatcher's step_fn)
    bigram_tables      explicit next-token probability tables for the sampling test

Oracles are torch's (`torch.nn.functional.scaled_dot_product_attention`) and scipy's
(`scipy.stats.chisquare`). Seeds are set inside each test; nothing is downloaded.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

torch.set_num_threads(2)


class TinyDecoder:
    """One causal self-attention layer + MLP, learned positions, float64, built from a seed.

    __call__(input_ids (T,) int64, past_kv None | [k (P, D), v (P, D)]) -> (logits (T, V) float64,
    [k (P + T, D), v (P + T, D)]). Position of input token i is P + i."""

    def __init__(self, vocab: int, dim: int, seed: int, max_len: int = 64) -> None:
        g = torch.Generator().manual_seed(seed)

        def w(*shape, scale=1.0):
            return torch.randn(*shape, generator=g, dtype=torch.float64) * scale

        self.vocab, self.dim, self.max_len = vocab, dim, max_len
        self.emb, self.pos = w(vocab, dim), w(max_len, dim, scale=0.5)
        self.wq, self.wk, self.wv, self.wo = (w(dim, dim, scale=dim ** -0.5) for _ in range(4))
        self.w1, self.w2 = w(dim, 2 * dim, scale=dim ** -0.5), w(2 * dim, dim, scale=(2 * dim) ** -0.5)
        self.out = w(dim, vocab, scale=2 * dim ** -0.5)

    def __call__(self, input_ids, past_kv=None):
        ids = torch.as_tensor(input_ids)
        if ids.dim() != 1 or ids.dtype != torch.int64 or ids.numel() == 0:
            raise TypeError("input_ids must be a non-empty 1-D int64 tensor")
        if int(ids.min()) < 0 or int(ids.max()) >= self.vocab:
            raise ValueError("a token id is out of the vocabulary")
        if past_kv is None:
            k_past = v_past = torch.zeros(0, self.dim, dtype=torch.float64)
        else:
            if not isinstance(past_kv, (list, tuple)) or len(past_kv) != 2:
                raise TypeError("past_kv must be None or the [k, v] pair the previous call returned")
            k_past, v_past = (torch.as_tensor(t, dtype=torch.float64) for t in past_kv)
            if k_past.shape != v_past.shape or k_past.dim() != 2 or k_past.shape[1] != self.dim:
                raise TypeError("past_kv must be the [k, v] pair the previous call returned")
        P, T = k_past.shape[0], ids.shape[0]
        if P + T > self.max_len:
            raise ValueError("the sequence is longer than the model's context")
        x = self.emb[ids] + self.pos[P:P + T]
        k = torch.cat([k_past, x @ self.wk])
        v = torch.cat([v_past, x @ self.wv])
        scores = (x @ self.wq) @ k.T / self.dim ** 0.5                       # (T, P + T)
        keep = torch.ones(T, P + T, dtype=torch.bool).tril(diagonal=P)
        h = x + torch.softmax(scores.masked_fill(~keep, float("-inf")), dim=-1) @ v @ self.wo
        h = h + torch.tanh(h @ self.w1) @ self.w2
        return h @ self.out, [k, v]


def sequence_model(model: TinyDecoder):
    """The full-sequence view of a TinyDecoder: ids (T,) -> logits (T, V) (no cache)."""

    def fn(ids):
        return model(ids, None)[0]

    return fn


def noisy_model(model: TinyDecoder, scale: float, seed: int):
    """A full-sequence draft that agrees with `model` only sometimes: its logits plus
    scale * N[ids], N a fixed (V, V) standard normal table (a function of the sequence only)."""
    noise = torch.randn(model.vocab, model.vocab, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)

    def fn(ids):
        return model(ids, None)[0] + scale * noise[torch.as_tensor(ids)]

    return fn


def scaled_logits(full_sequence_model, scale: float):
    """The full-sequence model whose logits are `full_sequence_model`'s times `scale`."""

    def fn(ids):
        return full_sequence_model(ids) * scale

    return fn


def tempered_model(model: TinyDecoder, scale: float):
    """A full-sequence draft close to `model`: its logits times `scale` (scale 0.95: every next-token
    distribution shares at least 96 % of its mass with the model's)."""
    return scaled_logits(sequence_model(model), scale)


def check_sampled_rounds(student, model: TinyDecoder, prompt, n: int, k: int, seed: int) -> None:
    """The call structure of sampled speculative decoding, recorded by the grader:
    with the target as its own draft, ceil(n / (k + 1)) target calls; with a close draft (logits
    x 0.95), k draft calls per target call and at most 2n/3 target calls (most drafts accepted:
    an honest run needs more than that with probability below 1e-5)."""
    target = student.callback(sequence_model(model))
    out = student.call("speculative_generate", target, student.callback(sequence_model(model)), prompt, n, k, seed)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.int64 and out.shape == (n,), \
        "speculative_generate returns a (max_new_tokens,) int64 tensor"
    assert target.count == -(-n // (k + 1)), "with the target as its own draft, every draft must be accepted"
    target = student.callback(sequence_model(model))
    draft = student.callback(tempered_model(model, 0.95))
    out = student.call("speculative_generate", target, draft, prompt, n, k, seed + 1)
    assert isinstance(out, torch.Tensor) and out.shape == (n,), "returns max_new_tokens tokens"
    assert draft.count == k * target.count, "each round makes k draft calls and one target call"
    assert target.count <= 2 * n // 3, "with a draft close to the target, most drafts must be accepted"


def greedy_reference_check(model, prompt, tokens, eos_id=None):
    """True when every token is the argmax of `model` on prompt + the tokens before it, and the
    sequence stops only at eos or at the end (a property check of greedy decoding)."""
    ids = list(prompt)
    for i, t in enumerate(tokens):
        if int(torch.argmax(model(torch.tensor(ids, dtype=torch.int64), None)[0][-1])) != int(t):
            return False
        if eos_id is not None and int(t) == eos_id and i != len(tokens) - 1:
            return False
        ids.append(int(t))
    return True


def next_token_fn(vocab: int, salt: int):
    """step_fn(seqs: list[list[int]]) -> list[int]: a deterministic next token for each sequence
    (a hash of the whole sequence), so a sequence's continuation does not depend on its batch."""

    def one(seq):
        h = salt
        for t in seq:
            h = (h * 1000003 + int(t) + 1) % 2_147_483_647
        return (h * 2654435761 % 2_147_483_647) % vocab

    def step_fn(seqs):
        if not isinstance(seqs, (list, tuple)) or not seqs:
            raise TypeError("step_fn takes a non-empty list of sequences")
        return [one(list(s)) for s in seqs]

    step_fn.one = one
    return step_fn


def sequential_outputs(step_one, prompt, max_new_tokens, eos_id):
    """One request decoded alone: tokens and the number of forward steps it took."""
    ids, out = list(prompt), []
    while len(out) < max_new_tokens:
        t = step_one(ids + out)
        out.append(t)
        if eos_id is not None and t == eos_id:
            break
    return out


def bigram_tables(vocab: int, seed: int, bad_draft: bool = True):
    """(target (V, V), draft (V, V)) float64 row-stochastic tables. A bad draft puts its mass
    where the target has little (rows proportional to 1 / target^2)."""
    g = torch.Generator().manual_seed(seed)
    target = torch.rand(vocab, vocab, generator=g, dtype=torch.float64) + 0.3
    target = target / target.sum(-1, keepdim=True)
    if bad_draft:
        draft = target ** -2
    else:
        draft = torch.rand(vocab, vocab, generator=g, dtype=torch.float64) + 0.3
    return target, draft / draft.sum(-1, keepdim=True)


def chi2_joint(samples, target, prompt_token):
    """p-value of scipy's chi-square test of the (first, second) token pairs against
    target[prompt][a] * target[a][b]."""
    from scipy.stats import chisquare

    samples = np.asarray(samples)
    V = target.shape[0]
    counts = np.zeros(V * V)
    np.add.at(counts, samples[:, 0] * V + samples[:, 1], 1)
    t = target.numpy()
    probs = (t[prompt_token][:, None] * t).reshape(-1)
    return float(chisquare(counts, probs * len(samples)).pvalue)


def dense_attention(q, k, v):
    """torch's scaled_dot_product_attention of q (B, H, d) over dense k, v (B, n, H_kv, d) of one
    length n; KV heads repeated for grouped queries. Returns (B, H, d)."""
    group = q.shape[1] // k.shape[2]
    k = k.repeat_interleave(group, dim=2).transpose(1, 2)                # (B, H, n, d)
    v = v.repeat_interleave(group, dim=2).transpose(1, 2)
    return F.scaled_dot_product_attention(q.unsqueeze(2), k, v).squeeze(2)


def scatter_to_blocks(ks, vs, block_size, num_blocks, seed, pad=-1):
    """Store each sequence's (n_b, H_kv, d) keys/values in randomly chosen, non-contiguous blocks.
    Returns k_cache, v_cache (num_blocks, block_size, H_kv, d) filled with noise elsewhere,
    block_tables (B, max_blocks) int64 padded with `pad`, context_lens (B,) int64."""
    g = torch.Generator().manual_seed(seed)
    H_kv, d = ks[0].shape[1], ks[0].shape[2]
    dtype = ks[0].dtype
    k_cache = torch.randn(num_blocks, block_size, H_kv, d, generator=g, dtype=dtype) * 3
    v_cache = torch.randn(num_blocks, block_size, H_kv, d, generator=g, dtype=dtype) * 3
    need = [(k.shape[0] + block_size - 1) // block_size for k in ks]
    order = torch.randperm(num_blocks, generator=g).tolist()
    assert sum(need) <= num_blocks
    table = torch.full((len(ks), max(need) + 1), pad, dtype=torch.int64)
    for b, (k, v) in enumerate(zip(ks, vs)):
        for j in range(need[b]):
            blk = order.pop()
            table[b, j] = blk
            chunk = slice(j * block_size, min((j + 1) * block_size, k.shape[0]))
            m = chunk.stop - chunk.start
            k_cache[blk, :m], v_cache[blk, :m] = k[chunk], v[chunk]
    lens = torch.tensor([k.shape[0] for k in ks], dtype=torch.int64)
    return k_cache, v_cache, table, lens


def run_allocator_machine(new_allocator, num_blocks: int, max_examples: int, steps: int) -> None:
    """Drive allocators made by new_allocator(num_blocks) with a Hypothesis state machine
    (derandomized: the same runs every time) and check, after every step, against a dict of
    ref counts: allocate never returns a block in use, every block is in range, ref_count and
    num_free agree, freeing the last reference returns the block, bad share/free and allocate
    when full raise. Raises AssertionError (with Hypothesis' shrunk steps) on a violation."""
    from hypothesis import HealthCheck, settings
    from hypothesis import strategies as st
    from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

    from autograder.harness import StudentError
    from autograder.harness.expect import assert_equal

    def raises(kind, fn, *args):
        try:
            fn(*args)
        except StudentError as err:
            assert err.exc_type == kind, f"{fn.__name__}{args} raised {err.exc_type}, want {kind}"
            return
        raise AssertionError(f"{fn.__name__}{args} did not raise {kind}")

    class Machine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.alloc = new_allocator(num_blocks)
            self.refs: dict[int, int] = {}

        def agree(self, b):
            assert_equal(self.alloc.call("ref_count", b), self.refs.get(b, 0), dtype=True, what="a ref count")

        @rule()
        def allocate(self):
            if len(self.refs) == num_blocks:
                raises("RuntimeError", self.alloc.call, "allocate")
                return
            b = self.alloc.call("allocate")
            assert type(b) is int and 0 <= b < num_blocks, "allocate returns a block id in range"
            assert b not in self.refs, "allocate returned a block that is still in use"
            self.refs[b] = 1
            self.agree(b)

        @rule(data=st.data())
        def share(self, data):
            if self.refs:
                b = data.draw(st.sampled_from(sorted(self.refs)))
                self.alloc.call("share", b)
                self.refs[b] += 1
                self.agree(b)

        @rule(data=st.data())
        def free(self, data):
            if self.refs:
                b = data.draw(st.sampled_from(sorted(self.refs)))
                self.alloc.call("free", b)
                self.refs[b] -= 1
                if self.refs[b] == 0:
                    del self.refs[b]
                self.agree(b)

        @rule(b=st.integers(-1, num_blocks))
        def bad_free_or_share(self, b):
            if b not in self.refs:
                raises("ValueError", self.alloc.call, "free", b)
                raises("ValueError", self.alloc.call, "share", b)
                if 0 <= b < num_blocks:
                    self.agree(b)

        @invariant()
        def num_free_agrees(self):
            assert_equal(self.alloc.call("num_free"), num_blocks - len(self.refs), dtype=True, what="num_free")

        def teardown(self):
            for b in range(num_blocks):
                self.agree(b)

    run_state_machine_as_test(Machine, settings=settings(
        max_examples=max_examples, stateful_step_count=steps, derandomize=True, database=None, deadline=None,
        suppress_health_check=list(HealthCheck), print_blob=False))


@pytest.fixture(scope="session")
def oracle():
    return SimpleNamespace(
        TinyDecoder=TinyDecoder, sequence_model=sequence_model, greedy_reference_check=greedy_reference_check,
        next_token_fn=next_token_fn, sequential_outputs=sequential_outputs, bigram_tables=bigram_tables,
        chi2_joint=chi2_joint, dense_attention=dense_attention, scatter_to_blocks=scatter_to_blocks,
        run_allocator_machine=run_allocator_machine, tempered_model=tempered_model, scaled_logits=scaled_logits,
        noisy_model=noisy_model, check_sampled_rounds=check_sampled_rounds,
    )
