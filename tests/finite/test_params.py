"""The parameters of the finite-width RNN (SPEC §1): initialisation and bad input."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _reference import numpy_params
from conftest import random_sequences

import rnn_ntk
from rnn_ntk.finite import check_params

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
    with pytest.raises(exc, match=words):
        check_params(p)


def test_params_must_be_a_dict():
    with pytest.raises(TypeError, match="params must be a dict"):
        rnn_ntk.apply([1, 2], random_sequences(2, 3, 2), CFG)


def test_init_params_takes_numpy_and_jax_integers():
    want = rnn_ntk.init_params(jax.random.key(3), CFG, m=5, d=2, L=4)
    for m, d, L in ((np.int64(5), np.int32(2), jnp.int32(4)), (np.array(5), np.uint8(2), 4)):
        got = rnn_ntk.init_params(jax.random.key(3), CFG, m=m, d=d, L=L)
        for k in want:
            np.testing.assert_array_equal(got[k], want[k])
    for bad in (True, 5.0, "5", None):
        with pytest.raises(TypeError, match=r"m \(the width\) must be an int"):
            rnn_ntk.init_params(jax.random.key(3), CFG, m=bad, d=2, L=4)
    with pytest.raises(TypeError, match=r"dtype must be float32 or float64"):
        rnn_ntk.init_params(jax.random.key(3), CFG, m=5, d=2, L=4, dtype=jnp.bfloat16)


def test_variances_take_numpy_and_jax_scalars():
    for v in (np.float32(2), np.int64(2), jnp.float32(2), np.array(2.0), np.uint8(2)):
        assert rnn_ntk.RNNConfig(sw2=v, sa2=v, sb2=v, s02=v, sB2=v) == rnn_ntk.RNNConfig(
            sw2=2.0, sa2=2.0, sb2=2.0, s02=2.0, sB2=2.0
        )
    for bad in (True, "2", None, np.nan, -1.0):
        with pytest.raises((TypeError, ValueError), match=r"RNNConfig.sw2 must be"):
            rnn_ntk.RNNConfig(sw2=bad)
