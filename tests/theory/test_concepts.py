"""Concept classes (eqs. 9, 11) against explicit numpy loops; inputs, margins, bad input."""

import math

import jax.numpy as jnp
import numpy as np
import pytest

from rnn_ntk import theory


def numpy_additive(x, positions, betas, psis):
    out = np.zeros(len(x))
    for i, seq in enumerate(x):
        for l, b, f in zip(positions, betas, psis, strict=True):
            X = seq[l - 1]
            out[i] += f(b @ X / np.linalg.norm(X))
    return out


def numpy_n_variable(x, positions, betas, psis):
    out = np.zeros(len(x))
    N = len(positions)
    for i, seq in enumerate(x):
        cat = np.concatenate([seq[l - 1] for l in positions])
        den = math.sqrt(N) * max(np.linalg.norm(seq[l - 1]) for l in positions)
        for b, f in zip(betas, psis, strict=True):
            out[i] += f(b @ cat / den)
    return out


def test_sample_sequences_norm_range_and_seed():
    x = theory.sample_sequences(50, 7, 3, c_min=0.5, c_max=1.5, seed=3)
    norms = np.linalg.norm(x, axis=-1)
    assert x.shape == (50, 7, 3)
    assert norms.min() >= 0.5 - 1e-12 and norms.max() <= 1.5 + 1e-12
    assert norms.max() - norms.min() > 0.5  # the range is actually used
    np.testing.assert_array_equal(x, theory.sample_sequences(50, 7, 3, c_min=0.5,
                                                             c_max=1.5, seed=3))


def test_additive_concept_matches_loop():
    L, d = 6, 3
    x = theory.sample_sequences(9, L, d, seed=1)
    rng = np.random.default_rng(0)
    betas = rng.normal(size=(4, d))
    betas /= 1.2 * np.linalg.norm(betas, axis=1, keepdims=True)
    positions = (1, 2, 2, 6)
    psis = (theory.exp_series(0.5), theory.arctan_half(), theory.polynomial([0.1, -1, 2]),
            theory.exp_series(-1.0))
    c = theory.AdditiveConcept(L, positions, betas, psis)
    ref_fns = (lambda z: math.exp(0.5 * z), lambda z: math.atan(z / 2),
               lambda z: 0.1 - z + 2 * z * z, lambda z: math.exp(-z))
    np.testing.assert_allclose(c(x), numpy_additive(x, positions, betas, ref_fns), rtol=1e-13)


def test_n_variable_concept_matches_loop():
    L, d = 8, 2
    x = theory.sample_sequences(9, L, d, c_min=0.3, c_max=2.0, seed=2)
    c = theory.random_n_variable(L, d, (2, 7, 5), theory.exp_series(), n_terms=3, seed=4)
    assert c.N == 3 and c.l0 == 5 and c.d == d
    want = numpy_n_variable(x, c.positions, c.betas, [math.exp] * 3)
    np.testing.assert_allclose(c(x), want, rtol=1e-13)


def test_psi_arguments_lie_in_unit_interval():
    # with ||beta|| <= 1 the arguments are in [-1, 1]; psi(z) = z makes F* the argument
    x = theory.sample_sequences(200, 5, 3, c_min=0.1, c_max=3.0, seed=0)
    ident = theory.polynomial([0.0, 1.0])
    for c in (theory.random_additive(5, 3, ident, positions=(3,)),
              theory.random_n_variable(5, 3, (1, 5), ident)):
        z = np.asarray(c(x))
        assert np.all(np.abs(z) <= 1 + 1e-12)


def test_analytic_function_checks_its_callable():
    with pytest.raises(ValueError, match="disagree"):
        theory.AnalyticFunction(np.array([1.0, 1.0]), jnp.exp, math.inf, "bad")
    f = theory.AnalyticFunction(np.array([0.0, 1.0, 0.0, -1 / 6, 0, 1 / 120, 0, -1 / 5040,
                                          0, 1 / 362880]), jnp.sin, math.inf, "sin",
                                check_tol=1e-7)
    np.testing.assert_allclose(f(jnp.asarray([0.3])), [math.sin(0.3)])
    with pytest.raises(ValueError, match="non-finite"):
        theory.polynomial([1.0, np.nan])


def test_labels_with_margin_rescaling():
    c = theory.random_additive(4, 2, theory.arctan_half(), seed=1)
    x = theory.sample_sequences(40, 4, 2, seed=5)
    lab = theory.label(c, x)
    f = np.asarray(c(x))
    assert set(np.unique(lab.y)) <= {-1.0, 1.0}
    np.testing.assert_array_equal(lab.y, np.sign(f))
    assert lab.scale == pytest.approx(1 / np.min(np.abs(f)))
    margins = lab.y * lab.y_tilde
    assert margins.min() == pytest.approx(1.0) and np.all(margins >= 1 - 1e-12)


def test_sample_labelled_conditions_on_the_margin():
    c = theory.random_n_variable(6, 2, (1, 4), theory.exp_series(), seed=0)
    c = c.shifted(-float(np.median(c(theory.sample_sequences(500, 6, 2, seed=9)))))
    gamma = theory.margin_quantile(c, 0.2, n=500)
    data = theory.sample_labelled(c, 100, gamma=gamma, seed=1)
    assert data.x.shape == (100, 6, 2)
    assert np.all(np.abs(data.f) >= gamma)
    assert np.all(data.y * data.y_tilde >= 1 - 1e-12)
    np.testing.assert_allclose(data.f, c(data.x), rtol=1e-13)
    assert 0.65 < data.acceptance < 0.95  # about 1 - 0.2 of proposals pass
    assert 20 < np.sum(data.y > 0) < 80  # the median shift balances the labels


