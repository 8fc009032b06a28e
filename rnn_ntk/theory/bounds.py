r"""Data-dependent complexity and the generalisation bound (Theorems 2-4; SPEC §4).

- ``norm_bound(H, y)`` = sqrt(y^T H^-1 y), the data-dependent complexity of Theorems 3-4
  (with H = H^inf and y = y~ = F*(x_i) rescaled to margin 1), from a Cholesky factor in
  float64 (``rnn_ntk.linalg.inverse_quadratic_form``); the condition number is reported,
  a diagonal jitter is added only when asked and is reported back.
- ``generalization_bound(q, n, delta)``: the right-hand side of eq. 19,
  O~(q / n) + O(log(1/delta) / n) with q = y~^T (H^inf)^-1 y~, or of eq. 17 with
  q = (C*)^2. **Constants:** the O~ and O constants are set to 1 and the logarithmic
  factors hidden by O~ are dropped, so the value is ``q / n + log(1/delta) / n``. It is a
  shape, not a certified bound: the theorem holds for m >= poly(n, 1/delta, L, C*) with
  unspecified constants.
- ``psd_lower_constant(M, K)`` = the largest alpha^2 with M >= alpha^2 K (Loewner order),
  the quantity Proposition 2.4 and eq. 30 need.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import scipy.linalg
from jaxtyping import Float

from rnn_ntk.linalg import inverse_quadratic_form

__all__ = [
    "NormBound",
    "norm_bound",
    "GeneralizationBound",
    "generalization_bound",
    "psd_lower_constant",
]


class NormBound(NamedTuple):
    """sqrt(y^T H^-1 y) and the diagnostics of its solve.

    Attributes:
      value: sqrt(y^T (H + jitter I)^-1 y).
      quad: y^T (H + jitter I)^-1 y (the numerator of eq. 19).
      cond: 2-norm condition number of H + jitter I.
      jitter: the diagonal jitter that was added (0 unless asked for).
      n: number of samples.
    """

    value: float
    quad: float
    cond: float
    jitter: float
    n: int


def norm_bound(
    H: Float[np.ndarray, "n n"], y: Float[np.ndarray, " n"], *, jitter: float = 0.0
) -> NormBound:
    """sqrt(y^T H^-1 y) by a float64 Cholesky factor (Theorems 3-4, eq. 19-20).

    Args:
      H: kernel Gram, symmetric positive definite, shape (n, n), e.g. ``rnn_ntk.ntk(x)``.
      y: targets, shape (n,): y~ = F*(x_i) rescaled to margin 1 for the theorem (any real
        vector is accepted).
      jitter: value added to the diagonal before factorising (>= 0; reported back).
    Returns:
      A ``NormBound``.
    Raises:
      ValueError: H not square/symmetric/positive definite, shapes disagree, non-finite
        values, or a negative jitter. The message names the argument and the fix.
    """
    H = np.asarray(H)
    y = np.asarray(y)
    if H.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
        raise TypeError(
            f"norm_bound: H and y must be real arrays, got dtypes {H.dtype} and {y.dtype}."
        )
    try:
        q = inverse_quadratic_form(H, y, jitter=jitter)
    except ValueError as e:
        msg = str(e)
        if "positive definite" in msg:
            Hs = 0.5 * (H + H.T).astype(np.float64) + float(jitter) * np.eye(H.shape[0])
            lam = float(np.linalg.eigvalsh(Hs)[0])
            raise ValueError(
                f"norm_bound: argument H is not positive definite (smallest eigenvalue "
                f"{lam:.3g} with jitter={float(jitter):g}). H must be a PSD kernel Gram of "
                f"distinct inputs such as rnn_ntk.ntk(x); remove duplicate sequences or "
                f"pass jitter > 0 (it is reported back)."
            ) from None
        raise ValueError(f"norm_bound: {msg}") from None
    value = max(q.value, 0.0)
    return NormBound(
        value=math.sqrt(value), quad=q.value, cond=q.cond, jitter=q.jitter, n=int(H.shape[0])
    )


class GeneralizationBound(NamedTuple):
    """The right-hand side of eq. 17/19 with O~ constants 1 (see the module docstring).

    Attributes:
      value: complexity_term + confidence_term (may exceed 1, i.e. be vacuous).
      complexity_term: q / n (q = y~^T H^-1 y~ for eq. 19, or (C*)^2 for eq. 17).
      confidence_term: log(1/delta) / n.
      n: number of samples (= SGD steps of Algorithm 1).
      delta: failure probability.
    """

    value: float
    complexity_term: float
    confidence_term: float
    n: int
    delta: float


def generalization_bound(q: float, n: int, *, delta: float = 0.05) -> GeneralizationBound:
    """Average population 0-1 error bound of Algorithm 1's iterates (eq. 17/19).

    (1/n) sum_k L_D^{0-1}(W^k) <= q / n + log(1/delta) / n,
    with every O~/O constant set to 1 and the log factors hidden by O~ dropped.

    Args:
      q: y~^T (H^inf)^-1 y~ (eq. 19; e.g. ``norm_bound(H, y).quad``) or (C*)^2 (eq. 17).
      n: number of samples / SGD steps (>= 1).
      delta: failure probability, in (0, 1/e] as Theorem 2 assumes.
    Returns:
      A ``GeneralizationBound``.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an int >= 1, got {n!r}.")
    q = float(q)
    if math.isnan(q) or q < 0:
        raise ValueError(f"q must be >= 0 (a quadratic form or a squared complexity), got {q}.")
    delta = float(delta)
    if not 0 < delta <= math.exp(-1):
        raise ValueError(f"delta must lie in (0, 1/e] (Theorem 2), got {delta}.")
    ct = q / n
    conf = math.log(1.0 / delta) / n
    return GeneralizationBound(
        value=ct + conf, complexity_term=ct, confidence_term=conf, n=int(n), delta=delta
    )


def psd_lower_constant(M: Float[np.ndarray, "n n"], K: Float[np.ndarray, "n n"]) -> float:
    """The largest a >= 0 with M - a K positive semidefinite (M positive definite).

    a = 1 / lambda_max(C^-1 K C^-T) for the Cholesky factor M = C C^T (inf if K <= 0).
    With K = K_p of Proposition 2.4 this is the alpha^2 of ``M >= alpha^2 K_p``.

    Args:
      M: symmetric positive definite, shape (n, n).
      K: symmetric, shape (n, n).
    Returns:
      The constant a (float; inf if K is negative semidefinite to rounding).
    """
    M = np.asarray(M, dtype=np.float64)
    K = np.asarray(K, dtype=np.float64)
    if M.shape != K.shape or M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"M and K must be square of the same shape, got {M.shape}, {K.shape}.")
    try:
        C = np.linalg.cholesky(0.5 * (M + M.T))
    except np.linalg.LinAlgError:
        raise ValueError(
            "M must be positive definite (its Cholesky factorisation failed)."
        ) from None
    Z = scipy.linalg.solve_triangular(C, 0.5 * (K + K.T), lower=True)
    Z = scipy.linalg.solve_triangular(C, Z.T, lower=True)
    eig = np.linalg.eigvalsh(0.5 * (Z + Z.T))
    lam = float(eig[-1])
    # K <= 0 (up to rounding): every a >= 0 works
    return math.inf if lam <= 1e-12 * max(float(np.max(np.abs(eig))), 1e-300) else 1.0 / lam
