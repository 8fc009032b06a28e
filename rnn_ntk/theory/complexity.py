r"""Function complexities of the paper, Section 2.1-2.2 (eqs. 6, 7, 10, 12; SPEC §4).

For an analytic psi(z) = sum_i c_i z^i (``coeffs`` = c_0, c_1, ..., c_K):

    C(psi, R)   = 1 + sum_{i>=1} i |c_i| R^i                                        (eq. 6)
    C_N(psi, R) = 1 + sum_{i>=1} L^N C1^N sqrt(C_{N,i}) (i/N)^N |c_i| R^i          (eq. 7)

with C_{N,i} the largest multinomial coefficient i!/(n_1!...n_N!) over n_1 + ... + n_N = i,
all n_k > 0. It is attained at the balanced composition (parts differ by at most one:
moving a unit from a part to one smaller by >= 2 multiplies the coefficient by
n_big / (n_small + 1) > 1), so with q, r = divmod(i, N)

    C_{N,i} = i! / ((q+1)!^r q!^(N-r)).

For i < N no composition has all parts > 0; the same balanced formula then gives i! (the
largest multinomial with parts >= 0), which keeps the low-degree terms of psi in eq. 7
instead of silently dropping them. For i >= N the two definitions coincide. (Example 2.2
of the paper states C_{2,i} = i; by the definition, and by enumeration, C_{2,i} is the
central binomial coefficient binom(i, floor(i/2)), e.g. C_{2,4} = 6. The definition is
what is implemented; C_2(exp, 1) is finite either way.)

Every sum is formed in log space (``lgamma``, ``logsumexp``), so huge factorials, large
``C1^N L^N`` and radii such as 2^{l0} never overflow; a complexity that exceeds the
float64 range is reported as ``inf``.

Which terms are summed:

- a bare coefficient array with ``radius=inf`` is a polynomial: its finite sum is exact;
- a truncated series (finite ``radius``, or an ``AnalyticFunction`` with a callable) is
  summed over its stored terms, and rejected (ValueError) if its last stored term is
  not negligible (> 1e-12 of the sum) at R — the sum would be a garbage partial sum;
- an ``AnalyticFunction`` with ``log_abs_coeff`` (the built-in exp and arctan(z/2) have
  one) is summed over its *full* series, block by block, until a block of decreasing
  terms is below 1e-17 of the sum. Stored float64 coefficients cannot hold e.g.
  1/200! (it underflows), so this is the only way to evaluate exp at R ~ 100 or more.

A series that diverges at R reports ``inf``:

- eq. 6 diverges for R >= radius;
- eq. 7 diverges for sqrt(N) R >= radius, because C_{N,i}^{1/i} -> N (Stirling).

At the boundary itself some series still converge (e.g. sum z^i / i^3 at R = 1); ``inf``
is returned there as the conservative answer for an upper-bound complexity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from jaxtyping import Float
from scipy.special import gammaln, logsumexp

__all__ = [
    "complexity",
    "complexity_n",
    "largest_multinomial",
    "log_largest_multinomial",
    "additive_complexity",
    "n_variable_complexity",
    "NVariableComplexity",
    "as_coeffs",
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
      TypeError: complex or non-numeric coefficients.
      ValueError: wrong shape, empty, or non-finite coefficients.
    """
    try:
        c = np.asarray(coeffs)
    except Exception as e:  # ragged lists and the like
        raise TypeError(f"{name} must be a 1-D array of Taylor coefficients: {e}") from None
    if c.dtype.kind not in "biuf":
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


def _check_positive(name: str, value: object, *, allow_inf: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}.")
    v = float(value)
    if math.isnan(v) or v < 0 or (math.isinf(v) and not allow_inf):
        what = ">= 0" + ("" if not allow_inf else " (inf allowed)")
        raise ValueError(f"{name} must be a finite number {what}, got {value!r}.")
    return v


def _check_int(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}.")
    return int(value)


