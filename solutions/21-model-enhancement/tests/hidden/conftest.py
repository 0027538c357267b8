"""Hidden-only oracles for the 21-model-enhancement tests (never released).

SLERP has no oracle in the worker's or the tests' libraries: `mergekit_slerp` is mergekit's
`slerp` (mergekit/merge_methods/slerp.py) transcribed to numpy float64, the form the handout
states. YaRN's correction range is read off transformers' own ramp: the dimensions whose
frequency transformers leaves exactly unscaled.

This `oracle` fixture extends the one of tests/conftest.py with these helpers.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest


def _normalize(v: np.ndarray, eps: float) -> np.ndarray:
    norm = np.linalg.norm(v)
    if norm > eps:
        v = v / norm
    return v


def mergekit_slerp(t: float, v0, v1, dot_threshold: float = 0.9995, eps: float = 1e-8) -> np.ndarray:
    """mergekit's slerp in numpy float64 (lerp when |cos| > dot_threshold)."""
    a = np.asarray(v0, dtype=np.float64).copy()
    b = np.asarray(v1, dtype=np.float64).copy()
    dot = np.sum(_normalize(a, eps) * _normalize(b, eps))
    if np.abs(dot) > dot_threshold:
        return (1 - t) * a + t * b
    theta_0 = np.arccos(dot)
    sin_theta_0 = np.sin(theta_0)
    theta_t = theta_0 * t
    s0 = np.sin(theta_0 - theta_t) / sin_theta_0
    s1 = np.sin(theta_t) / sin_theta_0
    return s0 * a + s1 * b


HIDDEN_HELPERS = {"mergekit_slerp": mergekit_slerp}


@pytest.fixture(scope="session")
def oracle(oracle) -> SimpleNamespace:
    """tests/conftest.py's `oracle` plus the hidden-only helpers above."""
    return SimpleNamespace(**vars(oracle), **HIDDEN_HELPERS)
