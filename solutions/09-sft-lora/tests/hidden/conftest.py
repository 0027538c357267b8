"""Hidden-only oracles for the 09-sft-lora tests (never released).

NF4 has no library in the kit's environment (bitsandbytes needs CUDA and is not installed), so
its oracle is written here from the handout's rule: per-block absmax, nearest of the 16 levels
by |x - level| in float32, the lower code on an exact tie. The public tests use values this
produced once (fixtures/public/expected_values.json, written by tools/make_public_expected.py).

This `oracle` fixture extends the one of tests/conftest.py with these helpers.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

NF4_LEVELS = torch.tensor([
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
    -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
    0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
    0.7229568362236023, 1.0,
], dtype=torch.float32)


def nf4_reference(w: torch.Tensor, block_size: int, min_gap: float = 1e-6):
    """(codes uint8 (n,), absmax float32 (n_blocks,)) by brute force over the 16 levels.

    Also checks that no value lies within `min_gap` of a midpoint between two levels (unless it
    is exactly on one), so that the expected codes never hinge on float rounding (a check on
    the test itself).
    """
    blocks = w.reshape(-1, block_size).float()
    absmax = blocks.abs().amax(dim=1)
    x = torch.where(absmax[:, None] > 0, blocks / torch.where(absmax > 0, absmax, 1.0)[:, None], 0.0)
    dist = (x.reshape(-1, 1) - NF4_LEVELS).abs()
    two = dist.topk(2, dim=1, largest=False).values
    gap = two[:, 1] - two[:, 0]
    assert bool(((gap > min_gap) | (gap == 0)).all()), "test setup: a value is too close to a midpoint"
    codes = torch.tensor([int(torch.nonzero(row == row.min())[0]) for row in dist], dtype=torch.uint8)
    return codes, absmax


def nf4_reference_dequantize(codes: torch.Tensor, absmax: torch.Tensor, shape, block_size: int) -> torch.Tensor:
    return (NF4_LEVELS[codes.long()].reshape(-1, block_size) * absmax[:, None]).reshape(tuple(shape))


HIDDEN_HELPERS = dict(
    NF4_LEVELS=NF4_LEVELS,
    nf4_reference=nf4_reference,
    nf4_reference_dequantize=nf4_reference_dequantize,
)


@pytest.fixture(scope="session")
def oracle(oracle) -> SimpleNamespace:
    """tests/conftest.py's `oracle` plus the hidden-only helpers above."""
    return SimpleNamespace(**vars(oracle), **HIDDEN_HELPERS)
