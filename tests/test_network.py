"""The finite-width RNN (SPEC §1): initialisation, forward pass, bad input."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _reference import numpy_forward_backward, numpy_params
from conftest import random_sequences

import rnn_ntk
from rnn_ntk.network import _apply

CFG = rnn_ntk.RNNConfig(sb2=0.3)  # a bias, so every block is non-zero


def test_init_params_shapes_dtype_and_determinism():
    p = rnn_ntk.init_params(jax.random.key(3), CFG, m=5, d=2, L=4)
    assert sorted(p) == sorted(rnn_ntk.BLOCKS)
    want = {"W": (5, 5), "A": (5, 2), "b": (5,), "M0": (5,), "B": (5,)}
    assert {k: v.shape for k, v in p.items()} == want
    assert all(v.dtype == jnp.float64 for v in p.values())
    q = rnn_ntk.init_params(jax.random.key(3), CFG, m=5, d=2, L=4)
    r = rnn_ntk.init_params(jax.random.key(4), CFG, m=5, d=2, L=4)
    for k in rnn_ntk.BLOCKS:
        np.testing.assert_array_equal(p[k], q[k])
        assert not np.allclose(p[k], r[k])
    f32 = rnn_ntk.init_params(jax.random.key(3), CFG, m=5, d=2, L=4, dtype=jnp.float32)
    assert all(v.dtype == jnp.float32 for v in f32.values())


def test_init_params_variances():
    # Entries are N(0, sigma^2/m). With N samples the sample variance has relative
    # standard deviation sqrt(2/N): 0.3% for W (512^2 entries), 4.4% for the m = 512
    # vectors, 3.1% for A; the tolerances are > 4 of those standard deviations.
    m, d, L = 512, 2, 4
    cfg = rnn_ntk.RNNConfig(sb2=0.5, s02=1.5, sB2=3.0)
    p = rnn_ntk.init_params(jax.random.key(0), cfg, m=m, d=d, L=L)
    want = {"W": 2.0, "A": 2.0 / L**3, "b": 0.5, "M0": 1.5, "B": 3.0}
    rtol = {"W": 0.015, "A": 0.15, "b": 0.2, "M0": 0.2, "B": 0.2}
    for k, s2 in want.items():
        var = float(np.mean(np.asarray(p[k]) ** 2)) * m
        assert abs(var / s2 - 1) < rtol[k], (k, var, s2)
    # blocks are drawn independently: W and B are uncorrelated
    assert abs(np.corrcoef(np.asarray(p["W"][0]), np.asarray(p["B"]))[0, 1]) < 0.2
    zero_bias = rnn_ntk.init_params(jax.random.key(0), rnn_ntk.RNNConfig(), m=8, d=d, L=L)
    np.testing.assert_array_equal(zero_bias["b"], 0.0)


@pytest.mark.parametrize("h0", ["random", "zero"])
def test_forward_matches_numpy_reference(h0):
    cfg = rnn_ntk.RNNConfig(sb2=0.3, sa2=0.7, h0=h0)
    x = random_sequences(3, 5, 2, seed=1)
    p = numpy_params(0, cfg, m=7, d=2, L=5)
    ref = [numpy_forward_backward(p, xi, cfg) for xi in x]
    np.testing.assert_allclose(
        rnn_ntk.apply(p, x, cfg), [r["g"] for r in ref], rtol=1e-12, atol=1e-14
    )
    hs = rnn_ntk.hidden_states(p, x, cfg)
    np.testing.assert_allclose(hs, np.stack([r["h"] for r in ref]), rtol=1e-12, atol=1e-14)
    g_steps = rnn_ntk.apply(p, x, cfg, steps=True)
    assert g_steps.shape == (3, 5)
    want = np.stack([r["h"][1:] @ p["B"] for r in ref])
    np.testing.assert_allclose(g_steps, want, rtol=1e-12, atol=1e-14)


def test_unrolled_and_scanned_forward_agree():
    x = jnp.asarray(random_sequences(2, 4, 3, seed=2))
    p = rnn_ntk.init_params(jax.random.key(1), CFG, m=6, d=3, L=4)
    for steps in (False, True):
        np.testing.assert_allclose(
            _apply(p, x, CFG, steps, unroll=True), _apply(p, x, CFG, steps), rtol=1e-13
        )


def test_apply_under_jit_and_grad():
    x = random_sequences(2, 3, 2, seed=0)
    p = rnn_ntk.init_params(jax.random.key(0), CFG, m=4, d=2, L=3)
    f = jax.jit(lambda p, x: rnn_ntk.apply(p, x, CFG))
    np.testing.assert_allclose(f(p, x), rnn_ntk.apply(p, x, CFG), rtol=1e-14)
    g = jax.grad(lambda p: jnp.sum(rnn_ntk.apply(p, x, CFG)))(p)
    assert g["W"].shape == (4, 4) and bool(jnp.all(jnp.isfinite(g["W"])))


def test_float32_params_compute_in_float32():
    x = random_sequences(2, 3, 2, seed=0)
    p = rnn_ntk.init_params(jax.random.key(0), CFG, m=4, d=2, L=3, dtype=jnp.float32)
    assert rnn_ntk.apply(p, x, CFG).dtype == jnp.float32


# ------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "kw, exc, words",
    [
        ({"m": 0}, ValueError, "m (the width)"),
        ({"m": -3}, ValueError, "m (the width)"),
        ({"m": 2.5}, TypeError, "m (the width)"),
        ({"d": 0}, ValueError, "d (features"),
        ({"L": 0}, ValueError, "L (sequence"),
    ],
)
def test_init_params_rejects_bad_sizes(kw, exc, words):
    args = {"m": 4, "d": 2, "L": 3, **kw}
    with pytest.raises(exc, match=re.escape(words)):
        rnn_ntk.init_params(jax.random.key(0), CFG, **args)


def test_init_params_rejects_bad_key_and_cfg():
    with pytest.raises(TypeError, match="key must be a jax PRNG key"):
        rnn_ntk.init_params(0, CFG, m=4, d=2, L=3)
    with pytest.raises(TypeError, match="cfg must be an RNNConfig"):
        rnn_ntk.init_params(jax.random.key(0), {"sw2": 2}, m=4, d=2, L=3)


def _params():
    return {k: np.asarray(v) for k, v in numpy_params(0, CFG, m=4, d=2, L=3).items()}


@pytest.mark.parametrize(
    "edit, exc, words",
    [
        (lambda p: p.pop("B"), ValueError, "missing \\['B'\\]"),
        (lambda p: p.update(C=p["B"]), ValueError, "unexpected \\['C'\\]"),
        (lambda p: p.update(W=p["W"][:3]), ValueError, "params\\['W'\\] must be a square"),
        (lambda p: p.update(b=np.zeros(5)), ValueError, "params\\['b'\\] must have shape"),
        (lambda p: p.update(A=np.zeros((5, 2))), ValueError, "params\\['A'\\] must have shape"),
        (lambda p: p["W"].__setitem__((0, 0), np.nan), ValueError, "params\\['W'\\].*non-finite"),
        (lambda p: p["M0"].__setitem__(1, np.inf), ValueError, "params\\['M0'\\].*non-finite"),
        (lambda p: p.update(B=np.arange(4)), TypeError, "params\\['B'\\] must be a real"),
    ],
)
def test_apply_rejects_bad_params(edit, exc, words):
    p = _params()
    edit(p)
    with pytest.raises(exc, match=words):
        rnn_ntk.apply(p, random_sequences(2, 3, 2), CFG)


def test_apply_rejects_bad_inputs():
    p = _params()
    with pytest.raises(ValueError, match="x has d = 3 features.*params\\['A'\\]"):
        rnn_ntk.apply(p, random_sequences(2, 3, 3), CFG)
    x = random_sequences(2, 3, 2)
    x[1, 2, 0] = np.nan
    with pytest.raises(ValueError, match="x contains 1 non-finite"):
        rnn_ntk.apply(p, x, CFG)
    with pytest.raises(ValueError, match="x must have shape \\(n, L, d\\)"):
        rnn_ntk.apply(p, np.zeros((3, 2)), CFG)
    with pytest.raises(TypeError, match="x has integer dtype"):
        rnn_ntk.hidden_states(p, np.zeros((2, 3, 2), dtype=int), CFG)
    with pytest.raises(TypeError, match="params must be a dict"):
        rnn_ntk.apply([1, 2], random_sequences(2, 3, 2), CFG)
