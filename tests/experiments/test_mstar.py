"""m*(L): bootstrap CIs over seeds, m* of exact power laws, the exponent in L, the plots."""

import math

import numpy as np
import pytest

from rnn_ntk.experiments import (
    bootstrap_slope,
    length_curve,
    mstar_study,
    plot_error_vs_m,
    plot_mstar_vs_L,
    smallest_swept,
)

WIDTHS = np.asarray([16, 32, 64, 128, 256, 512])


def _noisy(S, seed, slope=-0.5, c=2.0, sigma=0.2):
    """c m^slope times log-normal noise per (width, seed), shape (W, S)."""
    z = np.random.default_rng(seed).standard_normal((WIDTHS.size, S))
    return c * WIDTHS[:, None] ** slope * np.exp(sigma * z)


def test_bootstrap_ci_holds_the_fit_and_the_true_slope_and_shrinks_with_seeds():
    widths = {}
    for S in (8, 32, 128):
        e = _noisy(S, seed=S)
        est = bootstrap_slope(WIDTHS, e, n_boot=1000, seed=1)
        # the point estimate is the least-squares line of log(mean) on log m (np.polyfit)
        want = np.polyfit(np.log(WIDTHS), np.log(e.mean(1)), 1)[0]
        assert est.value == pytest.approx(want, rel=1e-12)
        assert est.low <= est.value <= est.high
        widths[S] = est.high - est.low
        if S >= 32:  # known slope -1/2 inside the 95% interval (fixed draws)
            assert est.low <= -0.5 <= est.high
    # the interval shrinks like S^-1/2: 16x the seeds, about 1/4 the width; the width of
    # one interval itself varies by ~30% at S = 8, hence the loose bounds asserted
    assert widths[32] < widths[8] and widths[128] < widths[8] / 2


def test_bootstrap_percentiles_of_two_seeds_are_the_extreme_resamples():
    # With S = 2 a resample is {0,0}, {1,1} or {0,1} (each with probability >= 1/4), so
    # the 2.5% and 97.5% percentiles over 2000 resamples are the least and largest of the
    # three refitted slopes.
    e = _noisy(2, seed=3, sigma=0.5)
    logm = np.log(WIDTHS)
    fits = [np.polyfit(logm, np.log(v), 1)[0] for v in (e[:, 0], e[:, 1], e.mean(1))]
    est = bootstrap_slope(WIDTHS, e, n_boot=2000, seed=0)
    assert est.low == pytest.approx(min(fits), rel=1e-12)
    assert est.high == pytest.approx(max(fits), rel=1e-12)


def test_mstar_of_an_exact_inverse_square_root_law_is_c_over_tol_squared():
    c = 3.0
    e = np.repeat(c / np.sqrt(WIDTHS)[:, None], 3, axis=1)
    tols = (0.5, 0.2, 0.1)  # (c/tol)^2 = 36 (inside 16..512), 225 (inside), 900 (beyond)
    curve = length_curve(8, WIDTHS, e, tolerances=tols, n_boot=50)
    assert curve.slope.value == pytest.approx(-0.5, abs=1e-12)
    for ms, t in zip(curve.mstar, tols, strict=True):
        want = (c / t) ** 2
        assert ms.fitted.value == pytest.approx(want, rel=1e-10)
        # equal seeds: every resample is the same curve, so the CI is the point
        assert ms.fitted.low == pytest.approx(want, rel=1e-10)
        assert ms.fitted.high == pytest.approx(want, rel=1e-10)
        swept = [int(m) for m in WIDTHS if c / math.sqrt(m) <= t]
        assert ms.swept == (swept[0] if swept else None)
    assert [ms.kind for ms in curve.mstar] == ["interpolated", "interpolated", "extrapolated"]
    assert smallest_swept(WIDTHS, c / np.sqrt(WIDTHS), 0.2) == 256


