"""Kernel regression and MSE gradient flow: numpy/scipy references and nt.predict."""

import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg

import rnn_ntk
from rnn_ntk import theory


@pytest.fixture(scope="module")
def problem():
    cfg = rnn_ntk.RNNConfig()
    x = theory.sample_sequences(14, 4, 2, seed=0)
    xt = theory.sample_sequences(5, 4, 2, seed=1)
    y = np.sign(np.random.default_rng(0).normal(size=14))
    K = np.asarray(rnn_ntk.ntk(x, cfg=cfg))
    Ks = np.asarray(rnn_ntk.ntk(xt, x, cfg=cfg))
    return K, Ks, y


def test_kernel_regression_matches_numpy(problem):
    K, Ks, y = problem
    got = rnn_ntk.kernel_regression(K, y, Ks)
    np.testing.assert_allclose(got, Ks @ np.linalg.solve(K, y), rtol=1e-9, atol=1e-10)
    got = rnn_ntk.kernel_regression(K, y, Ks, ridge=0.3)
    want = Ks @ np.linalg.solve(K + 0.3 * np.eye(len(y)), y)
    np.testing.assert_allclose(got, want, rtol=1e-11)


def test_gradient_flow_matches_matrix_exponential(problem):
    # f_t(X) = y + expm(-K t / n)(f_0 - y) and
    # f_t(x*) = f_0(x*) + k* K^-1 (I - expm(-K t / n)) (y - f_0(X)), written with scipy.
    K, Ks, y = problem
    n = len(y)
    rng = np.random.default_rng(2)
    f0, f0s = rng.normal(size=n), rng.normal(size=Ks.shape[0])
    ts = np.array([0.0, 0.7, 30.0, 2000.0])
    out = rnn_ntk.gradient_flow(K, y, ts, Ks, fx_train_0=f0, fx_test_0=f0s)
    assert out.train.shape == (4, n) and out.test.shape == (4, Ks.shape[0])
    for k, t in enumerate(ts):
        E = scipy.linalg.expm(-K * t / n)
        np.testing.assert_allclose(out.train[k], y + E @ (f0 - y), rtol=1e-9, atol=1e-10)
        want = f0s + Ks @ np.linalg.solve(K, (np.eye(n) - E) @ (y - f0))
        np.testing.assert_allclose(out.test[k], want, rtol=1e-8, atol=1e-9)


def test_gradient_flow_solves_the_ode_and_converges(problem):
    K, Ks, y = problem
    n = len(y)
    t, h = 3.0, 1e-4
    f = lambda s: np.asarray(rnn_ntk.gradient_flow(K, y, s).train)  # noqa: E731
    dfdt = (f(t + h) - f(t - h)) / (2 * h)
    np.testing.assert_allclose(dfdt, -K @ (f(t) - y) / n, rtol=1e-6, atol=1e-8)
    # t -> inf: kernel regression on the test points, interpolation on the training points
    late = rnn_ntk.gradient_flow(K, y, 1e9, Ks)
    np.testing.assert_allclose(late.train, y, atol=1e-8)
    np.testing.assert_allclose(late.test, rnn_ntk.kernel_regression(K, y, Ks), atol=1e-7)


def test_gradient_flow_handles_singular_kernels():
    # rank-1 kernel: the zero eigenvalues take the t/n limit, no NaN
    v = np.array([1.0, 2.0, -1.0])
    K = np.outer(v, v)
    out = rnn_ntk.gradient_flow(K, np.ones(3), 5.0, K[:2])
    assert np.all(np.isfinite(out.train)) and np.all(np.isfinite(out.test))


