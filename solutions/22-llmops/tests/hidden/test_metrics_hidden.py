"""Hidden tests of render_metrics (read back with prometheus_client's parser)."""

import math

import numpy as np
import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal

LABEL_VALUES = ["a", "", "x y", 'q"uote', "back\\slash", "new\nline", "ünï", "{}=,", "\\n literal"]


def _fmt(v):
    return "+Inf" if v == math.inf else repr(float(v))


def _random_metrics(rng):
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

    metrics, families = [], []
    for i in range(int(rng.integers(4, 8))):
        kind = ["counter", "gauge", "histogram"][i % 3]
        name = f"svc_{kind}_{i}" + (":rate" if i == 4 else "")
        help_text = ["Plain help.", "Help with \\ and\nnewline.", "", "ünïcode help"][int(rng.integers(0, 4))]
        label_names = ["model", "route", "status_code"][: int(rng.integers(0, 4))]
        label_sets = []
        for _ in range(int(rng.integers(1, 4)) if label_names else 1):
            label_sets.append([LABEL_VALUES[int(rng.integers(0, len(LABEL_VALUES)))] for _ in label_names])
        label_sets = [list(t) for t in dict.fromkeys(tuple(s) for s in label_sets)]
        samples = []
        if kind == "histogram":
            buckets = sorted({float(b) for b in np.round(rng.exponential(1.0, size=int(rng.integers(1, 6))), 2)})
            fam = HistogramMetricFamily(name, help_text, labels=label_names)
            for values in label_sets:
                obs = [float(x) for x in np.round(rng.exponential(1.0, size=int(rng.integers(0, 30))), 2)]
                obs += [buckets[0]] if obs else []  # one observation exactly on a bound
                counts = [sum(1 for x in obs if x <= b) for b in buckets]
                fam.add_metric(values, [(_fmt(b), c) for b, c in zip(buckets, counts)] + [("+Inf", len(obs))], math.fsum(obs))
                samples.append({"labels": dict(zip(label_names, values)), "observations": obs})
            metrics.append({"name": name, "type": kind, "help": help_text, "buckets": buckets, "samples": samples})
        else:
            cls = CounterMetricFamily if kind == "counter" else GaugeMetricFamily
            fam = cls(name, help_text, labels=label_names)
            for values in label_sets:
                if kind == "counter":
                    value = float(rng.integers(0, 10**6)) if rng.random() < 0.7 else float(rng.uniform(0, 1e3))
                else:
                    value = float(rng.choice([rng.normal() * 1e6, -0.125, math.inf, -math.inf, 1e-12, 0.0]))
                fam.add_metric(values, value)
                samples.append({"labels": dict(zip(label_names, values)), "value": value})
            metrics.append({"name": name, "type": kind, "help": help_text, "samples": samples})
        families.append(fam)
    return metrics, families


def _compare(got, want):
    assert_equal([f[:3] for f in got], [f[:3] for f in want], what="families (name, type, help)")
    for g, w in zip(got, want):
        assert_equal([s[:2] for s in g[3]], [s[:2] for s in w[3]], what="sample names and labels")
        gv, wv = [s[2] for s in g[3]], [s[2] for s in w[3]]
        assert_equal(["NaN" if v == "NaN" else "num" for v in gv], ["NaN" if v == "NaN" else "num" for v in wv], what="NaN values")
        assert_close([v for v in gv if v != "NaN"], [v for v in wv if v != "NaN"], rel=1e-12, abs=0, what="sample values")


@pytest.mark.points(3)
def test_render_metrics_random_families(student, oracle):
    """Random counters, gauges and histograms (several label sets, escaped values, observations on bucket bounds, infinities) parse back to what prometheus_client writes."""
    rng = np.random.default_rng(1201)
    for _ in range(6):
        metrics, families = _random_metrics(rng)
        text = student.call("render_metrics", metrics)
        assert isinstance(text, str) and text.endswith("\n"), "render_metrics returns a str ending with a newline"
        _compare(oracle.parse(text), oracle.expected_families(families))
    assert_equal(student.call("render_metrics", []), "", what="no metrics")


@pytest.mark.points(1)
def test_render_metrics_line_structure(student):
    """Each family has one HELP line then one TYPE line before its samples; counters are exposed as name_total; no blank lines."""
    metrics = [{"name": "tok", "type": "counter", "help": "Tokens.", "samples": [{"labels": {"k": "v"}, "value": 2}]},
               {"name": "q", "type": "gauge", "help": "Queue.", "samples": [{"labels": {}, "value": -1}]},
               {"name": "h", "type": "histogram", "help": "H.", "buckets": [1.0],
                "samples": [{"labels": {}, "observations": [0.5, 2.0]}]}]
    lines = student.call("render_metrics", metrics).split("\n")
    assert_equal(lines[-1], "", what="trailing newline")
    lines = lines[:-1]
    assert all(line.strip() for line in lines), "blank line in the output"
    comments = [line for line in lines if line.startswith("#")]
    assert_equal(comments, ["# HELP tok_total Tokens.", "# TYPE tok_total counter", "# HELP q Queue.", "# TYPE q gauge",
                            "# HELP h H.", "# TYPE h histogram"], what="HELP and TYPE lines")
    order = [line.split("{")[0].split(" ")[0] if not line.startswith("#") else line.split(" ")[2] for line in lines]
    assert_equal(order[:3], ["tok_total", "tok_total", "tok_total"], what="counter lines in order")
    assert_equal(order[3:6], ["q", "q", "q"], what="gauge lines in order")
    assert_equal(sorted(order[8:]), ["h_bucket", "h_bucket", "h_count", "h_sum"], what="histogram sample names")


