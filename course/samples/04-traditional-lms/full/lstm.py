"""An LSTM written with plain tensor ops: one cell step, and a multi-layer sequence run.

    lstm_cell   one time step of one layer: (x, h, c) -> (h', c')
    lstm        a stack of layers over a whole sequence, like torch.nn.LSTM(batch_first=True)

Weights come in as arguments in PyTorch's layout, so the results can be compared with
torch.nn.LSTMCell / torch.nn.LSTM given the same weights. The four gates are stacked in
PyTorch's order i, f, g, o along the first dim of W_ih, W_hh, b_ih, b_hh.

What it does not do: dropout between layers, bidirectional or projected (proj_size) LSTMs,
packed variable-length sequences. It does not call torch's LSTM kernels.
"""

from __future__ import annotations

import torch
from torch import Tensor

# -----------------------------------------------------------------------------
# one step


def lstm_cell(
    x: Tensor,
    h: Tensor,
    c: Tensor,
    W_ih: Tensor,
    W_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """One LSTM step. Returns (h_new, c_new), each (B, H).

    x: (B, D), h: (B, H), c: (B, H), W_ih: (4H, D), W_hh: (4H, H), b_ih, b_hh: (4H,) or None
    (None = no bias, like nn.LSTMCell(bias=False)). With the gate rows stacked i, f, g, o:
        [i; f; g; o] = x W_ih^T + b_ih + h W_hh^T + b_hh     (B, 4H), split into 4 chunks of H
        i, f, o = sigmoid(.),  g = tanh(.)
        c_new = f * c + i * g
        h_new = o * tanh(c_new)
    Computes in the inputs' dtype and stays differentiable (no in-place ops on the inputs).
    """
    ### BEGIN SOLUTION
    gates = x @ W_ih.T + h @ W_hh.T  # (B, 4H)
    if b_ih is not None:
        gates = gates + b_ih + b_hh
    i, f, g, o = gates.chunk(4, dim=-1)  # (B, H) each, PyTorch's gate order
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g  # (B, H)
    h_new = o * torch.tanh(c_new)  # (B, H)
    return h_new, c_new
    ### END SOLUTION


# -----------------------------------------------------------------------------
# a whole sequence, several layers


def lstm(
    x: Tensor,
    weights: dict[str, Tensor],
    num_layers: int,
    state: tuple[Tensor, Tensor] | None = None,
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """Run a stacked LSTM over a batch of sequences, like torch.nn.LSTM(batch_first=True).

    x: (B, T, D). weights: nn.LSTM's state_dict keys, for layer l = 0 .. num_layers-1:
        weight_ih_l{l} (4H, D for l = 0, else H), weight_hh_l{l} (4H, H),
        bias_ih_l{l} (4H,), bias_hh_l{l} (4H,)   (both bias keys absent = no bias)
    state: (h0, c0), each (num_layers, B, H), or None for zeros.
    Layer l reads the hidden states of layer l-1 at every time step (layer 0 reads x) and
    starts from h0[l], c0[l]. Returns (output, (h_n, c_n)): output (B, T, H) holds the last
    layer's h at every step; h_n, c_n (num_layers, B, H) hold every layer's final h and c.
    Uses lstm_cell for each step.
    """
    ### BEGIN SOLUTION
    B, T, _ = x.shape
    H = weights["weight_hh_l0"].shape[1]
    if state is None:
        zeros = torch.zeros(num_layers, B, H, dtype=x.dtype)
        state = (zeros, zeros)
    h0, c0 = state

    layer_input = x  # (B, T, D) for layer 0, then (B, T, H)
    h_n, c_n = [], []
    for l in range(num_layers):
        h, c = h0[l], c0[l]  # (B, H)
        outputs = []
        for t in range(T):
            h, c = lstm_cell(
                layer_input[:, t],
                h,
                c,
                weights[f"weight_ih_l{l}"],
                weights[f"weight_hh_l{l}"],
                weights.get(f"bias_ih_l{l}"),
                weights.get(f"bias_hh_l{l}"),
            )
            outputs.append(h)
        layer_input = torch.stack(outputs, dim=1)  # (B, T, H)
        h_n.append(h)
        c_n.append(c)
    return layer_input, (torch.stack(h_n), torch.stack(c_n))
    ### END SOLUTION
