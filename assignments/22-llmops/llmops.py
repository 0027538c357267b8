"""LLMOps from scratch: a model registry on disk, drift tests, a rolling latency monitor, canary
routing and Prometheus metrics.

What this module does (numpy and the standard library only):
- `ModelRegistry` stores model artefacts (bytes) and their metadata in a folder: versions are
  content-addressed (sha256), immutable and numbered 1, 2, 3, ...; aliases such as "latest" or
  "production" point at versions; a new object on the same folder sees everything.
- `percentile` computes numpy's percentile methods by hand; `kolmogorov_sf`, `ks_test`,
  `drift_alerts` and `psi` compare a production sample with a reference sample.
- `LatencyMonitor` keeps the latencies of the last `window_seconds` of an injected clock.
- `canary_route` / `route_batch` send a fixed fraction of requests to a canary, deterministically.
- `render_metrics` writes metrics in the Prometheus text exposition format.

Every convention is written in the handout (README.md); the tests rely on nothing else.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Sequence

import numpy as np

# Names of models and aliases (see the handout): a model name starts with a letter or a digit, an
# alias with a letter; then letters, digits, '.', '_' or '-'.
MODEL_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*"
ALIAS_NAME = r"[A-Za-z][A-Za-z0-9._-]*"
LATEST = "latest"

# The percentile methods of `percentile` (a subset of numpy.percentile's).
METHODS = ("linear", "lower", "higher", "nearest", "midpoint")

# Prometheus names (the exposition format's rules).
METRIC_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_NAME = r"[a-zA-Z_][a-zA-Z0-9_]*"


# -- 1. the model registry ---------------------------------------------------------------------


class ModelRegistry:
    """Versions of named model artefacts in the folder `root` (created if missing).

    Every state change is written to disk before the method returns, so
    `ModelRegistry(root)` on the same folder (in this process or another) sees every version,
    its metadata and every alias.
    """

    def __init__(self, root: str) -> None:
        raise NotImplementedError

    def versions(self, name: str) -> list[int]:
        """The versions of model `name`, ascending ([] for a model never registered)."""
        raise NotImplementedError

    def register(self, name: str, artifact: bytes, metadata: dict | None = None,
                 version: int | None = None) -> int:
        """Store `artifact` as a version of model `name`; return that version number.

        Idempotent by content: bytes whose sha256 equals an existing version's return that
        version (nothing is written). New bytes get `max(versions) + 1` (1 for a new model), or
        `version` when given. A given `version` that exists with other bytes raises
        FileExistsError (versions are immutable). See the handout for the exact order of rules.
        """
        raise NotImplementedError

    def resolve(self, name: str, ref: int | str = LATEST) -> int:
        """The version number `ref` names: an int is a version, a str an alias ("latest": the
        highest version). KeyError when the model, version or alias does not exist."""
        raise NotImplementedError

    def get(self, name: str, ref: int | str = LATEST) -> dict:
        """The version `ref` names, as a dict with the keys "name", "version", "sha256" (hex),
        "metadata" and "artifact" (the bytes)."""
        raise NotImplementedError

    def set_alias(self, name: str, alias: str, version: int) -> None:
        """Point `alias` at an existing `version` (aliases may move; versions never change).
        ValueError for "latest" or an invalid alias name; KeyError for a missing version."""
        raise NotImplementedError

    def aliases(self, name: str) -> dict[str, int]:
        """Every alias of model `name` and its version, "latest" included ({} for an unknown model)."""
        raise NotImplementedError


# -- 2. percentiles and drift ------------------------------------------------------------------


def percentile(values: Sequence[float] | np.ndarray, q: float, method: str = "linear") -> float:
    """The q-th percentile (0 <= q <= 100) of `values`, equal to
    `numpy.percentile(values, q, method=method)` for the five METHODS, computed by hand.

    With the n values sorted, x[0] <= ... <= x[n-1], and h = (n - 1) * (q / 100):
    linear: x[floor h] + (h - floor h) * (x[ceil h] - x[floor h]); lower: x[floor h];
    higher: x[ceil h]; nearest: x[round-half-to-even(h)]; midpoint: (x[floor h] + x[ceil h]) / 2.
    """
    raise NotImplementedError


def kolmogorov_sf(x: float) -> float:
    """P(K > x) for the Kolmogorov distribution (the limit of sqrt(n) * D_n):
    1 for x <= 0; 1 - sqrt(2 pi) / x * sum_{k>=1} exp(-(2k-1)^2 pi^2 / (8 x^2)) for 0 < x < 1;
    2 * sum_{k>=1} (-1)^(k-1) exp(-2 k^2 x^2) for x >= 1."""
    raise NotImplementedError


def ks_test(ref: np.ndarray, cur: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov test: (D, p).

    D = max over every x of |F_ref(x) - F_cur(x)| (empirical CDFs, F(x) = #{values <= x} / n),
    p = kolmogorov_sf(sqrt(n m / (n + m)) * D) with n = len(ref), m = len(cur).
    """
    raise NotImplementedError


