"""The architecture engine (stack, grid, bidirectional) against the paper's one-layer path
and against constructions from it; errors; float32 at depth 3.

The per-pair numpy reference of every architecture is in test_architectures.py; these
tests tie the new code paths to the established one where they must agree exactly.
"""

import dataclasses

import jax.numpy as jnp
import numpy as np
import pytest
from conftest import random_sequences

import rnn_ntk
from rnn_ntk import RNNConfig, Sequences
from rnn_ntk._config import layer_weights
from rnn_ntk._sequences import as_pair, reversed_in_time
from rnn_ntk.infinite._arch import run_architecture

X = random_sequences(5, 6, 3, seed=3)
XS = Sequences(X, np.array([6, 2, 3, 6, 1]))
ALL = ("W", "A", "b", "B", "M0")


def _stack_path(x, cfg, blocks, par, kind="H"):
    a, b, dt = as_pair(x, None, None)
    w = layer_weights(cfg, a.x.shape[1], blocks, par)
    return np.asarray(run_architecture(a, b, cfg, w, kind, 256, dt, lambda t, what: None))


@pytest.mark.parametrize("x, h0, par", [(X, "random", "standard"), (XS, "random", "ntk"),
                                         (XS, "zero", "standard")])
def test_depth_one_stack_equals_the_paper_path(x, h0, par):
    cfg = RNNConfig(sa2=0.5, sb2=0.1, h0=h0)
    blocks = ALL if h0 == "random" else ALL[:4]
    for kind in ("H", "steps"):
        want = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=blocks, parameterization=par,
                                      steps=kind == "steps"))
        got = _stack_path(x, cfg, blocks, par, kind)
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-14 * np.abs(want).max())


@pytest.mark.parametrize("x", [XS], ids=["ragged"])
def test_mean_readout_is_the_sum_over_prefix_pairs(x):
    """<grad g_t(x), grad g_s(x')> is the last-step NTK of the prefixes x[:t], x'[:s]
    (aligned at their last steps, SPEC §6), so the mean readout's NTK is their average."""
    cfg = RNNConfig(sa2=0.7, sb2=0.2)
    got = np.asarray(rnn_ntk.ntk(x, cfg=dataclasses.replace(cfg, readout="mean"),
                                 blocks=ALL, parameterization="ntk"))
    s = x if isinstance(x, Sequences) else Sequences(x, None)
    lengths = np.full(len(X), X.shape[1]) if s.lengths is None else np.asarray(s.lengths)
    want = np.zeros((len(X), len(X)))
    for i in range(len(X)):
        for j in range(len(X)):
            for t in range(1, lengths[i] + 1):
                for u in range(1, lengths[j] + 1):
                    k = rnn_ntk.ntk(Sequences(X[i : i + 1], np.array([t])),
                                    Sequences(X[j : j + 1], np.array([u])), cfg=cfg,
                                    blocks=ALL, parameterization="ntk")
                    want[i, j] += float(k[0, 0]) / (lengths[i] * lengths[j])
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("x", [X, XS], ids=["equal", "ragged"])
def test_bidirectional_is_the_sum_of_both_directions(x):
    for cfg in (RNNConfig(sa2=0.5), RNNConfig(sa2=0.5, depth=2, activation="erf", sw2=1.0)):
        one = dataclasses.replace(cfg, bidirectional=False)
        s = x if isinstance(x, Sequences) else Sequences(x)
        want = np.asarray(rnn_ntk.ntk(s, cfg=one)) + np.asarray(
            rnn_ntk.ntk(reversed_in_time(s), cfg=one))
        got = np.asarray(rnn_ntk.ntk(x, cfg=dataclasses.replace(cfg, bidirectional=True)))
        np.testing.assert_allclose(got, want, rtol=1e-13)
        np.testing.assert_allclose(
            _stack_path(x, dataclasses.replace(cfg, bidirectional=True), ("W",), "standard"),
            want, rtol=1e-13)


