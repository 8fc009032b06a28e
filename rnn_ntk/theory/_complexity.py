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

The sums are log-space (``rnn_ntk.theory._series``): a series that diverges at R reports
``inf`` — eq. 6 for R >= radius, eq. 7 for sqrt(N) R >= radius, because
C_{N,i}^{1/i} -> N (Stirling).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from jaxtyping import Float
from scipy.special import gammaln

from rnn_ntk._validate import check_int, check_real
from rnn_ntk.theory._series import (
    Series,
    as_series,
    check_radius,
    log_or_neginf,
    psi_series,
    sum_series,
)

__all__ = [
    "NVariableComplexity",
    "additive_complexity",
    "complexity",
    "complexity_n",
    "largest_multinomial",
    "log_largest_multinomial",
    "n_variable_complexity",
]


def largest_multinomial(i: int, N: int) -> int:
    """C_{N,i} of eq. 7 as an exact Python integer.

    Args:
      i: the degree (>= 0).
      N: the number of parts (>= 1).
    Returns:
      max i!/(n_1!...n_N!) over n_1 + ... + n_N = i with all n_k > 0 (for i >= N), or
      with n_k >= 0 (= i!) for i < N, where no composition into positive parts exists.
    """
    i, N = check_int("i", i, low=0), check_int("N", N, low=1)
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
    N = check_int("N", N, low=1)
    if i is None or isinstance(i, (str, bytes, bool)):
        raise TypeError(f"i must be integer degrees >= 0, got {type(i).__name__} {i!r}.")
    i = np.asarray(i)
    if i.size and i.dtype.kind not in "iu":
        raise TypeError(f"i must be integer degrees >= 0, got dtype {i.dtype}.")
    i = i.astype(np.int64)
    if np.any(i < 0):
        raise ValueError(f"i must be degrees >= 0, got min {int(i.min())}.")
    q, r = np.divmod(i, N)
    return gammaln(i + 1.0) - r * gammaln(q + 2.0) - (N - r) * gammaln(q + 1.0)


def _complexity_log(s: Series, log_R: float) -> float:
    """C(psi, e^log_R) of eq. 6."""

    def term(i, logc):
        return np.log(i) + logc + i * log_R

    return sum_series(s, term, log_R, log_R)


def _complexity_n_log(s: Series, log_R: float, N: int, L: float, C1: float) -> float:
    """C_N(psi, e^log_R) of eq. 7."""
    const = N * (math.log(L) + math.log(C1))

    def term(i, logc):
        return const + 0.5 * log_largest_multinomial(i, N) + N * np.log(i / N) + logc + i * log_R

    return sum_series(s, term, log_R, log_R + 0.5 * math.log(N))


def _coeff_series(coeffs: object, radius: float) -> Series:
    radius = check_radius(radius)  # a number > 0 or inf (never None)
    return as_series(coeffs, "coeffs", radius if not hasattr(coeffs, "coeffs") else None)


def _check_R(R: object) -> float:
    return check_real("R", R, low=0, allow_inf=True)


def _check_C1(C1: object) -> float:
    return check_real("C1", C1, low=0, open_low=True, what="constant (the paper takes C1 > 100)")


def _check_C0(C0: object) -> float:
    return check_real("C0", C0, low=1, what="ratio C_max / C_min")


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
    s = _coeff_series(coeffs, radius)
    return _complexity_log(s, log_or_neginf(_check_R(R)))


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
    s = _coeff_series(coeffs, radius)
    R = _check_R(R)
    N, L = check_int("N", N, low=1), check_int("L", L, low=1)
    return _complexity_n_log(s, log_or_neginf(R), N, L, _check_C1(C1))


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
    L = check_int("L", L, low=1)
    log_R = math.log(_check_C0(C0)) + 0.5 * math.log(L)
    total = sum(_complexity_log(p, log_R) for p in psi_series(psis, "psis"))
    return L**3 * total


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
    N = check_int("N", N, low=1)
    l0 = check_int("l0", l0, low=0)
    L = check_int("L", L, low=1)
    if l0 > L - 1:
        raise ValueError(f"l0 = {l0} cannot exceed L - 1 = {L - 1} (positions lie in 1..L).")
    C0, C1 = _check_C0(C0), _check_C1(C1)
    pl = psi_series(psis, "psis")
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
