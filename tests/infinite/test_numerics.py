"""Finite wherever the true value is, an error where it is not, and float32 at both poles.

Oracles: positive homogeneity (h0 = "zero", sb2 = 0: K^l(cx, cx') = c^2 K^l(x, x') and
F^l does not change, so every block but M0 scales by c^2 exactly in exact arithmetic);
float64 as the reference of float32; exact zeros of the anti-parallel pair (kappa0(-1)
= kappa1(-1) = 0).
"""

import jax.numpy as jnp
import numpy as np
import pytest
from conftest import random_sequences
from hypothesis import given, settings
from hypothesis import strategies as st

import rnn_ntk
from rnn_ntk import RNNConfig


@pytest.mark.parametrize("scale", [1e154, 1e-150])
def test_huge_and_tiny_inputs_by_homogeneity(scale):
    """x * 1e154 (true values ~1e306) used to be all NaN: x*x overflowed."""
    x = random_sequences(5, 8, 4, seed=0)
    cfg = RNNConfig(h0="zero")
    want = np.asarray(rnn_ntk.ntk(x, cfg=cfg))
    got = np.asarray(rnn_ntk.ntk(x * scale, cfg=cfg)) / scale**2
    np.testing.assert_allclose(got, want, rtol=1e-13)
    assert np.all(np.isfinite(np.asarray(rnn_ntk.ntk(x * scale))))  # h0 random too


def test_unrepresentable_results_raise_overflow():
    x = random_sequences(3, 32, 2, seed=1)
    with pytest.raises(OverflowError, match="overflows float64.*sw2=1e\\+10"):
        rnn_ntk.ntk(x, cfg=RNNConfig(sw2=1e10))
    with pytest.raises(OverflowError, match="overflows float32.*float64"):
        rnn_ntk.ntk(x, cfg=RNNConfig(sw2=50.0), dtype=jnp.float32)
    with pytest.raises(OverflowError, match="overflows float32"):
        rnn_ntk.kernels(x, cfg=RNNConfig(sw2=50.0), dtype=jnp.float32)
    # float32 inputs beyond its range: checked after choosing the compute dtype
    with pytest.raises(OverflowError, match=r"x1 holds values beyond the range of float32"):
        rnn_ntk.ntk(np.full((2, 3, 2), 1e39), dtype=jnp.float32)
    with pytest.raises(OverflowError, match=r"x2 holds values beyond"):
        rnn_ntk.ntk(x[:, :3], np.full((2, 3, 2), 1e39), dtype=jnp.float32)
    assert np.all(np.isfinite(np.asarray(rnn_ntk.ntk(x, cfg=RNNConfig(sw2=50.0)))))  # f64 ok


def test_anti_parallel_pair_is_exact_in_float32():
    """kappa0(-1) = 0: the A block of x = e1, x' = -e1 is exactly 0 (was -1.1e-4)."""
    x = np.array([[[1.0, 0.0]], [[-1.0, 0.0]]])
    for dt in (jnp.float64, jnp.float32):
        H = np.asarray(rnn_ntk.ntk(x, cfg=RNNConfig(sw2=0, s02=0), blocks=("A",), dtype=dt))
        assert abs(H[0, 1]) <= 1e-6 * np.max(np.abs(H)), (dt, H)


@pytest.mark.parametrize("blocks", [("A",), ("W", "A", "b", "B")])
def test_float32_without_recurrence(blocks):
    """h0 = "zero", sw2 = 0: every step is its own pair, many with rho < 0 (was 2.2e-4)."""
    x = random_sequences(30, 8, 2, seed=3)
    cfg = RNNConfig(h0="zero", sw2=0.0, sa2=1.0)
    H64 = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=blocks))
    H32 = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=blocks, dtype=jnp.float32), np.float64)
    assert np.max(np.abs(H32 - H64)) <= 1e-6 * np.max(np.abs(H64))


@settings(max_examples=25, deadline=None)
@given(
    st.floats(1e-7, 1e-2),  # angle between the two inputs' directions, from a pole
    st.booleans(),
    st.sampled_from([0.0, 0.5]),  # sw2: no recurrence, or a little
)
def test_float32_near_both_poles(delta, anti, sw2):
    """Pairs with rho_l -> +1 or -1: float32 within 1e-6 of max|H| of float64."""
    ang = np.pi - delta if anti else delta
    x = np.array([[[1.0, 0.0]] * 3, [[np.cos(ang), np.sin(ang)]] * 3])
    cfg = RNNConfig(h0="zero", sw2=sw2, sa2=1.0)
    blocks = ("W", "A", "b", "B")
    H64 = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=blocks))
    H32 = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=blocks, dtype=jnp.float32), np.float64)
    assert np.max(np.abs(H32 - H64)) <= 1e-6 * np.max(np.abs(H64))
    k = rnn_ntk.kernels(x, cfg=cfg)
    assert np.all(np.abs(np.asarray(k.rho)) <= 1.0)
