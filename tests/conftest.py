"""Tests run in float64 (the reference precision); float32 paths pass dtype explicitly."""

import jax
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def random_sequences(n: int, L: int, d: int, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    """Gaussian sequences of shape (n, L, d)."""
    return scale * np.random.default_rng(seed).normal(size=(n, L, d))
