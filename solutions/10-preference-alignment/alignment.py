"""Preference alignment from scratch: sequence log-probabilities, DPO (sigmoid, IPO, hinge),
KTO, a Bradley-Terry reward model, GAE and PPO's clipped objective.

Every function takes a `device` argument ("cpu" or "cuda"): move the inputs there, compute
there, and return CPU tensors (the grader only accepts CPU tensors). Floating results keep the
dtype of the floating inputs (float32 in -> float32 out, float64 in -> float64 out).
See the handout (README.md) for every convention the tests rely on.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

LOSS_TYPES = ("sigmoid", "ipo", "hinge")


def sequence_logprobs(
    logits: torch.Tensor,
    input_ids: torch.Tensor,
    response_mask: torch.Tensor,
    average: bool = False,
    device: str = "cpu",
) -> torch.Tensor:
    """Log-probability of each sequence's response tokens under a causal LM.

    logits: (B, T, V) float, logits[b, t] predicts token t + 1.
    input_ids: (B, T) int64. response_mask: (B, T) bool (or 0/1), True at response tokens.
    Token t (t >= 1) contributes log softmax(logits[b, t - 1])[input_ids[b, t]]:

        out[b] = sum_{t : mask[b, t]} log p(x_t | x_<t)          (average=False)
        out[b] = that sum / max(1, number of response tokens)   (average=True)

    Positions outside the mask never matter: their ids may be any integer (e.g. -100) and the
    logits that predict them may be nan or inf. Raises ValueError if response_mask[:, 0] has
    a True (token 0 has no prediction). Returns (B,) in the logits' dtype, on the CPU.
    """
    ### BEGIN SOLUTION
    logits = logits.to(device)
    ids = input_ids.to(device)
    mask = response_mask.to(device).bool()
    if mask[:, 0].any():
        raise ValueError("sequence_logprobs: response_mask[:, 0] must be False (token 0 has no prediction)")
    target_mask = mask[:, 1:]  # (B, T-1): token t + 1 is a response token
    safe_logits = logits[:, :-1].masked_fill(~target_mask[..., None], 0.0)  # drop nan/inf of unused rows
    targets = ids[:, 1:].masked_fill(~target_mask, 0)  # any id outside the mask -> a valid index
    logp = torch.log_softmax(safe_logits, dim=-1)
    token_logp = logp.gather(-1, targets[..., None]).squeeze(-1)  # (B, T-1)
    total = token_logp.masked_fill(~target_mask, 0.0).sum(dim=-1)
    if average:
        total = total / target_mask.sum(dim=-1).clamp(min=1).to(total.dtype)
    return total.cpu()
    ### END SOLUTION


def dpo_loss(
    policy_chosen_logps: torch.Tensor,
    policy_rejected_logps: torch.Tensor,
    ref_chosen_logps: torch.Tensor,
    ref_rejected_logps: torch.Tensor,
    beta: float = 0.1,
    loss_type: str = "sigmoid",
    device: str = "cpu",
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-pair DPO losses and implicit rewards.

    All inputs (B,). With h = (pc - rc) - (pr - rr):
        sigmoid: -log sigmoid(beta * h)
        ipo:     (h - 1 / (2 * beta)) ** 2
        hinge:   max(0, 1 - beta * h)
    chosen_rewards = beta * (pc - rc), rejected_rewards = beta * (pr - rr).
    Raises ValueError for another loss_type or beta <= 0.
    Returns (losses, chosen_rewards, rejected_rewards), each (B,), unreduced, on the CPU.
    """
    ### BEGIN SOLUTION
    if loss_type not in LOSS_TYPES:
        raise ValueError(f"dpo_loss: loss_type must be one of {LOSS_TYPES}, got {loss_type!r}")
    if not beta > 0:
        raise ValueError(f"dpo_loss: beta must be > 0, got {beta}")
    chosen_logratios = policy_chosen_logps.to(device) - ref_chosen_logps.to(device)
    rejected_logratios = policy_rejected_logps.to(device) - ref_rejected_logps.to(device)
    h = chosen_logratios - rejected_logratios
    if loss_type == "sigmoid":
        losses = -F.logsigmoid(beta * h)
    elif loss_type == "ipo":
        losses = (h - 1.0 / (2.0 * beta)) ** 2
    else:
        losses = torch.relu(1.0 - beta * h)
    return losses.cpu(), (beta * chosen_logratios).cpu(), (beta * rejected_logratios).cpu()
    ### END SOLUTION


