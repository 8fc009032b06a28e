"""Kernel regression and MSE gradient flow: numpy/scipy references and nt.predict."""

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
