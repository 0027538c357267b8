"""Shared oracles and helpers for the 22-llmops tests (trusted side; released to students).

- `oracle.ks(ref, cur)`: scipy's two-sample KS statistic and the asymptotic p-value of the handout
  (`scipy.stats.kstwobign.sf(sqrt(n m / (n + m)) * D)`).
- `oracle.parse(text)`: the families prometheus_client's parser reads from a text, normalised to
  plain data `[(name, type, help, [(sample_name, labels, value), ...]), ...]` (families in the
  text's order, samples sorted by name and labels).
- `oracle.expected_families(families)`: the same normalised form of metric families built with
  prometheus_client's own classes, written by `generate_latest` and parsed back.
- `Clock`: an injected clock the test moves by hand; lend it to the student's code with
  `student.callback(clock)`.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest


class Clock:
    """A clock that only moves when the test says so; calls return the current time (float)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = float(start)

    def __call__(self) -> float:
        return self.now


def _ks(ref, cur):
    from scipy import stats

    ref, cur = np.asarray(ref, dtype=np.float64), np.asarray(cur, dtype=np.float64)
    d = float(stats.ks_2samp(ref, cur, method="asymp").statistic)
    en = ref.size * cur.size / (ref.size + cur.size)
    return d, float(stats.kstwobign.sf(math.sqrt(en) * d))


def _norm_value(v: float):
    return "NaN" if math.isnan(v) else float(v)


def _parse(text: str):
    from prometheus_client.parser import text_string_to_metric_families

    out = []
    for fam in text_string_to_metric_families(text):
        samples = sorted(((s.name, sorted(s.labels.items()), _norm_value(s.value)) for s in fam.samples),
                         key=lambda t: (t[0], t[1]))
        samples = [(name, dict(labels), value) for name, labels, value in samples]
        out.append((fam.name, fam.type, fam.documentation, samples))
    return out


def _expected_families(families):
    """families: prometheus_client MetricFamily objects (CounterMetricFamily, ...)."""
    from prometheus_client import CollectorRegistry, generate_latest

    class _Collector:
        def collect(self):
            yield from families

    registry = CollectorRegistry()
    registry.register(_Collector())
    return _parse(generate_latest(registry).decode("utf-8"))


@pytest.fixture(scope="session")
def oracle():
    return SimpleNamespace(ks=_ks, parse=_parse, expected_families=_expected_families, Clock=Clock)
