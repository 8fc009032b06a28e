"""Labelled toy sequences shared by the estimator tests (tests/learn)."""

import numpy as np


def drift_sequences(n=40, L=12, d=2, seed=0):
    """Two classes that differ in the sign of a late-step drift, plus noise.

    Most tests use the default shapes and split 28/12, so that the kernels' compiled
    programs are shared between tests.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    x = rng.normal(size=(n, L, d))
    x[:, L // 2:, 0] += np.where(y == 1, 1.0, -1.0)[:, None]
    return x, y


def ragged_sequences(n=40, L=12, d=2, seed=0):
    """``drift_sequences`` cut to random lengths in [4, L]: (NaN-padded x, lengths, y, full x)."""
    x, y = drift_sequences(n, L, d, seed)
    lengths = np.random.default_rng(seed + 1).integers(4, L + 1, size=n)
    lengths[[0, 28]] = L  # the longest training and test sequences
    xn = x.copy()
    for i, li in enumerate(lengths):
        xn[i, li:] = np.nan
    return xn, lengths, y, x
