"""Dense linear algebra on kernel matrices, in float64 on the host (SPEC §4)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.linalg

__all__ = ["QuadForm", "inverse_quadratic_form"]


class QuadForm(NamedTuple):
    """y^T H^-1 y with the diagnostics of its solve.

    Attributes:
      value: y^T (H + jitter I)^-1 y.
      cond: 2-norm condition number of H + jitter I (from its eigenvalues).
      jitter: the diagonal jitter that was added (0 unless asked for).
    """

    value: float
    cond: float
    jitter: float


def inverse_quadratic_form(H, y, *, jitter: float = 0.0) -> QuadForm:
    """y^T H^-1 y through a Cholesky factor in float64 (never forming an inverse).

    Args:
      H: symmetric positive definite matrix, shape (n, n) (any float dtype; cast to f64).
      y: vector, shape (n,).
      jitter: optional value added to the diagonal before factorising (reported back).
    Returns:
      A ``QuadForm``.
    Raises:
      ValueError: if H is not square/symmetric, shapes disagree, values are non-finite,
        or H + jitter I is not positive definite.
    """
    H = np.asarray(H, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"H must be a square matrix, got shape {H.shape}.")
    if y.shape != (H.shape[0],):
        raise ValueError(f"y must have shape ({H.shape[0]},) to match H, got {y.shape}.")
    if not (np.all(np.isfinite(H)) and np.all(np.isfinite(y))):
        raise ValueError("H and y must be finite (found NaN or Inf).")
    if jitter < 0 or not np.isfinite(jitter):
        raise ValueError(f"jitter must be a finite value >= 0, got {jitter}.")
    scale = max(np.max(np.abs(H)), 1e-300)
    if np.max(np.abs(H - H.T)) > 1e-10 * scale:
        raise ValueError("H must be symmetric (max |H - H^T| exceeds 1e-10 * max |H|).")
    A = 0.5 * (H + H.T) + jitter * np.eye(H.shape[0])
    eig = np.linalg.eigvalsh(A)
    try:
        c = scipy.linalg.cho_factor(A, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        c = None
    if c is None or eig[0] <= 0:
        raise ValueError(
            f"H is not positive definite (smallest eigenvalue {eig[0]:.3g}); pass "
            f"jitter > 0 to regularise, or check the kernel matrix."
        )
    value = float(y @ scipy.linalg.cho_solve(c, y, check_finite=False))
    return QuadForm(value=value, cond=float(eig[-1] / eig[0]), jitter=float(jitter))
