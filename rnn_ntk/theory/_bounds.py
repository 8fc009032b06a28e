r"""Data-dependent complexity and the generalisation bound (Theorems 2-4; SPEC §4).

- ``inverse_quadratic_form(H, y)`` = y^T H^-1 y from a Cholesky factor in float64 (never
  an inverse), with its square root, the condition number and the jitter in one
  ``QuadForm``; ``norm_bound(H, y)`` is the same solve read as sqrt(y~^T (H^inf)^-1 y~),
  the data-dependent complexity of Theorems 3-4 (H = H^inf, y = y~ = F*(x_i) rescaled
  to margin 1). A diagonal jitter is added only when asked and is reported back.
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

from rnn_ntk._validate import check_int, check_real, check_real_array

__all__ = [
    "GeneralizationBound",
    "QuadForm",
    "generalization_bound",
    "inverse_quadratic_form",
    "norm_bound",
    "psd_lower_constant",
]


class QuadForm(NamedTuple):
    """y^T H^-1 y, its square root and the diagnostics of the solve.

    Attributes:
      quad: y^T (H + jitter I)^-1 y (the numerator of eq. 19).
      norm: sqrt(quad), the data-dependent complexity of Theorems 3-4 (quad clipped at 0).
      cond: 2-norm condition number of H + jitter I (from its eigenvalues).
      jitter: the diagonal jitter that was added (0 unless asked for).
      n: number of samples (the size of H).
    """

    quad: float
    norm: float
    cond: float
    jitter: float
    n: int


def _square(a: object, name: str) -> np.ndarray:
    """A finite, non-empty square matrix of real numbers, as float64."""
    arr = check_real_array(name, a)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {arr.shape}.")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (0 x 0); the bounds need at least one sample.")
    return arr


def _pow2(a: np.ndarray) -> int:
    """e with max|a| / 2^e in [1, 2) (0 for a = 0): dividing by 2^e is exact."""
    top = float(np.max(np.abs(a), initial=0.0))
    return 0 if top == 0 else math.frexp(top)[1] - 1


def _sym(a: np.ndarray) -> np.ndarray:
    """(a + a^T) / 2 without overflow near the float64 maximum."""
    return 0.5 * a + 0.5 * a.T


def _ldexp(q: float, e: int, what: str, hint: str = "") -> float:
    """q * 2^e (exact), or OverflowError naming ``what`` if it leaves float64."""
    try:
        return math.ldexp(q, e)
    except OverflowError:
        raise OverflowError(
            f"{what} = {q:.6g} * 2^{e} exceeds float64's range; rescale the inputs{hint}."
        ) from None


def _checked(H: object, y: object, jitter: object) -> tuple[np.ndarray, np.ndarray, float]:
    H, y = _square(H, "H"), check_real_array("y", y)
    if y.shape != (H.shape[0],):
        raise ValueError(f"y must have shape ({H.shape[0]},) to match H, got {y.shape}.")
    jitter = check_real("jitter", jitter, low=0)
    scale = max(np.max(np.abs(H), initial=0.0), 1e-300)
    if np.max(np.abs(H - H.T), initial=0.0) > 1e-10 * scale:
        raise ValueError("H must be symmetric (max |H - H^T| exceeds 1e-10 * max |H|).")
    return H, y, jitter


def inverse_quadratic_form(
    H: Float[np.ndarray, "n n"], y: Float[np.ndarray, " n"], *, jitter: float = 0.0
) -> QuadForm:
    """y^T H^-1 y through a float64 Cholesky factor, never forming an inverse (SPEC §4).

    Args:
      H: symmetric positive definite matrix, shape (n, n), e.g. ``rnn_ntk.ntk(x)`` (any
        real dtype; cast to float64).
      y: vector, shape (n,).
      jitter: value added to the diagonal before factorising (>= 0; reported back).
    Returns:
      A ``QuadForm``.
    Raises:
      TypeError: H or y not real (bools, complex and strings are refused).
      ValueError: H empty (n = 0) or not square/symmetric/positive definite, shapes
        disagree, non-finite values, or a negative jitter. The message names the
        argument and the fix.
      OverflowError: y^T H^-1 y itself exceeds the float64 range.
    """
    H, y, jitter = _checked(H, y, jitter)
    n = H.shape[0]
    # y^T H^-1 y = (t^2 / s) y'^T H'^-1 y' with H = s H', y = t y' (powers of two), so
    # that neither the factorisation nor the solve over- or underflows
    es, et = _pow2(H), _pow2(y)
    s, t = math.ldexp(1.0, es), math.ldexp(1.0, et)
    A = _sym(H / s) + (jitter / s) * np.eye(n)
    eig = np.linalg.eigvalsh(A)
    try:
        c = scipy.linalg.cho_factor(A, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        c = None
    if c is None or eig[0] <= 0:
        raise ValueError(
            f"argument H is not positive definite (smallest eigenvalue {eig[0] * s:.3g} "
            f"with jitter={jitter:g}). H must be a PSD kernel Gram of distinct inputs such "
            f"as rnn_ntk.ntk(x); remove duplicate sequences or pass jitter > 0 (it is "
            f"reported back)."
        )
    yt = y / t
    q = float(yt @ scipy.linalg.cho_solve(c, yt, check_finite=False))
    hint = " (e.g. y to margin 1 as Theorem 2 assumes, or H by its kernel scale)"
    quad = _ldexp(q, 2 * et - es, "y^T H^-1 y", hint)
    return QuadForm(
        quad=quad,
        norm=math.sqrt(max(quad, 0.0)),
        cond=float(eig[-1] / eig[0]),
        jitter=jitter,
        n=int(n),
    )


def norm_bound(
    H: Float[np.ndarray, "n n"], y: Float[np.ndarray, " n"], *, jitter: float = 0.0
) -> QuadForm:
    """sqrt(y~^T (H^inf)^-1 y~), the data-dependent complexity (Theorems 3-4, eqs. 19-20).

    The solve of ``inverse_quadratic_form``; ``.norm`` is the complexity and ``.quad``
    the numerator of eq. 19 (``generalization_bound(nb.quad, n)``).

    Args:
      H: kernel Gram H^inf, symmetric positive definite, shape (n, n), e.g.
        ``rnn_ntk.ntk(x)``.
      y: targets, shape (n,): y~ = F*(x_i) rescaled to margin 1 for the theorem (any real
        vector is accepted).
      jitter: value added to the diagonal before factorising (>= 0; reported back).
    Returns:
      A ``QuadForm``.
    """
    return inverse_quadratic_form(H, y, jitter=jitter)


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
    n = check_int("n", n, low=1)
    q = check_real("q", q, low=0, allow_inf=True, what="quadratic form or squared complexity")
    delta = check_real(
        "delta", delta, low=0, open_low=True, high=math.exp(-1), what="probability (Theorem 2)"
    )
    ct = q / n
    conf = math.log(1.0 / delta) / n
    return GeneralizationBound(
        value=ct + conf, complexity_term=ct, confidence_term=conf, n=n, delta=delta
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
    Raises:
      TypeError, ValueError: M or K not a finite, non-empty square real matrix (the
        message names it), or M not positive definite.
    """
    M, K = _square(M, "M"), _square(K, "K")
    if M.shape != K.shape:
        raise ValueError(f"M and K must have the same shape, got {M.shape} and {K.shape}.")
    eM, eK = _pow2(M), _pow2(K)  # a(M, K) = 2^(eM - eK) a(M / 2^eM, K / 2^eK)
    sM, sK = math.ldexp(1.0, eM), math.ldexp(1.0, eK)
    try:
        C = np.linalg.cholesky(_sym(M / sM))
    except np.linalg.LinAlgError:
        raise ValueError(
            "M must be positive definite (its Cholesky factorisation failed)."
        ) from None
    Z = scipy.linalg.solve_triangular(C, _sym(K / sK), lower=True)
    Z = scipy.linalg.solve_triangular(C, Z.T, lower=True)
    eig = np.linalg.eigvalsh(_sym(Z))
    lam = float(eig[-1])
    # K <= 0 (up to rounding): every a >= 0 works
    if lam <= 1e-12 * max(float(np.max(np.abs(eig))), 1e-300):
        return math.inf
    return _ldexp(1.0 / lam, eM - eK, "the constant a")
