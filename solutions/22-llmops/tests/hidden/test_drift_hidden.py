"""Hidden tests of percentile, kolmogorov_sf, ks_test, drift_alerts and psi."""

import numpy as np
import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal

METHODS = ["linear", "lower", "higher", "nearest", "midpoint"]


def _raises(exc_type, fn, *args, **kwargs):
    with pytest.raises(StudentError) as info:
        fn(*args, **kwargs)
    assert info.value.exc_type == exc_type, f"expected {exc_type}, got {info.value.exc_type}"


@pytest.mark.points(2)
def test_percentile_random_samples_and_half_ties(student):
    """percentile equals numpy.percentile on random samples and quantiles, including half-way indexes for 'nearest'; bad input raises ValueError."""
    rng = np.random.default_rng(404)
    for trial in range(30):
        n = int(rng.integers(1, 120))
        values = rng.standard_t(3, size=n) if trial % 2 else np.round(rng.exponential(size=n), 1)
        for q in [float(rng.uniform(0, 100)), 10.0, 50.0, 90.0]:
            for method in METHODS:
                want = float(np.percentile(values, q, method=method))
                assert_close(student.call("percentile", values, q, method), want, rel=1e-12, abs=1e-12,
                             what=f"percentile ({method})")
    for n, q in [(3, 25.0), (3, 75.0), (5, 12.5), (5, 37.5), (9, 6.25), (2, 50.0)]:
        values = np.arange(n, dtype=np.float64)[::-1] * 1.5
        assert_close(student.call("percentile", values, q, "nearest"),
                     float(np.percentile(values, q, method="nearest")), rel=0, abs=0, what="nearest at a half index")
    _raises("ValueError", student.call, "percentile", np.zeros(0), 50.0)
    _raises("ValueError", student.call, "percentile", np.ones(3), 50.0, "weibull")
    _raises("ValueError", student.call, "percentile", np.ones(3), 100.5)
    _raises("ValueError", student.call, "percentile", np.ones(3), -1.0)


@pytest.mark.points(1)
def test_kolmogorov_sf_dense_grid(student):
    """kolmogorov_sf equals scipy.stats.kstwobign.sf on a dense grid, at and below zero, around one and in the far tail."""
    from scipy import stats

    xs = list(np.linspace(0.02, 2.6, 40)) + [-0.5, 0.0, 1e-3, 0.999999, 1.000001, 3.5, 5.0, 10.0]
    for x in xs:
        assert_close(student.call("kolmogorov_sf", float(x)), float(stats.kstwobign.sf(x)), abs=1e-9, what="kolmogorov_sf")


@pytest.mark.points(2)
def test_ks_test_hidden_distributions(student, oracle):
    """ks_test matches scipy.stats.ks_2samp's statistic and the asymptotic p-value on skewed, heavy-tailed and discrete samples of unequal sizes; an empty sample raises ValueError."""
    rng = np.random.default_rng(505)
    cases = [(rng.lognormal(0, 1, 120), rng.lognormal(0.2, 1, 70)),
             (rng.standard_t(2, 40), rng.standard_t(2, 400)),
             (rng.poisson(3, 90).astype(float), rng.poisson(3.4, 60).astype(float)),
             (np.array([5.0]), rng.normal(size=7)),
             (rng.normal(size=25), rng.normal(size=25) + 10.0),
             (np.full(10, 2.0), np.full(4, 2.0))]
    for ref, cur in cases:
        d, p = student.call("ks_test", ref, cur)
        want_d, want_p = oracle.ks(ref, cur)
        assert_close(d, want_d, abs=1e-12, what="KS statistic D")
        assert_close(p, want_p, abs=1e-8, what="KS p-value")
    _raises("ValueError", student.call, "ks_test", np.zeros(0), np.ones(3))
    _raises("ValueError", student.call, "ks_test", np.ones(3), np.zeros(0))


