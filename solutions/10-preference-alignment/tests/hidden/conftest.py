"""Hidden-only oracles for the 10-preference-alignment tests (never released).

Hand-written versions of the handout's formulas, written the naive way: the per-token gather
loop, the DPO/KTO/Bradley-Terry/PPO closed forms element by element, GAE as a reverse loop in
plain Python, and the bigram DPO steps by torch autograd. They stay out of the released
tests/conftest.py (students would paste them); the public tests use values these produced once
(fixtures/public/expected_values.json, written by tools/make_public_expected.py).

This `oracle` fixture extends the one of tests/conftest.py, so hidden tests call
`oracle.gather_logprobs(...)` and `oracle.make_llama(...)` alike.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch


def gather_logprobs(logits, input_ids, response_mask, average=False) -> torch.Tensor:
    """Per-row response log-probs by an explicit loop over rows and positions, in float64."""
    B, T, _ = logits.shape
    out = torch.zeros(B, dtype=torch.float64)
    for b in range(B):
        total, n = 0.0, 0
        for t in range(1, T):
            if bool(response_mask[b, t]):
                logp = torch.log_softmax(logits[b, t - 1].double(), dim=-1)
                total += float(logp[int(input_ids[b, t])])
                n += 1
        out[b] = total / max(n, 1) if average else total
    return out


def _log_sigmoid(x: float) -> float:
    return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def dpo_closed_form(pc, pr, rc, rr, beta, loss_type):
    """(losses, chosen_rewards, rejected_rewards) in float64, pair by pair."""
    losses, cr, rj = [], [], []
    for a, b, c, d in zip(pc.tolist(), pr.tolist(), rc.tolist(), rr.tolist()):
        h = (a - c) - (b - d)
        if loss_type == "sigmoid":
            losses.append(-_log_sigmoid(beta * h))
        elif loss_type == "ipo":
            losses.append((h - 1.0 / (2.0 * beta)) ** 2)
        else:
            losses.append(max(0.0, 1.0 - beta * h))
        cr.append(beta * (a - c))
        rj.append(beta * (b - d))
    f = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    return f(losses), f(cr), f(rj)


def kto_closed_form(pol, ref, desirable, pol_kl, ref_kl, beta, wd=1.0, wu=1.0):
    """(losses, rewards, z0) in float64: TRL's KTO with a clamped batch-mean KL reference point."""
    diffs = [a - b for a, b in zip(pol_kl.tolist(), ref_kl.tolist())]
    z0 = max(0.0, sum(diffs) / len(diffs))
    losses, rewards = [], []
    for a, b, good in zip(pol.tolist(), ref.tolist(), desirable.tolist()):
        r = a - b
        losses.append(wd * (1 - _sigmoid(beta * (r - z0))) if good else wu * (1 - _sigmoid(beta * (z0 - r))))
        rewards.append(beta * r)
    return torch.tensor(losses, dtype=torch.float64), torch.tensor(rewards, dtype=torch.float64), z0


def bt_closed_form(rc, rr, margin=None) -> float:
    m = [0.0] * len(rc) if margin is None else margin.tolist()
    vals = [-_log_sigmoid(a - b - c) for a, b, c in zip(rc.tolist(), rr.tolist(), m)]
    return sum(vals) / len(vals)


def gae_loop(rewards, values, dones, last_values, gamma, lam):
    """GAE by a naive reverse loop over each row in plain Python floats (float64)."""
    B, T = rewards.shape
    adv = torch.zeros(B, T, dtype=torch.float64)
    for b in range(B):
        next_adv = 0.0
        for t in reversed(range(T)):
            next_value = float(last_values[b]) if t == T - 1 else float(values[b, t + 1])
            if bool(dones[b, t]):
                next_value, next_adv = 0.0, 0.0
            delta = float(rewards[b, t]) + gamma * next_value - float(values[b, t])
            next_adv = delta + gamma * lam * next_adv
            adv[b, t] = next_adv
    return adv, adv + values.double()


def ppo_closed_form(logp, old, adv, eps, mask=None):
    """(loss, clip_fraction) in float64, term by term."""
    lp, ol, ad = logp.flatten().tolist(), old.flatten().tolist(), adv.flatten().tolist()
    keep = [True] * len(lp) if mask is None else mask.flatten().tolist()
    total, clipped, n = 0.0, 0, 0
    for a, b, A, k in zip(lp, ol, ad, keep):
        if not k:
            continue
        ratio = math.exp(a - b)
        l1 = -A * ratio
        l2 = -A * min(max(ratio, 1 - eps), 1 + eps)
        total += max(l1, l2)
        clipped += l2 > l1
        n += 1
    return total / n, clipped / n


def bigram_dpo_oracle(weights, c_ids, c_mask, r_ids, r_mask, beta, lr, steps):
    """Sigmoid DPO by gradient descent on a bigram policy, with torch autograd (float64)."""
    ref = weights.double()
    w = ref.clone().requires_grad_(True)

    def seq_logp(W, ids, mask):
        logp = torch.log_softmax(W[ids[:, :-1]], dim=-1).gather(-1, ids[:, 1:, None]).squeeze(-1)
        return (logp * mask[:, 1:].double()).sum(-1)

    ref_c, ref_r = seq_logp(ref, c_ids, c_mask), seq_logp(ref, r_ids, r_mask)
    margins = []
    for step in range(steps + 1):
        h = (seq_logp(w, c_ids, c_mask) - ref_c) - (seq_logp(w, r_ids, r_mask) - ref_r)
        margins.append(float((beta * h).mean().detach()))
        if step == steps:
            break
        loss = torch.nn.functional.softplus(-beta * h).mean()
        (g,) = torch.autograd.grad(loss, w)
        with torch.no_grad():
            w -= lr * g
    return w.detach(), margins


HIDDEN_HELPERS = dict(
    gather_logprobs=gather_logprobs, dpo_closed_form=dpo_closed_form, kto_closed_form=kto_closed_form,
    bt_closed_form=bt_closed_form, gae_loop=gae_loop, ppo_closed_form=ppo_closed_form,
    bigram_dpo_oracle=bigram_dpo_oracle,
)


@pytest.fixture(scope="session")
def oracle(oracle) -> SimpleNamespace:
    """tests/conftest.py's `oracle` plus the hidden-only helpers above."""
    return SimpleNamespace(**vars(oracle), **HIDDEN_HELPERS)