def test_shifted_and_scaled_concepts():
    c = theory.random_additive(3, 2, theory.exp_series(), seed=0)
    x = theory.sample_sequences(5, 3, 2)
    np.testing.assert_allclose(c.shifted(2.5)(x), c(x) + 2.5, rtol=1e-13)
    np.testing.assert_allclose(c.scaled(-2.0)(x), -2.0 * c(x), rtol=1e-13)
    assert c.shifted(2.5).complexity(2.0) == pytest.approx(c.complexity(2.0))


def test_bad_input_is_rejected_clearly():
    c = theory.random_additive(5, 2, theory.exp_series(), positions=(2, 5))
    with pytest.raises(ValueError, match="L = 4.*L = 5"):
        c(theory.sample_sequences(3, 4, 2))
    with pytest.raises(ValueError, match="d = 3"):
        c(theory.sample_sequences(3, 5, 3))
    with pytest.raises(ValueError, match="positions.*1..L"):
        theory.AdditiveConcept(4, (1, 5), np.eye(2) * 0.5, theory.exp_series())
    with pytest.raises(ValueError, match="positions.*1..L"):
        theory.random_n_variable(4, 2, (0, 2), theory.exp_series())
    with pytest.raises(ValueError, match="repeats"):
        theory.random_n_variable(4, 2, (2, 2), theory.exp_series())
    with pytest.raises(ValueError, match="norm"):
        theory.AdditiveConcept(4, (1,), np.array([[1.0, 1.0]]), theory.exp_series())
    with pytest.raises(ValueError, match="labels -1 and \\+1"):
        theory.as_labels(np.array([0.0, 1.0, 1.0]))
    x = theory.sample_sequences(3, 5, 2)
    x[1, 1] = 0.0
    with pytest.raises(ValueError, match="X_l = 0"):
        c(x)
    zero = theory.AdditiveConcept(5, (1,), np.zeros((1, 2)), theory.polynomial([0.0, 1.0]))
    with pytest.raises(ValueError, match="undefined"):
        theory.label(zero, theory.sample_sequences(3, 5, 2))


def test_no_sequences_give_empty_values_and_samples():
    psi = theory.polynomial([0.0, 1.0])
    x0 = np.zeros((0, 3, 2))
    add = theory.random_additive(3, 2, psi)
    nvar = theory.random_n_variable(3, 2, (1, 3), psi, n_terms=2)  # was a ZeroDivisionError
    assert add(x0).shape == (0,) and nvar(x0).shape == (0,)
    assert theory.label(nvar, x0).y.shape == (0,)
    empty = theory.sample_labelled(add, 0, gamma=0.1)  # was numpy's "need at least one array"
    assert empty.x.shape == (0, 3, 2) and empty.y.shape == (0,)
    assert theory.sample_sequences(0, 3, 2).shape == (0, 3, 2)
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        theory.margin_quantile(add, 0.1, n=0)


def test_concept_arguments_are_named():
    psi = theory.polynomial([0.0, 1.0])
    with pytest.raises(TypeError, match="positions must be a sequence of 1-based step"):
        theory.AdditiveConcept(3, None, np.eye(2), psi)
    with pytest.raises(TypeError, match="positions must be a sequence"):
        theory.random_n_variable(3, 2, 5, psi)
    with pytest.raises(TypeError, match=r"positions\[0\] must be an int"):
        theory.AdditiveConcept(3, (True, 2), np.eye(2), psi)
    with pytest.raises(TypeError, match="betas must be an array of real numbers"):
        theory.AdditiveConcept(3, (1, 2), "b", psi)
    with pytest.raises(ValueError, match="betas contains 4 non-finite"):
        theory.AdditiveConcept(3, (1, 2), np.full((2, 2), np.nan), psi)
    for bad in (None, 5):
        with pytest.raises(TypeError, match="psis must be a sequence of AnalyticFunctions"):
            theory.AdditiveConcept(3, (1, 2), np.eye(2), bad)


@pytest.mark.parametrize("call", [
    lambda seed: theory.random_additive(3, 2, theory.polynomial([0.0, 1.0]), seed=seed),
    lambda seed: theory.random_n_variable(3, 2, (1, 2), theory.polynomial([0.0, 1.0]),
                                          seed=seed),
    lambda seed: theory.sample_sequences(4, 3, 2, seed=seed),
    lambda seed: theory.margin_quantile(theory.random_additive(3, 2, theory.polynomial(
        [0.0, 1.0])), 0.1, n=16, seed=seed),
    lambda seed: theory.sample_labelled(theory.random_additive(3, 2, theory.polynomial(
        [0.0, 1.0])), 4, gamma=1e-3, seed=seed),
])
def test_seeds_are_ints_at_least_zero(call):
    """seed=True/None were used silently; -1, 0.5, "2" gave numpy's messages."""
    ref = call(3)
    for ok in (np.int64(3), jnp.int32(3), np.array(3), np.uint8(3)):
        got = call(ok)
        if isinstance(ref, float):
            assert got == ref
        else:
            np.testing.assert_array_equal(getattr(got, "x", getattr(got, "betas", got)),
                                          getattr(ref, "x", getattr(ref, "betas", ref)))
    for bad, exc in ((-1, ValueError), (True, TypeError), (None, TypeError), (0.5, TypeError),
                     ("2", TypeError), ([1], TypeError)):
        with pytest.raises(exc, match="seed must be an int"):
            call(bad)


def test_labels_check_their_count():
    with pytest.raises(TypeError, match="n must be an int"):
        theory.as_labels(np.ones(2), n=True)
    with pytest.raises(TypeError, match="y must be an array of labels"):
        theory.as_labels(None)
    assert theory.as_labels(np.array([True, True]) * 2 - 1, n=np.int64(2)).tolist() == [1, 1]
