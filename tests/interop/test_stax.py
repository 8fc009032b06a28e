"""rnn_ntk.interop.stax_rnn: the RNN as the first layer of an nt.stax network (issue 11).

Three checks: (1) the layer's kernel_fn equals the analytic engine on the raw sequences
(float64, 1e-10: both run the same recursion, one from the inputs' unit vectors, one from
nt's Gram matrices, so they differ by rounding only); (2) the composed network's analytic
kernels agree with nt.monte_carlo_kernel_fn of its finite network (tolerance below);
(3) nt.predict's infinite-time mean is kernel regression with kernel_fn's NTK.
"""

import jax
import numpy as np
import pytest
from conftest import random_sequences

import rnn_ntk
from rnn_ntk import RNNConfig, interop

TOL_EXACT = 1e-10

CONFIGS = {
    "paper-bias": RNNConfig(sb2=0.2, sB2=1.5),  # the paper's network (sa2 = 2/L^3) + bias
    "erf-deep-mean-bi": RNNConfig(
        depth=2, activation="erf", readout="mean", bidirectional=True, sa2=0.6, sb2=0.1
    ),
    "tanh-deep-bi-zero": RNNConfig(
        depth=2, activation="tanh", sw2=1.5, sa2=(0.8, 0.5), h0="zero", bidirectional=True
    ),
}
X = random_sequences(5, 4, 3, seed=11)


@pytest.fixture(scope="module")
def nt():
    return interop.neural_tangents()


def _analytic(name):
    """The engine's output NNGP (sB2 * nngp) and every-block NTK (ntk param) on X."""
    cfg = CONFIGS[name]
    blocks = ("W", "A", "b", "B") + (("M0",) if cfg.h0 == "random" else ())
    ntk = rnn_ntk.ntk(X, cfg=cfg, blocks=blocks, parameterization="ntk")
    return np.asarray(cfg.sB2 * rnn_ntk.nngp(X, cfg=cfg)), np.asarray(ntk)


def _close(got, want, tol=TOL_EXACT):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    err = np.max(np.abs(got - want)) / np.max(np.abs(want))
    assert err <= tol, f"max relative difference {err:.2e} > {tol:.0e}"


#: Configs whose other Kernel layouts are checked too: two batches and
#: diagonal_batch=False (cov1, cov2 become (n, n) Grams), for "last" with nt's full (t, s)
#: input covariance (diagonal_spatial=False) as well.
LAYOUTS = ("paper-bias", "erf-deep-mean-bi")


@pytest.mark.parametrize("name", list(CONFIGS))
def test_layer_kernel_equals_analytic_kernels(name):
    nngp, ntk = _analytic(name)
    kf = interop.stax_rnn(CONFIGS[name], out_dim=2)[2]
    k = kf(X, None)
    _close(k.nngp, nngp)
    _close(k.ntk, ntk)
    _close(k.cov1, np.diag(nngp))
    assert k.cov2 is None and k.is_gaussian and not k.diagonal_spatial
    assert (k.shape1, k.shape2, k.batch_axis, k.channel_axis) == ((5, 2), (5, 2), 0, 1)
    if name in LAYOUTS:
        full = {} if CONFIGS[name].readout == "mean" else {"diagonal_spatial": False}
        k = kf(X[:3], X[3:], diagonal_batch=False, **full)
        _close(k.nngp, nngp[:3, 3:])
        _close(k.ntk, ntk[:3, 3:])
        _close(k.cov1, nngp[:3, :3])  # (n1, n1): the readouts' covariance within x1
        _close(k.cov2, nngp[3:, 3:])


def test_unsupported_uses_raise(nt):
    cfg = CONFIGS["paper-bias"]
    x = random_sequences(2, 3, 2, seed=0)
    _, _, kf = interop.stax_rnn(cfg)
    with pytest.raises(ValueError, match="one length"):
        kf(x, None, mask_constant=10.0)
    with pytest.raises(ValueError, match="first layer"):
        nt.stax.serial(nt.stax.Dense(4), interop.stax_rnn(cfg))[2](x, None)
    with pytest.raises(ValueError, match="shape"):
        kf(x[:, 0], None)
    with pytest.raises(ValueError):  # "mean" needs the full (t, s) covariance
        interop.stax_rnn(CONFIGS["erf-deep-mean-bi"])[2](x, None, diagonal_spatial=True)
    with pytest.raises(TypeError, match="RNNConfig"):
        interop.stax_rnn({"depth": 2})
    with pytest.raises(ValueError, match="out_dim"):
        interop.stax_rnn(cfg, out_dim=0)