def test_predictors_agree_with_neural_tangents(problem):
    from rnn_ntk import interop

    nt = interop.neural_tangents()
    K, Ks, y = problem
    n = len(y)
    rng = np.random.default_rng(5)
    f0, f0s = rng.normal(size=(n, 1)), rng.normal(size=(Ks.shape[0], 1))
    pred = nt.predict.gradient_descent_mse(K, y[:, None], diag_reg=0.0)
    for t in (0.5, 20.0, 500.0):
        tr, te = pred(t, f0, f0s, Ks)
        ours = rnn_ntk.gradient_flow(K, y, t, Ks, fx_train_0=f0[:, 0], fx_test_0=f0s[:, 0])
        np.testing.assert_allclose(ours.train, tr[:, 0], rtol=1e-8, atol=1e-9)
        np.testing.assert_allclose(ours.test, te[:, 0], rtol=1e-7, atol=1e-8)
    te_inf = pred(None, None, np.zeros((Ks.shape[0], 1)), Ks)
    np.testing.assert_allclose(rnn_ntk.kernel_regression(K, y, Ks), te_inf[:, 0], rtol=1e-8,
                               atol=1e-9)
    # ridge in absolute units
    pr = nt.predict.gradient_descent_mse(K, y[:, None], diag_reg=0.2,
                                         diag_reg_absolute_scale=True)
    _, te = pr(7.0, np.zeros((n, 1)), np.zeros((Ks.shape[0], 1)), Ks)
    np.testing.assert_allclose(rnn_ntk.gradient_flow(K, y, 7.0, Ks, ridge=0.2).test, te[:, 0],
                               rtol=1e-8, atol=1e-9)


def test_predictor_input_checks(problem):
    K, Ks, y = problem
    with pytest.raises(ValueError, match="y_train"):
        rnn_ntk.kernel_regression(K, y[:-1], Ks)
    with pytest.raises(ValueError, match="k_test_train"):
        rnn_ntk.kernel_regression(K, y, Ks.T)
    with pytest.raises(ValueError, match="t must be"):
        rnn_ntk.gradient_flow(K, y, -1.0)
    with pytest.raises(ValueError, match="k_train_train"):
        rnn_ntk.gradient_flow(K[:, :3], y, 1.0)


