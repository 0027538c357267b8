"""Weight quantization from scratch with numpy: absmax and zero-point, ggml's Q8_0, a GGUF writer, GPTQ.

Every function is a pure function of its inputs (write_gguf writes one file). Weights are
2-D float arrays of shape (rows, cols) in the `nn.Linear` layout (W: (out_features, in_features),
y = x @ W.T); groups run along the columns (the input dimension) of each row.

    round_half_away_from_zero   C's roundf: ties go away from zero (ggml's rule)
    absmax_quantize             symmetric: q = round(w / scale), scale = absmax / (2^(b-1) - 1)
    zeropoint_quantize          asymmetric min-max: q = clamp(round(w / scale) + zero, 0, 2^b - 1)
    dequantize                  w_hat = (q - zero) * scale, the scales repeated over their groups
    quantize_q8_0               ggml's Q8_0 blocks, byte for byte
    dequantize_q8_0             back from Q8_0 blocks to float32
    write_gguf                  a GGUF v3 file: header, metadata, tensor infos, aligned tensor data
    gptq                        GPTQ (Frantar et al., 2022) on one linear layer

absmax and zero-point quantization round half to EVEN (np.rint, torch.round); Q8_0 rounds half
AWAY from zero, as ggml does.
"""

from __future__ import annotations

import struct

import numpy as np

# -----------------------------------------------------------------------------
# constants of the GGUF v3 format and of ggml (gguf-py's GGUFValueType and GGMLQuantizationType)

GGUF_MAGIC = b"GGUF"  # the first 4 bytes of every GGUF file (0x46554747 as a little-endian uint32)
GGUF_VERSION = 3
GGUF_DEFAULT_ALIGNMENT = 32

# metadata value types (uint32 in the file)
GGUF_TYPE_UINT8, GGUF_TYPE_INT8, GGUF_TYPE_UINT16, GGUF_TYPE_INT16 = 0, 1, 2, 3
GGUF_TYPE_UINT32, GGUF_TYPE_INT32, GGUF_TYPE_FLOAT32, GGUF_TYPE_BOOL = 4, 5, 6, 7
GGUF_TYPE_STRING, GGUF_TYPE_ARRAY, GGUF_TYPE_UINT64, GGUF_TYPE_INT64, GGUF_TYPE_FLOAT64 = 8, 9, 10, 11, 12

# ggml tensor types (uint32 in the file)
GGML_TYPES = {"F32": 0, "F16": 1, "Q8_0": 8}
QK8_0 = 32  # values per Q8_0 block; a block is 2 bytes of float16 scale + 32 int8 = 34 bytes


# -----------------------------------------------------------------------------
# rounding


def round_half_away_from_zero(x: np.ndarray) -> np.ndarray:
    """Round to the nearest integer, ties away from zero (C's roundf / round; ggml's rule).

    x: float array (float32 or float64). Returns an array of the same shape and dtype holding
    integer values: 0.5 -> 1, 1.5 -> 2, 2.5 -> 3, -2.5 -> -3, 0.49999997 -> 0. Exact for every
    float (np.rint / np.round / torch.round round ties to even instead: 2.5 -> 2).
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# absmax and zero-point quantization per tensor / row / group


def absmax_quantize(w: np.ndarray, bits: int = 8, per: str = "tensor", group_size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric (absmax) quantization of a 2-D weight w (rows, cols).

    For each group g (per="tensor": the whole matrix; "row": each row; "group": each run of
    `group_size` consecutive columns of a row), in float64:
        qmax = 2^(bits-1) - 1,  scale_g = max |w_g| / qmax,  q = rint(w / scale_g)  (ties to even)
    A group that is all zeros has scale 0.0 and q = 0 (no division by zero, no NaN).
    Returns (q: int8 (rows, cols), scale: float64 (R', G)) with (R', G) = (1, 1) per tensor,
    (rows, 1) per row, (rows, cols // group_size) per group.
    ValueError: w not 2-D, bits outside 2..8, unknown `per`, group_size not dividing cols.
    """
    raise NotImplementedError


