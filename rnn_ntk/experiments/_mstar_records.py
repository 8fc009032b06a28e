"""The records of an m*(L) study (``_mstar``): estimates with CIs, curves, the study.

Plain floats and numpy arrays; ``MStarStudy.rows`` and ``to_dict`` make them CSV- and
JSON-ready (no files here).
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import numpy as np

__all__ = ["Estimate", "LengthCurve", "MStar", "MStarStudy"]


class Estimate(NamedTuple):
    """A point estimate with its bootstrap percentile interval (NaN: not estimable).

    Attributes:
      value: the estimate from all seeds.
      low: the lower end of the percentile interval.
      high: the upper end.
    """

    value: float
    low: float
    high: float


class MStar(NamedTuple):
    """m* of one tolerance at one L.

    Attributes:
      tol: the tolerance on the mean relative error of Theta_W.
      swept: the smallest swept width with mean error <= tol, or None.
      fitted: m* where the fitted log-log line (free slope, or the fixed ``mstar_slope``)
        crosses tol, with its bootstrap CI (inf
        where the fitted error does not fall with m).
      kind: "interpolated" (fitted m* within the fitted widths), "extrapolated"
        (outside them) or "not reached" (slope >= 0).
    """

    tol: float
    swept: int | None
    fitted: Estimate
    kind: str


@dataclasses.dataclass(frozen=True)
class LengthCurve:
    """The error curve of one sequence length and what is fitted to it.

    Attributes:
      L: the sequence length.
      widths: the swept widths, shape (W,).
      seeds: the number of seeds S.
      mean, std, low, high: mean, sample standard deviation, min and max over seeds of
        theta_err per width, shape (W,).
      slope: the log-log slope of the mean error against m over the fitted widths.
      intercept: a of log(mean error) = a + slope log m.
      cross_mean: the mean cross-step part per width, shape (W,) (NaN: not measured).
      cross_slope: its log-log slope.
      mstar: one ``MStar`` per tolerance.
      mstar_line: (slope, intercept) of the log-log line m* is read from: the free fit,
        or the fixed ``mstar_slope`` with its fitted intercept.
    """

    L: int
    widths: np.ndarray
    seeds: int
    mean: np.ndarray
    std: np.ndarray
    low: np.ndarray
    high: np.ndarray
    slope: Estimate
    intercept: float
    cross_mean: np.ndarray
    cross_slope: Estimate
    mstar: tuple[MStar, ...]
    mstar_line: tuple[float, float] = (math.nan, math.nan)


@dataclasses.dataclass(frozen=True)
class MStarStudy:
    """m*(L) over sequence lengths: the curves and the power law m* = c L^p per tolerance.

    Attributes:
      curves: one ``LengthCurve`` per L, increasing L.
      tolerances: the tolerances.
      exponents: per tolerance, p of the fitted m* = c L^p with its bootstrap CI (NaN
        with fewer than two lengths of finite fitted m*).
      coefficients: per tolerance, c.
      n_boot: bootstrap resamples per L.
      level: the confidence level of the intervals.
      fit_min_m: the smallest width used in the fits (None: all).
      mstar_slope: the fixed slope m* was read with (None: the free fit).
    """

    curves: tuple[LengthCurve, ...]
    tolerances: tuple[float, ...]
    exponents: tuple[Estimate, ...]
    coefficients: tuple[float, ...]
    n_boot: int
    level: float
    fit_min_m: int | None
    mstar_slope: float | None = None

    def rows(self) -> list[dict]:
        """One flat dict per (L, tolerance): m* swept and fitted, slopes with CIs."""

        def est(name: str, e: Estimate) -> dict:
            return {name: e.value, f"{name}_low": e.low, f"{name}_high": e.high}

        return [{"L": c.L, "tol": ms.tol, "mstar_swept": ms.swept, **est("mstar_fit", ms.fitted),
                 "mstar_fit_kind": ms.kind, **est("slope", c.slope),
                 **est("cross_slope", c.cross_slope), "seeds": c.seeds}
                for c in self.curves for ms in c.mstar]  # fmt: skip

    def to_dict(self) -> dict:
        """A JSON-ready dict (inf and NaN as the strings "inf", "nan")."""

        def f(v):
            return None if v is None else (float(v) if math.isfinite(v) else str(float(v)))

        def est(e: Estimate) -> dict:
            return {"value": f(e.value), "low": f(e.low), "high": f(e.high)}

        return {
            "tolerances": list(self.tolerances),
            "n_boot": self.n_boot,
            "level": self.level,
            "fit_min_m": self.fit_min_m,
            "mstar_slope": self.mstar_slope,
            "bootstrap": "seeds resampled with replacement per L (the same seeds at every "
            "width), mean error refitted; percentile interval",
            "curves": [{
                "L": c.L, "widths": [int(m) for m in c.widths], "seeds": c.seeds,
                "mean": [f(v) for v in c.mean], "std": [f(v) for v in c.std],
                "min": [f(v) for v in c.low], "max": [f(v) for v in c.high],
                "slope": est(c.slope), "intercept": f(c.intercept),
                "cross_mean": [f(v) for v in c.cross_mean],
                "cross_slope": est(c.cross_slope),
                "mstar_line": {"slope": f(c.mstar_line[0]), "intercept": f(c.mstar_line[1])},
                "mstar": [{"tol": ms.tol, "swept": ms.swept, "fitted": est(ms.fitted),
                           "kind": ms.kind} for ms in c.mstar],
            } for c in self.curves],  # fmt: skip
            "mstar_vs_L": [
                {"tol": t, "exponent": est(p), "coefficient": f(c)}
                for t, p, c in zip(self.tolerances, self.exponents, self.coefficients,
                                   strict=True)
            ],
        }