def test_gradient_flow_refuses_nan_time_and_takes_inf_as_the_limit(problem):
    """t = NaN was returned as NaN outputs; t = inf is the kernel regression limit."""
    K, Ks, y = problem
    for bad in (np.nan, [1.0, np.nan], np.array([[np.nan]])):
        with pytest.raises(ValueError, match=r"t must hold times >= 0.*NaN"):
            rnn_ntk.gradient_flow(K, y, bad, Ks)
    for bad in (True, np.array([True, False]), "2", None, 1j):
        with pytest.raises(TypeError, match=r"\bt\b"):
            rnn_ntk.gradient_flow(K, y, bad, Ks)
    inf = rnn_ntk.gradient_flow(K, y, np.inf, Ks)
    np.testing.assert_allclose(inf.train, y, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(inf.test, rnn_ntk.kernel_regression(K, y, Ks), rtol=1e-8,
                               atol=1e-9)
    both = rnn_ntk.gradient_flow(K, y, np.array([1e12, np.inf]), Ks)
    np.testing.assert_allclose(both.test[0], both.test[1], rtol=1e-6)
    # a singular K (a repeated sample): finite at t = inf, the pseudo-inverse predictor
    Kd = np.block([[K, K[:, :1]], [K[:1], K[:1, :1]]])
    yd = np.append(y, y[0])
    out = rnn_ntk.gradient_flow(Kd, yd, np.inf, np.concatenate([Ks, Ks[:, :1]], axis=1))
    assert np.isfinite(out.train).all() and np.isfinite(out.test).all()
    np.testing.assert_allclose(out.test, inf.test, rtol=1e-6, atol=1e-6)


def test_ridge_is_a_finite_number_at_least_zero(problem):
    K, Ks, y = problem
    for bad, exc in ((np.nan, ValueError), (-1.0, ValueError), (np.inf, ValueError),
                     ("a", TypeError), (True, TypeError), (None, TypeError)):
        with pytest.raises(exc, match="ridge must be"):
            rnn_ntk.kernel_regression(K, y, Ks, ridge=bad)
        with pytest.raises(exc, match="ridge must be"):
            rnn_ntk.gradient_flow(K, y, 1.0, Ks, ridge=bad)
    want = rnn_ntk.kernel_regression(K, y, Ks, ridge=0.5)
    for r in (np.float32(0.5), jnp.float32(0.5), np.array(0.5)):
        np.testing.assert_allclose(rnn_ntk.kernel_regression(K, y, Ks, ridge=r), want,
                                   rtol=1e-7)


def test_singular_kernel_regression_is_an_error_not_nan(problem):
    K, Ks, y = problem
    with pytest.raises(ValueError, match=r"k_train_train \+ ridge I is not positive definite"):
        rnn_ntk.kernel_regression(np.ones((3, 3)), np.ones(3), np.ones((2, 3)))
    assert np.isfinite(rnn_ntk.kernel_regression(np.ones((3, 3)), np.ones(3), np.ones((2, 3)),
                                                 ridge=1e-3)).all()


def test_predictor_arguments_are_named(problem):
    K, Ks, y = problem
    n = len(y)
    cases = [
        (dict(k_train_train=None), TypeError, "k_train_train must be a real array"),
        (dict(k_train_train=K.astype(complex)), TypeError, "k_train_train must hold real"),
        (dict(k_train_train=K > 0), TypeError, "k_train_train must hold real"),
        (dict(y_train="y"), TypeError, "y_train must be a real array"),
        (dict(y_train=np.full(n, np.nan)), ValueError, "y_train contains NaN"),
        (dict(k_test_train=None), TypeError, "k_test_train must be"),
        (dict(fx_train_0=np.zeros(n - 1)), ValueError, r"fx_train_0 must have shape"),
        (dict(fx_train_0=np.full(n, np.nan)), ValueError, "fx_train_0 contains NaN"),
        (dict(fx_test_0=np.zeros(2)), ValueError, "fx_test_0 needs shape"),
        (dict(fx_test_0=np.full(Ks.shape[0], np.inf)), ValueError, "fx_test_0 contains NaN"),
    ]
    base = dict(k_train_train=K, y_train=y, k_test_train=Ks)
    for edit, exc, match in cases:
        kw = {**base, **edit}
        with pytest.raises(exc, match=match):
            rnn_ntk.kernel_regression(kw.pop("k_train_train"), kw.pop("y_train"),
                                      kw.pop("k_test_train"), **kw)
    with pytest.raises(ValueError, match="fx_test_0 needs k_test_train"):
        rnn_ntk.gradient_flow(K, y, 1.0, fx_test_0=np.zeros(3))


def test_half_precision_kernels_are_computed_in_float32(problem):
    K, Ks, y = problem
    got = rnn_ntk.kernel_regression(jnp.asarray(K, jnp.bfloat16), y.astype(np.float16),
                                    jnp.asarray(Ks, jnp.bfloat16), ridge=1e-2)
    assert got.dtype == jnp.float32 and np.isfinite(got).all()


def test_no_training_samples_predict_the_initial_outputs(problem):
    _, Ks, _ = problem
    K0, y0, ks0 = np.zeros((0, 0)), np.zeros(0), np.zeros((3, 0))
    np.testing.assert_array_equal(rnn_ntk.kernel_regression(K0, y0, ks0), np.zeros(3))
    f0 = np.arange(3.0)
    np.testing.assert_array_equal(rnn_ntk.kernel_regression(K0, y0, ks0, fx_test_0=f0), f0)
    for t in (1.0, np.array([0.0, 2.0]), np.inf):
        out = rnn_ntk.gradient_flow(K0, y0, t, ks0)
        assert out.train.shape == np.shape(t) + (0,)
        np.testing.assert_array_equal(out.test, np.zeros(np.shape(t) + (3,)))


def test_overflowing_predictions_raise_instead_of_inf():
    tiny, y, ks = 1e-300 * np.eye(3), 1e10 * np.ones(3), np.ones((2, 3))
    with pytest.raises(FloatingPointError, match="kernel_regression is not finite in float64"):
        rnn_ntk.kernel_regression(tiny, y, ks)
    with pytest.raises(FloatingPointError, match="gradient_flow is not finite in float64"):
        rnn_ntk.gradient_flow(tiny, y, 1e300, ks)
    assert np.isfinite(rnn_ntk.kernel_regression(tiny, np.ones(3), 1e-300 * ks)).all()
