"""Sequences and bad input to the kernel API: clear errors naming the argument."""

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


def test_sequences_is_the_one_input_type():
    """A Sequences without lengths is the plain array; from_nan reads aeon-style padding."""
    np.testing.assert_array_equal(rnn_ntk.ntk(rnn_ntk.Sequences(X)), rnn_ntk.ntk(X))
    x = np.random.default_rng(1).normal(size=(4, 5, 2))
    x[1, 3:] = np.nan
    x[3, 1:] = np.nan
    s = rnn_ntk.Sequences.from_nan(x)
    np.testing.assert_array_equal(s.lengths, [5, 3, 5, 1])
    assert s.ragged and not rnn_ntk.Sequences.from_nan(x[[0, 2]]).ragged
    H = rnn_ntk.ntk(s)
    clean = np.nan_to_num(x, nan=123.0)  # the padding is never read
    np.testing.assert_array_equal(H, rnn_ntk.ntk(rnn_ntk.Sequences(clean, s.lengths)))
    # a NaN-padded array without lengths is refused with a pointer to from_nan
    with pytest.raises(ValueError, match="Sequences.from_nan"):
        rnn_ntk.ntk(x)


def test_sequences_under_jit():
    x = np.random.default_rng(2).normal(size=(3, 4, 2))
    lengths = np.array([4, 2, 3])
    f = jax.jit(lambda s: rnn_ntk.ntk(s, tile_size=2))
    np.testing.assert_allclose(
        f(rnn_ntk.Sequences(x, lengths)), rnn_ntk.ntk(rnn_ntk.Sequences(x, lengths)), rtol=1e-14
    )


@pytest.mark.parametrize("dt", [np.float16, jnp.bfloat16, np.float32])
def test_every_real_float_input_is_accepted_and_cast(dt):
    """float16 and bfloat16 inputs are cast alike (never refused as 'not real floating')."""
    from rnn_ntk._sequences import as_sequences

    x = jnp.asarray(X, dt)
    s = as_sequences(x, "x1", jnp.float64)
    assert s.x.dtype == jnp.float64
    np.testing.assert_array_equal(s.x, np.asarray(x.astype(jnp.float64)))
    np.testing.assert_array_equal(rnn_ntk.ntk(x), rnn_ntk.ntk(np.asarray(s.x)))
    ragged = np.array(x.astype(jnp.float32)).astype(dt)
    ragged[0, 1:] = np.nan
    assert rnn_ntk.Sequences.from_nan(ragged).lengths.tolist()[0] == 1


def test_non_float_inputs_are_refused_alike():
    for bad, what in ((X.astype(int), "integer"), (X > 0, "boolean"), (X.astype(complex),
                      "complex"), (np.full(X.shape, "a"), "non-numeric")):  # fmt: skip
        with pytest.raises(TypeError, match=rf"x1 has {what} dtype .*real floating-point"):
            rnn_ntk.ntk(bad)


def test_finiteness_is_checked_in_the_compute_dtype():
    """A finite float64 entry beyond float32's range would become inf after the cast."""
    from rnn_ntk._sequences import as_sequences

    big = X.copy()
    big[0, 0, 0] = 1e39
    with pytest.raises(OverflowError, match=r"x1 .*float32"):
        as_sequences(big, "x1", jnp.float32)
    assert np.isfinite(as_sequences(big, "x1", jnp.float64).x).all()
    with pytest.raises(ValueError, match=r"x1 contains 1 non-finite"):
        as_sequences(np.where(big > 1e38, np.inf, big), "x1", jnp.float64)


def test_reversed_in_time_and_left_align_keep_each_sequence_within_its_length():
    from rnn_ntk import Sequences
    from rnn_ntk._sequences import left_align, reversed_in_time

    x = np.arange(2 * 4 * 1, dtype=float).reshape(2, 4, 1)
    x[1, 2:] = np.nan
    r = reversed_in_time(Sequences(x, np.array([4, 2])))
    np.testing.assert_array_equal(np.asarray(r.x)[0, :, 0], [3, 2, 1, 0])
    np.testing.assert_array_equal(np.asarray(r.x)[1, :2, 0], [5, 4])  # padding stays put
    assert np.isnan(np.asarray(r.x)[1, 2:]).all()
    twice = reversed_in_time(r)
    np.testing.assert_array_equal(np.asarray(twice.x)[:, :2], x[:, :2])
    np.testing.assert_array_equal(np.asarray(reversed_in_time(Sequences(x[:1])).x), x[:1, ::-1])
    xl, valid = left_align(jnp.asarray(x), jnp.asarray([4, 2]), 5)
    assert xl.shape == (2, 5, 1) and np.asarray(valid).sum() == 6
    np.testing.assert_array_equal(np.asarray(xl)[1, :, 0], [4, 5, 0, 0, 0])  # no NaN leaks
