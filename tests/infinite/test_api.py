"""rnn_ntk.ntk / kernels / nngp against the independent numpy reference (SPEC §2)."""

import itertools

import jax
import numpy as np
import pytest
from _reference import naive_ntk, naive_pair
from conftest import random_sequences

import rnn_ntk
from rnn_ntk import RNNConfig

ALL = ("W", "A", "b", "B", "M0")


def random_config(seed):
    """A random network of SPEC §1 with L in 1..64 and d in 1..8."""
    r = np.random.default_rng(1000 + seed)
    h0 = "random" if seed % 2 == 0 else "zero"
    cfg = RNNConfig(
        sw2=float(r.uniform(0.3, 3.0)),
        sa2="paper" if seed % 3 == 0 else float(r.uniform(0.0, 2.0)),
        sb2=float(r.choice([0.0, r.uniform(0.0, 1.0)])),
        s02=float(r.uniform(0.5, 3.0)),
        sB2=float(r.uniform(0.5, 2.0)),
        h0=h0,
    )
    L = int(r.choice([1, 2, 3, 5, 8, 13, 21, 32, 64]))
    d = int(r.integers(1, 9))
    names = [b for b in ALL if not (b == "M0" and h0 == "zero")]
    k = int(r.integers(1, len(names) + 1))
    blocks = tuple(r.choice(names, size=k, replace=False))
    param = "ntk" if seed % 4 == 1 else "standard"
    return cfg, L, d, blocks, param


def rel_max_err(got, want):
    """Max entry error over max entry (the acceptance metric)."""
    return np.max(np.abs(np.asarray(got) - want)) / np.max(np.abs(want))


@pytest.mark.parametrize("seed", range(24))
def test_ntk_matches_naive_random_configs(seed):
    cfg, L, d, blocks, param = random_config(seed)
    x1 = random_sequences(3, L, d, seed=seed)
    x2 = random_sequences(2, L, d, seed=seed + 500)
    want = naive_ntk(x1, x2, cfg, blocks, param)
    got = rnn_ntk.ntk(x1, x2, cfg=cfg, blocks=blocks, parameterization=param)
    assert got.shape == (3, 2)
    assert rel_max_err(got, want) <= 1e-9
    # Symmetric path (each pair once) against the naive Gram of x1 with itself.
    want_sym = naive_ntk(x1, x1, cfg, blocks, param)
    got_sym = rnn_ntk.ntk(x1, None, cfg=cfg, blocks=blocks, parameterization=param)
    assert rel_max_err(got_sym, want_sym) <= 1e-9


@pytest.mark.parametrize("cfg", [RNNConfig(), RNNConfig(sa2=0.7, sb2=0.2, h0="zero")])
def test_kernels_per_step_match_naive(cfg):
    L, d = 9, 3
    x = random_sequences(4, L, d, seed=3)
    k = rnn_ntk.kernels(x, cfg=cfg)
    assert k.K.shape == (L + 1, 4, 4) and k.F.shape == (L, 4, 4) and k.rho.shape == (L, 4, 4)
    for i, j in itertools.product(range(4), range(4)):
        p = naive_pair(x[i], x[j], cfg)
        np.testing.assert_allclose(k.K[:, i, j], p["K"], rtol=1e-11, atol=1e-13)
        np.testing.assert_allclose(k.F[:, i, j], p["F"], rtol=1e-11, atol=1e-13)
        np.testing.assert_allclose(k.rho[:, i, j], p["rho"], rtol=1e-11, atol=1e-13)
        assert abs(float(k.H[i, j]) - p["W"]) <= 1e-11 * abs(p["W"])
    np.testing.assert_allclose(k.one_minus_rho, 1.0 - np.asarray(k.rho), atol=1e-13)
    np.testing.assert_allclose(k.H, rnn_ntk.ntk(x, cfg=cfg), rtol=1e-13)
    np.testing.assert_allclose(k.K[-1], rnn_ntk.nngp(x, cfg=cfg), rtol=1e-13)
    np.testing.assert_allclose(k.H, np.sum(np.asarray(k.F) * np.asarray(k.K[:-1]), 0), rtol=1e-12)


def test_steps_are_kernels_of_truncated_sequences():
    """H^(l) (Remark 3.2) is the NTK of the network read at step l = the NTK of x[:, :l]."""
    cfg = RNNConfig(sa2=0.5, sb2=0.1)
    x = random_sequences(4, 6, 2, seed=4)
    blocks = ("W", "A", "b", "B", "M0")
    steps = rnn_ntk.ntk(x, cfg=cfg, blocks=blocks, steps=True)
    assert steps.shape == (6, 4, 4)
    for l in range(1, 7):
        want = naive_ntk(x[:, :l], x[:, :l], cfg, blocks)
        np.testing.assert_allclose(steps[l - 1], want, rtol=1e-11)