def test_mstar_with_a_fixed_slope_reads_the_line_through_the_fitted_means():
    e = np.stack([5.0 / WIDTHS, 7.0 / WIDTHS], axis=1)  # true slope -1, not -1/2
    curve = length_curve(4, WIDTHS, e, tolerances=(0.01,), n_boot=40, fit_min_m=64,
                         mstar_slope=-0.5)
    use = WIDTHS >= 64
    a = np.mean(np.log(6.0 / WIDTHS[use]) + 0.5 * np.log(WIDTHS[use]))  # mean log residual
    assert curve.mstar[0].fitted.value == pytest.approx(np.exp((np.log(0.01) - a) / -0.5))
    assert curve.slope.value == pytest.approx(-1.0, abs=1e-12)  # the reported slope: free
    assert curve.mstar_line == pytest.approx((-0.5, a))
    with pytest.raises(ValueError, match="mstar_slope"):
        length_curve(4, WIDTHS, e, mstar_slope=0.5)


def test_rising_errors_reach_no_tolerance():
    e = np.repeat(0.01 * np.sqrt(WIDTHS)[:, None], 2, axis=1)  # slope +1/2
    (ms,) = length_curve(4, WIDTHS, e, tolerances=(0.05,), n_boot=20).mstar
    assert ms.kind == "not reached" and ms.fitted.value == math.inf and ms.swept == 16


def test_exponent_in_L_of_an_exact_law_and_its_ci_from_noisy_seeds():
    Ls = (2, 4, 8, 16)
    # err = L m^-1/2: m*(L) = (L/tol)^2, so p = 2 and c = tol^-2
    exact = [np.repeat(L / np.sqrt(WIDTHS)[:, None], 2, axis=1) for L in Ls]
    s = mstar_study(Ls, WIDTHS, exact, exact, tolerances=(0.5, 0.25), n_boot=30)
    for t, p, c in zip(s.tolerances, s.exponents, s.coefficients, strict=True):
        assert p.value == pytest.approx(2.0, abs=1e-10) and c == pytest.approx(t**-2, rel=1e-9)
        assert p.low == pytest.approx(2.0, abs=1e-10) and p.high == pytest.approx(2.0, abs=1e-10)
    assert [c.cross_slope.value for c in s.curves] == pytest.approx([-0.5] * 4, abs=1e-12)
    assert len(s.rows()) == 8 and s.to_dict()["mstar_vs_L"][0]["exponent"]["value"] == (
        pytest.approx(2.0))
    # with seed noise (8 seeds, sigma 0.1) the exponent's CI holds the true 2 and the point
    noisy = [L * _noisy(8, seed=L, sigma=0.1) for L in Ls]
    (p,) = mstar_study(Ls, WIDTHS, noisy, tolerances=(0.5,), n_boot=400).exponents
    assert p.low <= p.value <= p.high and p.low <= 2.0 <= p.high and p.high - p.low < 1.0


def test_bad_inputs_are_refused():
    e = _noisy(3, seed=0)
    with pytest.raises(ValueError, match="shape"):
        bootstrap_slope(WIDTHS, e[:-1])
    with pytest.raises(ValueError, match="fit_min_m"):
        bootstrap_slope(WIDTHS, e, fit_min_m=1000)
    with pytest.raises(ValueError, match="n_boot"):
        bootstrap_slope(WIDTHS, e, n_boot=0)
    with pytest.raises(ValueError, match="Ls"):
        mstar_study((4, 2), WIDTHS, [e, e])
    with pytest.raises(ValueError, match="tolerances"):
        length_curve(2, WIDTHS, e, tolerances=(0.0,))
    # a zero error is not on a log scale: the slope is NaN, not an exception
    z = e.copy()
    z[0, 0] = 0.0
    assert math.isnan(bootstrap_slope(WIDTHS, z, n_boot=5).value)


def test_plots_draw_one_curve_per_L_and_one_power_law_per_tolerance():
    Ls = (2, 4)
    s = mstar_study(Ls, WIDTHS, [L * _noisy(3, seed=L) for L in Ls], tolerances=(0.3, 0.2),
                    n_boot=20, fit_min_m=32)
    ax = plot_error_vs_m(s, "t").axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert [lab.split(":")[0] for lab in labels] == ["L = 2", "L = 4"]
    ax = plot_mstar_vs_L(s, "t").axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert sum("propto L^" in lab for lab in labels) == 2
    assert sum("swept m*" in lab for lab in labels) == 2
