"""Checks of the SPEC §7 numpy reference (tests/_reference_arch.py) against what exists.

(a) depth 1, ReLU, readout "last": the reference equals tests/_reference.py (SPEC §1-2,
    §6) and rnn_ntk.ntk to 1e-12 relative, every block, both parameterisations, h0
    random/zero, ragged lengths and per-step kernels.
(b) the stacked-RNN RNTK written from its paper (tests/_rntk_paper.py; Alemohammad et al.,
    ICLR 2021), in both its backward (Theorem) and forward (authors' code) forms, equals
    the reference in the NTK parameterisation with h0 = 0 and all blocks, depth 1-3, ReLU,
    with and without bias, equal and unequal lengths: 1e-12.
(c) NTK4A's mean-pooled RNN NTK (tests/_ntk4a_paper.py; Yang, Tensor Programs II) equals
    the reference's readout "mean" at depth 1 (erf, relu; equal and unequal lengths): 1e-12.
(d) the erf closed forms equal the reference's own 2-D quadrature (<= 1e-14 per
    expectation, 1e-13 relative for whole kernels), and the jax-callable quadrature path
    (phi' by autodiff) equals the numpy one for tanh.
(e) quadrature convergence: halving the trapezoidal step changes K, Kd by < 1e-14 for
    S <= 3 and whole kernels by < 1e-13 relative.

Tolerances: the closed forms are evaluated in float64 by different formulas and loop
orders, so they agree to a few ulps times the recursion's depth (1e-12 leaves margin);
the quadrature's own error was measured at <= 4.4e-16 (see the reference's docstring).
"""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _ntk4a_paper import ntk4a_mean
from _reference import naive_ntk, naive_pair_ragged
from _reference_arch import (
    ErfDual,
    quadrature_dual,
    reference_kernels,
    reference_ntk,
)
from _rntk_paper import rntk, rntk_forward
from conftest import random_sequences

import rnn_ntk
from rnn_ntk import RNNConfig, Sequences

ALL = ("W", "A", "b", "B", "M0")


