"""Hidden-only oracles for 22-llmops (never released): hand-written versions of the handout's rules
that have no library (canary routing by sha256, PSI on quantile bins), and random generators."""

from __future__ import annotations

import hashlib
import math
from types import SimpleNamespace

import numpy as np
import pytest


def canary_oracle(request_id: str, fraction: float, salt: str = "") -> str:
    digest = hashlib.sha256((salt + request_id).encode("utf-8")).digest()
    return "canary" if int.from_bytes(digest[:8], "big") / 2.0 ** 64 < fraction else "stable"


def psi_oracle(ref, cur, n_bins: int = 10, eps: float = 1e-4) -> float:
    ref = np.asarray(ref, dtype=np.float64)
    cur = np.asarray(cur, dtype=np.float64)
    qs = np.array([100.0 * i / n_bins for i in range(1, n_bins)]) / 100.0
    edges = np.quantile(ref, qs) if n_bins > 1 else np.zeros(0)

    def props(x):
        idx = (x[:, None] >= edges[None, :]).sum(axis=1) if edges.size else np.zeros(x.size, dtype=int)
        return np.maximum(np.bincount(idx, minlength=n_bins) / x.size, eps)

    p, q = props(ref), props(cur)
    return float(np.sum((q - p) * np.log(q / p)))


def random_id(rng: np.random.Generator) -> str:
    kind = int(rng.integers(0, 4))
    if kind == 0:
        return f"req-{int(rng.integers(0, 10**9))}"
    if kind == 1:
        return "".join(chr(int(c)) for c in rng.integers(0x20, 0x7F, size=int(rng.integers(0, 20))))
    if kind == 2:
        return "".join(chr(int(c)) for c in rng.integers(0x400, 0x4FF, size=int(rng.integers(1, 8)))) + "✓"
    return f"user:{int(rng.integers(0, 1000))}/session:{int(rng.integers(0, 10**6)):06d}"





@pytest.fixture(scope="session")
def oracle(oracle):
    return SimpleNamespace(**vars(oracle), canary=canary_oracle, psi=psi_oracle, random_id=random_id)
