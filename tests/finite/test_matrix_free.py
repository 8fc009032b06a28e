"""Matrix-free weights (``init_params(..., matrix_free=True)``): the same network as stored W.

The stored W of a key is ``materialize`` of its matrix-free weight, so the two hold the
same matrix bit for bit (checked through a product with the identity, which is exact);
everything computed from them differs only by the order of floating-point sums. For
float64 sums of <= m L terms of size O(1) that rounding is below m L eps ~ 1e-12 of the
result's scale (m <= 128, L <= 5), so the tolerance is rtol 1e-10 of the largest entry.
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import random_sequences

import rnn_ntk
from rnn_ntk.finite import MatrixFreeWeight, _sweep, materialize_params

TOL = 1e-10


def _pair(cfg, m, d, L, seed=4, tile=16):
    """(matrix-free, stored) params of one key; the matrix-free tiles cut to ``tile`` rows
    (several tiles, a ragged last one when tile does not divide m)."""
    key = jax.random.key(seed)
    mf = rnn_ntk.init_params(key, cfg, m=m, d=d, L=L, matrix_free=True)
    mf = {k: dataclasses.replace(v, tile=tile) if isinstance(v, MatrixFreeWeight) else v
          for k, v in mf.items()}  # fmt: skip
    return mf, rnn_ntk.init_params(key, cfg, m=m, d=d, L=L)


def _close(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    scale = max(float(np.max(np.abs(b))), 1e-300)
    assert float(np.max(np.abs(a - b))) <= TOL * scale, float(np.max(np.abs(a - b))) / scale


@pytest.mark.parametrize("m, tile", [(100, 16), (37, 64)])
def test_stored_w_is_the_regenerated_matrix(m, tile):
    cfg = rnn_ntk.RNNConfig(sb2=0.3)
    mf, st = _pair(cfg, m, 2, 4, tile=tile)
    w = mf["W"]
    assert isinstance(w, MatrixFreeWeight) and w.shape == (m, m) and w.dtype == jnp.float64
    eye = jnp.eye(m)
    # the identity times the regenerated W is exact: the products see the stored matrix
    np.testing.assert_array_equal(eye @ w.T, st["W"].T)
    np.testing.assert_array_equal(eye @ w, st["W"])
    np.testing.assert_array_equal(w @ eye[:, :3], st["W"][:, :3])
    for k, v in materialize_params(mf).items():
        np.testing.assert_array_equal(v, st[k])
    # the matrix does not depend on the tile (rows are generated one key each)
    np.testing.assert_array_equal(eye @ dataclasses.replace(w, tile=7).T, st["W"].T)
    # another key is another matrix
    other = rnn_ntk.init_params(jax.random.key(5), cfg, m=m, d=2, L=4)["W"]
    assert not np.allclose(other, st["W"])


def test_generator_moments():
    # Z entries are iid N(0, 1): for N = 2^18 samples the sample mean has sd N^-1/2 =
    # 0.002, the variance sd sqrt(2/N) = 0.0028, the kurtosis sd sqrt(96/N) = 0.019 and
    # P(|z| > 2) = 0.0455 has sd 0.0004; tolerances are 5 sd. Rows, columns and keys are
    # uncorrelated (sd of a correlation of 512 pairs: 0.044; of N pairs 0.002).
    m, sw2 = 512, 2.0
    W = np.asarray(rnn_ntk.init_params(jax.random.key(0), rnn_ntk.RNNConfig(), m=m, d=1, L=2)["W"])
    W2 = np.asarray(rnn_ntk.init_params(jax.random.key(1), rnn_ntk.RNNConfig(), m=m, d=1, L=2)["W"])
    z, z2 = W.ravel() * np.sqrt(m / sw2), W2.ravel() * np.sqrt(m / sw2)
    assert abs(z.mean()) < 0.01
    assert abs(z.var() - 1) < 0.014
    assert abs(np.mean(z**4) / z.var() ** 2 - 3) < 0.1
    assert abs(np.mean(np.abs(z) > 2) - 0.0455) < 0.002
    assert abs(np.corrcoef(z, z2)[0, 1]) < 0.01
    for a, b in [(W[0], W[1]), (W[:, 0], W[:, 1]), (W[:, 0], W[:, m // 2]), (W[7], W[:, 7])]:
        assert abs(np.corrcoef(a, b)[0, 1]) < 0.22


def test_apply_hidden_states_and_kernels_match_stored():
    cfg = rnn_ntk.RNNConfig(sb2=0.3)
    m, n, L, d = 100, 4, 5, 3
    mf, st = _pair(cfg, m, d, L)
    x = random_sequences(n, L, d, seed=1)
    _close(rnn_ntk.apply(mf, x, cfg), rnn_ntk.apply(st, x, cfg))
    _close(rnn_ntk.hidden_states(mf, x, cfg), rnn_ntk.hidden_states(st, x, cfg))
    x2 = random_sequences(3, L, d, seed=2)
    for blocks, par in [(("W",), "standard"), (("W", "A", "b", "M0", "B"), "ntk")]:
        kw = {"cfg": cfg, "blocks": blocks, "parameterization": par}
        _close(rnn_ntk.empirical_ntk(mf, x, x2, **kw), rnn_ntk.empirical_ntk(st, x, x2, **kw))
    _close(rnn_ntk.empirical_ntk(mf, x, cfg=cfg, steps=True, tile_size=3),
           rnn_ntk.empirical_ntk(st, x, cfg=cfg, steps=True))  # fmt: skip
    ek_mf = rnn_ntk.empirical_kernels(mf, x, cfg=cfg)
    for a, b in zip(ek_mf, rnn_ntk.empirical_kernels(st, x, cfg=cfg), strict=True):
        _close(a, b)
    f32 = rnn_ntk.empirical_ntk(mf, x, cfg=cfg, dtype=jnp.float32)
    assert f32.dtype == jnp.float32
    np.testing.assert_allclose(f32, rnn_ntk.empirical_ntk(st, x, cfg=cfg), rtol=1e-4, atol=1e-5)


def test_deep_bidirectional_ragged_match_stored():
    # every m x m block matrix-free: W, W_2 and A_2 of both directions
    cfg = rnn_ntk.RNNConfig(sb2=0.3, depth=2, bidirectional=True, readout="mean")
    m, n, L, d = 48, 3, 4, 2
    mf, st = _pair(cfg, m, d, L, tile=20)
    assert {k for k, v in mf.items() if isinstance(v, MatrixFreeWeight)} == {
        "W", "W_2", "A_2", "rev_W", "rev_W_2", "rev_A_2"
    }  # fmt: skip
    x = rnn_ntk.Sequences(random_sequences(n, L, d, seed=3), lengths=np.array([4, 2, 3]))
    _close(rnn_ntk.apply(mf, x, cfg), rnn_ntk.apply(st, x, cfg))
    kw = {"cfg": cfg, "blocks": ("W", "A", "b", "M0", "B")}
    _close(rnn_ntk.empirical_ntk(mf, x, **kw), rnn_ntk.empirical_ntk(st, x, **kw))


def test_convergence_matrix_free_equals_stored(monkeypatch):
    x = random_sequences(3, 3, 2, seed=5)
    kw = {"widths": (16, 48), "seeds": 2, "tolerances": (0.5,)}
    a = rnn_ntk.convergence(x, matrix_free=True, **kw)  # seeds vmapped, W regenerated
    b = rnn_ntk.convergence(x, matrix_free=False, **kw)
    # None: matrix-free above MATRIX_FREE_WIDTH (lowered here so both kinds are chosen)
    monkeypatch.setattr(_sweep, "MATRIX_FREE_WIDTH", 32)
    c = rnn_ntk.convergence(x, **kw)
    for ca, cb, cc in zip(a.cells, b.cells, c.cells, strict=True):
        _close(ca.theta, cb.theta)
        np.testing.assert_array_equal(cc.theta, (ca if ca.m > 32 else cb).theta)
    with pytest.raises(TypeError, match="matrix_free"):
        rnn_ntk.convergence(x, matrix_free="yes", **kw)


def test_wide_matrix_free_apply_matches_stored():
    # m = 4096: the stored W is 128 MiB; the matrix-free one two key words
    m, n, L, d = 4096, 2, 2, 2
    cfg = rnn_ntk.RNNConfig()
    mf, st = _pair(cfg, m, d, L, tile=512)
    x = random_sequences(n, L, d, seed=6)
    _close(rnn_ntk.apply(mf, x, cfg, steps=True), rnn_ntk.apply(st, x, cfg, steps=True))


def test_paths_needing_w_refuse_matrix_free():
    cfg = rnn_ntk.RNNConfig()
    mf, _ = _pair(cfg, 16, 2, 3)
    x = random_sequences(2, 3, 2)
    for method in ("autodiff", "neural_tangents"):
        with pytest.raises(ValueError, match="matrix_free"):
            rnn_ntk.empirical_ntk(mf, x, cfg=cfg, method=method)
    with pytest.raises(ValueError, match="matrix_free"):
        rnn_ntk.finite.reparameterized(mf, cfg, L=3)
    with pytest.raises(TypeError, match="matrix_free"):
        rnn_ntk.init_params(jax.random.key(0), cfg, m=4, d=2, L=3, matrix_free=1)
    with pytest.raises(ValueError, match="shape"):
        jnp.ones((2, 5)) @ mf["W"]
