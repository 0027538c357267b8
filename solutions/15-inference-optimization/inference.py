"""Inference optimisation for decoder LMs, written with plain Python and torch tensor ops.

    generate_uncached      greedy decoding that re-reads the whole sequence at every step
    generate_cached        the same tokens with a KV cache: one prefill call, then one token per call
    BlockAllocator         fixed-size KV blocks with reference counts (shared prefixes)
    paged_attention        one decode step of attention over KV stored in scattered blocks
    speculative_generate   draft-then-verify decoding (greedy, or sampled with rejection sampling)
    ContinuousBatcher      iteration-level scheduling: finished requests leave, waiting ones join

The models are given to you as plain callables (see the handout's "Model contracts"); the tests
own them, so every call you make is recorded on the grader's side.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor

# A cached decoder: model(input_ids (T,) int64, past_kv | None) -> (logits (T, V), new_kv)
CachedModel = Callable[[Tensor, object], tuple]
# A full-sequence model: model(ids (T,) int64) -> logits (T, V); row t predicts token t + 1
SequenceModel = Callable[[Tensor], Tensor]


# -----------------------------------------------------------------------------
# 1. KV-cached greedy generation


def generate_uncached(model: CachedModel, prompt: list[int], max_new_tokens: int, eos_id: int | None = None) -> Tensor:
    """Greedy decoding without a cache: every step calls model(ids, None) on the whole sequence
    (prompt + tokens generated so far) and appends argmax of the last row (lowest id on ties).

    Stops after max_new_tokens tokens, or right after emitting eos_id (which is kept).
    Returns the generated tokens only, a (n,) int64 tensor (n <= max_new_tokens).
    """
    ### BEGIN SOLUTION
    ids = list(prompt)
    out: list[int] = []
    while len(out) < max_new_tokens:
        logits, _ = model(torch.tensor(ids, dtype=torch.int64), None)
        token = int(torch.argmax(logits[-1]))
        out.append(token)
        ids.append(token)
        if eos_id is not None and token == eos_id:
            break
    return torch.tensor(out, dtype=torch.int64)
    ### END SOLUTION


def generate_cached(model: CachedModel, prompt: list[int], max_new_tokens: int, eos_id: int | None = None) -> Tensor:
    """Greedy decoding with the model's KV cache; the same tokens as generate_uncached.

    Call 1 (prefill): model(prompt as a (len(prompt),) tensor, None) -> (logits, kv).
    Every later call (decode): model(the last generated token as a (1,) tensor, kv) -> (logits, kv),
    passing back the kv the previous call returned. The next token is argmax of logits[-1].
    Exactly one model call per generated token; no call after the last token.
    Returns the generated tokens, a (n,) int64 tensor.
    """
    ### BEGIN SOLUTION
    out: list[int] = []
    if max_new_tokens <= 0:
        return torch.tensor(out, dtype=torch.int64)
    logits, kv = model(torch.tensor(list(prompt), dtype=torch.int64), None)
    while True:
        token = int(torch.argmax(logits[-1]))
        out.append(token)
        if len(out) >= max_new_tokens or (eos_id is not None and token == eos_id):
            break
        logits, kv = model(torch.tensor([token], dtype=torch.int64), kv)
    return torch.tensor(out, dtype=torch.int64)
    ### END SOLUTION


# -----------------------------------------------------------------------------
# 2. a block allocator with reference counts


class BlockAllocator:
    """Hands out KV-cache blocks 0 .. num_blocks - 1 and counts how many sequences use each.

    allocate() -> a free block id, its ref count set to 1; RuntimeError when none is free.
    share(b)   -> None; one more sequence uses the allocated block b (ref count + 1).
    free(b)    -> None; ref count - 1; at 0 the block is free again (allocate may return it).
    ref_count(b) -> int (0 for a free block; ValueError out of range); num_free() -> int.
    share/free of a block that is not allocated, or of an id outside the range: ValueError.
    num_blocks < 1 or block_size < 1: ValueError.
    """

    def __init__(self, num_blocks: int, block_size: int) -> None:
        ### BEGIN SOLUTION
        if num_blocks < 1 or block_size < 1:
            raise ValueError("num_blocks and block_size must be positive")
        self.num_blocks = num_blocks
        self.block_size = block_size
        self._free = list(range(num_blocks - 1, -1, -1))  # a stack: pop() gives the lowest id first
        self._refs = [0] * num_blocks
        ### END SOLUTION

    def allocate(self) -> int:
        ### BEGIN SOLUTION
        if not self._free:
            raise RuntimeError("no free block")
        block = self._free.pop()
        self._refs[block] = 1
        return block
        ### END SOLUTION

    def share(self, block: int) -> None:
        ### BEGIN SOLUTION
        if not 0 <= block < self.num_blocks or self._refs[block] == 0:
            raise ValueError(f"block {block} is not allocated")
        self._refs[block] += 1
        ### END SOLUTION

    def free(self, block: int) -> None:
        ### BEGIN SOLUTION
        if not 0 <= block < self.num_blocks or self._refs[block] == 0:
            raise ValueError(f"block {block} is not allocated")
        self._refs[block] -= 1
        if self._refs[block] == 0:
            self._free.append(block)
        ### END SOLUTION

    def ref_count(self, block: int) -> int:
        ### BEGIN SOLUTION
        if not 0 <= block < self.num_blocks:
            raise ValueError(f"block {block} is out of range")
        return self._refs[block]
        ### END SOLUTION

    def num_free(self) -> int:
        ### BEGIN SOLUTION
        return len(self._free)
        ### END SOLUTION


# -----------------------------------------------------------------------------
# 3. paged attention


def paged_attention(q: Tensor, k_cache: Tensor, v_cache: Tensor, block_tables: Tensor, context_lens: Tensor,
                    device: str = "cpu") -> Tensor:
    """One decode step of attention whose keys/values live in scattered fixed-size blocks.

    q: (B, H, d), one query token per sequence. k_cache, v_cache: (num_blocks, block_size, H_kv, d),
    H_kv divides H; query head h reads KV head h // (H // H_kv).
    block_tables: (B, max_blocks) int64; token t of sequence b is at
        k_cache[block_tables[b, t // block_size], t % block_size].
    context_lens: (B,) int64 >= 1; sequence b attends to its tokens 0 .. context_lens[b] - 1 (all of
    them: the query is the newest token). Entries of block_tables past ceil(len / block_size) are
    padding (any value, e.g. -1) and are never read.
    out[b, h] = softmax(q[b, h] . K_b^T / sqrt(d)) V_b, the softmax computed stably (subtract each
    row's largest score before exp: scores can overflow it). Computed on `device`; returns a CPU
    tensor of q's dtype and shape (B, H, d).
    """
    ### BEGIN SOLUTION
    q, k_cache, v_cache = q.to(device), k_cache.to(device), v_cache.to(device)
    B, H, d = q.shape
    block_size, H_kv = k_cache.shape[1], k_cache.shape[2]
    group = H // H_kv
    out = torch.empty_like(q)
    for b in range(B):
        n = int(context_lens[b])
        n_blocks = (n + block_size - 1) // block_size
        blocks = block_tables[b, :n_blocks].to(device=device, dtype=torch.int64)
        k = k_cache[blocks].reshape(n_blocks * block_size, H_kv, d)[:n]  # (n, H_kv, d), in order
        v = v_cache[blocks].reshape(n_blocks * block_size, H_kv, d)[:n]
        k = k.repeat_interleave(group, dim=1).transpose(0, 1)  # (H, n, d)
        v = v.repeat_interleave(group, dim=1).transpose(0, 1)
        scores = (k @ q[b].unsqueeze(-1)).squeeze(-1) / math.sqrt(d)  # (H, n)
        scores = scores - scores.amax(dim=-1, keepdim=True)
        w = scores.exp()
        w = w / w.sum(dim=-1, keepdim=True)
        out[b] = (w.unsqueeze(1) @ v).squeeze(1)  # (H, d)
    return out.cpu()
    ### END SOLUTION


# -----------------------------------------------------------------------------
# 4. speculative decoding


def speculative_generate(target: SequenceModel, draft: SequenceModel, prompt: list[int], max_new_tokens: int,
                         k: int, seed: int | None = None) -> Tensor:
    """Draft-then-verify decoding (Leviathan et al. 2023). Returns (max_new_tokens,) int64.

    One round, with ids = prompt + tokens accepted so far:
      1. the draft proposes k tokens one at a time: x_i from draft(ids + x_1..x_{i-1})[-1]
         (k draft calls; greedy: x_i = argmax q_i, sampled: x_i drawn from q_i);
      2. ONE target call on ids + x_1..x_k gives p_1..p_{k+1} (its last k + 1 rows);
      3. greedy (seed is None): accept x_i while x_i == argmax p_i; at the first mismatch append
         argmax p_i instead and end the round; if all k are accepted append argmax p_{k+1}.
         sampled: accept x_i with probability min(1, p_i(x_i) / q_i(x_i)); at the first rejection
         append a sample of norm(max(0, p_i - q_i)) and end the round; if all are accepted append
         a sample of p_{k+1}. Probabilities are softmax of the logits (temperature 1), computed
         stably (logits can be large).
    Rounds repeat until max_new_tokens tokens exist; extra tokens of the last round are dropped.
    Randomness (sampled mode only): one torch.Generator seeded with `seed`.
    """
    ### BEGIN SOLUTION
    def probs(logits: Tensor) -> Tensor:  # softmax over the last dim, in float64
        z = logits.double()
        z = (z - z.amax(dim=-1, keepdim=True)).exp()
        return z / z.sum(dim=-1, keepdim=True)

    gen = None if seed is None else torch.Generator().manual_seed(seed)
    ids = list(prompt)
    n0 = len(ids)
    while len(ids) - n0 < max_new_tokens:
        drafts: list[int] = []
        q_rows: list[Tensor] = []
        for _ in range(k):
            q = probs(draft(torch.tensor(ids + drafts, dtype=torch.int64))[-1])
            x = int(torch.argmax(q)) if gen is None else int(torch.multinomial(q, 1, generator=gen))
            drafts.append(x)
            q_rows.append(q)
        p_rows = probs(target(torch.tensor(ids + drafts, dtype=torch.int64))[-(k + 1):])
        new: list[int] = []
        for i, x in enumerate(drafts):
            p, q = p_rows[i], q_rows[i]
            if gen is None:
                ok = x == int(torch.argmax(p))
            else:
                ok = float(torch.rand((), generator=gen)) * float(q[x]) < float(p[x])
            if not ok:
                if gen is None:
                    new.append(int(torch.argmax(p)))
                else:
                    residual = (p - q).clamp(min=0)
                    residual = residual / residual.sum() if float(residual.sum()) > 0 else p
                    new.append(int(torch.multinomial(residual, 1, generator=gen)))
                break
            new.append(x)
        else:
            p = p_rows[k]
            new.append(int(torch.argmax(p)) if gen is None else int(torch.multinomial(p, 1, generator=gen)))
        ids.extend(new)
    return torch.tensor(ids[n0:n0 + max_new_tokens], dtype=torch.int64)
    ### END SOLUTION


def bigram_model(table: Tensor) -> SequenceModel:
    """GIVEN (not graded): the full-sequence model whose next-token distribution after token t is
    table[t] (rows sum to 1): logits[i] = log(table[ids[i]])."""
    log_table = table.double().log()

    def model(ids: Tensor) -> Tensor:
        return log_table[ids]

    return model


def sample_bigram_speculative(target_table: Tensor, draft_table: Tensor, prompt: list[int], max_new_tokens: int,
                              k: int, n_draws: int, seed: int) -> Tensor:
    """GIVEN (not graded): n_draws runs of speculative_generate on bigram models, run r with seed
    seed + r. Returns (n_draws, max_new_tokens) int64; the tests count these outputs."""
    target, draft = bigram_model(target_table), bigram_model(draft_table)
    rows = [speculative_generate(target, draft, prompt, max_new_tokens, k, seed=seed + r) for r in range(n_draws)]
    return torch.stack(rows) if rows else torch.zeros(0, max_new_tokens, dtype=torch.int64)


# -----------------------------------------------------------------------------
# 5. continuous batching


class ContinuousBatcher:
    """Iteration-level scheduling over a batched next-token function.

    step_fn(seqs: list[list[int]]) -> list[int]: one call is one forward step; it returns the next
    token of each given sequence (prompt + tokens generated so far), in the same order.
    """

    def __init__(self, step_fn: Callable[[list[list[int]]], list[int]], max_batch: int, eos_id: int | None = None) -> None:
        ### BEGIN SOLUTION
        self.step_fn = step_fn
        self.max_batch = max_batch
        self.eos_id = eos_id
        self._next_id = 0
        self._waiting: list[int] = []  # FIFO of request ids
        self._running: list[int] = []
        self._prompt: dict[int, list[int]] = {}
        self._limit: dict[int, int] = {}
        self._out: dict[int, list[int]] = {}
        ### END SOLUTION

    def submit(self, prompt: list[int], max_new_tokens: int) -> int:
        """Queue a request (max_new_tokens >= 1); returns its id: 0, 1, 2, ... in submit order."""
        ### BEGIN SOLUTION
        rid = self._next_id
        self._next_id += 1
        self._prompt[rid] = list(prompt)
        self._limit[rid] = max_new_tokens
        self._out[rid] = []
        self._waiting.append(rid)
        return rid
        ### END SOLUTION

    def step(self) -> list[int]:
        """1. admit waiting requests, oldest first, while fewer than max_batch run;
        2. if none runs, return [] without calling step_fn;
        3. call step_fn once on every running sequence and append each one's token;
        4. a request that emitted eos_id or reached its max_new_tokens finishes and leaves now.
        Returns the ids of the requests that finished in this step, in increasing order."""
        ### BEGIN SOLUTION
        while self._waiting and len(self._running) < self.max_batch:
            self._running.append(self._waiting.pop(0))
        if not self._running:
            return []
        tokens = self.step_fn([self._prompt[r] + self._out[r] for r in self._running])
        finished = []
        for rid, token in zip(self._running, tokens):
            token = int(token)
            self._out[rid].append(token)
            if len(self._out[rid]) >= self._limit[rid] or (self.eos_id is not None and token == self.eos_id):
                finished.append(rid)
        self._running = [r for r in self._running if r not in finished]
        return sorted(finished)
        ### END SOLUTION

    def run(self) -> dict[int, list[int]]:
        """Step until no request waits or runs; returns {request id: generated tokens} of every
        request submitted so far."""
        ### BEGIN SOLUTION
        while self._waiting or self._running:
            self.step()
        return {rid: list(toks) for rid, toks in self._out.items()}
        ### END SOLUTION
