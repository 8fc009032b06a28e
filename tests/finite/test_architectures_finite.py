"""The finite network of SPEC §7 (depth, per-layer variances, activations, readout "mean",
bidirectional): parameters, forward pass against a numpy network run on each sequence
alone, and the empirical NTK by three methods (structured, autodiff, neural-tangents).

The methods are independent computations of the same gradient inner products (structured:
per-layer forward states and deltas contracted per tile; autodiff: ``jax.jacrev``
Jacobians; neural-tangents: ``nt.empirical_ntk_fn`` on the Python-loop network), so they
agree to rounding: 1e-10 relative (measured <= 2e-15 in float64). The Monte Carlo approach
to the analytic kernels is in test_architectures_monte_carlo.py.
"""

import dataclasses
import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import random_sequences
from scipy.special import erf

import rnn_ntk
from rnn_ntk import RNNConfig, Sequences
from rnn_ntk.finite import convergence_cell, param_keys, reparameterized

CFGS = {
    # depth 3, one variance per layer (sa2 of layer 1 the paper's 2/L^3), per-step outputs
    "deep": RNNConfig(depth=3, sw2=(2.0, 1.0, 1.5), sa2=("paper", 1.0, 0.5), sb2=0.3),
    "erf": RNNConfig(activation="erf", sw2=1.5, sa2=0.6, sb2=0.3, s02=1.0),
    # every option at once: the O(1) network of tanh, 2 layers, mean readout, both directions
    "all": RNNConfig(depth=2, activation="tanh", readout="mean", bidirectional=True,
                     sw2=1.5, sa2=(0.6, 1.0), sb2=0.3, s02=1.0),
    "mean-bi": RNNConfig(readout="mean", bidirectional=True, sa2=0.6, sb2=0.3, h0="zero"),
}
PHI = {"relu": lambda u: np.maximum(u, 0.0), "erf": erf, "tanh": np.tanh}
LENGTHS = np.array([4, 2, 1])


def _par(cfg):
    return "standard" if cfg.activation == "relu" else "ntk"


def _blocks(cfg):
    return ("W", "A", "b", "B") + (("M0",) if cfg.h0 == "random" else ())


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


def numpy_output(p, x, cfg):
    """g(x) of one unpadded sequence x (T, d) by a plain numpy loop (SPEC §7)."""
    phi = PHI[cfg.activation]

    def one(q, seq):
        z = seq
        for k in range(1, cfg.depth + 1):
            sfx = "" if k == 1 else f"_{k}"
            W, A, b, M0 = (np.asarray(q[n + sfx]) for n in ("W", "A", "b", "M0"))
            h = phi(M0) if cfg.h0 == "random" else np.zeros(W.shape[0])
            hs = []
            for t in range(seq.shape[0]):
                h = phi(W @ h + A @ z[t] + b)
                hs.append(h)
            z = np.stack(hs)
        per_step = z @ np.asarray(q["B"])
        return per_step[-1] if cfg.readout == "last" else per_step.mean()

    g = one(p, x)
    if cfg.bidirectional:
        g += one({k[4:]: v for k, v in p.items() if k.startswith("rev_")}, x[::-1])
    return g


# ------------------------------------------------------------------------ parameters