def rel(a, b):
    """max |a - b| / max |b| (0 when both vanish)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = np.abs(b).max()
    return float(np.abs(a - b).max() / scale) if scale > 0 else float(np.abs(a).max())


def ragged(n, L, d, lengths, seed):
    x = random_sequences(n, L, d, seed=seed)
    for i, T in enumerate(lengths):
        x[i, T:] = np.nan
    return x, np.asarray(lengths)


# ------------------------------------------------------------------------------- (a)

PAPER_CASES = [
    RNNConfig(),
    RNNConfig(sa2=0.7, sb2=0.2, s02=1.3),
    RNNConfig(sw2=1.5, sa2=0.5, sb2=0.3, h0="zero"),
]


@pytest.mark.parametrize("cfg", PAPER_CASES)
@pytest.mark.parametrize("parameterization", ["standard", "ntk"])
def test_depth1_relu_last_equals_reference_and_engine(cfg, parameterization):
    x = random_sequences(4, 5, 2, seed=1)
    blocks = ALL if cfg.h0 == "random" else ALL[:4]
    for bl in [(b,) for b in blocks] + [blocks]:
        want = reference_ntk(x, cfg=cfg, blocks=bl, parameterization=parameterization)
        assert rel(want, naive_ntk(x, x, cfg, bl, parameterization)) < 1e-12, bl
        if bl == blocks:  # the engine's single blocks: tests/infinite/test_api.py
            got = rnn_ntk.ntk(x, cfg=cfg, blocks=bl, parameterization=parameterization)
            assert rel(got, want) < 1e-12, bl


@pytest.mark.parametrize("cfg", PAPER_CASES[1:])
def test_depth1_relu_last_ragged_equals_reference_and_engine(cfg):
    lengths = [5, 2, 4, 3]
    x, lens = ragged(4, 5, 2, lengths, seed=2)
    seqs = [x[i, :T] for i, T in enumerate(lengths)]
    sa2 = cfg.resolve_sa2(5)
    blocks = ALL if cfg.h0 == "random" else ALL[:4]
    for b in blocks:
        want = reference_ntk(x, cfg=cfg, blocks=(b,), lengths1=lens)
        old = np.array([[naive_pair_ragged(u, v, cfg, sa2)[b] for v in seqs] for u in seqs])
        assert rel(want, old) < 1e-12, b
    want = reference_ntk(x, cfg=cfg, blocks=blocks, lengths1=lens)
    assert rel(rnn_ntk.ntk(Sequences(x, lens), cfg=cfg, blocks=blocks), want) < 1e-12


def test_depth1_relu_steps_equal_truncated_sequences():
    """H^(l) reads the output at step l: the kernel of the sequences cut after step l."""
    cfg = RNNConfig(sa2=0.6, sb2=0.1)
    x = random_sequences(3, 4, 2, seed=3)
    want = reference_ntk(x, cfg=cfg, blocks=ALL, steps=True)
    for step in range(1, 5):
        old = naive_ntk(x[:, :step], x[:, :step], cfg, ALL)
        assert rel(want[step - 1], old) < 1e-12, step
    got = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=ALL, steps=True))
    assert rel(got, want) < 1e-12


def test_depth1_relu_ragged_steps_equal_truncated_sequences():
    """Ragged H^(l): each sequence cut L - l steps before its end (h_0 if not started)."""
    cfg = RNNConfig(sa2=0.6, sb2=0.1)
    lengths = [4, 2, 3]
    x, lens = ragged(3, 4, 2, lengths, seed=4)
    want = reference_ntk(x, cfg=cfg, blocks=("W", "A", "b", "B"), lengths1=lens, steps=True)
    for step in range(1, 5):
        cut = [max(T - (4 - step), 0) for T in lengths]
        for i, j in itertools.product(range(3), range(3)):
            if cut[i] and cut[j]:
                p = naive_pair_ragged(x[i, : cut[i]], x[j, : cut[j]], cfg, 0.6)
                assert abs(want[step - 1, i, j] - (p["W"] + p["A"] + p["b"] + p["B"])) < 1e-12
            elif cut[i] == 0 and cut[j] == 0:  # both read B^T h_0: K^0 = s02/2
                assert abs(want[step - 1, i, j] - cfg.s02 / 2) < 1e-15


def test_depth1_relu_diagnostics_equal_reference():
    cfg = RNNConfig(sa2=0.5, sb2=0.2)
    x = random_sequences(3, 4, 2, seed=5)
    want = reference_kernels(x, cfg=cfg)
    got = rnn_ntk.kernels(x, cfg=cfg)
    for name in ("K", "F", "rho", "one_minus_rho"):
        assert rel(np.asarray(getattr(got, name)), want[name][0]) < 1e-12, name
    assert rel(np.asarray(got.H), want["H"]) < 1e-12


# ------------------------------------------------------------------------------- (b)


def _rntk_cfg(depth, sw2, su2, sb2, sv2, d):
    """The RNTK's sigmas as an RNNConfig: sa2[1] = sigma_u^2 / m (input dim m = d)."""
    return RNNConfig(sw2=tuple(sw2), sa2=(su2[0] / d, *su2[1:]), sb2=tuple(sb2), sB2=sv2,
                     h0="zero", depth=depth)


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("bias", [False, True])
def test_rntk_paper_equals_reference(depth, bias):
    d = 3
    sw2 = [1.6, 1.1, 0.9][:depth]
    su2 = [1.2, 0.8, 1.4][:depth]
    sb2 = [0.2, 0.1, 0.3][:depth] if bias else [0.0] * depth
    sv2 = 1.3
    cfg = _rntk_cfg(depth, sw2, su2, sb2, sv2, d)
    kw = dict(sw2=sw2, su2=su2, sb2=sb2, sv2=sv2, L=depth)
    # equal lengths
    x = random_sequences(3, 4, d, seed=6)
    want = reference_ntk(x, cfg=cfg, blocks=("W", "A", "b", "B"), parameterization="ntk")
    paper = np.array([[rntk(a, b, **kw) for b in x] for a in x])
    fwd = np.array([[rntk_forward(a, b, **kw) for b in x] for a in x])
    assert rel(want, paper) < 1e-12
    assert rel(fwd, paper) < 1e-12
    # unequal lengths (the paper's tau = T' - T, aligned at the last step)
    lengths = [4, 2, 3]
    xr, lens = ragged(3, 4, d, lengths, seed=7)
    seqs = [xr[i, :T] for i, T in enumerate(lengths)]
    want = reference_ntk(xr, cfg=cfg, blocks=("W", "A", "b", "B"), parameterization="ntk",
                         lengths1=lens)
    paper = np.array([[rntk(a, b, **kw) for b in seqs] for a in seqs])
    assert rel(want, paper) < 1e-12


# ------------------------------------------------------------------------------- (c)


