"""The textbook H^inf recursion, vectorised over all n^2 pairs (the baselines).

Direct arccos forms (no defect carrying), one (n, n) array per quantity and step: in
numpy (the speed baseline) or, scanned with jax, in float32 (the accuracy baseline).
"""

from __future__ import annotations

import math

import numpy as np


def _step(xp, cfg, sa2, carry, X):
    K, Kd, U, c_prev, _ = carry
    S = cfg.sw2 * K + sa2 * (X @ X.T) + cfg.sb2
    Sd = cfg.sw2 * Kd + sa2 * xp.sum(X * X, axis=1) + cfg.sb2
    Q = xp.sqrt(Sd[:, None] * Sd[None, :])
    rho = xp.clip(S / Q, -1.0, 1.0)
    th = xp.arccos(rho)
    k1 = (xp.sqrt(1.0 - rho * rho) + (math.pi - th) * rho) / math.pi
    k0 = (math.pi - th) / math.pi
    U = U * c_prev + K
    return (0.5 * Q * k1, 0.5 * Sd, U, 0.5 * cfg.sw2 * k0, k0)


def naive_hinf(x, cfg, xp=np):
    """H^inf = sum_l F^l K^{l-1} (W block, standard) for x of shape (n, L, d).

    ``xp`` is numpy (a Python loop over steps) or jax.numpy (a ``lax.scan``).
    """
    n, L, _ = x.shape
    sa2 = cfg.resolve_sa2(L)
    dt = x.dtype
    carry = (
        xp.full((n, n), cfg.k0, dtype=dt),
        xp.full((n,), cfg.k0, dtype=dt),
        xp.zeros((n, n), dtype=dt),
        xp.zeros((n, n), dtype=dt),
        xp.zeros((n, n), dtype=dt),
    )
    if xp is np:
        for l in range(L):
            carry = _step(np, cfg, sa2, carry, x[:, l])
    else:
        from jax import lax

        carry, _ = lax.scan(
            lambda c, X: (_step(xp, cfg, sa2, c, X), None), carry, xp.swapaxes(x, 0, 1)
        )
    _, _, U, _, k0 = carry
    return 0.5 * cfg.sB2 * k0 * U
