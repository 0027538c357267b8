"""The pieces of a training step around the gradients, written from scratch.

    adamw_step            one AdamW update (decoupled weight decay, bias correction)
    clip_grad_norm        rescale all gradients together so their global L2 norm <= max_norm
    LossScaler            dynamic loss scaling for float16 training (torch.amp.GradScaler's rule)
    mixed_precision_loss  cross-entropy of low-precision logits, computed in float32

Everything is plain data in, plain data out: parameters, gradients and optimizer state
are dicts/lists of tensors that go in and come back, nothing is updated behind your back.
No torch.optim, no torch.nn.utils.clip_grad_norm_, no torch.amp, no torch.nn.functional.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

# -----------------------------------------------------------------------------
# AdamW


def adamw_step(
    params: dict[str, Tensor],
    grads: dict[str, Tensor | None],
    state: dict[str, dict],
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.01,
) -> tuple[dict[str, Tensor], dict[str, dict]]:
    """One AdamW step (Loshchilov & Hutter), the same update as torch.optim.AdamW.

    For each parameter p with gradient g, and its state (t, m, v) (t = 0, m = v = 0 the
    first time the parameter is seen):
        t     = t + 1
        m     = beta1 * m + (1 - beta1) * g
        v     = beta2 * v + (1 - beta2) * g^2
        m_hat = m / (1 - beta1^t)                  bias correction
        v_hat = v / (1 - beta2^t)
        p     = p - lr * weight_decay * p - lr * m_hat / (sqrt(v_hat) + eps)
    The decay uses p before this step's update and is not scaled by m_hat/v_hat.

    params: name -> tensor. grads: name -> tensor of the same shape, or None (or a missing
    name) for a frozen parameter, which is returned unchanged and whose state is neither
    created nor advanced. state: name -> {"step": int, "exp_avg": m, "exp_avg_sq": v}, {}
    at the start. Returns (new_params, new_state) with the same layout (new_params has
    every name of params; new_state keeps the entries of frozen parameters as they were).
    """
    ### BEGIN SOLUTION
    beta1, beta2 = betas
    new_params: dict[str, Tensor] = {}
    new_state: dict[str, dict] = dict(state)
    for name, p in params.items():
        g = grads.get(name)
        if g is None:
            new_params[name] = p
            continue
        s = state.get(name, {"step": 0, "exp_avg": torch.zeros_like(p), "exp_avg_sq": torch.zeros_like(p)})
        t = s["step"] + 1
        m = beta1 * s["exp_avg"] + (1 - beta1) * g
        v = beta2 * s["exp_avg_sq"] + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        new_params[name] = p - lr * weight_decay * p - lr * m_hat / (v_hat.sqrt() + eps)
        new_state[name] = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    return new_params, new_state
    ### END SOLUTION


# -----------------------------------------------------------------------------
# gradient clipping


def clip_grad_norm(grads: list[Tensor | None], max_norm: float) -> tuple[list[Tensor | None], float]:
    """Scale all gradients by one factor so that their global L2 norm is at most max_norm.

        total_norm = sqrt( sum over every element of every gradient of g^2 )
        coef       = min(1, max_norm / (total_norm + 1e-6))
        clipped    = [coef * g for g in grads]

    the rule of torch.nn.utils.clip_grad_norm_ (its eps of 1e-6 included). None entries
    (frozen parameters without a gradient) are skipped in the norm and stay None.
    Returns (clipped, total_norm) where total_norm is the norm BEFORE clipping, a Python
    float (0.0 when there is no gradient at all).
    """
    ### BEGIN SOLUTION
    total_norm = math.sqrt(sum(float((g * g).sum()) for g in grads if g is not None))
    coef = min(1.0, max_norm / (total_norm + 1e-6))
    clipped = [None if g is None else g * coef for g in grads]
    return clipped, total_norm
    ### END SOLUTION


# -----------------------------------------------------------------------------
# dynamic loss scaling

FLOAT32_MAX = 3.4028234663852886e38  # torch.finfo(torch.float32).max


class LossScaler:
    """Dynamic loss scaling, with the update rule of torch.amp.GradScaler.

    float16 gradients underflow to 0 below ~6e-8. Multiplying the loss by a large `scale`
    multiplies every gradient by it too (the chain rule is linear), lifting small
    gradients into range; the optimizer then uses the gradients divided by `scale`.
    If the scaled gradients overflow (inf or nan anywhere), the step is skipped and the
    scale is reduced; after `growth_interval` clean steps in a row it is increased again.
    """

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
    ):
        """Store the settings; `self.scale` (float) starts at init_scale, `self.growth_tracker`
        (int, the number of clean steps in a row since the last change) at 0.

        Raises ValueError unless growth_factor > 1, 0 < backoff_factor < 1 and growth_interval >= 1.
        """
        ### BEGIN SOLUTION
        if growth_factor <= 1.0:
            raise ValueError(f"growth_factor must be > 1, got {growth_factor}")
        if not 0.0 < backoff_factor < 1.0:
            raise ValueError(f"backoff_factor must be in (0, 1), got {backoff_factor}")
        if growth_interval < 1:
            raise ValueError(f"growth_interval must be >= 1, got {growth_interval}")
        self.scale = float(init_scale)
        self.growth_factor = growth_factor
        self.backoff_factor = backoff_factor
        self.growth_interval = growth_interval
        self.growth_tracker = 0
        ### END SOLUTION

    def scale_loss(self, loss: Tensor) -> Tensor:
        """loss * scale (call backward on this)."""
        ### BEGIN SOLUTION
        return loss * self.scale
        ### END SOLUTION

    def update(self, found_inf: bool) -> None:
        """Update scale and growth_tracker after one step (GradScaler.update's rule).

        found_inf: scale = scale * backoff_factor, growth_tracker = 0.
        otherwise: growth_tracker += 1; when it reaches growth_interval,
                   scale = scale * growth_factor and growth_tracker = 0. A growth that
                   would take the scale above the largest float32 (FLOAT32_MAX) is skipped
                   (the scale stays, the tracker still resets to 0).
        """
        ### BEGIN SOLUTION
        if found_inf:
            self.scale *= self.backoff_factor
            self.growth_tracker = 0
            return
        self.growth_tracker += 1
        if self.growth_tracker == self.growth_interval:
            grown = self.scale * self.growth_factor
            if grown <= FLOAT32_MAX:
                self.scale = grown
            self.growth_tracker = 0
        ### END SOLUTION

    def step(self, grads: list[Tensor]) -> list[Tensor] | None:
        """Unscale the (scaled) gradients, then update the scale.

        found_inf = some element of some gradient is inf or nan. The gradients are divided by
        the scale in force BEFORE this step's update. Then update(found_inf) is called.
        Returns the unscaled gradients (same dtypes), or None when the step must be skipped.
        """
        ### BEGIN SOLUTION
        found_inf = not all(bool(torch.isfinite(g).all()) for g in grads)
        unscaled = [g / self.scale for g in grads]
        self.update(found_inf)
        return None if found_inf else unscaled
        ### END SOLUTION


# -----------------------------------------------------------------------------
# mixed precision


def mixed_precision_loss(logits: Tensor, targets: Tensor) -> Tensor:
    """Mean softmax cross-entropy of low-precision logits, computed in float32.

    logits: (..., C) in bfloat16, float16 or float32 (e.g. the output of a bf16 forward
    pass); targets: (...) int64. The logits are cast to float32 FIRST, and the stable
    log-sum-exp (row max subtracted) and the mean over all positions are computed in
    float32, as autocast does for losses: a sum of exps over a large vocabulary in bfloat16
    has only 8 bits of mantissa. Returns a 0-dim float32 tensor.
    """
    ### BEGIN SOLUTION
    C = logits.shape[-1]
    flat = logits.float().reshape(-1, C)  # (M, C) float32, M = number of positions
    t = targets.reshape(-1)  # (M,)
    shifted = flat - flat.max(dim=1, keepdim=True).values  # (M, C)
    lse = shifted.exp().sum(dim=1).log()  # (M,)
    nll = lse - shifted[torch.arange(len(t)), t]  # (M,)
    return nll.mean()
    ### END SOLUTION
