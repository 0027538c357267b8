"""Work in progress (does not import: a syntax error). Model enhancement: RoPE scaling for longer contexts, model merging and knowledge distillation.

Five groups of functions, all with torch:

* RoPE frequency scaling (`rope_default`, `rope_linear`, `rope_dynamic_ntk`, `rope_llama3`,
  `rope_yarn`, and the dispatcher `rope_inv_freq`): the inverse frequencies and attention factor
  of transformers' `ROPE_INIT_FUNCTIONS`.
* SLERP (`slerp`): spherical interpolation of two weight tensors, mergekit's form.
* TIES merging (`magnitude_prune`, `majority_sign_mask`, `disjoint_merge`, `task_arithmetic`,
  `ties`): peft's `merge_utils`.
* DARE merging (`dare_linear`, `dare_ties`): random drop-and-rescale, peft's `merge_utils` under
  the same seed.
* Knowledge distillation (`kd_loss`): Hinton's temperature-scaled KL plus cross-entropy.

See the handout (README.md) for every convention the tests rely on.
"""

from __future__ import annotations

import math

import torch

# --------------------------------------------------------------------------------------------
# RoPE frequency scaling
# --------------------------------------------------------------------------------------------


def rope_default(dim: int, base: float) -> tuple[torch.Tensor, float]:
    """Unscaled RoPE inverse frequencies.

    inv_freq[i] = 1 / base ** (2i / dim) for i = 0 .. dim/2 - 1, computed in float32:
    the exponent is `torch.arange(0, dim, 2).float() / dim`.
    Returns (inv_freq float32 (dim // 2,), attention_factor = 1.0).
    Raises ValueError if dim is not a positive even integer.
    """
    if dim < 2 or dim % 2 != 0:
        raise ValueError(f"dim must be a positive even integer, got {dim}")
    exponent = torch.arange(0, dim, 2, dtype=torch.int64).float() / dim
    return 1.0 / (base**exponent), 1.0


def rope_linear(dim: int, base: float, factor: float) -> tuple[torch.Tensor, float]

    """Linear (position-interpolation) scaling: every inverse frequency divided by `factor`.

    Returns (rope_default(dim, base)[0] / factor, 1.0).
    """
    inv_freq, _ = rope_default(dim, base)
    return inv_freq / factor, 1.0


def rope_dynamic_ntk(dim: int, base: float, factor: float, original_max_position_embeddings: int,
                     seq_len: int | None = None) -> tuple[torch.Tensor, float]:
    """Dynamic NTK scaling: a larger base once the sequence outgrows the original context.

    L = max(seq_len, original_max_position_embeddings) (seq_len None: L = original max), then
        base' = base * (factor * L / original_max - (factor - 1)) ** (dim / (dim - 2))
    in Python floats, and the default inverse frequencies with base'. Returns (inv_freq, 1.0).
    """
    if seq_len is None:
        seq_len = original_max_position_embeddings
    seq_len = max(seq_len, original_max_position_embeddings)
    new_base = base * ((factor * seq_len / original_max_position_embeddings) - (factor - 1)) ** (dim / (dim - 2))
    inv_freq, _ = rope_default(dim, new_base)
    return inv_freq, 1.0


def rope_llama3(dim: int, base: float, factor: float, low_freq_factor: float, high_freq_factor: float,
                original_max_position_embeddings: int) -> tuple[torch.Tensor, float]:
    """Llama 3.1 scaling: long wavelengths divided by `factor`, short ones kept, a smooth ramp between.

    With inv = rope_default(dim, base)[0], wavelen = 2*pi / inv, L = original_max_position_embeddings:
      wavelen < L / high_freq_factor        -> inv            (high frequencies: unchanged)
      wavelen > L / low_freq_factor         -> inv / factor   (low frequencies: interpolated)
      otherwise, s = (L / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor),
                                            -> (1 - s) * inv / factor + s * inv
    Returns (inv_freq float32 (dim // 2,), 1.0).
    """
    inv_freq, _ = rope_default(dim, base)
    old_context_len = original_max_position_embeddings
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    scaled = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    is_medium = (wavelen >= high_freq_wavelen) & (wavelen <= low_freq_wavelen)
    return torch.where(is_medium, smoothed, scaled), 1.0