def drift_alerts(ref: np.ndarray, windows: Sequence[np.ndarray], alpha: float = 0.05) -> list[bool]:
    """For each window of production values: True iff ks_test(ref, window) has p < alpha."""
    raise NotImplementedError


def psi(ref: np.ndarray, cur: np.ndarray, n_bins: int = 10, eps: float = 1e-4) -> float:
    """Population stability index of `cur` against `ref` on `n_bins` quantile bins of `ref`.

    Edges e_i = percentile(ref, 100 * i / n_bins, "linear") for i = 1 .. n_bins - 1; a value x
    falls in bin #{i : e_i <= x}; p, q = the bin proportions of ref and cur, each raised to at
    least eps; PSI = sum_bins (q - p) * ln(q / p).
    """
    raise NotImplementedError


# -- 3. the latency monitor ----------------------------------------------------------------------


class LatencyMonitor:
    """Latencies of the last `window_seconds` seconds of an injected clock.

    `clock()` returns the current time in seconds (a float that never decreases). At time t the
    window holds exactly the samples recorded at times ts with t - window_seconds < ts <= t.
    """

    def __init__(self, window_seconds: float, clock: Callable[[], float]) -> None:
        raise NotImplementedError

    def record(self, latency_ms: float) -> None:
        """Record one latency, stamped with one call of clock()."""
        raise NotImplementedError

    def count(self) -> int:
        """How many samples the window holds now (one call of clock())."""
        raise NotImplementedError

    def percentiles(self, qs: Sequence[float], method: str = "linear") -> list[float] | None:
        """[percentile(window, q, method) for q in qs] for the window now (one call of clock());
        None when the window is empty."""
        raise NotImplementedError


# -- 4. canary routing ---------------------------------------------------------------------------


def canary_route(request_id: str, fraction: float, salt: str = "") -> str:
    """"canary" or "stable" for one request: u = the first 8 bytes of
    sha256((salt + request_id).encode("utf-8")) read as a big-endian integer, divided by 2**64;
    "canary" iff u < fraction."""
    raise NotImplementedError


def route_batch(request_ids: Sequence[str], fraction: float, salt: str = "") -> list[str]:
    """[canary_route(r, fraction, salt) for r in request_ids]."""
    raise NotImplementedError


# -- 5. Prometheus metrics -----------------------------------------------------------------------


def render_metrics(metrics: list[dict]) -> str:
    """The Prometheus text exposition format (version 0.0.4) of `metrics` (see the handout for
    the input dicts): per metric a `# HELP` line, a `# TYPE` line, then its samples; counters are
    exposed as `<name>_total`; a histogram gets cumulative `_bucket` lines (`le` ... `+Inf`),
    `_sum` and `_count`. The text ends with a newline."""
    raise NotImplementedError
