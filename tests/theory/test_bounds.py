"""sqrt(y^T H^-1 y), Proposition 2.4 and the eq. 17/19 bound against numpy computations."""

import math

import numpy as np
import pytest
from conftest import random_sequences

import rnn_ntk
from rnn_ntk import theory


@pytest.fixture(scope="module")
def H_and_x():
    x = theory.sample_sequences(12, 5, 3, seed=0)
    return np.asarray(rnn_ntk.ntk(x, cfg=rnn_ntk.RNNConfig())), x


def test_norm_bound_matches_numpy_solve(H_and_x):
    H, _ = H_and_x
    y = np.random.default_rng(1).normal(size=H.shape[0])
    nb = rnn_ntk.norm_bound(H, y)
    want = y @ np.linalg.solve(H, y)
    # both solves are backward stable: relative error ~ eps * cond(H)
    assert nb.quad == pytest.approx(want, rel=max(1e-12, 1e-14 * nb.cond))
    assert nb.norm == pytest.approx(math.sqrt(want), rel=1e-6)
    eig = np.linalg.eigvalsh(H)
    assert nb.cond == pytest.approx(eig[-1] / eig[0], rel=1e-8)
    assert nb.jitter == 0.0 and nb.n == H.shape[0]
    # one quadratic-form type: y^T H^-1 y itself is the same solve
    assert isinstance(nb, rnn_ntk.QuadForm)
    assert rnn_ntk.inverse_quadratic_form(H, y) == nb
    # jitter only when asked, and reported
    j = 1e-3 * eig[-1]
    nj = rnn_ntk.norm_bound(H, y, jitter=j)
    assert nj.jitter == j
    assert nj.quad == pytest.approx(y @ np.linalg.solve(H + j * np.eye(len(y)), y), rel=1e-10)
    assert nj.quad < nb.quad  # adding jitter can only shrink y^T H^-1 y


def test_norm_bound_rejects_bad_matrices():
    x = random_sequences(4, 3, 2)
    H = np.asarray(rnn_ntk.ntk(np.concatenate([x, x[:1]]), cfg=rnn_ntk.RNNConfig()))
    y = np.ones(5)
    with pytest.raises(ValueError, match="argument H is not positive definite.*jitter"):
        rnn_ntk.norm_bound(H, y)  # duplicated sequence: singular Gram
    assert rnn_ntk.norm_bound(H, y, jitter=1e-6).jitter == 1e-6
    with pytest.raises(ValueError, match="argument H is not positive definite"):
        rnn_ntk.norm_bound(-np.eye(3), np.ones(3))
    with pytest.raises(ValueError, match="symmetric"):
        rnn_ntk.norm_bound(np.array([[2.0, 1.0], [0.0, 2.0]]), np.ones(2))
    with pytest.raises(ValueError, match="shape"):
        rnn_ntk.norm_bound(np.eye(3), np.ones(2))
    with pytest.raises(ValueError, match="finite"):
        rnn_ntk.norm_bound(np.eye(2), np.array([1.0, np.nan]))


def _Kp(X, p):
    return (X @ X.T) ** p


@pytest.mark.parametrize("p", [1, 2, 3])
def test_proposition_2_4(p):
    # M >= alpha^2 K_p and y_i = (beta^T x_i)^p  =>  sqrt(y^T M^-1 y) <= ||beta||^p / alpha.
    rng = np.random.default_rng(p)
    n, d = 30, 3
    X = rng.normal(size=(n, d))
    beta = rng.normal(size=d)
    y = (X @ beta) ** p
    Kp = _Kp(X, p)
    alpha = 0.7
    G = rng.normal(size=(n, n))
    M = alpha**2 * Kp + 0.1 * G @ G.T / n  # M - alpha^2 K_p = PSD extra
    a2 = theory.psd_lower_constant(M, Kp)
    assert a2 >= alpha**2 * (1 - 1e-9)  # the constructed alpha is admissible
    for a in (alpha, math.sqrt(a2)):
        assert rnn_ntk.norm_bound(M, y).norm <= np.linalg.norm(beta) ** p / a * (1 + 1e-9)
    # Tightness: K_p = Phi Phi^T with Phi_i = x_i^{(x)p}, y = Phi beta^{(x)p}, and for
    # n >= dim Sym^p(R^d) (10 for d = 3, p = 3) y^T (alpha^2 K_p + eps I)^-1 y -> ||beta||^{2p}
    # / alpha^2 as eps -> 0: the bound is attained in the limit.
    M0 = alpha**2 * Kp + 1e-9 * np.trace(Kp) / n * np.eye(n)
    ratio = rnn_ntk.norm_bound(M0, y).norm / (np.linalg.norm(beta) ** p / alpha)
    assert 0.999 < ratio <= 1 + 1e-9