def yarn_get_mscale(scale: float, mscale: float = 1.0) -> float:
    """YaRN's attention temperature: 1.0 if scale <= 1, else 0.1 * mscale * ln(scale) + 1.0."""
    if scale <= 1:
        return 1.0
    return 0.1 * mscale * math.log(scale) + 1.0


def yarn_correction_range(beta_fast: float, beta_slow: float, dim: int, base: float,
                          original_max_position_embeddings: int, truncate: bool = True) -> tuple[float, float]:
    """The (low, high) dimension indices between which YaRN ramps from extrapolation to interpolation.

    The dimension whose wavelength makes `r` full rotations over the original context L is
        d(r) = dim * ln(L / (r * 2 * pi)) / (2 * ln(base)).
    low = d(beta_fast), high = d(beta_slow); with truncate, low = floor(low) and high = ceil(high);
    finally low = max(low, 0) and high = min(high, dim - 1).
    """
    def correction_dim(num_rotations: float) -> float:
        ratio = original_max_position_embeddings / (num_rotations * 2 * math.pi)
        return (dim * math.log(ratio)) / (2 * math.log(base))

    low = correction_dim(beta_fast)
    high = correction_dim(beta_slow)
    if truncate:
        low = math.floor(low)
        high = math.ceil(high)
    return max(low, 0), min(high, dim - 1)