def test_param_keys_and_shapes():
    cfg = RNNConfig(depth=3, bidirectional=True, sb2=0.3)
    p = rnn_ntk.init_params(jax.random.key(0), cfg, m=5, d=2, L=4)
    one = ["W", "A", "b", "M0", "B", "W_2", "A_2", "b_2", "M0_2", "W_3", "A_3", "b_3", "M0_3"]
    assert list(p) == one + ["rev_" + k for k in one] == list(param_keys(cfg))
    for k, v in p.items():
        base = k.removeprefix("rev_").split("_")[0]
        want = (5, 2) if base == "A" and k.removeprefix("rev_") == "A" else (
            (5, 5) if base in ("W", "A") else (5,))
        assert v.shape == want, k
    # the forward direction is the unidirectional network of the same key; the reversed
    # one is independent
    uni = rnn_ntk.init_params(jax.random.key(0), RNNConfig(depth=3, sb2=0.3), m=5, d=2, L=4)
    for k in uni:
        np.testing.assert_array_equal(p[k], uni[k])
        assert not np.allclose(p[k], p["rev_" + k])


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_init_variances_relu_and_o1_networks(activation):
    # ReLU: every block N(0, sigma^2/m) (SPEC §1). Other activations: the O(1) network of
    # SPEC §7 (A_1, b, M0 without the 1/m). Sample variances of N entries have relative
    # sd sqrt(2/N): <= 6.3% for the m = 512 vectors, 0.3% for the m x m blocks; the
    # tolerance 0.3 is > 4.7 sd.
    m, L = 512, 4
    cfg = RNNConfig(depth=2, activation=activation, sw2=(2.0, 1.5), sa2=(0.5, 3.0),
                    sb2=(0.4, 0.7), s02=(1.5, 2.5), sB2=3.0)
    p = rnn_ntk.init_params(jax.random.key(1), cfg, m=m, d=m, L=L)
    o1 = activation != "relu"
    want = {"W": 2.0 / m, "W_2": 1.5 / m, "A": 0.5 / (1 if o1 else m), "A_2": 3.0 / m,
            "b": 0.4 / (1 if o1 else m), "b_2": 0.7 / (1 if o1 else m),
            "M0": 1.5 / (1 if o1 else m), "M0_2": 2.5 / (1 if o1 else m), "B": 3.0 / m}
    for k, var in want.items():
        assert abs(float(np.mean(np.asarray(p[k]) ** 2)) / var - 1) < 0.3, k


# --------------------------------------------------------------------- forward pass


@pytest.mark.parametrize("name", ["deep", "all", "mean-bi"])
def test_ragged_apply_equals_numpy_network_on_each_sequence(name):
    """Ragged input, bidirectional and mean readout by hand: a numpy loop per sequence."""
    cfg = CFGS[name]
    p = rnn_ntk.init_params(jax.random.key(2), cfg, m=6, d=2, L=4)
    x = random_sequences(3, 4, 2, seed=3)
    x[np.arange(4)[None, :] >= LENGTHS[:, None]] = np.nan  # NaN end padding is ignored
    got = np.asarray(rnn_ntk.apply(p, Sequences(x, LENGTHS), cfg))
    want = [numpy_output(p, x[i, :n], cfg) for i, n in enumerate(LENGTHS)]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    full = np.nan_to_num(x)
    np.testing.assert_allclose(rnn_ntk.apply(p, full, cfg),
                               [numpy_output(p, s, cfg) for s in full], rtol=1e-12, atol=1e-14)
    if name == "all":  # traced lengths under jit
        jitted = jax.jit(lambda a, n: rnn_ntk.apply(p, Sequences(a, n), cfg))
        np.testing.assert_allclose(jitted(x, LENGTHS), got, rtol=1e-13)


def test_bidirectional_mean_is_forward_plus_reversed_of_per_step_outputs():
    """The mean readout is the mean of the per-step outputs of the same network read at
    each step (``steps=True`` of readout "last"); the bidirectional output adds the
    "rev_" network's on the reversed sequences (ragged: test above)."""
    cfg = CFGS["all"]
    p = rnn_ntk.init_params(jax.random.key(4), cfg, m=7, d=2, L=4)
    x = random_sequences(3, 4, 2, seed=5)
    uni = dataclasses.replace(cfg, readout="last", bidirectional=False)
    fwd = {k: v for k, v in p.items() if not k.startswith("rev_")}
    rev = {k[4:]: v for k, v in p.items() if k.startswith("rev_")}
    g_fwd = rnn_ntk.apply(fwd, x, uni, steps=True)
    want = g_fwd.mean(axis=1) + rnn_ntk.apply(rev, x[:, ::-1], uni, steps=True).mean(axis=1)
    np.testing.assert_allclose(rnn_ntk.apply(p, x, cfg), want, rtol=1e-12)
    hs = rnn_ntk.hidden_states(fwd, x, dataclasses.replace(cfg, bidirectional=False))
    assert hs.shape == (2, 3, 5, 7)  # (layers, n, L+1, m)
    np.testing.assert_allclose(np.asarray(hs[1, :, 1:]) @ np.asarray(p["B"]), g_fwd,
                               rtol=1e-12)


