"""A small built-in sequence dataset (no files, no network): noisy two-class oscillations."""

from __future__ import annotations

import numpy as np

from rnn_ntk._validate import check_int

__all__ = ["toy_sequences"]


def toy_sequences(
    n: int = 32, L: int = 16, d: int = 2, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy oscillations whose frequency depends on the class.

    Sample i has X_l = (cos(w_i l + p_i), sin(w_i l + p_i), 0, ...) + 0.1 noise with
    w_i = 0.3 (class -1) or 0.6 (class +1) and a random phase p_i, so every step has norm
    close to 1 (the paper's C_min <= ||X_l|| <= C_max).

    Args:
      n: number of sequences (>= 1).
      L: steps per sequence (>= 1).
      d: features per step (>= 2).
      seed: seed of numpy's default generator.
    Returns:
      x of shape (n, L, d) (float64) and labels y in {-1, +1} of shape (n,).
    """
    n = check_int("toy_sequences: n", n, low=1)
    L = check_int("toy_sequences: L", L, low=1)
    d = check_int("toy_sequences: d", d, low=2)
    rng = np.random.default_rng(seed)
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    rng.shuffle(y)
    w = np.where(y > 0, 0.6, 0.3)
    phase = rng.uniform(0, 2 * np.pi, size=n)
    t = np.arange(1, L + 1)
    ang = w[:, None] * t[None, :] + phase[:, None]
    x = np.zeros((n, L, d))
    x[..., 0] = np.cos(ang)
    x[..., 1] = np.sin(ang)
    x += 0.1 * rng.normal(size=x.shape)
    return x, y
