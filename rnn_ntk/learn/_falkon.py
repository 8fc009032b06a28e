"""Falkon: Nyström kernel ridge by preconditioned conjugate gradient (SPEC §8).

Rudi, Carratino & Rosasco, "FALKON: An Optimal Large Scale Kernel Method" (NeurIPS 2017,
Algorithm 1) and Meanti et al. (NeurIPS 2020). With landmarks c_1..c_M, the n x M block
K_nM = k(X, C) and K_MM = k(C, C), the Nyström ridge estimator f(x) = k(x, C) b minimises

    ||y - K_nM b||^2 + alpha b^T K_MM b,   i.e.   (K_nM^T K_nM + alpha K_MM) b = K_nM^T y,

which with all training points as landmarks (M = n, K_nM = K_MM = K) is kernel ridge
regression: K (K + alpha I) b = K y, b = (K + alpha I)^-1 y. The system is solved by
conjugate gradient on B^T H B beta = B^T K_nM^T y, b = B beta, with Falkon's
preconditioner B = n^-1/2 T^-1 A^-1 from two M x M Cholesky factors (float64):

    T^T T = K_MM + jitter I,    A^T A = T T^T / M + lambda I,   lambda = alpha / n,

so that B B^T ~ (n/M K_MM^2 + alpha K_MM)^-1, the inverse of H when the landmarks are a
uniform sample (exactly, up to the jitter, when M = n). The operator applies H exactly
(the jitter only touches the preconditioner), so the fixed point is the system's solution.
Cost: two matrix products with K_nM per iteration (O(n M) per target), O(M^3) once.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.linalg
from jaxtyping import Float

__all__ = ["FalkonResult", "falkon_solve"]


class FalkonResult(NamedTuple):
    """What ``falkon_solve`` returns.

    Attributes:
      coef: b, shape (M, k) (k targets).
      n_iter: conjugate-gradient iterations run.
      residual: relative residual ||r|| / ||r_0|| of the preconditioned system at the
        end, per target, shape (k,).
    """

    coef: Float[np.ndarray, "M k"]
    n_iter: int
    residual: Float[np.ndarray, " k"]


def _cholesky_upper(G: Float[np.ndarray, "M M"], jitter: float) -> Float[np.ndarray, "M M"]:
    """Upper Cholesky factor of G + jitter I, raising the jitter tenfold until it exists."""
    scale = max(float(np.max(np.abs(np.diag(G)))) if G.size else 1.0, 1e-300)
    eps = jitter
    for _ in range(12):
        try:
            return scipy.linalg.cholesky(G + eps * scale * np.eye(G.shape[0]), lower=False)
        except np.linalg.LinAlgError:
            eps = max(10.0 * eps, 1e-14)
    raise np.linalg.LinAlgError(
        "K_MM is not positive semi-definite even with a jitter of "
        f"{eps:.1e} x max diag; the kernel has non-finite or inconsistent entries."
    )


def falkon_solve(
    K_nM: Float[np.ndarray, "n M"],
    K_MM: Float[np.ndarray, "M M"],
    y: Float[np.ndarray, "n k"],
    alpha: float,
    *,
    max_iter: int = 100,
    tol: float = 1e-8,
) -> FalkonResult:
    """Solves (K_nM^T K_nM + alpha K_MM) b = K_nM^T y by Falkon's preconditioned CG.

    Falkon's Algorithm 1 (Rudi et al. 2017), with the regulariser written as in
    ``sklearn.kernel_ridge.KernelRidge`` (alpha = lambda n). Each target column runs its
    own conjugate gradient (vectorised); a column stops updating when its preconditioned
    residual falls below ``tol`` times its initial one.

    Args:
      K_nM: the kernel between the n training points and the M landmarks, float64.
      K_MM: the landmarks' Gram, float64 (symmetric positive semi-definite).
      y: targets, shape (n, k).
      alpha: ridge penalty >= 0.
      max_iter: most conjugate-gradient iterations.
      tol: relative residual at which a target's iteration stops.
    Returns:
      ``FalkonResult(coef (M, k), n_iter, residual (k,))``.
    """
    n, M = K_nM.shape
    y = np.asarray(y, dtype=np.float64).reshape(n, -1)
    K_MM = np.asarray(K_MM, dtype=np.float64)
    K_MM = 0.5 * (K_MM + K_MM.T)
    T = _cholesky_upper(K_MM, 10.0 * M * np.finfo(np.float64).eps)
    lam = alpha / n
    A = _cholesky_upper(T @ T.T / M + lam * np.eye(M), 0.0)
    solve = scipy.linalg.solve_triangular
    root_n = np.sqrt(n)

    def precond(v):  # B v = T^-1 A^-1 v / sqrt(n)
        return solve(T, solve(A, v, lower=False), lower=False) / root_n

    def precond_t(v):  # B^T v = A^-T T^-T v / sqrt(n)
        return solve(A, solve(T, v, trans="T", lower=False), trans="T", lower=False) / root_n

    def operator(beta):  # B^T (K_nM^T K_nM + alpha K_MM) B beta
        b = precond(beta)
        return precond_t(K_nM.T @ (K_nM @ b) + alpha * (K_MM @ b))

    rhs = precond_t(K_nM.T @ y)
    beta = np.zeros_like(rhs)
    r = rhs.copy()
    p = r.copy()
    rr = np.sum(r * r, axis=0)
    r0 = np.sqrt(rr)
    active = r0 > 0
    it = 0
    while it < max_iter and np.any(active):
        it += 1
        Ap = operator(p)
        pAp = np.sum(p * Ap, axis=0)
        step = np.where(active & (pAp > 0), rr / np.where(pAp > 0, pAp, 1.0), 0.0)
        beta += step * p
        r -= step * Ap
        rr_new = np.sum(r * r, axis=0)
        p = r + np.where(rr > 0, rr_new / np.where(rr > 0, rr, 1.0), 0.0) * p
        rr = rr_new
        active &= (np.sqrt(rr) > tol * r0) & (pAp > 0)
    residual = np.sqrt(rr) / np.where(r0 > 0, r0, 1.0)
    return FalkonResult(precond(beta), it, residual)
