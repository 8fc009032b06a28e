"""The finite-width RNN (SPEC §1): forward pass, ragged batches (SPEC §6), bad input.

Sample i of a ragged batch ``Sequences(x, lengths)`` is x[i, :lengths[i]]; the scan
right-aligns the samples and holds h at h_0 until each starts. Checked against a numpy
reference network and against the network run on each sequence alone (unpadded).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _reference import numpy_forward_backward, numpy_params
from conftest import random_sequences

import rnn_ntk
from rnn_ntk import RNNConfig, Sequences
from rnn_ntk._sequences import right_align
from rnn_ntk.finite._network import forward

CFG = rnn_ntk.RNNConfig(sb2=0.3)  # a bias, so every block is non-zero
RAGGED_CFG = RNNConfig(sa2=0.6, sb2=0.3)
LENGTHS = np.array([5, 2, 5, 1, 3])


def padded(lengths, L, d=2, seed=0, fill=np.nan):
    x = random_sequences(len(lengths), L, d, seed=seed)
    for i, n in enumerate(lengths):
        x[i, n:] = fill  # aeon-style NaN padding must be ignored
    return x


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
            forward(p, x, CFG, steps, unroll=True), forward(p, x, CFG, steps), rtol=1e-13
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


# ------------------------------------------------------------------- ragged batches


@pytest.mark.parametrize("h0, fill", [("random", np.nan), ("zero", np.nan), ("random", 1e300)])
def test_ragged_apply_equals_each_sequence_alone(h0, fill):
    cfg = RNNConfig(sa2=0.6, sb2=0.3, h0=h0)
    p = rnn_ntk.init_params(jax.random.key(0), cfg, m=9, d=2, L=5)
    x = padded(LENGTHS, 5, fill=fill)
    s = Sequences(x, LENGTHS)
    g = np.asarray(rnn_ntk.apply(p, s, cfg))
    gl = np.asarray(rnn_ntk.apply(p, s, cfg, steps=True))
    hs = np.asarray(rnn_ntk.hidden_states(p, s, cfg))
    assert g.shape == (5,) and gl.shape == (5, 5) and hs.shape == (5, 6, 9)
    assert np.all(np.isfinite(gl)) and np.all(np.isfinite(hs))
    h0_vec = np.asarray(rnn_ntk.hidden_states(p, x[:1, :1], cfg))[0, 0]
    for i, n in enumerate(LENGTHS):
        xi = x[i : i + 1, :n]  # unpadded, alone
        np.testing.assert_allclose(g[i], rnn_ntk.apply(p, xi, cfg)[0], rtol=1e-12, atol=1e-15)
        # steps count from the end; before the start the output is B^T h_0
        np.testing.assert_allclose(
            gl[i, 5 - n :], rnn_ntk.apply(p, xi, cfg, steps=True)[0], rtol=1e-12, atol=1e-15
        )
        np.testing.assert_allclose(gl[i, : 5 - n], float(p["B"] @ h0_vec), rtol=1e-12, atol=0)
        np.testing.assert_allclose(
            hs[i, 5 - n :], rnn_ntk.hidden_states(p, xi, cfg)[0], rtol=1e-12, atol=1e-15
        )
        np.testing.assert_array_equal(hs[i, : 6 - n], np.broadcast_to(h0_vec, (6 - n, 9)))


def test_ragged_apply_full_lengths_jit_grad_and_unrolled():
    cfg = RAGGED_CFG
    p = rnn_ntk.init_params(jax.random.key(1), cfg, m=8, d=2, L=5)
    x = padded(LENGTHS, 5, seed=4)
    full = random_sequences(5, 5, 2, seed=4)
    np.testing.assert_array_equal(
        rnn_ntk.apply(p, Sequences(full, np.full(5, 5)), cfg, steps=True),
        rnn_ntk.apply(p, full, cfg, steps=True),
    )
    want = rnn_ntk.apply(p, Sequences(x, LENGTHS), cfg, steps=True)
    # traced lengths (and traced NaN-padded x) under jit
    jitted = jax.jit(lambda a, n: rnn_ntk.apply(p, Sequences(a, n), cfg, steps=True))
    np.testing.assert_allclose(jitted(x, LENGTHS), want, rtol=1e-13)
    # the Python-loop form (used for neural-tangents' jaxpr) is the same function
    xa, act = right_align(jnp.asarray(np.nan_to_num(x)), LENGTHS, 5)
    np.testing.assert_allclose(forward(p, xa, cfg, True, unroll=True, act=act), want, rtol=1e-13)
    # gradients through NaN padding stay finite (select, never NaN * 0)
    grad = jax.grad(lambda q: jnp.sum(rnn_ntk.apply(q, Sequences(x, LENGTHS), cfg) ** 2))(p)
    assert all(bool(jnp.all(jnp.isfinite(v))) for v in grad.values())


# ------------------------------------------------------------------------ bad input


def _params():
    return {k: np.asarray(v) for k, v in numpy_params(0, CFG, m=4, d=2, L=3).items()}


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
    with pytest.raises(TypeError, match="steps must be True or False"):
        rnn_ntk.apply(p, random_sequences(2, 3, 2), CFG, steps="no")


def test_bad_lengths():
    p = rnn_ntk.init_params(jax.random.key(3), RAGGED_CFG, m=7, d=2, L=5)
    x1 = padded(LENGTHS, 5, seed=1)
    x0 = np.nan_to_num(x1)
    for call in (rnn_ntk.apply, rnn_ntk.hidden_states):
        for n in (np.array([5, 2, 6, 1, 3]), np.array([5, 0, 5, 1, 3])):
            with pytest.raises(ValueError, match=r"x.lengths must lie in \[1, 5\]"):
                call(p, Sequences(x0, n), RAGGED_CFG)
        for n in (np.array([5, 2]), LENGTHS[None]):
            with pytest.raises(ValueError, match=r"x.lengths must have shape \(5,\)"):
                call(p, Sequences(x0, n), RAGGED_CFG)
        for n in (LENGTHS.astype(float), LENGTHS > 2):
            with pytest.raises(TypeError, match="x.lengths must be integers"):
                call(p, Sequences(x0, n), RAGGED_CFG)
    # NaN inside a sequence is still an error; without lengths the padding is data.
    bad = x1.copy()
    bad[1, 1, 0] = np.nan
    with pytest.raises(ValueError, match="x.x contains 1 non-finite"):
        rnn_ntk.apply(p, Sequences(bad, LENGTHS), RAGGED_CFG)
    with pytest.raises(ValueError, match="non-finite"):
        rnn_ntk.apply(p, x1, RAGGED_CFG)


def test_every_bool_option_is_a_bool():
    p = _params()
    x = random_sequences(2, 3, 2)
    for bad in ("no", "yes", 1, 0, None, 1.0, np.int64(1)):
        with pytest.raises(TypeError, match="steps must be True or False"):
            rnn_ntk.apply(p, x, CFG, steps=bad)
        for flag in ("steps", "unroll"):
            with pytest.raises(TypeError, match=f"{flag} must be True or False"):
                rnn_ntk.finite.reparameterized(p, CFG, L=3, **{flag: bad})
    np.testing.assert_array_equal(rnn_ntk.apply(p, x, CFG, steps=np.bool_(True)),
                                  rnn_ntk.apply(p, x, CFG, steps=True))


def test_blocks_of_the_wrong_type_are_named():
    p = _params()
    for bad in (None, 5, [1]):
        with pytest.raises((TypeError, ValueError), match="block"):
            rnn_ntk.finite.reparameterized(p, CFG, L=3, blocks=bad)
    with pytest.raises(TypeError, match=r"blocks must be a sequence of block names"):
        rnn_ntk.finite.reparameterized(p, CFG, L=3, blocks=None)


def test_no_samples_give_empty_outputs():
    p = _params()
    x0 = np.zeros((0, 3, 2))
    assert rnn_ntk.apply(p, x0, CFG).shape == (0,)
    assert rnn_ntk.apply(p, x0, CFG, steps=True).shape == (0, 3)
    assert rnn_ntk.hidden_states(p, x0, CFG).shape == (0, 4, 4)
    s0 = Sequences(x0, np.zeros(0, int))
    assert rnn_ntk.apply(p, s0, CFG).shape == (0,)
    assert rnn_ntk.hidden_states(p, s0, CFG).shape == (0, 4, 4)


@pytest.mark.parametrize("dt", [np.float16, jnp.bfloat16])
def test_half_precision_inputs_and_params_are_cast(dt):
    """Inputs and parameters of any real float dtype are accepted; computed in >= float32."""
    p = _params()
    x = random_sequences(3, 3, 2)
    xh = jnp.asarray(x, dt)
    want = rnn_ntk.apply(p, np.asarray(xh.astype(jnp.float64)), CFG)
    np.testing.assert_array_equal(rnn_ntk.apply(p, xh, CFG), want)
    ph = {k: jnp.asarray(v, dt) for k, v in p.items()}
    out = rnn_ntk.apply(ph, x, CFG)
    assert out.dtype == jnp.float32
    p32 = {k: np.asarray(v.astype(jnp.float32)) for k, v in ph.items()}
    np.testing.assert_allclose(out, rnn_ntk.apply(p32, x.astype(np.float32), CFG), rtol=1e-6)


def test_overflow_is_an_error_not_inf():
    """Outputs beyond the compute dtype's range raise instead of coming back inf/NaN."""
    p = {k: np.asarray(v) for k, v in _params().items()}
    x = random_sequences(2, 3, 2)
    big = {**p, "A": p["A"] * 1e30}  # float32 holds the params, not g(x) ~ 1e30 * 1e30
    p32 = {k: v.astype(np.float32) for k, v in big.items()}
    with pytest.raises(FloatingPointError, match=r"apply is not finite in float32"):
        rnn_ntk.apply({**p32, "B": p32["B"] * np.float32(1e10)}, x.astype(np.float32) * 1e5,
                      CFG)
    with pytest.raises(FloatingPointError, match=r"hidden_states is not finite"):
        rnn_ntk.hidden_states(p32, x.astype(np.float32) * 1e10, CFG)
    # finite float64 parameters that float32 cannot hold: an OverflowError naming them
    with pytest.raises(OverflowError, match=r"params\['A'\] holds values beyond .*float32"):
        rnn_ntk.apply({**p, "A": p["A"] * 1e300}, x, CFG, dtype=jnp.float32)
    assert np.isfinite(rnn_ntk.apply(big, x, CFG)).all()  # float64 holds them
