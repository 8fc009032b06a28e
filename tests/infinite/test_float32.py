"""Float32 against float64 in the paper's degenerate regime (SPEC §3 targets).

Targets: max relative entry error <= 1e-5 and y^T H^-1 y within 1e-4 for L up to 1024
(the textbook float32 recursion is off by 1.4e-2 at L = 256 and singular at 1024; see
benchmarks/bench_float32.py). Measured when written: 2.6e-7 / 1.1e-6 / 2.7e-6 (max entry)
and 4.6e-7 / 4.3e-7 / 7.9e-7 (quadratic form) at L = 16 / 256 / 1024.
"""

import jax.numpy as jnp
import numpy as np
import pytest

import rnn_ntk


@pytest.mark.parametrize("L", [16, 256, 1024])
def test_float32_matches_float64_paper_regime(L):
    rng = np.random.default_rng(L)
    x = rng.normal(size=(48, L, 4))
    y = np.where(rng.random(48) < 0.5, -1.0, 1.0)
    H64 = np.asarray(rnn_ntk.ntk(x))
    H32 = rnn_ntk.ntk(x, dtype=jnp.float32)
    assert H32.dtype == jnp.float32 and H64.dtype == np.float64
    H32 = np.asarray(H32, dtype=np.float64)
    assert np.max(np.abs(H32 - H64)) / np.max(np.abs(H64)) <= 1e-5
    q64 = rnn_ntk.inverse_quadratic_form(H64, y).quad
    q32 = rnn_ntk.inverse_quadratic_form(H32, y).quad
    assert abs(q32 - q64) <= 1e-4 * q64


def test_float32_all_blocks_and_steps():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 64, 3))
    kw = {"blocks": ("W", "A", "b", "B", "M0"), "steps": True}
    H64 = np.asarray(rnn_ntk.ntk(x, **kw))
    H32 = np.asarray(rnn_ntk.ntk(x, dtype=jnp.float32, **kw), dtype=np.float64)
    assert np.max(np.abs(H32 - H64)) / np.max(np.abs(H64)) <= 1e-5
    k64 = rnn_ntk.kernels(x)
    k32 = rnn_ntk.kernels(x, dtype=jnp.float32)
    for a, b in ((k32.K, k64.K), (k32.F, k64.F), (k32.H, k64.H)):
        a, b = np.asarray(a, np.float64), np.asarray(b)
        assert np.max(np.abs(a - b)) / np.max(np.abs(b)) <= 1e-5
    # 1 - rho is carried without cancellation: relative accuracy even where rho ~ 1.
    om64, om32 = np.asarray(k64.one_minus_rho), np.asarray(k32.one_minus_rho, np.float64)
    off = om64 > 0
    assert np.max(np.abs(om32[off] - om64[off]) / om64[off]) <= 1e-4