def rope_yarn(dim: int, base: float, factor: float, original_max_position_embeddings: int,
              beta_fast: float = 32.0, beta_slow: float = 1.0, attention_factor: float | None = None,
              mscale: float | None = None, mscale_all_dim: float | None = None,
              truncate: bool = True) -> tuple[torch.Tensor, float]:
    """YaRN: per-dimension blend of the unscaled (extrapolated) and the scaled (interpolated) frequencies.

    extra = rope_default(dim, base)[0], inter = extra / factor,
    (low, high) = yarn_correction_range(...); ramp[i] = clamp((i - low) / (high - low), 0, 1) for
    i = 0 .. dim/2 - 1 in float32 (if low == high, use high + 0.001); then
        inv_freq = inter * ramp + extra * (1 - ramp)
    so dimensions below `low` (high frequencies) keep their frequency exactly.
    attention_factor (if None): yarn_get_mscale(factor, mscale) / yarn_get_mscale(factor, mscale_all_dim)
    when both mscale and mscale_all_dim are given (and non-zero), else yarn_get_mscale(factor).
    Returns (inv_freq float32 (dim // 2,), attention_factor float).
    """
    if attention_factor is None:
        if mscale and mscale_all_dim:
            attention_factor = float(yarn_get_mscale(factor, mscale) / yarn_get_mscale(factor, mscale_all_dim))
        else:
            attention_factor = yarn_get_mscale(factor)
    extrapolation, _ = rope_default(dim, base)
    interpolation = extrapolation / factor
    low, high = yarn_correction_range(beta_fast, beta_slow, dim, base, original_max_position_embeddings, truncate)
    if low == high:
        high += 0.001
    ramp = torch.clamp((torch.arange(dim // 2, dtype=torch.float32) - low) / (high - low), 0, 1)
    extrapolation_weight = 1 - ramp
    inv_freq = interpolation * (1 - extrapolation_weight) + extrapolation * extrapolation_weight
    return inv_freq, float(attention_factor)


def rope_inv_freq(dim: int, base: float, scaling: dict | None = None,
                  seq_len: int | None = None) -> tuple[torch.Tensor, float]:
    """Dispatch on scaling["rope_type"] with transformers' `rope_parameters` key names.

    None or "default" -> rope_default; "linear" (factor); "dynamic" (factor,
    original_max_position_embeddings, and seq_len from the argument); "llama3" (factor,
    low_freq_factor, high_freq_factor, original_max_position_embeddings); "yarn" (factor,
    original_max_position_embeddings; optional beta_fast, beta_slow, attention_factor, mscale,
    mscale_all_dim, truncate with the defaults of rope_yarn). Any other rope_type: ValueError.
    """
    kind = "default" if scaling is None else scaling.get("rope_type", "default")
    if kind == "default":
        return rope_default(dim, base)
    if kind == "linear":
        return rope_linear(dim, base, scaling["factor"])
    if kind == "dynamic":
        return rope_dynamic_ntk(dim, base, scaling["factor"], scaling["original_max_position_embeddings"], seq_len)
    if kind == "llama3":
        return rope_llama3(dim, base, scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"],
                           scaling["original_max_position_embeddings"])
    if kind == "yarn":
        return rope_yarn(dim, base, scaling["factor"], scaling["original_max_position_embeddings"],
                         beta_fast=scaling.get("beta_fast", 32.0), beta_slow=scaling.get("beta_slow", 1.0),
                         attention_factor=scaling.get("attention_factor"), mscale=scaling.get("mscale"),
                         mscale_all_dim=scaling.get("mscale_all_dim"), truncate=scaling.get("truncate", True))
    raise ValueError(f"unknown rope_type {kind!r}")


# --------------------------------------------------------------------------------------------
# SLERP
# --------------------------------------------------------------------------------------------


def slerp(t: float, v0: torch.Tensor, v1: torch.Tensor, dot_threshold: float = 0.9995,
          eps: float = 1e-8) -> torch.Tensor:
    """Spherical linear interpolation of two tensors of the same shape (mergekit's form).

    In float64, over the flattened tensors: u0 = v0 / |v0| and u1 = v1 / |v1| (a norm <= eps is
    left undivided), dot = <u0, u1>. If |dot| > dot_threshold: lerp (1 - t) * v0 + t * v1.
    Else theta = arccos(dot), s0 = sin((1 - t) * theta) / sin(theta), s1 = sin(t * theta) / sin(theta)
    and the result is s0 * v0 + s1 * v1 (the ORIGINAL, unnormalised tensors).
    Returns v0's shape and dtype.
    """
    a = v0.to(torch.float64)
    b = v1.to(torch.float64)
    na = torch.linalg.vector_norm(a)
    nb = torch.linalg.vector_norm(b)
    ua = a / na if na > eps else a
    ub = b / nb if nb > eps else b
    dot = float((ua * ub).sum())
    if abs(dot) > dot_threshold:
        out = (1 - t) * a + t * b
    else:
        theta = math.acos(dot)
        sin_theta = math.sin(theta)
        s0 = math.sin(theta - theta * t) / sin_theta
        s1 = math.sin(theta * t) / sin_theta
        out = s0 * a + s1 * b
    return out.to(v0.dtype)


# --------------------------------------------------------------------------------------------
# TIES
# --------------------------------------------------------------------------------------------


def magnitude_prune(tensor: torch.Tensor, density: float) -> torch.Tensor:
    """Keep the k = int(density * numel) entries of largest |value|, zero the rest.

    density >= 1: the tensor is returned unchanged; density < 0: ValueError.
    Returns a tensor of the input's shape and dtype.
    """
    if density >= 1:
        return tensor
    if density < 0:
        raise ValueError(f"density must be >= 0, got {density}")
    k = int(density * tensor.numel())
    mask = torch.zeros_like(tensor).reshape(-1)
    top = torch.topk(tensor.abs().reshape(-1), k=k, largest=True)
    mask[top.indices] = 1
    return tensor * mask.reshape(tensor.shape)


def majority_sign_mask(stacked: torch.Tensor, method: str = "total") -> torch.Tensor:
    """Where each task agrees with the elected sign. `stacked` is (n_tasks, ...).

    Elected sign per entry: +1 if S >= 0 else -1, with S = stacked.sum(0) ("total") or
    stacked.sign().sum(0) ("frequency"). Returns bool (n_tasks, ...): sign(stacked) == elected
    (zeros never agree). Any other method: ValueError.
    """
    sign = stacked.sign()
    if method == "total":
        magnitude = stacked.sum(dim=0)
    elif method == "frequency":
        magnitude = sign.sum(dim=0)
    else:
        raise ValueError(f"unknown majority sign method {method!r}")
    elected = torch.where(magnitude >= 0, 1, -1)
    return sign == elected


def disjoint_merge(stacked: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of the agreeing entries: (stacked * mask).sum(0) / max(mask.sum(0), 1). Returns (...)."""
    total = (stacked * mask).sum(dim=0)
    count = mask.sum(dim=0)
    return total / torch.clamp(count, min=1.0)


def task_arithmetic(tasks: list[torch.Tensor], weights: torch.Tensor) -> torch.Tensor:
    """Weighted sum of the task tensors: sum_i weights[i] * tasks[i]. Returns the tasks' shape."""
    stacked = torch.stack(list(tasks), dim=0)
    w = weights.reshape(weights.shape + (1,) * (stacked.dim() - weights.dim()))
    return (stacked * w).sum(dim=0)


def ties(tasks: list[torch.Tensor], weights: torch.Tensor, density: float,
         majority_sign_method: str = "total") -> torch.Tensor:
    """TIES-merging: trim (magnitude_prune each task), elect the sign on the pruned, UNWEIGHTED
    stack, then disjoint_merge the weighted stack (weights[i] * pruned[i]) with that mask."""
    pruned = torch.stack([magnitude_prune(t, density) for t in tasks], dim=0)
    mask = majority_sign_mask(pruned, majority_sign_method)
    w = weights.reshape(weights.shape + (1,) * (pruned.dim() - weights.dim()))
    return disjoint_merge(pruned * w, mask)


# --------------------------------------------------------------------------------------------
# DARE
# --------------------------------------------------------------------------------------------


def _dare_prune(tasks: list[torch.Tensor], density: float, seed: int) -> torch.Tensor:
    """The stack of DARE-pruned, rescaled tasks (the masks drawn as the handout states)."""
    if density >= 1:
        return torch.stack(list(tasks), dim=0)
    if density < 0:
        raise ValueError(f"density must be >= 0, got {density}")
    torch.manual_seed(seed)
    pruned = []
    for t in tasks:
        keep = torch.bernoulli(torch.full_like(t, density))
        pruned.append(t * keep / density)
    return torch.stack(pruned, dim=0)


def dare_linear(tasks: list[torch.Tensor], weights: torch.Tensor, density: float, seed: int) -> torch.Tensor:
    """DARE: drop each entry with probability 1 - density, rescale the kept ones by 1 / density,
    then the weighted sum. The masks: torch.manual_seed(seed), then for each task in order
    keep = torch.bernoulli(torch.full_like(task, density)); pruned = task * keep / density."""
    pruned = _dare_prune(tasks, density, seed)
    w = weights.reshape(weights.shape + (1,) * (pruned.dim() - weights.dim()))
    return (pruned * w).sum(dim=0)


def dare_ties(tasks: list[torch.Tensor], weights: torch.Tensor, density: float, seed: int,
              majority_sign_method: str = "total") -> torch.Tensor:
    """DARE-TIES: the DARE masks and rescale of dare_linear (same seed, same order), then TIES's
    sign election on the pruned unweighted stack and disjoint_merge of the weighted stack."""
    pruned = _dare_prune(tasks, density, seed)
    mask = majority_sign_mask(pruned, majority_sign_method)
    w = weights.reshape(weights.shape + (1,) * (pruned.dim() - weights.dim()))
    return disjoint_merge(pruned * w, mask)


# --------------------------------------------------------------------------------------------
# Knowledge distillation
# --------------------------------------------------------------------------------------------


def kd_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, labels: torch.Tensor,
            temperature: float = 2.0, alpha: float = 0.5) -> torch.Tensor:
    """Hinton's distillation loss, a 0-d tensor differentiable w.r.t. student_logits.

    student_logits, teacher_logits: (N, C); labels: int64 (N,). With T = temperature,
    p = softmax(teacher / T) (treated as a constant: no gradient to the teacher),
    log q = log_softmax(student / T):
        KL = sum_{n,c} p[n,c] * (log p[n,c] - log q[n,c]) / N             (batchmean)
        CE = mean_n -log_softmax(student)[n, labels[n]]                   (T = 1)
        loss = alpha * T**2 * KL + (1 - alpha) * CE
    Raises ValueError if temperature <= 0 or alpha is outside [0, 1].
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    n = student_logits.shape[0]
    log_p = torch.log_softmax(teacher_logits.detach() / temperature, dim=-1)
    log_q = torch.log_softmax(student_logits / temperature, dim=-1)
    kl = (log_p.exp() * (log_p - log_q)).sum() / n
    log_probs = torch.log_softmax(student_logits, dim=-1)
    ce = -log_probs.gather(1, labels.reshape(-1, 1)).sum() / n
    return alpha * temperature**2 * kl + (1 - alpha) * ce