def test_paper_diagonal_consistency():
    """Paper config: K^l(x,x) = K^{l-1}(x,x) + ||X_l||^2 / L^3 (S = 2(K + G/L^3), rho = 1)."""
    L = 12
    x = random_sequences(5, L, 3, seed=5)
    K = np.asarray(rnn_ntk.kernels(x).K)
    diag = np.einsum("lii->li", K)
    # Differences of O(1) values: compare with an absolute tolerance of a few ulp of K ~ 1.
    np.testing.assert_allclose(np.diff(diag, axis=0), np.sum(x**2, -1).T / L**3, rtol=0, atol=1e-14)
    np.testing.assert_allclose(diag[0], 1.0, rtol=0)  # K^0 = s02/2 = 1


@pytest.mark.parametrize("blocks", [("W",), ALL])
def test_symmetry_psd_and_swap(blocks):
    cfg = RNNConfig(sa2=1.0, sb2=0.3)
    x = random_sequences(12, 7, 3, seed=6)
    y = random_sequences(5, 7, 3, seed=7)
    H = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=blocks))
    np.testing.assert_array_equal(H, H.T)
    assert np.linalg.eigvalsh(H)[0] > -1e-12 * np.max(H)
    Hxy = np.asarray(rnn_ntk.ntk(x, y, cfg=cfg, blocks=blocks))
    Hyx = np.asarray(rnn_ntk.ntk(y, x, cfg=cfg, blocks=blocks))
    np.testing.assert_allclose(Hxy, Hyx.T, rtol=1e-14)
    np.testing.assert_allclose(rnn_ntk.ntk(x, x, cfg=cfg, blocks=blocks), H, rtol=1e-14)


@pytest.mark.parametrize("steps", [False, True])
def test_tiles_match_untiled_and_jit(steps):
    """Identical up to rounding: tile shapes compile to differently vectorised loops (few ulp)."""
    cfg = RNNConfig(sa2=0.8)
    x = random_sequences(11, 5, 2, seed=8)
    y = random_sequences(7, 5, 2, seed=9)
    kw = {"cfg": cfg, "blocks": ALL, "steps": steps}
    for a, b in ((x, None), (x, y)):
        full = np.asarray(rnn_ntk.ntk(a, b, tile_size=64, **kw))
        for t in (1, 3):
            np.testing.assert_allclose(rnn_ntk.ntk(a, b, tile_size=t, **kw), full, rtol=1e-14)
        jitted = jax.jit(lambda a, b: rnn_ntk.ntk(a, b, tile_size=3, **kw))
        np.testing.assert_allclose(jitted(a, b), full, rtol=1e-14)


def test_kernels_diagnostics_tiled_and_jitted():
    x = random_sequences(9, 4, 2, seed=10)
    ref = rnn_ntk.kernels(x, tile_size=64)
    for got in (
        rnn_ntk.kernels(x, tile_size=4),
        jax.jit(lambda a: rnn_ntk.kernels(a, tile_size=4))(x),
    ):
        for a, b in zip(got, ref, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)


def test_blocks_sum_and_ntk_parameterisation():
    """Summed blocks are the sum of single blocks; 'ntk' scales each by its sigma^2."""
    cfg = RNNConfig(sw2=1.5, sa2=0.4, sb2=0.2, s02=1.2, sB2=0.8)
    x = random_sequences(4, 5, 2, seed=11)
    sig = {"W": 1.5, "A": 0.4, "b": 0.2, "B": 0.8, "M0": 1.2}
    single = {b: np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=(b,))) for b in ALL}
    total = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=ALL))
    np.testing.assert_allclose(total, sum(single.values()), rtol=1e-13)
    ntkp = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=ALL, parameterization="ntk"))
    np.testing.assert_allclose(ntkp, sum(sig[b] * single[b] for b in ALL), rtol=1e-13)
    np.testing.assert_allclose(single["B"], rnn_ntk.nngp(x, cfg=cfg), rtol=1e-14)


def test_zero_variance_sequence_is_finite_and_exact():
    """h0='zero', sb2=0: an all-zero sequence has u_l = 0 exactly, so its rows vanish."""
    cfg = RNNConfig(h0="zero", sa2=1.0)
    x = random_sequences(4, 5, 2, seed=12)
    x[1] = 0.0
    x[2, :2] = 0.0  # zero variance only at the first two steps
    for blocks in (("W",), ("W", "A", "b", "B")):
        H = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=blocks))
        assert np.all(np.isfinite(H))
        np.testing.assert_array_equal(H[1], 0.0)
        np.testing.assert_allclose(H, naive_ntk(x, x, cfg, blocks), rtol=1e-11, atol=1e-14)
    k = rnn_ntk.kernels(x, cfg=cfg)
    assert all(np.all(np.isfinite(np.asarray(a))) for a in k)


def test_empty_inputs_give_empty_kernels():
    x = random_sequences(3, 4, 2)
    assert rnn_ntk.ntk(x[:0]).shape == (0, 0)
    assert rnn_ntk.ntk(x, x[:0]).shape == (3, 0)
    assert rnn_ntk.ntk(x[:0], steps=True).shape == (4, 0, 0)
    assert rnn_ntk.kernels(x[:0], x).K.shape == (5, 0, 3)
