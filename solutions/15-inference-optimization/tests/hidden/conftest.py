"""Hidden-only oracles for the 15-inference-optimization tests (never released).

`schedule_steps` replays the handout's continuous-batching schedule (admit FIFO up to max_batch,
one step for every running request, finished requests leave at once) on per-request output
lengths, giving the exact number of forward steps and the batch sizes the student's batcher
must produce. The `oracle` fixture extends the one of tests/conftest.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest


def schedule_steps(lengths, max_batch):
    """(number of steps, [batch size of each step], [finished ids of each step]) for requests
    0..n-1 that each need lengths[i] steps, all submitted before the first step."""
    waiting, running, left = list(range(len(lengths))), [], dict(enumerate(lengths))
    sizes, finished = [], []
    while waiting or running:
        while waiting and len(running) < max_batch:
            running.append(waiting.pop(0))
        sizes.append(len(running))
        done = []
        for r in running:
            left[r] -= 1
            if left[r] == 0:
                done.append(r)
        running = [r for r in running if r not in done]
        finished.append(sorted(done))
    return len(sizes), sizes, finished


def greedy_spec_rounds(target, draft, prompt, n, k):
    """Rounds (= target calls) of greedy speculative decoding of n tokens: each round accepts the
    drafts that equal the target's argmax and adds one target token."""
    import torch

    ids, rounds = list(prompt), 0
    while len(ids) - len(prompt) < n:
        drafts = []
        for _ in range(k):
            drafts.append(int(torch.argmax(draft(torch.tensor(ids + drafts))[-1])))
        best = torch.argmax(target(torch.tensor(ids + drafts))[-(k + 1):], dim=-1).tolist()
        j = 0
        while j < k and drafts[j] == best[j]:
            j += 1
        ids += drafts[:j] + [best[j]]
        rounds += 1
    return rounds


@pytest.fixture(scope="session")
def oracle(oracle):
    return SimpleNamespace(**vars(oracle), schedule_steps=schedule_steps, greedy_spec_rounds=greedy_spec_rounds)
