r"""Power series psi(z) = sum_i c_i z^i summed in log space (the engine of eqs. 6-7).

Every sum is formed in log space (``lgamma``, ``logsumexp``), so huge factorials, large
``C1^N L^N`` and radii such as 2^{l0} never overflow; a sum that exceeds the float64
range is reported as ``inf``.

Which terms are summed:

- a bare coefficient array with ``radius=inf`` is a polynomial: its finite sum is exact;
- a truncated series (finite ``radius``, or an ``AnalyticFunction`` with a callable) is
  summed over its stored terms, and rejected (ValueError) if its last stored term is
  not negligible (> 1e-12 of the sum) at R — the sum would be a garbage partial sum;
- an ``AnalyticFunction`` with ``log_abs_coeff`` (the built-in exp and arctan(z/2) have
  one) is summed over its *full* series, block by block, until a block of decreasing
  terms is below 1e-17 of the sum. Stored float64 coefficients cannot hold e.g.
  1/200! (it underflows), so this is the only way to evaluate exp at R ~ 100 or more.

A series evaluated at or beyond its radius of convergence reports ``inf`` (at the
boundary some series still converge, e.g. sum z^i / i^3 at R = 1; ``inf`` is the
conservative answer for an upper-bound complexity).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from scipy.special import logsumexp

from rnn_ntk._validate import check_real, is_real_dtype

__all__ = [
    "Series",
    "as_coeffs",
    "as_series",
    "check_radius",
    "log_or_neginf",
    "psi_series",
    "sum_series",
]

_LOG_MAX = math.log(np.finfo(np.float64).max)
#: A full series is summed until a block of terms is below 1e-17 of the sum.
_TAIL_LOG_TOL = math.log(1e-17)
#: A truncated series whose last stored term exceeds 1e-12 of the sum is rejected.
_TRUNC_LOG_TOL = math.log(1e-12)
#: Largest degree summed for a full series before it is called divergent.
_MAX_DEGREE = 1 << 24


def as_coeffs(coeffs: object, name: str = "coeffs") -> np.ndarray:
    """Validates a Taylor-coefficient array c_0, c_1, ... and returns it as float64.

    Args:
      coeffs: 1-D real array-like of Taylor coefficients, c_0 first.
      name: the argument's name for error messages.
    Returns:
      The coefficients, shape (K+1,), float64.
    Raises:
      TypeError: bool, complex or non-numeric coefficients.
      ValueError: wrong shape, empty, or non-finite coefficients.
    """
    if coeffs is None or isinstance(coeffs, (str, bytes)):
        raise TypeError(f"{name} must be a 1-D array of Taylor coefficients, got {coeffs!r}.")
    try:
        c = np.asarray(coeffs)
    except Exception as e:  # ragged lists and the like
        raise TypeError(f"{name} must be a 1-D array of Taylor coefficients: {e}") from None
    if not is_real_dtype(c.dtype, integers=True):
        raise TypeError(
            f"{name} must hold real Taylor coefficients c_0, c_1, ..., got dtype {c.dtype}."
        )
    c = c.astype(np.float64)
    if c.ndim != 1 or c.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D array c_0, c_1, ..., c_K, got shape {c.shape}."
        )
    bad = np.flatnonzero(~np.isfinite(c))
    if bad.size:
        raise ValueError(
            f"{name} has non-finite Taylor coefficient(s) at index {bad[:5].tolist()}; every "
            f"c_i must be a finite number (truncate the series before the first bad term)."
        )
    return c


def log_or_neginf(v: float) -> float:
    """log v, with log 0 = -inf."""
    return -math.inf if v == 0 else math.log(v)


class Series(NamedTuple):
    """A psi for the complexity sums.

    Attributes:
      coeffs: stored c_0..c_K, shape (K+1,).
      radius: radius of convergence of the full series.
      log_abs_coeff: optional log|c_i| for any degrees (then every degree is taken from
        it and the sum runs until the terms are negligible).
      truncated: the stored coefficients cut off a longer series (so a last stored term
        that is not negligible means the sum is unreliable).
    """

    coeffs: np.ndarray
    radius: float
    log_abs_coeff: Callable[[np.ndarray], np.ndarray] | None
    truncated: bool


def check_radius(radius: object) -> float:
    """A radius of convergence: > 0, ``inf`` for polynomials and entire functions."""
    return check_real(
        "radius", radius, low=0, open_low=True, allow_inf=True, what="radius of convergence"
    )


def as_series(p: object, name: str, radius: float | None = None) -> Series:
    """A ``Series`` from an ``AnalyticFunction``-like object or a coefficient array.

    Args:
      p: an object with ``coeffs`` (and optionally ``radius``, ``fn``,
        ``log_abs_coeff``), or Taylor coefficients c_0, c_1, ... of a polynomial.
      name: the argument's name for error messages.
      radius: radius of convergence of a bare coefficient array (default ``inf``).
    Returns:
      The ``Series``.
    """
    if hasattr(p, "coeffs"):
        c = as_coeffs(p.coeffs, f"{name}.coeffs")
        rad = check_radius(getattr(p, "radius", math.inf))
        tail = getattr(p, "log_abs_coeff", None)
        truncated = getattr(p, "fn", None) is not None or math.isfinite(rad)
        return Series(c, rad, tail, truncated)
    rad = check_radius(math.inf if radius is None else radius)
    return Series(as_coeffs(p, name), rad, None, math.isfinite(rad))


def psi_series(psis: object, name: str) -> list[Series]:
    """A psi or a sequence of psis (``AnalyticFunction``s or polynomial arrays)."""
    if psis is None or isinstance(psis, (str, bytes)) or np.ndim(psis) == 0 and not hasattr(
        psis, "coeffs"
    ):
        raise TypeError(
            f"{name} must be an AnalyticFunction, a coefficient array or a sequence of "
            f"them, got {type(psis).__name__} {psis!r}."
        )
    if hasattr(psis, "coeffs") or (isinstance(psis, np.ndarray) and psis.ndim == 1) or (
        isinstance(psis, Sequence) and psis and np.isscalar(psis[0])
    ):
        psis = [psis]
    out = [as_series(p, f"{name}[{k}]") for k, p in enumerate(psis)]
    if not out:
        raise ValueError(f"{name} must hold at least one psi.")
    return out


def _lse(logs: np.ndarray) -> float:
    logs = logs[~np.isneginf(logs)]
    return -math.inf if logs.size == 0 else float(logsumexp(logs))


def _log_abs(c: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(np.abs(c))


def _stored_lse(s: Series, term_log: Callable, log_R: float) -> float:
    """log sum_{i=1..K} of the stored terms; refuses a truncation that is not negligible."""
    c = s.coeffs
    logs = term_log(np.arange(1, c.size), _log_abs(c[1:]))
    lse = _lse(logs)
    if s.truncated and math.isfinite(lse):
        last = int(np.flatnonzero(c[1:])[-1])
        if logs[last] > lse + _TRUNC_LOG_TOL:
            raise ValueError(
                f"psi's {c.size} stored Taylor coefficients are too few for the "
                f"complexity at R = {math.exp(log_R):.4g}: its last stored term is "
                f"{math.exp(logs[last] - lse):.2g} of the sum. Store more coefficients "
                f"or give the AnalyticFunction log_abs_coeff (the full series)."
            )
    return lse


def _full_lse(s: Series, term_log: Callable) -> float:
    """log sum_{i>=1} over the full series, in doubling blocks until the tail is negligible."""
    lse, start, block = -math.inf, 1, max(64, s.coeffs.size)
    while True:
        if start > _MAX_DEGREE:
            return math.inf  # not negligible after 2^24 terms: numerically divergent
        i = np.arange(start, start + block)
        t = term_log(i, np.asarray(s.log_abs_coeff(i), dtype=np.float64))
        lse = float(np.logaddexp(lse, _lse(t)))
        if lse > _LOG_MAX:
            return math.inf
        fin = t[np.isfinite(t)]
        if fin.size == 0 and start > s.coeffs.size:
            return lse
        if fin.size and fin.max() < lse + _TAIL_LOG_TOL and fin[-1] <= fin[0]:
            return lse
        start, block = start + block, 2 * block


def sum_series(s: Series, term_log: Callable, log_R: float, R_eff_log: float) -> float:
    """1 + sum_{i>=1} exp(term_log(i, log|c_i|)), in log space.

    Args:
      s: the series.
      term_log: (i, log|c_i|) -> log of the i-th term (vectorised over i).
      log_R: log of the radius of evaluation (for messages).
      R_eff_log: log of the effective radius compared with the radius of convergence
        (log R for eq. 6, log(sqrt(N) R) for eq. 7).
    Returns:
      The sum (``inf`` if it diverges or leaves float64).
    """
    if s.log_abs_coeff is None and not np.any(s.coeffs[1:] != 0):
        return 1.0  # constant psi: nothing to learn, at any R
    if R_eff_log >= log_or_neginf(s.radius):
        return math.inf
    if s.log_abs_coeff is None:
        lse = _stored_lse(s, term_log, log_R)
    else:
        lse = _full_lse(s, term_log)
    if lse > _LOG_MAX:
        return math.inf
    return 1.0 + (0.0 if lse == -math.inf else math.exp(lse))
