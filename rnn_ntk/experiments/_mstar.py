r"""m*(L): the smallest width whose empirical NTK is within a tolerance of H^inf (SPEC §5).

From the relative errors theta_err[i, j] of Theta_W against H^inf at width ``widths[i]``
and seed j of one width sweep per length L (``rnn_ntk.convergence``), and nothing else
(no files, no printing), per L: the error curve over seeds; the least-squares slope b of
log(mean error) = a + b log m (about -1/2) with a bootstrap CI over seeds (the S seeds
resampled with replacement, the same at every width; the means refitted ``n_boot``
times; the ``level`` percentile interval); per tolerance tol, m* ``swept`` (the smallest
swept width with mean error <= tol) and ``fitted`` (m* = exp((log tol - a) / b), labelled
"interpolated" inside the fitted widths, "extrapolated" outside; or, with ``mstar_slope``
= -1/2, from the m^-1/2 line through the fitted widths' means), with the same
bootstrap's CI; and the slope of the cross-step part of Theta_W (paper Theorem 6).
Across L the fitted m* follows a power law m* = c L^p (least squares in log-log); its
CI refits p on bootstrap replicate r of every L, so it carries the seed noise of all L.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from rnn_ntk.experiments._mstar_records import Estimate, LengthCurve, MStar, MStarStudy

__all__ = [
    "bootstrap_slope",
    "length_curve",
    "mstar_study",
    "smallest_swept",
]


def _fit_lines(logm: np.ndarray, logy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares (slope, intercept) of each row of logy (..., W) on logm (W,)."""
    xc = logm - logm.mean()
    slope = (logy * xc).sum(-1) / (xc**2).sum()
    return slope, logy.mean(-1) - slope * logm.mean()