# Monte Carlo: the composed network serial(stax_rnn, Dense(m), Relu, Dense(O)) at width
# m (the RNN's width and out_dim, the Dense width), S seeds of nt.monte_carlo_kernel_fn.
# NTK: per seed the relative Frobenius error is about c / sqrt(m); measured for MC_CFG
# (x below, 24 seeds) 0.194, 0.161, 0.112, 0.069 at m = 64, 128, 256, 512 (c = 1.6-1.8,
# the m^-1/2 rate); the mean over S seeds has error ~ c / sqrt(m S) plus an O(1/m) bias
# (0.028 at m = 128, S = 24). We assert 3 c_max / sqrt(m S) with c_max = 2.5: 0.117 at
# m = 128, S = 32. The slips it would catch move the NTK by 0.16-0.32 (measured: sB2
# 1.5 -> 1, sa2 -> sa2 / d as with nt's 1/d input, h0 -> "zero", sb2 -> 0).
# NNGP: nt's estimate is the mean of f f^T over the O readouts, i.i.d. Gaussian given the
# hidden features, so besides the width term (c_max = 5; measured <= 4) it carries the
# sampling error E||.||_F^2 = sum_ij (K_ii K_jj + K_ij^2) / O per seed, from the analytic
# K (0.35 relative for O = 16): we assert 3 sqrt(that / ||K||^2 + c_max^2 / m) / sqrt(S).
M, S, O = 128, 32, 16
C_MAX = {"ntk": 2.5, "nngp": 5.0}
MC_CFG = RNNConfig(depth=2, activation="erf", readout="mean", sa2=0.6, sb2=0.1, sB2=1.5)


def test_composed_network_matches_monte_carlo(nt):
    x = random_sequences(4, 4, 3, seed=5)
    init_fn, apply_fn, kernel_fn = nt.stax.serial(
        interop.stax_rnn(MC_CFG, out_dim=M, width=M),
        nt.stax.Dense(M, W_std=1.5, b_std=0.3),
        nt.stax.Relu(),
        nt.stax.Dense(O),
    )
    want = jax.jit(kernel_fn, static_argnames="get")(x, None, ("nngp", "ntk"))
    mc = nt.monte_carlo_kernel_fn(init_fn, apply_fn, jax.random.PRNGKey(2), S, vmap_axes=0)
    got = mc(x, None, ("nngp", "ntk"))
    for kind in ("nngp", "ntk"):
        w, g = np.asarray(getattr(want, kind)), np.asarray(getattr(got, kind))
        err = np.linalg.norm(g - w) / np.linalg.norm(w)
        var = C_MAX[kind] ** 2 / M
        if kind == "nngp":
            d = np.diag(w)
            var += np.sum(np.outer(d, d) + w**2) / O / np.sum(w**2)
        tol = 3 * np.sqrt(var / S)
        assert err < tol, f"{kind}: relative error {err:.3f} >= {tol:.3f}"


def test_predict_mean_is_kernel_regression(nt):
    cfg = CONFIGS["paper-bias"]
    x_train, x_test = random_sequences(6, 4, 3, seed=7), random_sequences(3, 4, 3, seed=8)
    y_train = np.random.default_rng(9).normal(size=(6, 1))
    _, _, kernel_fn = nt.stax.serial(
        interop.stax_rnn(cfg), nt.stax.Dense(512), nt.stax.Relu(), nt.stax.Dense(1)
    )
    kernel_fn = jax.jit(kernel_fn, static_argnames="get")  # one program per shape
    predict = nt.predict.gradient_descent_mse_ensemble(kernel_fn, x_train, y_train)
    got = predict(t=None, x_test=x_test, get=("nngp", "ntk"))  # infinite-time means
    k_tt = kernel_fn(x_train, None, ("nngp", "ntk"))
    k_st = kernel_fn(x_test, x_train, ("nngp", "ntk"))
    for get in ("nngp", "ntk"):
        tt, st = np.asarray(getattr(k_tt, get)), np.asarray(getattr(k_st, get))
        want = st @ np.linalg.solve(tt, y_train)  # kernel regression, by hand
        assert np.linalg.cond(tt) < 1e6
        np.testing.assert_allclose(
            np.asarray(getattr(got, get)), want, rtol=0, atol=1e-8 * np.max(np.abs(want))
        )