def test_psd_lower_constant_is_the_loewner_edge():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(8, 8))
    M = A @ A.T + np.eye(8)
    B = rng.normal(size=(8, 3))
    K = B @ B.T
    a = theory.psd_lower_constant(M, K)
    assert np.linalg.eigvalsh(M - a * K)[0] > -1e-9 * np.linalg.norm(M)
    assert np.linalg.eigvalsh(M - 1.01 * a * K)[0] < 0
    assert theory.psd_lower_constant(M, -K) == math.inf


def test_proposition_2_4_on_the_rnn_kernel(H_and_x):
    # eq. 30: H^inf >= xi_p (X_l^T X_l)^{op}; with normalised inputs and the largest such
    # xi_p, Proposition 2.4 bounds the complexity of (beta^T X_l / ||X_l||)^p.
    H, x = H_and_x
    rng = np.random.default_rng(3)
    for l, p in ((1, 1), (3, 2), (5, 3)):
        Z = x[:, l - 1] / np.linalg.norm(x[:, l - 1], axis=1, keepdims=True)
        beta = rng.normal(size=3)
        beta /= np.linalg.norm(beta)
        xi = theory.psd_lower_constant(H, _Kp(Z, p))
        assert xi > 0
        y = (Z @ beta) ** p
        assert rnn_ntk.norm_bound(H, y).norm <= 1.0 / math.sqrt(xi) * (1 + 1e-8)


def test_generalization_bound_eq_19():
    g = rnn_ntk.generalization_bound(40.0, 200, delta=0.01)
    assert g.complexity_term == pytest.approx(40 / 200)
    assert g.confidence_term == pytest.approx(math.log(100) / 200)
    assert g.value == pytest.approx(0.2 + math.log(100) / 200)
    # decreases as 1/n at fixed q
    assert rnn_ntk.generalization_bound(40.0, 400, delta=0.01).value == pytest.approx(g.value / 2)
    with pytest.raises(ValueError, match="delta"):
        rnn_ntk.generalization_bound(1.0, 10, delta=0.5)  # Theorem 2 needs delta <= 1/e
    with pytest.raises(ValueError, match="n must be"):
        rnn_ntk.generalization_bound(1.0, 0)
    with pytest.raises(ValueError, match="q must be"):
        rnn_ntk.generalization_bound(-1.0, 10)


def test_bounds_refuse_empty_and_non_finite_input_by_name(H_and_x):
    H, _ = H_and_x
    y = np.ones(len(H))
    with pytest.raises(ValueError, match=r"H is empty \(0 x 0\)"):
        theory.norm_bound(np.zeros((0, 0)), np.zeros(0))
    with pytest.raises(ValueError, match=r"M is empty"):
        theory.psd_lower_constant(np.zeros((0, 0)), np.zeros((0, 0)))
    with pytest.raises(ValueError, match=r"M contains 1 non-finite"):
        theory.psd_lower_constant(np.where(np.eye(len(H)) > 0, np.nan, H)[:1, :1], H[:1, :1])
    with pytest.raises(ValueError, match=r"K contains \d+ non-finite"):
        theory.psd_lower_constant(H, H * np.inf)
    with pytest.raises(ValueError, match=r"y contains 1 non-finite"):
        theory.inverse_quadratic_form(H, np.append(y[:-1], np.nan))
    with pytest.raises(TypeError, match=r"H must hold real numbers.*bool"):
        theory.norm_bound(H > 0, y)
    with pytest.raises(TypeError, match=r"y must be an array of real numbers"):
        theory.norm_bound(H, None)
    with pytest.raises(ValueError, match=r"jitter must be a finite number"):
        theory.norm_bound(H, y, jitter=np.nan)
    nb = theory.norm_bound(H, y)
    assert theory.norm_bound(H.astype(np.float32), y.astype(np.float16)).quad == pytest.approx(
        theory.norm_bound(H.astype(np.float32).astype(np.float64), y).quad, rel=1e-12)
    assert math.isfinite(nb.quad)


def test_bounds_at_the_ends_of_the_float64_range_are_exact_or_raise():
    """Scaled by powers of two: 1e308 (was LinAlgError) and 1e-308 (was a NaN quad)."""
    eye = np.eye(3)
    assert theory.norm_bound(1e308 * eye, np.ones(3)).quad == pytest.approx(3e-308, rel=1e-14)
    assert theory.norm_bound(1e-300 * eye, np.ones(3)).quad == pytest.approx(3e300, rel=1e-14)
    with pytest.raises(OverflowError, match=r"y\^T H\^-1 y = .* exceeds float64's range"):
        theory.norm_bound(1e-308 * eye, 1e5 * np.ones(3))
    assert theory.psd_lower_constant(1e308 * eye, eye) == pytest.approx(1e308, rel=1e-14)
    with pytest.raises(OverflowError, match="the constant a = .* exceeds float64's range"):
        theory.psd_lower_constant(eye, 1e-310 * eye)
    with pytest.raises(ValueError, match=r"H is not positive definite \(smallest eigenvalue"):
        theory.norm_bound(-1e300 * eye, np.ones(3))
