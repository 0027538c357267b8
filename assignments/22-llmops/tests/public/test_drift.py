"""Public tests of percentile, kolmogorov_sf, ks_test, drift_alerts and psi."""

import numpy as np
import pytest

from autograder.harness.expect import assert_close, assert_equal

METHODS = ["linear", "lower", "higher", "nearest", "midpoint"]


@pytest.mark.points(2)
def test_percentile_matches_numpy(student):
    """percentile equals numpy.percentile for each method, on small samples with ties, including q = 0 and 100."""
    rng = np.random.default_rng(7)
    for n in (1, 2, 5, 10, 21):
        values = np.round(rng.normal(size=n), 1)
        for q in (0, 5, 25, 50, 62.5, 95, 99, 100):
            for method in METHODS:
                want = float(np.percentile(values, q, method=method))
                got = student.call("percentile", values, q, method)
                assert_close(got, want, rel=1e-12, abs=1e-12, what=f"percentile(n={n}, q={q}, {method})")


@pytest.mark.points(1)
def test_kolmogorov_sf_matches_scipy(student):
    """kolmogorov_sf equals scipy.stats.kstwobign.sf on a grid, on both branches of the formula."""
    from scipy import stats

    for x in (-1.0, 0.0, 0.1, 0.3, 0.5, 0.8, 0.99, 1.0, 1.2, 1.36, 1.63, 2.0, 3.0):
        assert_close(student.call("kolmogorov_sf", x), float(stats.kstwobign.sf(x)), abs=1e-9, what=f"kolmogorov_sf({x})")


@pytest.mark.points(2)
def test_ks_test_matches_scipy(student, oracle):
    """ks_test: D equals scipy.stats.ks_2samp's statistic (ties included); p is the asymptotic p-value."""
    rng = np.random.default_rng(11)
    cases = [(rng.normal(size=50), rng.normal(0.3, 1.0, size=80)),
             (np.round(rng.normal(size=30), 1), np.round(rng.normal(size=30), 1)),
             (np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 5.0, 7.0]))]
    for ref, cur in cases:
        d, p = student.call("ks_test", ref, cur)
        want_d, want_p = oracle.ks(ref, cur)
        assert_close(d, want_d, abs=1e-12, what="KS statistic D")
        assert_close(p, want_p, abs=1e-9, what="KS p-value")


@pytest.mark.points(2)
def test_drift_alerts_shift_and_false_positives(student):
    """drift_alerts: a planted 0.5-sigma mean shift is detected; on windows without drift the alert rate is within alpha + 3 sigma."""
    rng = np.random.default_rng(2024)
    n, trials, alpha = 200, 100, 0.05
    ref = rng.normal(size=n)
    shifted = [rng.normal(0.5, 1.0, size=n) for _ in range(trials)]
    alerts = student.call("drift_alerts", ref, shifted, alpha)
    assert_equal(len(alerts), trials, what="one alert per window")
    assert sum(alerts) >= 0.8 * trials, "a 0.5-sigma shift should be detected in most windows"
    # the false-positive rate: each trial draws its own reference and window, one call per trial
    rate = 0.0
    for _ in range(trials):
        alerts = student.call("drift_alerts", rng.normal(size=n), [rng.normal(size=n)], alpha)
        rate += bool(alerts[0]) / trials
    bound = alpha + 3 * np.sqrt(alpha * (1 - alpha) / trials)
    assert rate <= bound, "too many alerts on windows without drift"


@pytest.mark.points(2)
def test_psi_known_values(student):
    """psi: zero for identical samples; the committed values of small cases (quantile bins of ref, eps floor)."""
    ref = np.arange(10, dtype=np.float64)
    assert_close(student.call("psi", ref, ref, 5), 0.0, abs=1e-12, what="psi(ref, ref)")
    # edges of ref at 20/40/60/80 % are 1.8, 3.6, 5.4, 7.2: bins {0,1} {2,3} {4,5} {6,7} {8,9}
    cur = np.array([0.0, 0.5, 1.0, 1.9, 2.5, 9.0, 9.5, 10.0])
    # p = 0.2 each; q = 3/8, 2/8, 0, 0, 3/8 (empty bins -> eps = 1e-4)
    assert_close(student.call("psi", ref, cur, 5), 3.270011011688466, rel=1e-9, what="psi with empty bins")
    assert_close(student.call("psi", ref, cur, 5, 0.01), 1.369548472314058, rel=1e-9, what="psi with eps=0.01")
    assert_close(student.call("psi", ref, ref + 100.0, 4), 6.282731399891389, rel=1e-9, what="psi of a disjoint sample")
