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


### BEGIN SOLUTION
def _model_dir(root: str, name: str) -> str:
    if not isinstance(name, str) or re.fullmatch(MODEL_NAME, name) is None:
        raise ValueError(f"invalid model name {name!r}")
    return os.path.join(root, name)


def _write_atomic(path: str, data: bytes) -> None:
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _read_record(root: str, name: str, version: int) -> dict:
    with open(os.path.join(_model_dir(root, name), f"v{version}", "meta.json"), encoding="utf-8") as fh:
        return json.load(fh)


def _read_aliases(root: str, name: str) -> dict[str, int]:
    path = os.path.join(_model_dir(root, name), "aliases.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as fh:
        return {k: int(v) for k, v in json.load(fh).items()}
### END SOLUTION


class ModelRegistry:
    """Versions of named model artefacts in the folder `root` (created if missing).

    Every state change is written to disk before the method returns, so
    `ModelRegistry(root)` on the same folder (in this process or another) sees every version,
    its metadata and every alias.
    """

    def __init__(self, root: str) -> None:
        ### BEGIN SOLUTION
        self.root = str(root)
        os.makedirs(self.root, exist_ok=True)
        ### END SOLUTION

    def versions(self, name: str) -> list[int]:
        """The versions of model `name`, ascending ([] for a model never registered)."""
        ### BEGIN SOLUTION
        folder = _model_dir(self.root, name)
        if not os.path.isdir(folder):
            return []
        found = []
        for entry in os.listdir(folder):
            if re.fullmatch(r"v[0-9]+", entry) and os.path.exists(os.path.join(folder, entry, "meta.json")):
                found.append(int(entry[1:]))
        return sorted(found)
        ### END SOLUTION

    def register(self, name: str, artifact: bytes, metadata: dict | None = None,
                 version: int | None = None) -> int:
        """Store `artifact` as a version of model `name`; return that version number.

        Idempotent by content: bytes whose sha256 equals an existing version's return that
        version (nothing is written). New bytes get `max(versions) + 1` (1 for a new model), or
        `version` when given. A given `version` that exists with other bytes raises
        FileExistsError (versions are immutable). See the handout for the exact order of rules.
        """
        ### BEGIN SOLUTION
        folder = _model_dir(self.root, name)
        if not isinstance(artifact, (bytes, bytearray)):
            raise TypeError("artifact must be bytes")
        artifact = bytes(artifact)
        metadata = {} if metadata is None else metadata
        digest = hashlib.sha256(artifact).hexdigest()
        existing = self.versions(name)
        if version is not None and version in existing:
            if _read_record(self.root, name, version)["sha256"] == digest:
                return version
            raise FileExistsError(f"{name} v{version} exists with other content")
        for v in existing:
            if _read_record(self.root, name, v)["sha256"] == digest:
                return v
        if version is None:
            version = existing[-1] + 1 if existing else 1
        elif version < 1 or (existing and version <= existing[-1]):
            raise ValueError("a new version must be above every existing version")
        vdir = os.path.join(folder, f"v{version}")
        os.makedirs(vdir, exist_ok=True)
        _write_atomic(os.path.join(vdir, "artifact.bin"), artifact)
        record = {"name": name, "version": version, "sha256": digest, "metadata": metadata}
        _write_atomic(os.path.join(vdir, "meta.json"), json.dumps(record, sort_keys=True).encode("utf-8"))
        return version
        ### END SOLUTION

    def resolve(self, name: str, ref: int | str = LATEST) -> int:
        """The version number `ref` names: an int is a version, a str an alias ("latest": the
        highest version). KeyError when the model, version or alias does not exist."""
        ### BEGIN SOLUTION
        existing = self.versions(name)
        if not existing:
            raise KeyError(f"no model {name!r}")
        if isinstance(ref, int):
            if ref not in existing:
                raise KeyError(f"{name} has no version {ref}")
            return ref
        if ref == LATEST:
            return existing[-1]
        aliases = _read_aliases(self.root, name)
        if ref not in aliases:
            raise KeyError(f"{name} has no alias {ref!r}")
        return aliases[ref]
        ### END SOLUTION

    def get(self, name: str, ref: int | str = LATEST) -> dict:
        """The version `ref` names, as a dict with the keys "name", "version", "sha256" (hex),
        "metadata" and "artifact" (the bytes)."""
        ### BEGIN SOLUTION
        version = self.resolve(name, ref)
        record = _read_record(self.root, name, version)
        with open(os.path.join(_model_dir(self.root, name), f"v{version}", "artifact.bin"), "rb") as fh:
            artifact = fh.read()
        return {"name": name, "version": version, "sha256": record["sha256"],
                "metadata": record["metadata"], "artifact": artifact}
        ### END SOLUTION

    def set_alias(self, name: str, alias: str, version: int) -> None:
        """Point `alias` at an existing `version` (aliases may move; versions never change).
        ValueError for "latest" or an invalid alias name; KeyError for a missing version."""
        ### BEGIN SOLUTION
        if not isinstance(alias, str) or re.fullmatch(ALIAS_NAME, alias) is None:
            raise ValueError(f"invalid alias {alias!r}")
        if alias == LATEST:
            raise ValueError('"latest" is maintained by the registry')
        if version not in self.versions(name):
            raise KeyError(f"{name} has no version {version!r}")
        aliases = _read_aliases(self.root, name)
        aliases[alias] = version
        _write_atomic(os.path.join(_model_dir(self.root, name), "aliases.json"),
                    json.dumps(aliases, sort_keys=True).encode("utf-8"))
        ### END SOLUTION

    def aliases(self, name: str) -> dict[str, int]:
        """Every alias of model `name` and its version, "latest" included ({} for an unknown model)."""
        ### BEGIN SOLUTION
        existing = self.versions(name)
        if not existing:
            return {}
        out = dict(_read_aliases(self.root, name))
        out[LATEST] = existing[-1]
        return out
        ### END SOLUTION


# -- 2. percentiles and drift ------------------------------------------------------------------


def percentile(values: Sequence[float] | np.ndarray, q: float, method: str = "linear") -> float:
    """The q-th percentile (0 <= q <= 100) of `values`, equal to
    `numpy.percentile(values, q, method=method)` for the five METHODS, computed by hand.

    With the n values sorted, x[0] <= ... <= x[n-1], and h = (n - 1) * (q / 100):
    linear: x[floor h] + (h - floor h) * (x[ceil h] - x[floor h]); lower: x[floor h];
    higher: x[ceil h]; nearest: x[round-half-to-even(h)]; midpoint: (x[floor h] + x[ceil h]) / 2.
    """
    ### BEGIN SOLUTION
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    x = np.sort(np.asarray(values, dtype=np.float64).ravel())
    if x.size == 0:
        raise ValueError("percentile of an empty sample")
    q = float(q)
    if not 0.0 <= q <= 100.0:
        raise ValueError("q must be in [0, 100]")
    h = (x.size - 1) * (q / 100.0)
    lo, hi = math.floor(h), math.ceil(h)
    if method == "lower":
        return float(x[lo])
    if method == "higher":
        return float(x[hi])
    if method == "nearest":
        return float(x[round(h)])
    if method == "midpoint":
        return float((x[lo] + x[hi]) / 2.0)
    return float(x[lo] + (h - lo) * (x[hi] - x[lo]))
    ### END SOLUTION


def kolmogorov_sf(x: float) -> float:
    """P(K > x) for the Kolmogorov distribution (the limit of sqrt(n) * D_n):
    1 for x <= 0; 1 - sqrt(2 pi) / x * sum_{k>=1} exp(-(2k-1)^2 pi^2 / (8 x^2)) for 0 < x < 1;
    2 * sum_{k>=1} (-1)^(k-1) exp(-2 k^2 x^2) for x >= 1."""
    ### BEGIN SOLUTION
    x = float(x)
    if x <= 0.0:
        return 1.0
    if x < 1.0:
        total = 0.0
        for k in range(1, 60):
            total += math.exp(-((2 * k - 1) ** 2) * math.pi ** 2 / (8.0 * x * x))
        return min(1.0, max(0.0, 1.0 - math.sqrt(2.0 * math.pi) / x * total))
    total = 0.0
    for k in range(1, 60):
        total += (-1) ** (k - 1) * math.exp(-2.0 * k * k * x * x)
    return min(1.0, max(0.0, 2.0 * total))
    ### END SOLUTION


def ks_test(ref: np.ndarray, cur: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov test: (D, p).

    D = max over every x of |F_ref(x) - F_cur(x)| (empirical CDFs, F(x) = #{values <= x} / n),
    p = kolmogorov_sf(sqrt(n m / (n + m)) * D) with n = len(ref), m = len(cur).
    """
    ### BEGIN SOLUTION
    a = np.sort(np.asarray(ref, dtype=np.float64).ravel())
    b = np.sort(np.asarray(cur, dtype=np.float64).ravel())
    n, m = a.size, b.size
    if n == 0 or m == 0:
        raise ValueError("ks_test needs two non-empty samples")
    both = np.concatenate([a, b])
    fa = np.searchsorted(a, both, side="right") / n
    fb = np.searchsorted(b, both, side="right") / m
    d = float(np.max(np.abs(fa - fb)))
    return d, kolmogorov_sf(math.sqrt(n * m / (n + m)) * d)
    ### END SOLUTION


def drift_alerts(ref: np.ndarray, windows: Sequence[np.ndarray], alpha: float = 0.05) -> list[bool]:
    """For each window of production values: True iff ks_test(ref, window) has p < alpha."""
    ### BEGIN SOLUTION
    return [ks_test(ref, w)[1] < alpha for w in windows]
    ### END SOLUTION


def psi(ref: np.ndarray, cur: np.ndarray, n_bins: int = 10, eps: float = 1e-4) -> float:
    """Population stability index of `cur` against `ref` on `n_bins` quantile bins of `ref`.

    Edges e_i = percentile(ref, 100 * i / n_bins, "linear") for i = 1 .. n_bins - 1; a value x
    falls in bin #{i : e_i <= x}; p, q = the bin proportions of ref and cur, each raised to at
    least eps; PSI = sum_bins (q - p) * ln(q / p).
    """
    ### BEGIN SOLUTION
    a = np.asarray(ref, dtype=np.float64).ravel()
    b = np.asarray(cur, dtype=np.float64).ravel()
    if a.size == 0 or b.size == 0:
        raise ValueError("psi needs two non-empty samples")
    if n_bins < 1:
        raise ValueError("n_bins must be >= 1")
    edges = np.array([percentile(a, 100.0 * i / n_bins) for i in range(1, n_bins)], dtype=np.float64)
    p = np.bincount(np.searchsorted(edges, a, side="right"), minlength=n_bins) / a.size
    q = np.bincount(np.searchsorted(edges, b, side="right"), minlength=n_bins) / b.size
    p = np.maximum(p, eps)
    q = np.maximum(q, eps)
    return float(np.sum((q - p) * np.log(q / p)))
    ### END SOLUTION


# -- 3. the latency monitor ----------------------------------------------------------------------


### BEGIN SOLUTION
def _window_values(monitor: "LatencyMonitor") -> list[float]:
    """Read the clock once, drop samples that left the window, return the values in it."""
    now = float(monitor.clock())
    monitor.samples = [(ts, v) for ts, v in monitor.samples if ts > now - monitor.window]
    return [v for ts, v in monitor.samples if ts <= now]
### END SOLUTION


class LatencyMonitor:
    """Latencies of the last `window_seconds` seconds of an injected clock.

    `clock()` returns the current time in seconds (a float that never decreases). At time t the
    window holds exactly the samples recorded at times ts with t - window_seconds < ts <= t.
    """

    def __init__(self, window_seconds: float, clock: Callable[[], float]) -> None:
        ### BEGIN SOLUTION
        if not window_seconds > 0:
            raise ValueError("window_seconds must be > 0")
        self.window = float(window_seconds)
        self.clock = clock
        self.samples: list[tuple[float, float]] = []
        ### END SOLUTION

    def record(self, latency_ms: float) -> None:
        """Record one latency, stamped with one call of clock()."""
        ### BEGIN SOLUTION
        self.samples.append((float(self.clock()), float(latency_ms)))
        ### END SOLUTION

    def count(self) -> int:
        """How many samples the window holds now (one call of clock())."""
        ### BEGIN SOLUTION
        return len(_window_values(self))
        ### END SOLUTION

    def percentiles(self, qs: Sequence[float], method: str = "linear") -> list[float] | None:
        """[percentile(window, q, method) for q in qs] for the window now (one call of clock());
        None when the window is empty."""
        ### BEGIN SOLUTION
        values = _window_values(self)
        if not values:
            return None
        return [percentile(values, q, method) for q in qs]
        ### END SOLUTION


# -- 4. canary routing ---------------------------------------------------------------------------


def canary_route(request_id: str, fraction: float, salt: str = "") -> str:
    """"canary" or "stable" for one request: u = the first 8 bytes of
    sha256((salt + request_id).encode("utf-8")) read as a big-endian integer, divided by 2**64;
    "canary" iff u < fraction."""
    ### BEGIN SOLUTION
    if not 0.0 <= fraction <= 1.0:
        raise ValueError("fraction must be in [0, 1]")
    digest = hashlib.sha256((salt + request_id).encode("utf-8")).digest()
    u = int.from_bytes(digest[:8], "big") / 2.0 ** 64
    return "canary" if u < fraction else "stable"
    ### END SOLUTION


def route_batch(request_ids: Sequence[str], fraction: float, salt: str = "") -> list[str]:
    """[canary_route(r, fraction, salt) for r in request_ids]."""
    ### BEGIN SOLUTION
    return [canary_route(r, fraction, salt) for r in request_ids]
    ### END SOLUTION


# -- 5. Prometheus metrics -----------------------------------------------------------------------


### BEGIN SOLUTION
def _fmt(value: float) -> str:
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _labels(pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape_label(v)}"' for k, v in pairs) + "}"


def _check_labels(labels: dict, histogram: bool) -> list[tuple[str, str]]:
    pairs = []
    for key, value in labels.items():
        if not isinstance(key, str) or re.fullmatch(LABEL_NAME, key) is None or key.startswith("__"):
            raise ValueError(f"invalid label name {key!r}")
        if histogram and key == "le":
            raise ValueError("a histogram may not use the label 'le'")
        pairs.append((key, str(value)))
    return pairs
### END SOLUTION


def render_metrics(metrics: list[dict]) -> str:
    """The Prometheus text exposition format (version 0.0.4) of `metrics` (see the handout for
    the input dicts): per metric a `# HELP` line, a `# TYPE` line, then its samples; counters are
    exposed as `<name>_total`; a histogram gets cumulative `_bucket` lines (`le` ... `+Inf`),
    `_sum` and `_count`. The text ends with a newline."""
    ### BEGIN SOLUTION
    lines: list[str] = []
    for metric in metrics:
        name, kind = metric["name"], metric["type"]
        if not isinstance(name, str) or re.fullmatch(METRIC_NAME, name) is None:
            raise ValueError(f"invalid metric name {name!r}")
        if kind not in ("counter", "gauge", "histogram"):
            raise ValueError(f"unknown metric type {kind!r}")
        family = name
        if kind == "counter":
            if name.endswith("_total"):
                raise ValueError("give a counter's name without _total")
            family = name + "_total"
        lines.append(f"# HELP {family} {_escape_help(metric.get('help', ''))}")
        lines.append(f"# TYPE {family} {kind}")
        if kind == "histogram":
            bounds = [float(b) for b in metric["buckets"]]
            if any(not math.isfinite(b) for b in bounds) or any(b2 <= b1 for b1, b2 in zip(bounds, bounds[1:])):
                raise ValueError("buckets must be finite and strictly increasing")
            for sample in metric["samples"]:
                pairs = _check_labels(sample.get("labels", {}), histogram=True)
                obs = [float(x) for x in sample["observations"]]
                for bound in bounds:
                    count = sum(1 for x in obs if x <= bound)
                    lines.append(f"{name}_bucket{_labels(pairs + [('le', _fmt(bound))])} {_fmt(count)}")
                lines.append(f"{name}_bucket{_labels(pairs + [('le', '+Inf')])} {_fmt(len(obs))}")
                lines.append(f"{name}_sum{_labels(pairs)} {_fmt(math.fsum(obs))}")
                lines.append(f"{name}_count{_labels(pairs)} {_fmt(len(obs))}")
        else:
            for sample in metric["samples"]:
                pairs = _check_labels(sample.get("labels", {}), histogram=False)
                value = float(sample["value"])
                if kind == "counter" and not value >= 0:
                    raise ValueError("a counter's value must be >= 0")
                lines.append(f"{family}{_labels(pairs)} {_fmt(value)}")
    return "\n".join(lines) + "\n" if lines else ""
    ### END SOLUTION