# ------------------------------------------------------------- empirical NTK methods


@pytest.fixture(scope="module")
def data():
    return random_sequences(3, 4, 2, seed=1), random_sequences(3, 4, 2, seed=2)


@pytest.mark.parametrize("name", list(CFGS))
def test_structured_autodiff_and_neural_tangents_agree(data, name):
    cfg = CFGS[name]
    x1, x2 = data
    p = rnn_ntk.init_params(jax.random.key(3), cfg, m=5, d=2, L=4)
    kw = dict(cfg=cfg, parameterization=_par(cfg))
    sets = [_blocks(cfg)] + [(b,) for b in _blocks(cfg)]
    if cfg.depth > 1:  # A and b are in the sum and in the per-layer set
        sets = [b for b in sets if b not in (("A",), ("b",))] + [("W_2",), ("A_2", "b_1", "M0_1")]
    for blocks in sets:
        a = rnn_ntk.empirical_ntk(p, x1, x2, blocks=blocks, method="autodiff", **kw)
        s = rnn_ntk.empirical_ntk(p, x1, x2, blocks=blocks, **kw)
        assert s.shape == (3, 3) and _rel(s, a) <= 1e-10, blocks
    nt = rnn_ntk.empirical_ntk(p, x1, x2, blocks=_blocks(cfg), method="neural_tangents", **kw)
    assert _rel(nt, a := rnn_ntk.empirical_ntk(p, x1, x2, blocks=_blocks(cfg), **kw)) <= 1e-10
    # the per-layer blocks add up to the block of every layer, both directions
    if cfg.depth > 1:
        layers = [rnn_ntk.empirical_ntk(p, x1, x2, blocks=(f"W_{k}",), **kw)
                  for k in range(1, cfg.depth + 1)]
        np.testing.assert_allclose(sum(layers), rnn_ntk.empirical_ntk(p, x1, x2, **kw),
                                   rtol=1e-12)
    assert np.all(np.isfinite(a))


def test_bidirectional_ntk_is_the_sum_of_both_directions(data):
    cfg = CFGS["mean-bi"]
    x1, _ = data
    p = rnn_ntk.init_params(jax.random.key(6), cfg, m=6, d=2, L=4)
    uni = dataclasses.replace(cfg, bidirectional=False)
    fwd = {k: v for k, v in p.items() if not k.startswith("rev_")}
    rev = {k[4:]: v for k, v in p.items() if k.startswith("rev_")}
    want = (rnn_ntk.empirical_ntk(fwd, x1, cfg=uni, blocks=("W", "A", "B"))
            + rnn_ntk.empirical_ntk(rev, x1[:, ::-1], cfg=uni, blocks=("W", "A", "B")))
    got = rnn_ntk.empirical_ntk(p, x1, cfg=cfg, blocks=("W", "A", "B"), tile_size=2)
    assert _rel(got, want) < 1e-12


@pytest.mark.parametrize("name", ["all", "deep"])
def test_ragged_and_per_step_structured_match_autodiff(name):
    cfg = CFGS[name]
    p = rnn_ntk.init_params(jax.random.key(7), cfg, m=5, d=2, L=4)
    x = Sequences(random_sequences(3, 4, 2, seed=8), LENGTHS)
    y = Sequences(random_sequences(3, 3, 2, seed=9), np.array([3, 2, 3]))  # shorter padding
    steps = cfg.readout == "last"
    kw = dict(cfg=cfg, blocks=_blocks(cfg), parameterization=_par(cfg), steps=steps)
    a = rnn_ntk.empirical_ntk(p, x, y, method="autodiff", **kw)
    s = rnn_ntk.empirical_ntk(p, x, y, tile_size=2, **kw)
    assert s.shape == ((4, 3, 3) if steps else (3, 3))
    assert _rel(s, a) <= 1e-10


