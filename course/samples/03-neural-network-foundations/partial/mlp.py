"""Backprop by hand: the forward and backward pass of a one-hidden-layer MLP classifier.

    h_pre  = x @ W1 + b1              (N, H)
    h      = act(h_pre)               (N, H)    act = tanh or relu
    logits = h @ W2 + b2              (N, C)
    loss   = mean_i [ logsumexp(logits_i) - logits_i[y_i] ]     softmax cross-entropy

Every gradient is derived and written out with tensor ops, the way "backprop ninja"
(makemore part 4) does it. No torch.autograd: no .backward(), no requires_grad, no torch.func.

Weights use the maths layout, W1 of shape (D, H) and y = x @ W1 + b1
(not nn.Linear's (out, in) layout).
"""

from __future__ import annotations

import torch
from torch import Tensor

# -----------------------------------------------------------------------------
# the loss


def softmax_cross_entropy(logits: Tensor, targets: Tensor) -> tuple[Tensor, Tensor]:
    """Mean softmax cross-entropy and its gradient with respect to the logits.

    logits: (N, C) float; targets: (N,) int64 class ids in [0, C).
        loss    = (1/N) sum_i [ log sum_c exp(logits[i, c]) - logits[i, targets[i]] ]
        dlogits = (softmax(logits) - onehot(targets)) / N          (N, C)
    Numerically stable: subtract each row's max before exp (logits of 1e4 must work).
    Returns (loss, dlogits): a 0-dim tensor and an (N, C) tensor, both in logits' dtype.
    """
    N, C = logits.shape
    rows = torch.arange(N)
    log_probs = logits - logits.exp().sum(dim=1, keepdim=True).log()  # (N, C)
    loss = -log_probs[rows, targets].mean()
    dlogits = log_probs.exp()  # softmax, (N, C)
    dlogits[rows, targets] -= 1.0
    return loss, dlogits / N


# -----------------------------------------------------------------------------
# the MLP


def mlp_forward_backward(
    x: Tensor, y: Tensor, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor, activation: str = "tanh"
) -> tuple[Tensor, dict[str, Tensor]]:
    """Forward pass, loss, and a manual backward pass of a one-hidden-layer MLP.

    x: (N, D) float, y: (N,) int64 labels in [0, C), W1: (D, H), b1: (H,), W2: (H, C), b2: (C,).
    activation: "tanh" or "relu"; anything else raises ValueError.

    Returns (loss, grads): loss is the 0-dim mean cross-entropy, grads maps each name to
    d(loss)/d(that tensor), with the tensor's shape:
        "logits" (N, C), "h" (N, H), "h_pre" (N, H), "W2" (H, C), "b2" (C,),
        "W1" (D, H), "b1" (H,), "x" (N, D)
    The chain rule, from the top:
        dh_pre = dh * (1 - h^2)             for tanh
        dh_pre = dh * [h_pre > 0]           for relu (0 where h_pre == 0, like torch)
    Everything is computed in x's dtype.
    """
    if activation not in ("tanh", "relu"):
        raise ValueError(f"activation must be 'tanh' or 'relu', got {activation!r}")
    # forward
    h_pre = x @ W1 + b1  # (N, H)
    h = torch.tanh(h_pre) if activation == "tanh" else torch.relu(h_pre)  # (N, H)
    logits = h @ W2 + b2  # (N, C)
    loss, dlogits = softmax_cross_entropy(logits, y)
    # backward, layer by layer
    dW2 = h.T @ dlogits  # (H, C)
    db2 = dlogits.sum(dim=0)  # (C,)
    dh = dlogits @ W2.T  # (N, H)
    if activation == "tanh":
        dh_pre = dh * (1.0 - h * h)  # (N, H)
    else:
        dh_pre = dh * (h_pre >= 0)  # (N, H)
    dW1 = x.T @ dh_pre  # (D, H)
    db1 = dh_pre.sum(dim=0)  # (H,)
    dx = dh_pre @ W1.T  # (N, D)
    grads = {"logits": dlogits, "h": dh, "h_pre": dh_pre, "W2": dW2, "b2": db2, "W1": dW1, "b1": db1, "x": dx}
    return loss, grads