@pytest.mark.parametrize("phi", ["erf", "relu"])
@pytest.mark.parametrize("lengths", [None, [4, 2, 3]])
def test_ntk4a_mean_pooled_equals_reference(phi, lengths):
    d, varw, varu, varb, varv = 2, 1.3, 0.8, 0.2, 1.5
    cfg = RNNConfig(sw2=varw, sa2=varu / d, sb2=varb, sB2=varv, h0="zero", activation=phi,
                    readout="mean")
    x, lens = ragged(3, 4, d, lengths or [4, 4, 4], seed=8)
    seqs = [x[i, :T] for i, T in enumerate(lens)]
    want = reference_ntk(x, cfg=cfg, blocks=("W", "b", "B"), lengths1=lens)
    want = want + reference_ntk(x, cfg=cfg, blocks=("A",), lengths1=lens) / d
    kw = dict(phi=phi, varw=varw, varu=varu, varb=varb, varv=varv)
    paper = np.array([[ntk4a_mean(a, b, **kw) for b in seqs] for a in seqs])
    assert rel(want, paper) < 1e-12


# --------------------------------------------------------------------------- (d), (e)

GRID = [
    (s11, s22, r * np.sqrt(s11 * s22))
    for s11, s22 in itertools.product([0.05, 1.0, 3.0], [0.3, 2.0, 3.0])
    for r in [-0.999999, -0.4, 0.0, 0.7, 0.99999, 1.0]
]


def test_erf_closed_forms_equal_quadrature():
    closed, quad = ErfDual(), quadrature_dual("erf")
    for s11, s22, s12 in GRID:
        np.testing.assert_allclose(closed.pair(s11, s22, s12), quad.pair(s11, s22, s12),
                                   rtol=0, atol=1e-14)
    for s in (0.05, 1.0, 3.0):
        for f in ("sq", "mean", "dsq"):
            assert abs(getattr(closed, f)(s) - getattr(quad, f)(s)) < 1e-14, (f, s)


@pytest.mark.parametrize("readout", ["last", "mean"])
def test_erf_kernels_equal_quadrature_kernels(readout):
    """The whole reference with erf's closed forms equals it with the erf quadrature
    (jax.scipy.special.erf as a callable, phi' by autodiff)."""
    x, lens = ragged(3, 4, 2, [4, 2, 3], seed=9)
    base = dict(depth=2, sw2=(1.2, 0.9), sa2=(0.7, 1.1), sb2=0.1, s02=0.8, readout=readout)
    closed = reference_ntk(x, cfg=RNNConfig(activation="erf", **base), blocks=ALL,
                           lengths1=lens)
    quad = reference_ntk(x, cfg=RNNConfig(activation=jax.scipy.special.erf, **base),
                         blocks=ALL, lengths1=lens)
    assert rel(quad, closed) < 1e-13


def test_jax_quadrature_path_equals_numpy_tanh():
    numpy_tanh, jax_tanh = quadrature_dual("tanh"), quadrature_dual(jnp.tanh)
    for s11, s22, s12 in GRID[::5]:
        np.testing.assert_allclose(numpy_tanh.pair(s11, s22, s12), jax_tanh.pair(s11, s22, s12),
                                   rtol=0, atol=1e-14)


@pytest.mark.parametrize("activation", ["tanh", "gelu", "softplus"])
def test_quadrature_converges(activation):
    coarse, fine = quadrature_dual(activation, 8), quadrature_dual(activation, 16)
    for s11, s22, s12 in GRID if activation == "tanh" else GRID[::3]:  # jax ones: slower
        np.testing.assert_allclose(coarse.pair(s11, s22, s12), fine.pair(s11, s22, s12),
                                   rtol=0, atol=1e-14)
    for s in (0.05, 1.0, 3.0):
        for f in ("sq", "mean", "dsq"):
            assert abs(getattr(coarse, f)(s) - getattr(fine, f)(s)) < 1e-14


def test_quadrature_converges_in_whole_kernels(monkeypatch):
    import _reference_arch

    x, lens = ragged(3, 4, 2, [4, 3, 2], seed=10)
    cfg = RNNConfig(depth=2, sw2=1.0, sa2=(0.5, 0.8), sb2=0.1, s02=1.0, activation="tanh",
                    readout="mean")
    coarse = reference_ntk(x, cfg=cfg, blocks=ALL, lengths1=lens)
    monkeypatch.setattr(_reference_arch, "QUAD_ORDER", 16)
    fine = reference_ntk(x, cfg=cfg, blocks=ALL, lengths1=lens)
    assert rel(coarse, fine) < 1e-13