def test_sweep_cells_are_the_empirical_ntk_of_init_params():
    """The sweep of a non-paper architecture (ragged input): each cell is Theta_W of
    ``init_params(jax.random.key(seed))`` against ``rnn_ntk.ntk``; the rest not measured."""
    cfg = CFGS["mean-bi"]
    x = Sequences(random_sequences(3, 4, 2, seed=10), LENGTHS)
    table = rnn_ntk.convergence(x, cfg=cfg, widths=(8,), seeds=(0, 1))
    ref = np.asarray(rnn_ntk.ntk(x, cfg=cfg))
    for c in table.cells:
        p = rnn_ntk.init_params(jax.random.key(c.seed), cfg, m=8, d=2, L=4)
        theta = np.asarray(rnn_ntk.empirical_ntk(p, x, cfg=cfg))
        np.testing.assert_allclose(c.theta, theta, rtol=1e-10)
        assert c.theta_err == pytest.approx(np.linalg.norm(theta - ref) / np.linalg.norm(ref))
        assert c.K_err.shape == c.F_err.shape == (0,) and np.isnan(c.cross)
    d = json.loads(json.dumps(table.to_dict()))
    assert d["rows"][0]["theta_err_mean"] == pytest.approx(np.mean(table.theta_err))
    cell = convergence_cell(x, cfg=cfg, m=8, seed=1)
    np.testing.assert_allclose(cell.theta, table.cells[1].theta, rtol=1e-10)


# ------------------------------------------------------------------- refused input


def test_what_the_new_architectures_refuse(data):
    x1, _ = data
    tanh = RNNConfig(activation="tanh")
    p = rnn_ntk.init_params(jax.random.key(0), tanh, m=4, d=2, L=4)
    with pytest.raises(ValueError, match="needs parameterization='ntk'"):
        rnn_ntk.empirical_ntk(p, x1, cfg=tanh)
    with pytest.raises(ValueError, match="needs parameterization='ntk'"):
        reparameterized(p, tanh, L=4)
    with pytest.raises(ValueError, match="parameterization must be one of"):
        rnn_ntk.empirical_ntk(p, x1, cfg=tanh, parameterization="mup")
    for cfg in (RNNConfig(readout="mean"), RNNConfig(bidirectional=True)):
        q = rnn_ntk.init_params(jax.random.key(0), cfg, m=4, d=2, L=4)
        with pytest.raises(ValueError, match="steps=True .* only for readout='last'"):
            rnn_ntk.apply(q, x1, cfg, steps=True)
        with pytest.raises(ValueError, match="steps=True .* only for readout='last'"):
            rnn_ntk.empirical_ntk(q, x1, cfg=cfg, steps=True, method="autodiff")
        with pytest.raises(ValueError, match="empirical_kernels .* paper's architecture"):
            rnn_ntk.empirical_kernels(q, x1, cfg=cfg)
    bi = RNNConfig(bidirectional=True)
    with pytest.raises(ValueError, match="hidden_states is for one direction"):
        rnn_ntk.hidden_states(rnn_ntk.init_params(jax.random.key(0), bi, m=4, d=2, L=4), x1, bi)
    deep = RNNConfig(depth=2)
    flat = rnn_ntk.init_params(jax.random.key(0), RNNConfig(), m=4, d=2, L=4)
    with pytest.raises(ValueError, match=r"missing \['W_2', 'A_2', 'b_2', 'M0_2'\]"):
        rnn_ntk.apply(flat, x1, deep)
    q = rnn_ntk.init_params(jax.random.key(0), deep, m=4, d=2, L=4)
    with pytest.raises(ValueError, match=r"params\['A_2'\] must have shape \(m, m\)"):
        rnn_ntk.apply({**q, "A_2": jnp.zeros((4, 2))}, x1, deep)
    with pytest.raises(ValueError, match="names layer 3 but the network has depth=2"):
        rnn_ntk.empirical_ntk(q, x1, cfg=deep, blocks=("W_3",))
