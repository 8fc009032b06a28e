"""Choosing the M landmarks of a Nyström estimator among the n training points.

Three rules, each given the kernel through callbacks so that only the kernel values it
needs are computed:

- ``uniform_landmarks``: M distinct indices uniformly at random (Williams & Seeger 2001;
  Falkon's default). No kernel work.
- ``kmeanspp_landmarks``: k-means++ seeding (Arthur & Vassilvitskii 2007) in the kernel's
  feature space: the next landmark is drawn with probability proportional to its squared
  feature distance to the nearest chosen one, k(x,x) + k(c,c) - 2 k(x,c). Needs the
  diagonal k(x_i, x_i) and one kernel column per chosen landmark: n M kernel values in
  all, which are exactly the n x M block the solver needs, so they are returned with it.
- ``leverage_landmarks``: M distinct indices drawn with probability proportional to
  approximate ridge leverage scores l_i(alpha) = [K (K + alpha I)^-1]_ii (Alaoui &
  Mahoney 2015; Rudi et al. 2018), estimated from a uniform sub-sample S of size s:
  with Phi = K_nS R^-1 (R^T R = K_SS), l_i ~ phi_i^T (Phi^T Phi + alpha I)^-1 phi_i +
  (k_ii - |phi_i|^2) / alpha (the second term: what the sub-sample misses of x_i).
  Costs n s kernel values and O(n s^2) flops.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg
from jaxtyping import Float, Int

from rnn_ntk.learn._base import kernel_scale

__all__ = ["kmeanspp_landmarks", "leverage_landmarks", "uniform_landmarks"]

Column = Callable[[int], Float[np.ndarray, " n"]]
Block = Callable[[Int[np.ndarray, " s"]], Float[np.ndarray, "n s"]]


def uniform_landmarks(n: int, M: int, rng: np.random.Generator) -> Int[np.ndarray, " M"]:
    """M distinct indices of range(n), uniformly at random, sorted (all of them if M >= n).

    Args:
      n: number of training points.
      M: number of landmarks.
      rng: the random generator.
    Returns:
      Sorted int64 indices, shape (min(M, n),).
    """
    if M >= n:
        return np.arange(n, dtype=np.int64)
    return np.sort(rng.choice(n, size=M, replace=False)).astype(np.int64)


def kmeanspp_landmarks(
    diag: Float[np.ndarray, " n"], column: Column, M: int, rng: np.random.Generator
) -> tuple[Int[np.ndarray, " M"], Float[np.ndarray, "n M"]]:
    """k-means++ seeding with the kernel distance d(x, c) = k(x,x) + k(c,c) - 2 k(x,c).

    The first landmark is uniform; each next one is drawn with probability proportional
    to min over chosen c of d(x_i, c) (chosen points have 0). When every remaining
    distance is 0 (duplicates), the next is uniform among the points not yet chosen, so
    the M indices are always distinct.

    Args:
      diag: k(x_i, x_i), shape (n,).
      column: ``column(j)`` = k(x_i, x_j) for all i, shape (n,).
      M: number of landmarks (<= n).
      rng: the random generator.
    Returns:
      (indices in the order chosen, shape (M,); the columns k(X, x_j) for them, (n, M)).
    """
    n = diag.shape[0]
    M = min(M, n)
    idx = np.empty(M, dtype=np.int64)
    cols = np.empty((n, M))
    dist = np.full(n, np.inf)
    free = np.ones(n, dtype=bool)
    for j in range(M):
        w = np.where(free, np.maximum(dist, 0.0), 0.0)
        total = w.sum()
        if j == 0 or not np.isfinite(total) or total <= 0:
            i = int(rng.choice(np.flatnonzero(free)))
        else:
            i = int(rng.choice(n, p=w / total))
        idx[j], free[i] = i, False
        cols[:, j] = column(i)
        dist = np.minimum(dist, diag + diag[i] - 2.0 * cols[:, j])
    return idx, cols


def leverage_landmarks(
    diag: Float[np.ndarray, " n"],
    block: Block,
    M: int,
    alpha: float,
    rng: np.random.Generator,
    *,
    scale: bool = True,
    n_sub: int | None = None,
) -> Int[np.ndarray, " M"]:
    """M distinct indices drawn proportionally to approximate ridge leverage scores.

    Args:
      diag: k(x_i, x_i), shape (n,).
      block: ``block(S)`` = k(X, X[S]), shape (n, len(S)).
      M: number of landmarks.
      alpha: ridge penalty of the scores (> 0; 0 is replaced by 1e-10 mean(diag)).
      rng: the random generator.
      scale: alpha applies to the kernel divided by ``kernel_scale(K_SS)`` (as the
        estimators' ``scale_kernel``); False: to the kernel as given.
      n_sub: size s of the uniform sub-sample (default min(n, M)).
    Returns:
      Sorted int64 indices, shape (min(M, n),).
    """
    n = diag.shape[0]
    if M >= n:
        return np.arange(n, dtype=np.int64)
    S = uniform_landmarks(n, M if n_sub is None else n_sub, rng)
    K_nS = block(S)
    K_SS = 0.5 * (K_nS[S] + K_nS[S].T)
    top = max(float(np.max(diag)), 1e-300)
    alpha = alpha * (kernel_scale(K_SS) if scale else 1.0)
    alpha = max(alpha, 1e-10 * float(np.mean(diag)), 1e-300)
    eye = np.eye(len(S))
    for eps in (1e-12, 1e-10, 1e-8, 1e-6):
        try:
            R = scipy.linalg.cholesky(K_SS + eps * top * eye, lower=False)
            break
        except np.linalg.LinAlgError:
            continue
    else:  # pragma: no cover - only for a kernel that is not positive semi-definite
        R = scipy.linalg.cholesky(K_SS + 1e-4 * top * eye, lower=False)
    Phi = scipy.linalg.solve_triangular(R, K_nS.T, trans="T", lower=False).T  # K_nS R^-1
    G = scipy.linalg.cho_factor(Phi.T @ Phi + alpha * eye)
    fit = np.sum(Phi * scipy.linalg.cho_solve(G, Phi.T).T, axis=1)
    missed = np.maximum(diag - np.sum(Phi * Phi, axis=1), 0.0) / alpha
    score = np.maximum(fit + missed, 0.0) + 1e-12 * (1.0 + float(np.max(fit + missed)))
    return np.sort(rng.choice(n, size=M, replace=False, p=score / score.sum())).astype(np.int64)
