"""Hidden-only oracles for the 14-quantization tests (never released).

Hand-written versions of the handout's algorithms, in torch (float64) so that they share no code
with a numpy solution: absmax and zero-point quantization (the zero-point grid is the Quantizer of
the GPTQ authors' code, ties to even via torch.round), round-to-nearest on that grid, and GPTQ in
the authors' blocked "lazy batch" form (mathematically the column loop of the handout), with the
grid taken from the original weights as the handout states. Also a GGUFWriter-based byte oracle
for write_gguf. tools/make_public_expected.py writes what the public tests need from these into
fixtures/public/expected_values.json.

This `oracle` fixture extends the one of tests/conftest.py with these helpers.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from gguf import GGMLQuantizationType, GGUFValueType, GGUFWriter
from gguf.quants import quantize as gguf_quantize


def _groups(w: torch.Tensor, per: str, gs: int | None) -> torch.Tensor:
    if per == "tensor":
        return w.reshape(1, 1, -1)
    if per == "row":
        return w.reshape(w.shape[0], 1, -1)
    return w.reshape(w.shape[0], -1, gs)


def _full(v: torch.Tensor, shape) -> torch.Tensor:
    rows, cols = shape
    return v.repeat_interleave(cols // v.shape[1], dim=1).expand(rows, cols)


def absmax_oracle(w, bits: int, per: str, gs: int | None = None):
    """(q int8, scale float64 (R', G)) of the handout's absmax rule."""
    t = torch.as_tensor(np.asarray(w, dtype=np.float64))
    qmax = 2 ** (bits - 1) - 1
    scale = _groups(t, per, gs).abs().amax(dim=-1) / qmax
    full = _full(scale, t.shape)
    q = torch.where(full > 0, torch.round(t / torch.where(full > 0, full, torch.ones_like(full))), torch.zeros_like(t))
    return q.numpy().astype(np.int8), scale.numpy()


def zeropoint_oracle(w, bits: int, per: str, gs: int | None = None):
    """(q uint8, scale float64, zero int64) of the GPTQ Quantizer's asymmetric min-max grid."""
    t = torch.as_tensor(np.asarray(w, dtype=np.float64))
    maxq = 2 ** bits - 1
    g = _groups(t, per, gs)
    xmin = torch.minimum(g.amin(dim=-1), torch.zeros(1, dtype=torch.float64))
    xmax = torch.maximum(g.amax(dim=-1), torch.zeros(1, dtype=torch.float64))
    tmp = (xmin == 0) & (xmax == 0)
    xmin[tmp] = -1
    xmax[tmp] = +1
    scale = (xmax - xmin) / maxq
    zero = torch.round(-xmin / scale)
    q = torch.clamp(torch.round(t / _full(scale, t.shape)) + _full(zero, t.shape), 0, maxq)
    return q.numpy().astype(np.uint8), scale.numpy(), zero.numpy().astype(np.int64)


def dequant_oracle(q, scale, zero=None) -> np.ndarray:
    q = torch.as_tensor(np.asarray(q).astype(np.float64))
    s = _full(torch.as_tensor(np.asarray(scale, dtype=np.float64)), q.shape)
    if zero is not None:
        q = q - _full(torch.as_tensor(np.asarray(zero, dtype=np.float64)), q.shape)
    return (q * s).numpy()


def rtn_oracle(W, bits: int, group_size: int | None) -> np.ndarray:
    """Round-to-nearest on GPTQ's grid (zero-point, per row or per group)."""
    gs = W.shape[1] if group_size is None else group_size
    return dequant_oracle(*zeropoint_oracle(W, bits, "group", gs))


def gptq_oracle(W, X, bits: int, group_size: int | None, percdamp: float, blocksize: int = 8) -> np.ndarray:
    """GPTQ.fasterquant of the authors' code (lazy batch updates of `blocksize` columns, natural
    order), with scale/zero of each group computed from the original W (the handout's variant)."""
    W = torch.tensor(np.asarray(W, dtype=np.float64))
    X = torch.as_tensor(np.asarray(X, dtype=np.float64))
    rows, columns = W.shape
    gs = columns if group_size is None else group_size
    _, scale, zero = zeropoint_oracle(W.numpy(), bits, "group", gs)
    scale, zero = torch.as_tensor(scale), torch.as_tensor(zero.astype(np.float64))
    maxq = 2 ** bits - 1
    H = 2 / X.shape[0] * X.T @ X
    dead = torch.diag(H) == 0
    H[dead, dead] = 1
    W[:, dead] = 0
    damp = percdamp * torch.mean(torch.diag(H))
    diag = torch.arange(columns)
    H[diag, diag] += damp
    H = torch.linalg.cholesky(H)
    H = torch.cholesky_inverse(H)
    Hinv = torch.linalg.cholesky(H, upper=True)
    Q = torch.zeros_like(W)
    for i1 in range(0, columns, blocksize):
        i2 = min(i1 + blocksize, columns)
        count = i2 - i1
        W1 = W[:, i1:i2].clone()
        Q1 = torch.zeros_like(W1)
        Err1 = torch.zeros_like(W1)
        Hinv1 = Hinv[i1:i2, i1:i2]
        for i in range(count):
            w = W1[:, i]
            d = Hinv1[i, i]
            s, z = scale[:, (i1 + i) // gs], zero[:, (i1 + i) // gs]
            q = s * (torch.clamp(torch.round(w / s) + z, 0, maxq) - z)
            Q1[:, i] = q
            err1 = (w - q) / d
            W1[:, i:] -= err1.unsqueeze(1).matmul(Hinv1[i, i:].unsqueeze(0))
            Err1[:, i] = err1
        Q[:, i1:i2] = Q1
        W[:, i2:] -= Err1.matmul(Hinv[i1:i2, i2:])
    return Q.numpy()


def layer_error(X, W, W_hat) -> float:
    """||X W^T - X W_hat^T||_F."""
    X = np.asarray(X, dtype=np.float64)
    return float(np.linalg.norm(X @ np.asarray(W, dtype=np.float64).T - X @ np.asarray(W_hat, dtype=np.float64).T))


def calibration(seed: int, rows: int, cols: int, n: int, corr: float = 0.3):
    """A weight (rows, cols) and correlated calibration inputs (n, cols)."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((rows, cols))
    A = rng.standard_normal((cols, cols)) / np.sqrt(cols) + corr * np.eye(cols)
    X = rng.standard_normal((n, cols)) @ A
    return W, X


def _value_type(v) -> GGUFValueType:
    if isinstance(v, bool):
        return GGUFValueType.BOOL
    if isinstance(v, int):
        return GGUFValueType.INT32 if -(2 ** 31) <= v < 2 ** 31 else GGUFValueType.INT64
    if isinstance(v, float):
        return GGUFValueType.FLOAT32
    return GGUFValueType.STRING


def gguf_writer_bytes(tensors, metadata: dict, alignment: int, folder: Path) -> bytes:
    """The bytes GGUFWriter writes for the same tensors and metadata. The writer always puts
    general.architecture first, so the metadata must start with that key."""
    keys = list(metadata)
    assert keys and keys[0] == "general.architecture"
    path = folder / "oracle.gguf"
    w = GGUFWriter(path, metadata["general.architecture"])
    for key in keys[1:]:
        v = metadata[key]
        if isinstance(v, list):
            types = {_value_type(x) for x in v}
            sub = GGUFValueType.INT64 if types == {GGUFValueType.INT32, GGUFValueType.INT64} else types.pop()
            w.add_key_value(key, v, GGUFValueType.ARRAY, sub_type=sub)
        else:
            w.add_key_value(key, v, _value_type(v))
    if alignment != 32:
        w.add_custom_alignment(alignment)
    for name, array, ttype in tensors:
        array = np.asarray(array)
        if ttype == "Q8_0":
            w.add_tensor(name, gguf_quantize(array, GGMLQuantizationType.Q8_0), raw_dtype=GGMLQuantizationType.Q8_0)
        else:
            w.add_tensor(name, array.astype(np.float32 if ttype == "F32" else np.float16))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path.read_bytes()


HIDDEN_HELPERS = dict(
    absmax_oracle=absmax_oracle,
    zeropoint_oracle=zeropoint_oracle,
    dequant_oracle=dequant_oracle,
    rtn_oracle=rtn_oracle,
    gptq_oracle=gptq_oracle,
    layer_error=layer_error,
    calibration=calibration,
    gguf_writer_bytes=gguf_writer_bytes,
)


@pytest.fixture(scope="session")
def oracle(oracle) -> SimpleNamespace:
    """tests/conftest.py's `oracle` plus the hidden-only helpers above."""
    return SimpleNamespace(**vars(oracle), **HIDDEN_HELPERS)