def _log(v: float) -> float:
    return -math.inf if v == 0 else math.log(v)


def largest_multinomial(i: int, N: int) -> int:
    """C_{N,i} of eq. 7 as an exact Python integer.

    Args:
      i: the degree (>= 0).
      N: the number of parts (>= 1).
    Returns:
      max i!/(n_1!...n_N!) over n_1 + ... + n_N = i with all n_k > 0 (for i >= N), or
      with n_k >= 0 (= i!) for i < N, where no composition into positive parts exists.
    """
    i, N = _check_int("i", i, 0), _check_int("N", N, 1)
    q, r = divmod(i, N)
    return math.factorial(i) // (math.factorial(q + 1) ** r * math.factorial(q) ** (N - r))


def log_largest_multinomial(i: object, N: int) -> np.ndarray:
    """log C_{N,i} of eq. 7 in float64 (vectorised over i; exact up to rounding).

    Args:
      i: degrees, any integer array shape (>= 0).
      N: the number of parts (>= 1).
    Returns:
      log C_{N,i} with the shape of ``i``.
    """
    N = _check_int("N", N, 1)
    i = np.asarray(i, dtype=np.int64)
    if np.any(i < 0):
        raise ValueError("degrees i must be >= 0.")
    q, r = np.divmod(i, N)
    return gammaln(i + 1.0) - r * gammaln(q + 2.0) - (N - r) * gammaln(q + 1.0)


class _Series(NamedTuple):
    """A psi for the complexity sums.

    coeffs: stored c_0..c_K. radius: radius of convergence. log_abs_coeff: optional
    log|c_i| for any degrees (then every degree is taken from it and the sum runs until
    the terms are negligible). truncated: the stored coefficients cut off a longer
    series (so a last stored term that is not negligible means the sum is unreliable).
    """

    coeffs: np.ndarray
    radius: float
    log_abs_coeff: Callable[[np.ndarray], np.ndarray] | None
    truncated: bool


def _series(p: object, name: str, radius: float | None = None) -> _Series:
    """A ``_Series`` from an ``AnalyticFunction``-like object or a coefficient array."""
    if hasattr(p, "coeffs"):
        c = as_coeffs(p.coeffs, f"{name}.coeffs")
        rad = _check_radius(getattr(p, "radius", math.inf))
        tail = getattr(p, "log_abs_coeff", None)
        truncated = getattr(p, "fn", None) is not None or math.isfinite(rad)
        return _Series(c, rad, tail, truncated)
    rad = _check_radius(math.inf if radius is None else radius)
    return _Series(as_coeffs(p, name), rad, None, math.isfinite(rad))


def _lse(logs: np.ndarray) -> float:
    logs = logs[~np.isneginf(logs)]
    return -math.inf if logs.size == 0 else float(logsumexp(logs))


def _sum_series(s: _Series, term_log: Callable, log_R: float, R_eff_log: float) -> float:
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
    c = s.coeffs
    if s.log_abs_coeff is None and not np.any(c[1:] != 0):
        return 1.0  # constant psi: nothing to learn, at any R
    if R_eff_log >= _log(s.radius):
        return math.inf
    if s.log_abs_coeff is None:
        i = np.arange(1, c.size)
        logs = term_log(i, _log_abs(c[1:]))
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
    else:
        lse, start, block = -math.inf, 1, max(64, c.size)
        while True:
            if start > _MAX_DEGREE:
                return math.inf  # not negligible after 2^24 terms: numerically divergent
            i = np.arange(start, start + block)
            t = term_log(i, np.asarray(s.log_abs_coeff(i), dtype=np.float64))
            lse = float(np.logaddexp(lse, _lse(t)))
            if lse > _LOG_MAX:
                return math.inf
            fin = t[np.isfinite(t)]
            if fin.size == 0 and start > c.size:
                break
            if fin.size and fin.max() < lse + _TAIL_LOG_TOL and fin[-1] <= fin[0]:
                break
            start, block = start + block, 2 * block
    if lse > _LOG_MAX:
        return math.inf
    return 1.0 + (0.0 if lse == -math.inf else math.exp(lse))


