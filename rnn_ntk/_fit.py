"""Small fits shared by the sweeps and experiments."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["loglog_slope"]


def loglog_slope(xs: object, ys: object) -> float:
    """Least-squares slope of log y against log x over the finite, positive y.

    Args:
      xs: positive abscissae (e.g. widths m or lengths L), shape (k,).
      ys: values (e.g. errors), shape (k,); NaN, inf and y <= 0 are skipped.
    Returns:
      The slope, or NaN with fewer than two usable points.
    """
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    ok = np.isfinite(ys) & (ys > 0)
    if ok.sum() < 2:
        return math.nan
    return float(np.polyfit(np.log(xs[ok]), np.log(ys[ok]), 1)[0])