@pytest.mark.points(1)
def test_render_metrics_invalid_input(student):
    """Invalid metric or label names, a counter named *_total or negative, 'le' on a histogram, bad buckets and unknown types raise ValueError."""
    ok = {"labels": {"a": "b"}, "value": 1}
    bad = [
        {"name": "has-dash", "type": "gauge", "help": "", "samples": [ok]},
        {"name": "c_total", "type": "counter", "help": "", "samples": [ok]},
        {"name": "c", "type": "counter", "help": "", "samples": [{"labels": {}, "value": -1}]},
        {"name": "g", "type": "gauge", "help": "", "samples": [{"labels": {"__reserved": "x"}, "value": 1}]},
        {"name": "g", "type": "gauge", "help": "", "samples": [{"labels": {"9lives": "x"}, "value": 1}]},
        {"name": "g", "type": "summary", "help": "", "samples": [ok]},
        {"name": "h", "type": "histogram", "help": "", "buckets": [1.0], "samples": [{"labels": {"le": "1"}, "observations": []}]},
        {"name": "h", "type": "histogram", "help": "", "buckets": [2.0, 1.0], "samples": []},
        {"name": "h", "type": "histogram", "help": "", "buckets": [1.0, 1.0], "samples": []},
        {"name": "h", "type": "histogram", "help": "", "buckets": [1.0, math.inf], "samples": []},
    ]
    for metric in bad:
        with pytest.raises(StudentError) as info:
            student.call("render_metrics", [metric])
        assert_equal(info.value.exc_type, "ValueError", what="exception for invalid input")


@pytest.mark.points(1)
def test_render_metrics_exact_lines(student):
    """The lines are exactly as the handout writes them: HELP escapes, repr of floats, +Inf/-Inf/NaN, no braces without labels, labels in order with le last."""
    metrics = [{"name": "up", "type": "gauge", "help": "Up \\ down\nor not.",
                "samples": [{"labels": {}, "value": 1}, {"labels": {"z": "1", "a": "2"}, "value": float("nan")},
                            {"labels": {"k": "v"}, "value": float("inf")}, {"labels": {"k": "w"}, "value": -float("inf")},
                            {"labels": {"k": "x"}, "value": 2.5e-07},
                            {"labels": {"le": "0.5"}, "value": 3}]},
               {"name": "req", "type": "counter", "help": "Requests.",
                "samples": [{"labels": {}, "value": 7}, {"labels": {"code": "500"}, "value": 0}]},
               {"name": "lat", "type": "histogram", "help": "L.", "buckets": [0.25, 2],
                "samples": [{"labels": {"m": "s"}, "observations": [0.25, 1, 3]}, {"labels": {}, "observations": []}]}]
    want = ["# HELP up Up \\\\ down\\nor not.", "# TYPE up gauge", "up 1.0", 'up{z="1",a="2"} NaN', 'up{k="v"} +Inf', 'up{k="w"} -Inf',
            'up{k="x"} 2.5e-07', 'up{le="0.5"} 3.0', "# HELP req_total Requests.", "# TYPE req_total counter", "req_total 7.0", 'req_total{code="500"} 0.0',
            "# HELP lat L.", "# TYPE lat histogram", 'lat_bucket{m="s",le="0.25"} 1.0', 'lat_bucket{m="s",le="2.0"} 2.0',
            'lat_bucket{m="s",le="+Inf"} 3.0', 'lat_count{m="s"} 3.0', 'lat_sum{m="s"} 4.25',
            'lat_bucket{le="0.25"} 0.0', 'lat_bucket{le="2.0"} 0.0', 'lat_bucket{le="+Inf"} 0.0', "lat_count 0.0", "lat_sum 0.0"]
    lines = student.call("render_metrics", metrics).split("\n")
    assert_equal(lines[-1], "", what="trailing newline")
    assert_equal(sorted(lines[:-1]), sorted(want), what="the set of lines")
    assert_equal([line for line in lines if not line.startswith("lat_count") and not line.startswith("lat_sum")],
                 [line for line in want if not line.startswith("lat_count") and not line.startswith("lat_sum")] + [""],
                 what="the order of the lines (_count and _sum aside)")
