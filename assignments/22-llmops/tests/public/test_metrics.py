"""Public tests of render_metrics: the text is read back by prometheus_client's parser."""

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


def _families():
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

    c = CounterMetricFamily("llm_requests", "Requests served.", labels=["model", "status"])
    c.add_metric(["small", "200"], 42)
    c.add_metric(["small", "500"], 3)
    g = GaugeMetricFamily("gpu_memory_bytes", "GPU memory in use.")
    g.add_metric([], 1.5e9)
    h = HistogramMetricFamily("llm_latency_seconds", "Request latency.", labels=["model"])
    # observations 0.05, 0.2, 0.2, 0.7, 3.0 on buckets 0.1, 0.5, 1.0
    h.add_metric(["small"], [("0.1", 1), ("0.5", 3), ("1.0", 4), ("+Inf", 5)], 4.15)
    return [c, g, h]


METRICS = [
    {"name": "llm_requests", "type": "counter", "help": "Requests served.",
     "samples": [{"labels": {"model": "small", "status": "200"}, "value": 42},
                 {"labels": {"model": "small", "status": "500"}, "value": 3}]},
    {"name": "gpu_memory_bytes", "type": "gauge", "help": "GPU memory in use.",
     "samples": [{"labels": {}, "value": 1.5e9}]},
    {"name": "llm_latency_seconds", "type": "histogram", "help": "Request latency.", "buckets": [0.1, 0.5, 1.0],
     "samples": [{"labels": {"model": "small"}, "observations": [0.05, 0.2, 0.2, 0.7, 3.0]}]},
]


@pytest.mark.points(2)
def test_render_metrics_parses_back(student, oracle):
    """The parser reads back the names, types, HELP texts, labels and values (histogram: cumulative buckets, +Inf, _sum, _count)."""
    text = student.call("render_metrics", METRICS)
    assert isinstance(text, str) and text.endswith("\n"), "render_metrics returns a str ending with a newline"
    got = oracle.parse(text)
    want = oracle.expected_families(_families())
    assert_equal([f[:3] for f in got], [f[:3] for f in want], what="families (name, type, help)")
    for g, w in zip(got, want):
        assert_equal(g[3], w[3], what=f"samples of {w[0]}")


@pytest.mark.points(1)
def test_render_metrics_escaping_and_errors(student, oracle):
    """Label values and HELP texts with a backslash, a quote and a newline survive; invalid input raises ValueError."""
    from prometheus_client.core import GaugeMetricFamily

    tricky = 'C:\\models\n"v2"'
    metrics = [{"name": "loaded", "type": "gauge", "help": "Path \\ of the\nmodel.",
                "samples": [{"labels": {"path": tricky}, "value": 1}]}]
    g = GaugeMetricFamily("loaded", "Path \\ of the\nmodel.", labels=["path"])
    g.add_metric([tricky], 1)
    assert_equal(oracle.parse(student.call("render_metrics", metrics)), oracle.expected_families([g]),
                 what="escaped label value and HELP")
    bad = [{"name": "2bad", "type": "gauge", "help": "", "samples": []}]
    with pytest.raises(StudentError) as info:
        student.call("render_metrics", bad)
    assert_equal(info.value.exc_type, "ValueError", what="exception for an invalid metric name")