def test_blocks_sum_over_layers_and_per_layer_blocks_add_up():
    cfg = RNNConfig(depth=2, sw2=(2.0, 1.5), sa2=("paper", 0.5), sb2=0.1)
    whole = np.asarray(rnn_ntk.ntk(XS, cfg=cfg, blocks=ALL, parameterization="ntk"))
    layers = [tuple(f"{b}_{k}" for b in ("W", "A", "b", "M0")) for k in (1, 2)] + [("B",)]
    parts = sum(np.asarray(rnn_ntk.ntk(XS, cfg=cfg, blocks=bl, parameterization="ntk"))
                for bl in layers)
    np.testing.assert_allclose(whole, parts, rtol=1e-12)
    # the NTK parameterisation weighs each layer's block by that layer's sigma^2
    w2 = np.asarray(rnn_ntk.ntk(XS, cfg=cfg, blocks=("W_2",), parameterization="ntk"))
    np.testing.assert_allclose(
        w2, 1.5 * np.asarray(rnn_ntk.ntk(XS, cfg=cfg, blocks=("W_2",))), rtol=1e-13)


def test_nngp_is_the_standard_B_block_and_rectangles_match_the_symmetric_gram():
    for cfg in (RNNConfig(depth=2, readout="mean", activation="tanh", sw2=1.0, sa2=0.5),
                RNNConfig(depth=2, bidirectional=True, h0="zero", sa2=0.5)):
        B = np.asarray(rnn_ntk.ntk(XS, cfg=cfg, blocks=("B",)))
        np.testing.assert_allclose(np.asarray(rnn_ntk.nngp(XS, cfg=cfg)), B, rtol=1e-13)
        H = np.asarray(rnn_ntk.ntk(XS, cfg=cfg))
        np.testing.assert_allclose(np.asarray(rnn_ntk.ntk(XS, XS, cfg=cfg)), H, rtol=1e-13)
        np.testing.assert_allclose(np.asarray(rnn_ntk.ntk(XS, cfg=cfg, tile_size=2)), H,
                                   rtol=1e-13)


def test_deep_diagnostics_have_a_layer_axis_and_reproduce_H():
    cfg = RNNConfig(depth=2, sa2=0.5)
    k = rnn_ntk.kernels(X, cfg=cfg)
    n, L = X.shape[:2]
    assert k.K.shape == (2, L + 1, n, n) and k.F.shape == (2, L, n, n)
    assert k.rho.shape == k.one_minus_rho.shape == (2, L, n, n)
    # the W block from the diagonals: sum_k sum_t P^k_t K^k_{t-1}
    H = np.einsum("klij,klij->ij", np.asarray(k.F), np.asarray(k.K[:, :-1]))
    np.testing.assert_allclose(H, np.asarray(k.H), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(k.H), np.asarray(rnn_ntk.ntk(X, cfg=cfg)), rtol=1e-13)
    one = rnn_ntk.kernels(X, cfg=RNNConfig(activation="erf", sa2=0.5, sw2=1.0))
    assert one.K.shape == (L + 1, n, n)  # no layer axis at depth 1


def test_float32_stays_within_1e5_of_float64_at_depth_3_and_L_1024():
    x = random_sequences(4, 1024, 4, seed=5)
    cfg = RNNConfig(depth=3)  # the paper's regime in every layer: sa2 = 2/L^3
    for blocks in (("W",), ALL):
        a = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=blocks, dtype=jnp.float64))
        b = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=blocks, dtype=jnp.float32))
        assert np.abs(b - a).max() / np.abs(a).max() < 1e-5


@pytest.mark.parametrize(
    "kwargs, call, match",
    [
        ({"readout": "mean"}, {"steps": True}, "steps=True .* readout='last'"),
        ({"bidirectional": True}, {"steps": True}, "steps=True"),
        ({"depth": 2}, {"blocks": ("W_3",)}, "names layer 3 but the network has depth=2"),
        ({"depth": 2}, {"blocks": ("W", "W_2")}, "names a block twice"),
        ({}, {"blocks": ("V_1",)}, "unknown block"),
    ],
)
def test_bad_architecture_arguments(kwargs, call, match):
    with pytest.raises(ValueError, match=match):
        rnn_ntk.ntk(X, cfg=RNNConfig(**kwargs), **call)


def test_kernels_refuses_mean_and_bidirectional():
    for cfg in (RNNConfig(readout="mean"), RNNConfig(bidirectional=True)):
        with pytest.raises(ValueError, match="per-step diagnostics"):
            rnn_ntk.kernels(X, cfg=cfg)
