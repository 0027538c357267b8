"""A half-finished attempt that does not even parse."""
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

LOSS_TYPES = ("sigmoid", "ipo", "hinge"


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
    return torch.zeros(1)


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
    return torch.zeros(1)


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
    return torch.zeros(1)


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
    return torch.zeros(1)


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
    return torch.zeros(1)


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
    return torch.zeros(1)


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
    return torch.zeros(1)


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
    return torch.zeros(1)
