"""A one-look summary of H^inf on a data set (the ``rnn-ntk`` default job)."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from jax.typing import DTypeLike
from jaxtyping import Float

from rnn_ntk._config import RNNConfig
from rnn_ntk._validate import check_dtype
from rnn_ntk.infinite import kernels, ntk
from rnn_ntk.theory import norm_bound

__all__ = ["SUMMARY_KEYS", "kernel_summary"]

#: The numbers of ``kernel_summary``, in display order.
SUMMARY_KEYS = (
    "seconds",
    "H_diag_mean",
    "H_offdiag_mean",
    "H_min_eig",
    "H_max_eig",
    "H_cond",
    "yT_Hinv_y",
    "yT_Hinv_y_over_n",
    "mean_offdiag_rho_L",
    "F1_over_FL_mean",
)


def kernel_summary(
    x: Float[np.ndarray, "n L d"],
    y: Float[np.ndarray, " n"],
    *,
    cfg: RNNConfig = RNNConfig(),
    dtype: DTypeLike | None = None,
) -> dict:
    """H^inf of (x, y) summarised: spectrum, y^T H^-1 y (eq. 19), correlations.

    Args:
      x: sequences, shape (n, L, d), n >= 2.
      y: labels or targets, shape (n,).
      cfg: the network.
      dtype: compute dtype (None: jax's default float).
    Returns:
      A JSON-ready dict: "config" (sa2 resolved for L), "n", "L", "d", "dtype" and the
      numbers of ``SUMMARY_KEYS`` ("seconds": wall time of the Gram, compile included;
      "mean_offdiag_rho_L": mean correlation rho_L of distinct pairs; "F1_over_FL_mean":
      the mean ratio of the first step's backward factor F^1 to the last's).
    """
    n, L, d = np.shape(x)
    if n < 2:  # the off-diagonal statistics need a pair of sequences
        raise ValueError(f"x must hold at least 2 sequences (the summary's off-diagonal mean "
                         f"and rho_L are over distinct pairs), got n = {n}.")
    t0 = time.perf_counter()
    H = np.asarray(ntk(x, cfg=cfg, dtype=dtype))
    seconds = time.perf_counter() - t0
    k = kernels(x, cfg=cfg, dtype=dtype)
    off = ~np.eye(n, dtype=bool)
    eig = np.linalg.eigvalsh(H)
    q = norm_bound(H, y)
    return {
        "config": {**dataclasses.asdict(cfg), "sa2": cfg.resolve_sa2(L)},
        "n": n,
        "L": L,
        "d": d,
        "dtype": check_dtype(dtype).name,
        "seconds": seconds,
        "H_diag_mean": float(np.mean(np.diag(H))),
        "H_offdiag_mean": float(np.mean(H[off])),
        "H_min_eig": float(eig[0]),
        "H_max_eig": float(eig[-1]),
        "H_cond": float(q.cond),
        "yT_Hinv_y": float(q.quad),
        "yT_Hinv_y_over_n": float(q.quad) / n,
        "mean_offdiag_rho_L": float(np.mean(np.asarray(k.rho[-1])[off])),
        "F1_over_FL_mean": float(np.mean(np.asarray(k.F[0]) / np.asarray(k.F[-1]))),
    }