def zeropoint_quantize(w: np.ndarray, bits: int = 8, per: str = "tensor",
                       group_size: int = 32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Asymmetric (zero-point, min-max) quantization of a 2-D weight w (rows, cols); GPTQ's grid.

    For each group g (as in absmax_quantize), in float64:
        qmax = 2^bits - 1
        lo = min(min(w_g), 0),  hi = max(max(w_g), 0)      (the range always contains 0)
        if lo == hi == 0: lo, hi = -1, 1                    (an all-zero group)
        scale_g = (hi - lo) / qmax,  zero_g = rint(-lo / scale_g)
        q = clip(rint(w / scale_g) + zero_g, 0, qmax)       (rint: ties to even)
    Returns (q: uint8 (rows, cols), scale: float64 (R', G), zero: int64 (R', G)).
    ValueError as in absmax_quantize.
    """
    raise NotImplementedError


def dequantize(q: np.ndarray, scale: np.ndarray, zero: np.ndarray | None = None) -> np.ndarray:
    """w_hat = (q - zero) * scale in float64, each (R', G) value repeated over its group.

    q: (rows, cols) integers; scale, zero: (R', G) with R' in {1, rows} and G dividing cols
    (the group size is cols // G). zero=None means 0 (absmax). Returns float64 (rows, cols).
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# ggml's Q8_0


def quantize_q8_0(x: np.ndarray) -> np.ndarray:
    """ggml's Q8_0, byte for byte (gguf.quants.quantize(x, GGMLQuantizationType.Q8_0)).

    x: float array of shape (..., n) with n a multiple of 32; it is first converted to float32
    and every step below is float32 arithmetic. Each run of 32 consecutive values of the last
    axis is one block:
        d  = max |x_block| / 127                      (float32)
        id = 1 / d, or 0 when d == 0                  (float32)
        q  = round_half_away_from_zero(x * id)        (float32 product, then int8)
    and is stored as 34 bytes: d as a little-endian float16 (2 bytes), then the 32 q as int8.
    Returns uint8 of shape (..., n // 32 * 34). ValueError when x is 0-D or n % 32 != 0.
    """
    raise NotImplementedError


def dequantize_q8_0(data: np.ndarray) -> np.ndarray:
    """Q8_0 bytes (..., n_blocks * 34) back to float32 values (..., n_blocks * 32): q * d in float32.

    ValueError when the last axis is not a multiple of 34.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# GGUF v3 writer


def write_gguf(path: str, tensors: list[tuple[str, np.ndarray, str]], metadata: dict,
               alignment: int = GGUF_DEFAULT_ALIGNMENT) -> None:
    """Write a GGUF v3 file (little-endian) that gguf.GGUFReader reads back.

    tensors: [(name, array, type)] in file order; type is "F32", "F16" (the array is cast) or
      "Q8_0" (quantize_q8_0 of the array). The array's numpy shape (d0, ..., dk) is stored in
      ggml order, reversed: dims = (dk, ..., d0).
    metadata: {key: value} in file order; value types: bool -> BOOL, int -> INT32 (INT64 when
      outside int32), float -> FLOAT32, str -> STRING, non-empty list of one kind -> ARRAY.
    alignment: a power of two; when it is not 32 a `general.alignment` UINT32 entry is written
      after the metadata.
    Layout: header, metadata, tensor infos, zero padding to `alignment`, then each tensor's data
    padded with zeros to a multiple of `alignment`. See the handout for every byte.
    ValueError: unknown type, duplicate tensor name, ndim outside 1..4, bad alignment,
    `general.alignment` in metadata, unsupported metadata value.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# GPTQ


def gptq(W: np.ndarray, X: np.ndarray, bits: int = 4, group_size: int | None = None,
         percdamp: float = 0.01) -> np.ndarray:
    """GPTQ on one linear layer y = x @ W.T: quantize W column by column, compensating each
    column's rounding error on the columns not yet quantized (Frantar et al., 2022).

    W: (rows, cols) float weights; X: (n, cols) calibration inputs. In float64:
      1. The grid: zeropoint_quantize's scale and zero of the ORIGINAL W, per row
         (group_size None) or per group of `group_size` columns; column i uses group i // group_size.
      2. H = 2/n X^T X. Dead inputs (H[i, i] == 0): set H[i, i] = 1 and W[:, i] = 0.
      3. H += percdamp * mean(diag(H)) * I;  U = the upper Cholesky factor of H^-1 (H^-1 = U^T U).
      4. For i = 0, 1, ..., cols - 1 (natural order):
            w_hat[:, i] = (clip(rint(W[:, i] / s) + z, 0, 2^bits - 1) - z) * s    (s, z of column i)
            err = (W[:, i] - w_hat[:, i]) / U[i, i]
            W[:, i+1:] -= outer(err, U[i, i+1:])
    Returns w_hat: float64 (rows, cols), every entry on the grid of step 1.
    ValueError: shapes that do not match, group_size not dividing cols, bits outside 2..8.
    """
    raise NotImplementedError