def kto_loss(
    policy_logps: torch.Tensor,
    ref_logps: torch.Tensor,
    desirable: torch.Tensor,
    policy_kl_logps: torch.Tensor,
    ref_kl_logps: torch.Tensor,
    beta: float = 0.1,
    desirable_weight: float = 1.0,
    undesirable_weight: float = 1.0,
    device: str = "cpu",
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """KTO losses (Ethayarajh et al., 2024, in TRL's form) with a batch KL reference point.

    policy_logps, ref_logps: (B,) log-probs of each example's response; desirable: (B,) bool.
    policy_kl_logps, ref_kl_logps: (M,) log-probs of mismatched (prompt, response) pairs.
        z0 = max(0, mean(policy_kl_logps - ref_kl_logps))      (a constant: detached)
        r  = policy_logps - ref_logps
        loss = desirable_weight   * (1 - sigmoid(beta * (r - z0)))   if desirable
        loss = undesirable_weight * (1 - sigmoid(beta * (z0 - r)))   otherwise
    Returns (losses (B,), rewards = beta * r (B,), z0 (0-dim)), on the CPU.
    """
    ### BEGIN SOLUTION
    logratios = policy_logps.to(device) - ref_logps.to(device)
    kl = (policy_kl_logps.to(device) - ref_kl_logps.to(device)).mean().clamp(min=0).detach()
    good = desirable.to(device).bool()
    chosen_losses = desirable_weight * (1 - torch.sigmoid(beta * (logratios - kl)))
    rejected_losses = undesirable_weight * (1 - torch.sigmoid(beta * (kl - logratios)))
    losses = torch.where(good, chosen_losses, rejected_losses)
    return losses.cpu(), (beta * logratios).cpu(), kl.cpu()
    ### END SOLUTION


def bradley_terry_loss(
    chosen_rewards: torch.Tensor,
    rejected_rewards: torch.Tensor,
    margin: torch.Tensor | None = None,
    device: str = "cpu",
) -> torch.Tensor:
    """Bradley-Terry reward-model loss: mean over pairs of -log sigmoid(r_c - r_r - margin).

    chosen_rewards, rejected_rewards: (B,); margin: (B,) or None (no margin).
    Returns a 0-dim tensor in the rewards' dtype, on the CPU.
    """
    ### BEGIN SOLUTION
    diff = chosen_rewards.to(device) - rejected_rewards.to(device)
    if margin is not None:
        diff = diff - margin.to(device)
    return (-F.logsigmoid(diff)).mean().cpu()
    ### END SOLUTION


def train_reward_model(
    chosen_ids: torch.Tensor,
    chosen_mask: torch.Tensor,
    rejected_ids: torch.Tensor,
    rejected_mask: torch.Tensor,
    vocab_size: int,
    steps: int = 200,
    lr: float = 0.1,
    seed: int = 0,
    device: str = "cpu",
) -> torch.Tensor:
    """Train a bag-of-tokens reward model r(x) = sum_{t : mask[t]} w[x_t] with bradley_terry_loss.

    chosen_ids, rejected_ids: (N, T) int64; chosen_mask, rejected_mask: (N, T) bool (False at
    padding, whose ids may be any integer). Start from w = 0 and minimise the Bradley-Terry
    loss of the N training pairs for `steps` steps (the optimiser is your choice; full-batch
    Adam with learning rate `lr` works). Returns w: (vocab_size,) float32, on the CPU.
    """
    ### BEGIN SOLUTION
    torch.manual_seed(seed)

    def counts(ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:  # (N, V) token counts
        keep = mask.to(device).bool()
        safe = ids.to(device).masked_fill(~keep, 0)
        out = torch.zeros(ids.shape[0], vocab_size, dtype=torch.float32, device=device)
        return out.scatter_add_(1, safe, keep.to(torch.float32))

    c_counts, r_counts = counts(chosen_ids, chosen_mask), counts(rejected_ids, rejected_mask)
    w = torch.zeros(vocab_size, dtype=torch.float32, device=device, requires_grad=True)
    opt = torch.optim.Adam([w], lr=lr)
    for _ in range(steps):
        loss = bradley_terry_loss(c_counts @ w, r_counts @ w, device=device)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return w.detach().cpu()
    ### END SOLUTION


def gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    dones: torch.Tensor,
    last_values: torch.Tensor,
    gamma: float = 0.99,
    lam: float = 0.95,
    device: str = "cpu",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation over (B, T) rollouts.

    rewards, values: (B, T) float; dones: (B, T) bool, True when the episode ends after step t
    (the next state is terminal: its value counts as 0 and nothing flows back across it);
    last_values: (B,) value of the state after step T - 1 (used unless dones[:, T - 1]).
        delta_t = r_t + gamma * V_{t+1} * (1 - d_t) - V_t        (V_T = last_values)
        A_t     = delta_t + gamma * lam * (1 - d_t) * A_{t+1}     (A_T = 0)
    Returns (advantages, returns = advantages + values), both (B, T), on the CPU.
    """
    ### BEGIN SOLUTION
    rewards, values = rewards.to(device), values.to(device)
    not_done = 1.0 - dones.to(device).to(rewards.dtype)
    next_values = torch.cat([values[:, 1:], last_values.to(device)[:, None]], dim=1)
    deltas = rewards + gamma * next_values * not_done - values
    advantages = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[:, 0])
    for t in reversed(range(rewards.shape[1])):
        running = deltas[:, t] + gamma * lam * not_done[:, t] * running
        advantages[:, t] = running
    return advantages.cpu(), (advantages + values).cpu()
    ### END SOLUTION


def ppo_clip_loss(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    clip_eps: float = 0.2,
    mask: torch.Tensor | None = None,
    device: str = "cpu",
) -> tuple[torch.Tensor, torch.Tensor]:
    """PPO's clipped surrogate loss (to minimise) and the fraction of clipped terms.

    logp, old_logp, advantages: same shape (any); mask: same shape bool, or None (all True).
        ratio = exp(logp - old_logp)
        l1 = -A * ratio,  l2 = -A * clamp(ratio, 1 - eps, 1 + eps)
        loss = masked mean of max(l1, l2)
        clip_fraction = masked mean of (l2 > l1)    (the clipped term is the one taken)
    Returns (loss, clip_fraction), both 0-dim in logp's dtype, on the CPU.
    """
    ### BEGIN SOLUTION
    logp, old_logp, adv = logp.to(device), old_logp.to(device), advantages.to(device)
    keep = torch.ones_like(logp, dtype=torch.bool) if mask is None else mask.to(device).bool()
    ratio = torch.exp(logp - old_logp)
    l1 = -adv * ratio
    l2 = -adv * torch.clamp(ratio, 1.0 - clip_eps, 1.0 + clip_eps)
    per_term = torch.maximum(l1, l2)
    n = keep.sum().to(logp.dtype)
    loss = per_term[keep].sum() / n
    clip_fraction = (l2 > l1)[keep].to(logp.dtype).sum() / n
    return loss.cpu(), clip_fraction.cpu()
    ### END SOLUTION


def dpo_train_bigram(
    weights: torch.Tensor,
    chosen_ids: torch.Tensor,
    chosen_mask: torch.Tensor,
    rejected_ids: torch.Tensor,
    rejected_mask: torch.Tensor,
    beta: float = 0.1,
    lr: float = 0.1,
    steps: int = 5,
    device: str = "cpu",
) -> tuple[torch.Tensor, list[float]]:
    """A few steps of sigmoid DPO on a bigram policy, by plain gradient descent.

    The policy's logits are logits[b, t] = W[ids[b, t]] (row i of W: next-token logits after
    token i); W starts at `weights` (V, V) and the reference is that frozen initial W.
    Each step: sequence log-probs (sequence_logprobs, sums) of the chosen and rejected
    responses under W and under the reference, the mean of dpo_loss(..., loss_type="sigmoid"),
    then W <- W - lr * dLoss/dW. chosen/rejected_ids (N, T) int64 hold valid ids everywhere;
    the masks (N, T) bool mark the response tokens.
    margins[k] = mean over pairs of (chosen_reward - rejected_reward) with W after k steps,
    k = 0 .. steps (so margins[0] = 0). Returns (W after `steps` steps (V, V) in weights'
    dtype on the CPU, margins as a list of steps + 1 Python floats).
    """
    ### BEGIN SOLUTION
    ref = weights.to(device)
    w = ref.clone().requires_grad_(True)
    c_ids, r_ids = chosen_ids.to(device), rejected_ids.to(device)
    ref_c = sequence_logprobs(ref[c_ids], c_ids, chosen_mask, device=device).to(device)
    ref_r = sequence_logprobs(ref[r_ids], r_ids, rejected_mask, device=device).to(device)
    margins: list[float] = []
    for step in range(steps + 1):
        pol_c = sequence_logprobs(w[c_ids], c_ids, chosen_mask, device=device).to(device)
        pol_r = sequence_logprobs(w[r_ids], r_ids, rejected_mask, device=device).to(device)
        losses, rew_c, rew_r = dpo_loss(pol_c, pol_r, ref_c, ref_r, beta, "sigmoid", device=device)
        margins.append(float((rew_c - rew_r).mean().detach()))
        if step == steps:
            break
        (grad,) = torch.autograd.grad(losses.mean(), w)
        with torch.no_grad():
            w -= lr * grad.to(device)
    return w.detach().cpu(), margins
    ### END SOLUTION
