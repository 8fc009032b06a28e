"""Bad input to the kernel API and RNNConfig: clear errors naming the argument."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import rnn_ntk
from rnn_ntk import RNNConfig

X = np.random.default_rng(0).normal(size=(3, 4, 2))


@pytest.mark.parametrize(
    "x, exc, match",
    [
        (X[0], ValueError, r"x1 must have shape \(n, L, d\)"),
        (X[..., None], ValueError, r"x1 must have shape \(n, L, d\)"),
        (X[:, :0], ValueError, "L = 0"),
        (X[:, :, :0], ValueError, "d = 0"),
        (X.astype(np.int64), TypeError, "integer dtype"),
        (X > 0, TypeError, "boolean dtype"),
        (X.astype(np.complex128), TypeError, "complex dtype"),
        ([[[1.0, 2.0]], [[1.0]]], TypeError, "x1 must be an array"),
    ],
)
def test_bad_x1(x, exc, match):
    with pytest.raises(exc, match=match):
        rnn_ntk.ntk(x)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs(bad):
    x = X.copy()
    x[1, 2, 0] = bad
    with pytest.raises(ValueError, match="x1 contains 1 non-finite"):
        rnn_ntk.ntk(x)
    with pytest.raises(ValueError, match="x2 contains 1 non-finite"):
        rnn_ntk.ntk(X, x)


def test_mismatched_pairs():
    with pytest.raises(ValueError, match="same number of features d"):
        rnn_ntk.ntk(X, X[..., :1])
    with pytest.raises(ValueError, match="same sequence length L"):
        rnn_ntk.ntk(X, X[:, :3])


def test_bad_options():
    with pytest.raises(ValueError, match="unknown block"):
        rnn_ntk.ntk(X, blocks=("V",))
    with pytest.raises(ValueError, match="at least one"):
        rnn_ntk.ntk(X, blocks=())
    with pytest.raises(ValueError, match="twice"):
        rnn_ntk.ntk(X, blocks=("W", "W"))
    with pytest.raises(ValueError, match="'M0' exists only with h0='random'"):
        rnn_ntk.ntk(X, cfg=RNNConfig(h0="zero"), blocks=("M0",))
    with pytest.raises(ValueError, match="parameterization"):
        rnn_ntk.ntk(X, parameterization="mup")
    with pytest.raises(ValueError, match="tile_size"):
        rnn_ntk.ntk(X, tile_size=0)
    with pytest.raises(TypeError, match="cfg must be an RNNConfig"):
        rnn_ntk.ntk(X, cfg={"sw2": 2.0})
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        rnn_ntk.ntk(X, dtype=jnp.float16)


def test_single_block_string_is_accepted():
    np.testing.assert_array_equal(rnn_ntk.ntk(X, blocks="A"), rnn_ntk.ntk(X, blocks=("A",)))


def test_float64_request_without_x64():
    with jax.enable_x64(False):
        with pytest.raises(ValueError, match="jax_enable_x64"):
            rnn_ntk.ntk(X, dtype=np.float64)
        assert rnn_ntk.ntk(X).dtype == jnp.float32  # default follows jax's precision


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"sw2": -1.0}, ValueError, "sw2 must be a finite variance >= 0"),
        ({"sb2": float("nan")}, ValueError, "sb2 must be a finite variance"),
        ({"sB2": float("inf")}, ValueError, "sB2 must be a finite variance"),
        ({"s02": "2"}, TypeError, "s02 must be a real number"),
        ({"sw2": True}, TypeError, "sw2 must be a real number"),
        ({"sa2": "Paper"}, ValueError, "sa2 must be a variance >= 0 or the string 'paper'"),
        ({"sa2": -0.1}, ValueError, "sa2 must be a finite variance"),
        ({"h0": "ones"}, ValueError, "h0 must be 'random' or 'zero'"),
    ],
)
def test_config_validation(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        RNNConfig(**kwargs)


def test_config_is_frozen_hashable_and_resolves_sa2():
    cfg = RNNConfig()
    with pytest.raises(AttributeError):
        cfg.sw2 = 1.0
    assert hash(cfg) == hash(RNNConfig()) and cfg == RNNConfig(sw2=2)
    assert cfg.resolve_sa2(4) == 2.0 / 64
    assert RNNConfig(sa2=0.3).resolve_sa2(4) == 0.3
    assert cfg.k0 == 1.0 and RNNConfig(h0="zero").k0 == 0.0
    assert jax.tree_util.tree_leaves(cfg) == []  # static under jit