def _percentile(values: np.ndarray, level: float) -> tuple[float, float]:
    """The (1 - level)/2 and (1 + level)/2 quantiles of the non-NaN values (inf allowed)."""
    v = values[~np.isnan(values)]
    if v.size == 0:
        return math.nan, math.nan
    q = np.quantile(v, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
    return float(q[0]), float(q[1])


def _check(errors: object, widths: np.ndarray, name: str) -> np.ndarray:
    """errors as float64 (W, S), checked against the widths."""
    e = np.asarray(errors, np.float64)
    if e.ndim != 2 or e.shape[0] != widths.size or e.shape[1] < 1:
        raise ValueError(f"{name} must have shape (W, S) = ({widths.size}, seeds), one row "
                         f"per width; got {e.shape}.")
    return e


def _resample(errors: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Mean over resampled seeds: errors (W, S), idx (B, S) -> (B, W)."""
    return errors[:, idx].mean(-1).T


def _widths(widths: object, fit_min_m: int | None) -> tuple[np.ndarray, np.ndarray]:
    w = np.asarray(widths, np.float64)
    if w.ndim != 1 or w.size < 1 or np.any(w <= 0) or np.any(np.diff(w) <= 0):
        raise ValueError(f"widths must be positive and strictly increasing, got {widths!r}.")
    use = w >= (fit_min_m or 0)
    if use.sum() < 2:
        raise ValueError(f"fit_min_m = {fit_min_m} leaves {int(use.sum())} width(s) to fit "
                         f"a line to; lower it (at most the second-largest width "
                         f"{int(w[-2]) if w.size > 1 else 'none'}).")
    return w, use


def bootstrap_slope(
    widths: Sequence[float],
    errors: object,
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
    fit_min_m: int | None = None,
) -> Estimate:
    """The log-log slope of the mean error against m, with a bootstrap CI over seeds.

    Args:
      widths: the widths m, strictly increasing, shape (W,).
      errors: errors per (width, seed), shape (W, S), positive.
      n_boot: bootstrap resamples (seeds drawn with replacement, the same at every width).
      level: confidence level of the percentile interval, in (0, 1).
      seed: seed of the resampling.
      fit_min_m: fit only the widths >= this (None: all).
    Returns:
      The slope of log(mean error) = a + slope log m and its percentile interval; NaN
      where an error is not finite and positive.
    """
    w, use = _widths(widths, fit_min_m)
    e = _check(errors, w, "errors")
    return _slope_fit(w, e, use, _indices(n_boot, e.shape[1], seed), level)[0]


def _indices(n_boot: int, S: int, seed: object) -> np.ndarray:
    if not isinstance(n_boot, (int, np.integer)) or isinstance(n_boot, bool) or n_boot < 1:
        raise ValueError(f"n_boot must be an int >= 1 (bootstrap resamples), got {n_boot!r}.")
    return np.random.default_rng(seed).integers(0, S, size=(int(n_boot), S))


def _slope_fit(w, e, use, idx, level) -> tuple[Estimate, float, np.ndarray, np.ndarray]:
    """(slope estimate, intercept, replicate slopes (B,), replicate intercepts (B,))."""
    if not (0.0 < level < 1.0):
        raise ValueError(f"level must be in (0, 1) (e.g. 0.95), got {level!r}.")
    sub = e[use]
    if not np.all(np.isfinite(sub) & (sub > 0)):
        nan = np.full(idx.shape[0], math.nan)
        return Estimate(math.nan, math.nan, math.nan), math.nan, nan, nan
    logm = np.log(w[use])
    b, a = _fit_lines(logm, np.log(sub.mean(-1)))
    bb, aa = _fit_lines(logm, np.log(_resample(sub, idx)))
    return Estimate(float(b), *_percentile(bb, level)), float(a), bb, aa


def _crossing(slope, intercept, tol) -> np.ndarray:
    """exp((log tol - a) / b) where b < 0, else inf (the fitted error never reaches tol)."""
    slope, intercept = np.asarray(slope, float), np.asarray(intercept, float)
    neg = slope < 0
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        m = np.exp((math.log(tol) - intercept) / np.where(neg, slope, -1.0))
    return np.where(np.isnan(slope), math.nan, np.where(neg, m, math.inf))


def smallest_swept(widths: Sequence[int], mean: object, tol: float) -> int | None:
    """The smallest width whose mean error is <= tol, or None.

    Args:
      widths: the widths, increasing, shape (W,).
      mean: mean error per width, shape (W,).
      tol: the tolerance.
    Returns:
      The width, or None when no swept width reaches tol.
    """
    ok = np.flatnonzero(np.asarray(mean, float) <= tol)
    return int(np.asarray(widths)[ok[0]]) if ok.size else None


def length_curve(
    L: int,
    widths: Sequence[int],
    errors: object,
    cross: object | None = None,
    *,
    tolerances: Sequence[float] = (0.2, 0.1),
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
    fit_min_m: int | None = None,
    mstar_slope: float | None = None,
) -> LengthCurve:
    """The ``LengthCurve`` of one L (see the module docstring).

    Args:
      L: the sequence length (a label).
      widths: the widths, strictly increasing, shape (W,).
      errors: theta_err per (width, seed), shape (W, S).
      cross: the cross-step part per (width, seed), shape (W, S), or None.
      tolerances: tolerances on the mean error, each > 0.
      n_boot: bootstrap resamples.
      level: confidence level.
      seed: seed of the resampling.
      fit_min_m: fit only the widths >= this (None: all).
      mstar_slope: read m* from the line of this fixed slope (e.g. -0.5) through the
        fitted widths' mean errors (intercept: mean log residual); None: the free fit.
    Returns:
      The ``LengthCurve``.
    """
    return _curve(L, widths, errors, cross, tolerances, n_boot, level, seed, fit_min_m,
                  mstar_slope)[0]


def _curve(L, widths, errors, cross, tolerances, n_boot, level, seed, fit_min_m, mstar_slope):
    """(LengthCurve, replicate fitted m* per tolerance, shape (T, B))."""
    if mstar_slope is not None and not (-math.inf < mstar_slope < 0):
        raise ValueError(f"mstar_slope must be a negative number (e.g. -0.5, the m^-1/2 law) "
                         f"or None (the fitted slope), got {mstar_slope!r}.")
    w, use = _widths(widths, fit_min_m)
    e = _check(errors, w, "errors")
    c = np.full_like(e, math.nan) if cross is None else _check(cross, w, "cross")
    if c.shape != e.shape:
        raise ValueError(f"cross must have the shape of errors {e.shape}, got {c.shape}.")
    tols = tuple(float(t) for t in tolerances)
    if any(not (t > 0 and math.isfinite(t)) for t in tols):
        raise ValueError(f"tolerances must be finite and > 0, got {tolerances!r}.")
    idx = _indices(n_boot, e.shape[1], seed)
    slope, a, bb, aa = _slope_fit(w, e, use, idx, level)
    cross_slope = _slope_fit(w, c, use, idx, level)[0]
    mean = e.mean(1)
    lo_fit, hi_fit = w[use][0], w[use][-1]
    line = (slope.value, a)  # the line m* is read from, and its replicates
    if mstar_slope is not None:  # the slope fixed, the intercept fitted (mean of residuals)
        logm = np.log(w[use])
        with np.errstate(divide="ignore", invalid="ignore"):
            line = (float(mstar_slope), float(np.mean(np.log(mean[use]) - mstar_slope * logm)))
            aa = np.mean(np.log(_resample(e[use], idx)) - mstar_slope * logm, axis=-1)
            bb = np.full_like(aa, mstar_slope)
    stars, reps = [], []
    for t in tols:
        point = float(_crossing(*line, t))
        rep = _crossing(bb, aa, t)
        kind = ("not fitted" if math.isnan(point) else "not reached" if point == math.inf
                else "interpolated" if lo_fit <= point <= hi_fit else "extrapolated")
        stars.append(MStar(t, smallest_swept(w.astype(int), mean, t),
                           Estimate(point, *_percentile(rep, level)), kind))
        reps.append(rep)
    std = e.std(1, ddof=1) if e.shape[1] > 1 else np.zeros_like(mean)
    return (LengthCurve(int(L), w.astype(int), int(e.shape[1]), mean, std, e.min(1), e.max(1),
                        slope, a, c.mean(1), cross_slope, tuple(stars), line),
            np.asarray(reps).reshape(len(tols), idx.shape[0]))


def _power(Ls: np.ndarray, mstars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(p, log c) of log m* = log c + p log L per row of mstars (..., nL); NaN if not finite."""
    ok = np.all(np.isfinite(mstars) & (mstars > 0), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p, logc = _fit_lines(np.log(Ls), np.log(np.where(ok[..., None], mstars, 1.0)))
    return np.where(ok, p, math.nan), np.where(ok, logc, math.nan)


def mstar_study(
    Ls: Sequence[int],
    widths: Sequence[int],
    errors: Sequence[object],
    cross: Sequence[object] | None = None,
    *,
    tolerances: Sequence[float] = (0.2, 0.1),
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
    fit_min_m: int | None = None,
    mstar_slope: float | None = None,
) -> MStarStudy:
    """m*(L) per tolerance and its power law in L, with bootstrap CIs over seeds.

    Args:
      Ls: the sequence lengths, strictly increasing, shape (nL,).
      widths: the widths swept at every L, strictly increasing, shape (W,).
      errors: per L, theta_err per (width, seed), shape (W, S_L) (e.g. a
        ``ConvergenceTable``'s ``theta_err``).
      cross: per L, the cross-step part, shape (W, S_L), or None.
      tolerances: tolerances on the mean relative error of Theta_W.
      n_boot: bootstrap resamples per L (replicate r of every L feeds replicate r of the
        exponent).
      level: confidence level of the percentile intervals.
      seed: seed of the resampling (each L draws from its own stream).
      fit_min_m: fit only the widths >= this (None: all).
      mstar_slope: as for ``length_curve`` (the reported slopes stay the free fits).
    Returns:
      The ``MStarStudy``; an exponent's CI excludes replicates where some L's fitted m*
      is not finite (slope >= 0). Shapes that do not match, Ls not increasing or bad
      tolerances are a ValueError.
    """
    Larr = np.asarray(Ls, np.float64)
    if Larr.ndim != 1 or Larr.size < 1 or np.any(Larr < 1) or np.any(np.diff(Larr) <= 0):
        raise ValueError(f"Ls must be strictly increasing lengths >= 1, got {Ls!r}.")
    if len(errors) != Larr.size or (cross is not None and len(cross) != Larr.size):
        raise ValueError(f"errors (and cross) need one (W, S) array per L: {Larr.size} "
                         f"lengths, got {len(errors)}.")
    curves, reps = [], []
    for i, L in enumerate(Larr.astype(int)):
        c, r = _curve(L, widths, errors[i], None if cross is None else cross[i],
                      tolerances, n_boot, level, [seed, int(L)], fit_min_m, mstar_slope)
        curves.append(c)
        reps.append(r)
    rep = np.stack(reps, axis=-1)  # (T, B, nL)
    exps, coefs = [], []
    for k in range(rep.shape[0]):
        point = np.asarray([c.mstar[k].fitted.value for c in curves])
        p, logc = _power(Larr, point) if Larr.size > 1 else (np.nan, np.nan)
        pb = _power(Larr, rep[k])[0] if Larr.size > 1 else np.full(1, math.nan)
        exps.append(Estimate(float(p), *_percentile(pb, level)))
        coefs.append(float(np.exp(logc)))
    return MStarStudy(tuple(curves), tuple(float(t) for t in tolerances), tuple(exps),
                      tuple(coefs), int(n_boot), float(level), fit_min_m, mstar_slope)
