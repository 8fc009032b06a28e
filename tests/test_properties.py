"""Hypothesis properties of the finite network, the theory, the estimators' helpers and the
validators (issue 10, item 7). The analytic kernels' properties live in tests/infinite/.

Example counts are bounded (``max_examples``) and shapes are drawn from small sets, so
each property compiles a handful of programs and runs in a few seconds.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnn_ntk
from rnn_ntk import Sequences, theory
from rnn_ntk._validate import check_bool, check_int, check_real, check_real_array
from rnn_ntk.finite._table import norm_ratio, relative_error

CFG = rnn_ntk.RNNConfig(sa2=0.6, sb2=0.3)
FEW = settings(max_examples=15, deadline=None)
SOME = settings(max_examples=40, deadline=None)

seeds = st.integers(0, 2**31 - 1)
blocks = st.lists(st.sampled_from(rnn_ntk.BLOCKS), min_size=1, max_size=5, unique=True)


def _problem(seed, n, L=3, d=2, m=5, scale=1.0):
    rng = np.random.default_rng(seed)
    p = rnn_ntk.init_params(jax.random.key(seed % 1000), CFG, m=m, d=d, L=L)
    return p, scale * rng.normal(size=(n, L, d))


@FEW
@given(seed=seeds, n=st.sampled_from([1, 3, 4]), bl=blocks, steps=st.booleans(),
       parameterization=st.sampled_from(["standard", "ntk"]))
def test_empirical_ntk_is_symmetric_and_psd(seed, n, bl, steps, parameterization):
    p, x = _problem(seed, n)
    H = np.asarray(rnn_ntk.empirical_ntk(p, x, cfg=CFG, blocks=tuple(bl), steps=steps,
                                         parameterization=parameterization, tile_size=2))
    for G in H if steps else [H]:
        np.testing.assert_allclose(G, G.T, rtol=1e-13, atol=1e-15 * np.abs(G).max())
        eig = np.linalg.eigvalsh(G)  # a Gram of gradients: PSD up to rounding
        assert eig[0] >= -1e-10 * max(eig[-1], 1e-300)


@FEW
@given(seed=seeds, n1=st.sampled_from([1, 2, 3]), n2=st.sampled_from([1, 2, 4]), bl=blocks,
       method=st.sampled_from(["structured", "autodiff"]))
def test_swapping_the_sides_transposes_the_empirical_ntk(seed, n1, n2, bl, method):
    p, x = _problem(seed, n1 + n2)
    a, b = x[:n1], x[n1:]
    ab = rnn_ntk.empirical_ntk(p, a, b, cfg=CFG, blocks=tuple(bl), method=method)
    ba = rnn_ntk.empirical_ntk(p, b, a, cfg=CFG, blocks=tuple(bl), method=method)
    np.testing.assert_allclose(np.asarray(ab), np.asarray(ba).T, rtol=1e-12, atol=1e-14)


@FEW
@given(seed=seeds, lengths=st.lists(st.integers(1, 4), min_size=1, max_size=4),
       fill=st.sampled_from([np.nan, 0.0, 1e6]), steps=st.booleans())
def test_apply_on_sequences_equals_each_sequence_alone(seed, lengths, fill, steps):
    p, x = _problem(seed, len(lengths), L=4)
    for i, li in enumerate(lengths):
        x[i, li:] = fill  # the padding is never read
    got = np.asarray(rnn_ntk.apply(p, Sequences(x, np.asarray(lengths)), CFG, steps=steps))
    for i, li in enumerate(lengths):
        alone = np.asarray(rnn_ntk.apply(p, x[i : i + 1, :li], CFG, steps=steps))[0]
        # steps count from the end: the last li columns are the sequence's own outputs
        want = alone[-li:] if steps else alone
        np.testing.assert_allclose(got[i, -li:] if steps else got[i], want, rtol=1e-12,
                                   atol=1e-14)


@FEW
@given(seed=seeds, n=st.sampled_from([1, 3]))
def test_empirical_kernels_split_theta_into_same_and_cross_steps(seed, n):
    p, x = _problem(seed, n)
    ek = rnn_ntk.empirical_kernels(p, x, cfg=CFG)
    np.testing.assert_allclose(ek.H, ek.H_diag + ek.H_cross, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(ek.H, rnn_ntk.empirical_ntk(p, x, cfg=CFG), rtol=1e-12,
                               atol=1e-13)
    np.testing.assert_allclose(ek.K[-1], rnn_ntk.empirical_ntk(p, x, cfg=CFG, blocks="B"),
                               rtol=1e-12, atol=1e-13)


@FEW
@given(n1=st.sampled_from([0, 2]), n2=st.sampled_from([0, 3]), steps=st.booleans(),
       method=st.sampled_from(["structured", "autodiff"]))
def test_every_empty_side_gives_an_empty_gram(n1, n2, steps, method):
    p, x = _problem(0, 5)
    a, b = x[:n1], x[n1 : n1 + n2]
    if n1 and n2:
        return
    got = rnn_ntk.empirical_ntk(p, a, b, cfg=CFG, method=method, steps=steps)
    assert got.shape == ((3,) if steps else ()) + (n1, n2)
    assert got.shape == rnn_ntk.ntk(a, b, cfg=CFG, steps=steps).shape


@SOME
@given(value=st.integers(-(2**15), 2**15),
       kind=st.sampled_from([int, np.int8, np.int16, np.int32, np.int64, np.uint8,
                             np.uint16, np.uint32, np.uint64, jnp.int32, np.array]))
def test_validators_take_every_integer_scalar_type(value, kind):
    try:
        v = kind(value)
    except (OverflowError, ValueError):  # the value does not fit the type
        return
    if np.ndim(v) or int(v) != value:  # wrapped around (unsigned types)
        return
    assert check_int("m", v) == value and type(check_int("m", v)) is int
    assert check_real("sw2", v) == float(value)


@SOME
@given(value=st.floats(-1e4, 1e4, allow_nan=False),
       kind=st.sampled_from([float, np.float16, np.float32, np.float64, jnp.float32,
                             jnp.bfloat16, np.array]))
def test_validators_take_every_float_scalar_type(value, kind):
    v = kind(value)
    assert check_real("sw2", v) == float(np.asarray(v, np.float64))
    with pytest.raises(TypeError, match="m must be an int"):
        check_int("m", v)


@SOME
@given(value=st.sampled_from([True, False, np.bool_(True), np.bool_(False), jnp.bool_(True),
                              np.array(True)]))
def test_validators_refuse_bools_as_numbers(value):
    for check in (check_int, check_real):
        with pytest.raises(TypeError):
            check("x", value)
    assert check_bool("steps", value) is bool(value)


@SOME
@given(dt=st.sampled_from([np.float16, jnp.bfloat16, np.float32, np.float64, np.int8,
                           np.int64, np.uint16]),
       shape=st.lists(st.integers(0, 3), max_size=3))
def test_real_arrays_of_any_float_or_int_dtype_become_float64(dt, shape):
    a = np.ones(shape, dtype=dt)
    out = check_real_array("H", a)
    assert out.dtype == np.float64 and out.shape == tuple(shape) and np.all(out == 1)


@SOME
@given(num=st.floats(0, 1e300), den=st.floats(0, 1e300))
def test_norm_ratios_are_never_nan(num, den):
    r = float(norm_ratio(num, den))
    assert not np.isnan(r)
    assert r == (num / den if den > 0 else (np.inf if num > 0 else 0.0))
    assert relative_error(np.zeros(2), np.zeros(2)) == 0


@FEW
@given(seed=seeds, n=st.sampled_from([2, 5]), c=st.floats(-10, 10))
def test_kernel_scale_ignores_a_constant_and_scales_linearly(seed, n, c):
    from rnn_ntk.learn import kernel_scale

    rng = np.random.default_rng(seed)
    F = rng.normal(size=(n, 3))
    H = F @ F.T
    s = kernel_scale(H)
    assert kernel_scale(H + c) == pytest.approx(s, rel=1e-9, abs=1e-9)
    assert kernel_scale(3.0 * H) == pytest.approx(3.0 * s, rel=1e-9)


@FEW
@given(seed=seeds, n=st.sampled_from([1, 3, 6]), ridge=st.floats(1e-3, 10.0))
def test_gradient_flow_runs_from_its_start_to_kernel_regression(seed, n, ridge):
    rng = np.random.default_rng(seed)
    F = rng.normal(size=(n + 2, 4))
    K, Ks, y = F[:n] @ F[:n].T, F[n:] @ F[:n].T, rng.normal(size=n)
    f0 = rng.normal(size=n)
    start = theory.gradient_flow(K, y, 0.0, Ks, fx_train_0=f0, ridge=ridge)
    np.testing.assert_allclose(start.train, f0, atol=1e-12)
    np.testing.assert_allclose(start.test, 0.0, atol=1e-12)
    end = theory.gradient_flow(K, y, np.inf, Ks, ridge=ridge)
    np.testing.assert_allclose(end.test, theory.kernel_regression(K, y, Ks, ridge=ridge),
                               rtol=1e-8, atol=1e-10)
    ts = theory.gradient_flow(K, y, np.array([0.5, 5.0, np.inf]), Ks, ridge=ridge)
    assert np.all(np.isfinite(ts.train)) and np.all(np.isfinite(ts.test))
    loss = np.sum((ts.train - y) ** 2, axis=-1)  # the MSE never increases along the flow
    assert loss[0] >= loss[1] - 1e-12 and loss[1] >= loss[2] - 1e-12


@FEW
@given(seed=seeds, n=st.sampled_from([1, 4]), jitter=st.floats(0.0, 1.0))
def test_quadratic_form_is_positive_and_scales_inversely(seed, n, jitter):
    rng = np.random.default_rng(seed)
    F = rng.normal(size=(n, n + 2))
    H, y = F @ F.T + 0.1 * np.eye(n), rng.normal(size=n)
    q = theory.inverse_quadratic_form(H, y, jitter=jitter)
    assert q.quad > 0 and q.norm == pytest.approx(np.sqrt(q.quad)) and q.jitter == jitter
    q2 = theory.inverse_quadratic_form(2.0 * H, y, jitter=2.0 * jitter)
    assert q2.quad == pytest.approx(q.quad / 2.0, rel=1e-9)
    assert theory.psd_lower_constant(H, H) == pytest.approx(1.0, rel=1e-9)