@pytest.mark.points(2)
def test_drift_alerts_match_the_decision_rule(student, oracle):
    """drift_alerts returns one bool per window: exactly the windows whose asymptotic KS p-value is below alpha."""
    rng = np.random.default_rng(606)
    ref = rng.gamma(2.0, 1.0, 150)
    windows = [rng.gamma(2.0, 1.0 + 0.04 * k, int(rng.integers(20, 200))) for k in range(40)]
    for alpha in (0.05, 0.2):
        got = student.call("drift_alerts", ref, windows, alpha)
        assert_equal(type(got), list, what="result type")
        for w, g in zip(windows, got):
            p = oracle.ks(ref, w)[1]
            if abs(p - alpha) > 1e-9:
                assert_equal(g, bool(p < alpha), what="alert of a window")
        assert_equal(len(got), len(windows), what="one alert per window")


@pytest.mark.points(2)
def test_drift_alerts_power_and_false_positive_rate(student):
    """On hidden distributions a planted half-sigma shift is detected in most windows, and without drift the alert rate over many seeded trials is within alpha + 3 sigma."""
    rng = np.random.default_rng(707)
    n, trials = 300, 200
    for draw, sigma, alpha in [(lambda size: rng.lognormal(0.0, 0.5, size), np.sqrt((np.exp(0.25) - 1) * np.exp(0.25)), 0.05),
                               (lambda size: rng.laplace(0.0, 2.0, size), 2.0 * np.sqrt(2.0), 0.1)]:
        ref = draw(n)
        shifted = [draw(n) + 0.5 * sigma for _ in range(50)]
        alerts = student.call("drift_alerts", ref, shifted, alpha)
        assert sum(bool(a) for a in alerts) >= 0.8 * len(shifted), "a 0.5-sigma shift was missed too often"
        # each trial draws its own reference and window (the test's seeds), one call per trial
        rate = 0.0
        for _ in range(trials):
            alerts = student.call("drift_alerts", draw(n), [draw(n)], alpha)
            assert_equal(len(alerts), 1, what="one alert per window")
            rate += bool(alerts[0]) / trials
        assert rate <= alpha + 3 * np.sqrt(alpha * (1 - alpha) / trials), "false-positive rate above alpha + 3 sigma"


@pytest.mark.points(2)
def test_psi_against_oracle(student, oracle):
    """psi matches the handout's rule (quantile bins of ref with values on an edge in the upper bin, the eps floor) on random and discrete samples; one-value samples are valid; empty samples (with any number of bins) and fewer than one bin raise ValueError."""
    rng = np.random.default_rng(808)
    cases = [(rng.normal(size=500), rng.normal(0.3, 1.2, size=300), 10, 1e-4),
             (rng.poisson(2, 200).astype(float), rng.poisson(3, 100).astype(float), 10, 1e-4),
             (np.arange(11, dtype=float), np.array([2.0, 4.0, 4.0, 8.0, 10.0, 11.0]), 5, 1e-4),
             (rng.exponential(size=64), rng.exponential(2.0, size=64), 4, 1e-3),
             (rng.uniform(size=50), rng.uniform(size=80), 1, 1e-4),
             (rng.normal(size=40), rng.normal(size=40) - 50.0, 20, 1e-6)]
    for ref, cur, bins, eps in cases:
        assert_close(student.call("psi", ref, cur, bins, eps), oracle.psi(ref, cur, bins, eps), rel=1e-9, abs=1e-12,
                     what=f"psi with {bins} bins")
    ref = rng.normal(size=300)
    assert_close(student.call("psi", ref, rng.permutation(ref)), 0.0, abs=1e-12, what="psi of a permutation")
    _raises("ValueError", student.call, "psi", ref, np.zeros(0))
    _raises("ValueError", student.call, "psi", np.zeros(0), ref)
    _raises("ValueError", student.call, "psi", ref, ref, 0)
    _raises("ValueError", student.call, "psi", np.zeros(0), ref, 1)
    _raises("ValueError", student.call, "psi", ref, np.zeros(0), 1)
    # a one-value reference is a valid sample: every edge is that value
    one, cur = np.array([1.0]), np.array([0.0, 1.0, 2.0, 2.0])
    assert_close(student.call("psi", one, cur, 3), oracle.psi(one, cur, 3, 1e-4), rel=1e-9, abs=1e-12,
                 what="psi of a one-value reference")
    assert_close(student.call("psi", cur, one, 3), oracle.psi(cur, one, 3, 1e-4), rel=1e-9, abs=1e-12,
                 what="psi of a one-value current sample")