def _log_abs(c: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(np.abs(c))


def _complexity_log(s: _Series, log_R: float) -> float:
    def term(i, logc):
        return np.log(i) + logc + i * log_R

    return _sum_series(s, term, log_R, log_R)


def _complexity_n_log(s: _Series, log_R: float, N: int, L: float, C1: float) -> float:
    const = N * (math.log(L) + math.log(C1))

    def term(i, logc):
        return const + 0.5 * log_largest_multinomial(i, N) + N * np.log(i / N) + logc + i * log_R

    return _sum_series(s, term, log_R, log_R + 0.5 * math.log(N))


def complexity(
    coeffs: Float[np.ndarray, " K"], R: float, *, radius: float = math.inf
) -> float:
    """C(psi, R) = 1 + sum_{i>=1} i |c_i| R^i (paper eq. 6).

    Args:
      coeffs: Taylor coefficients c_0, c_1, ..., c_K of psi, shape (K+1,); c_0 does not
        enter. A polynomial (``radius=inf``), or the truncation of a series with radius of
        convergence ``radius``. An ``AnalyticFunction`` is accepted too (its own radius
        and, if it has one, its full series ``log_abs_coeff`` are used).
      R: the radius at which the complexity is evaluated (>= 0; ``inf`` allowed).
      radius: radius of convergence of the full series (default ``inf``: a polynomial).
    Returns:
      The complexity (a float >= 1); ``inf`` if the series diverges at R (R >= radius) or
      exceeds the float64 range. Constant psi has complexity 1 at every R.
    Raises:
      ValueError: non-finite coefficients; or a truncated series (finite ``radius``)
        whose last stored term is not negligible at R (the sum would be garbage).
    """
    s = _series(coeffs, "coeffs", radius if not hasattr(coeffs, "coeffs") else None)
    R = _check_positive("R", R, allow_inf=True)
    return _complexity_log(s, _log(R))


def complexity_n(
    coeffs: Float[np.ndarray, " K"],
    R: float,
    *,
    N: int,
    L: int,
    C1: float = 100.0,
    radius: float = math.inf,
) -> float:
    """C_N(psi, R) = 1 + sum_{i>=1} L^N C1^N sqrt(C_{N,i}) (i/N)^N |c_i| R^i (paper eq. 7).

    Args:
      coeffs: Taylor coefficients c_0, ..., c_K of psi, shape (K+1,) (or an
        ``AnalyticFunction``, see ``complexity``).
      R: the radius at which the complexity is evaluated (>= 0; ``inf`` allowed).
      N: number of input positions of the N-variable concept (>= 1).
      L: sequence length (>= 1).
      C1: the paper's "large absolute constant" (> 100 in the paper; default 100).
      radius: radius of convergence of the full series of psi (default ``inf``).
    Returns:
      The complexity; ``inf`` if sqrt(N) R >= radius (divergent series) or beyond float64.
    """
    s = _series(coeffs, "coeffs", radius if not hasattr(coeffs, "coeffs") else None)
    R = _check_positive("R", R, allow_inf=True)
    N = _check_int("N", N, 1)
    L = _check_int("L", L, 1)
    C1 = _check_positive("C1", C1)
    if C1 == 0:
        raise ValueError("C1 must be > 0 (the paper takes C1 > 100).")
    return _complexity_n_log(s, _log(R), N, L, C1)


def _check_radius(radius: object) -> float:
    r = _check_positive("radius", radius, allow_inf=True)
    if r == 0:
        raise ValueError("radius of convergence must be > 0 (inf for polynomials).")
    return r


def _psi_list(psis: object, name: str) -> list[_Series]:
    """A psi or a sequence of psis (``AnalyticFunction``s or polynomial arrays)."""
    if hasattr(psis, "coeffs") or (isinstance(psis, np.ndarray) and psis.ndim == 1) or (
        isinstance(psis, Sequence) and psis and np.isscalar(psis[0])
    ):
        psis = [psis]
    out = [_series(p, f"{name}[{k}]") for k, p in enumerate(psis)]
    if not out:
        raise ValueError(f"{name} must hold at least one psi.")
    return out


def additive_complexity(psis: object, *, L: int, C0: float) -> float:
    """C(F*) = L^3 sum_{l,r} C(psi_{l,r}, C0 sqrt(L)) for the additive class (eq. 10).

    Args:
      psis: the psi_{l,r} of every term (objects with ``coeffs`` and ``radius``, or
        coefficient arrays for polynomials).
      L: sequence length.
      C0: input norm ratio C_max / C_min (>= 1).
    Returns:
      The complexity (``inf`` if any series diverges at C0 sqrt(L)).
    """
    L = _check_int("L", L, 1)
    C0 = _check_c0(C0)
    log_R = math.log(C0) + 0.5 * math.log(L)
    total = sum(_complexity_log(p, log_R) for p in _psi_list(psis, "psis"))
    return L**3 * total


def _check_c0(C0: object) -> float:
    C0 = _check_positive("C0", C0)
    if C0 < 1:
        raise ValueError(f"C0 = C_max / C_min must be >= 1, got {C0}.")
    return C0


class NVariableComplexity(NamedTuple):
    """C(F*) of the N-variable class (eq. 12) and its two branches.

    Attributes:
      value: min(kernel_branch, shift_branch).
      kernel_branch: L^2 sum_r C_N(psi_r, C0 sqrt(L)) (from eq. 35; grows with N).
      shift_branch: L^3 sum_r C(psi_r, 2^{l0} C0 sqrt(L)) (from eq. 36; grows with l0).
      attained: "N" if the kernel branch is the smaller (ties go to "N"), else "l0".
    """

    value: float
    kernel_branch: float
    shift_branch: float
    attained: str


def n_variable_complexity(
    psis: object, *, N: int, l0: int, L: int, C0: float, C1: float = 100.0
) -> NVariableComplexity:
    """C(F*) = min(L^2 C_N(psi, C0 sqrt L), L^3 C(psi, 2^{l0} C0 sqrt L)) (eq. 12).

    With several psi_r each branch is summed over r (Remark 2.2) before the minimum.
    2^{l0} enters in log space, so large l0 gives ``inf`` rather than an overflow.

    Args:
      psis: the psi_r (objects with ``coeffs`` and ``radius``, or coefficient arrays).
      N: number of positions l_1..l_N (>= 1).
      l0: max_n l_n - min_n l_n (>= 0).
      L: sequence length (>= 1).
      C0: input norm ratio C_max / C_min (>= 1).
      C1: the constant of eq. 7.
    Returns:
      An ``NVariableComplexity``.
    """
    N = _check_int("N", N, 1)
    l0 = _check_int("l0", l0, 0)
    L = _check_int("L", L, 1)
    if l0 > L - 1:
        raise ValueError(f"l0 = {l0} cannot exceed L - 1 = {L - 1} (positions lie in 1..L).")
    C0 = _check_c0(C0)
    C1 = _check_positive("C1", C1)
    if C1 == 0:
        raise ValueError("C1 must be > 0 (the paper takes C1 > 100).")
    pl = _psi_list(psis, "psis")
    log_R = math.log(C0) + 0.5 * math.log(L)
    kern = L**2 * sum(_complexity_n_log(p, log_R, N, L, C1) for p in pl)
    log_Rs = log_R + l0 * math.log(2.0)
    shift = L**3 * sum(_complexity_log(p, log_Rs) for p in pl)
    return NVariableComplexity(
        value=min(kern, shift),
        kernel_branch=kern,
        shift_branch=shift,
        attained="N" if kern <= shift else "l0",
    )
