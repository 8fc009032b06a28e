"""Nyström learners (Falkon): exact kernel ridge at M = n, convergence in M, landmarks.

The references are independent: ``sklearn.kernel_ridge.KernelRidge`` on the Gram of
``rnn_ntk.ntk``, and a dense ``numpy.linalg.solve`` of the Nyström normal equations.
Sizes are tiny (n = 30, L = 5) so that the whole file runs in a few seconds.
"""

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.kernel_ridge import KernelRidge  # noqa: E402
from sklearn.utils import estimator_checks  # noqa: E402

import rnn_ntk  # noqa: E402
from rnn_ntk.learn import (  # noqa: E402
    NystromRNNKernelClassifier,
    NystromRNNKernelRegressor,
    kernel_scale,
)
from rnn_ntk.learn._falkon import falkon_solve  # noqa: E402

N_TRAIN = 30


def _data(n=40, L=5, d=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, L, d))
    y = np.sin(x[:, -2:, 0].sum(axis=1)) + 0.3 * x[:, 0, 1]
    return x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:]


@pytest.fixture(scope="module")
def gram():
    """The Gram of all 40 sequences of ``_data()``, by ``rnn_ntk.ntk`` (one compilation)."""
    x_tr, _, x_te, _ = _data()
    return np.asarray(rnn_ntk.ntk(np.concatenate([x_tr, x_te])))


def _exact(G, Y_tr, alpha):
    """KernelRidge(alpha) on the precomputed training Gram, predicted on the test rows."""
    H, H_te = G[:N_TRAIN, :N_TRAIN], G[N_TRAIN:, :N_TRAIN]
    return KernelRidge(alpha=alpha, kernel="precomputed").fit(H, Y_tr).predict(H_te)


def test_all_landmarks_is_exact_kernel_ridge(gram):
    """M >= n: the Falkon solution is KernelRidge's (the preconditioner is then exact, so
    CG converges to ~1e-12; 1e-6 is the acceptance bound of issue 12)."""
    x_tr, y_tr, x_te, _ = _data()
    Y = np.stack([y_tr, np.cos(3 * y_tr)], axis=1)
    reg = NystromRNNKernelRegressor(n_components=50, alpha=0.05, scale_kernel=False).fit(x_tr, Y)
    want = _exact(gram, Y, 0.05)
    got = reg.predict(x_te)
    assert got.shape == (10, 2) and reg.n_components_ == N_TRAIN
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6 * np.max(np.abs(want)))
    # with the kernel scaled (s = kernel_scale(H)), it is KernelRidge(alpha s) on H, i.e.
    # RNNKernelRegressor(alpha)
    scaled = NystromRNNKernelRegressor(n_components=N_TRAIN, alpha=0.05).fit(x_tr, y_tr)
    s = kernel_scale(gram[:N_TRAIN, :N_TRAIN])
    assert scaled.kernel_scale_ == pytest.approx(s, rel=1e-12)
    want = _exact(gram, y_tr, 0.05 * s)
    np.testing.assert_allclose(scaled.predict(x_te), want, atol=1e-6 * np.max(np.abs(want)))


def test_classifier_is_one_vs_rest_kernel_ridge(gram):
    """Decision functions equal KernelRidge on {-1, +1} targets: one column for two
    classes, one per class otherwise; predictions are its sign / argmax."""
    x_tr, y_tr, x_te, _ = _data()
    labels = np.array(["lo", "mid", "hi"])[np.digitize(y_tr, [-0.4, 0.4])]
    clf = NystromRNNKernelClassifier(n_components=N_TRAIN, alpha=0.1, scale_kernel=False)
    clf.fit(x_tr, labels)
    assert clf.classes_.tolist() == ["hi", "lo", "mid"]
    T = np.where(labels[:, None] == clf.classes_[None, :], 1.0, -1.0)
    want = _exact(gram, T, 0.1)
    got = clf.decision_function(x_te)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6 * np.max(np.abs(want)))
    np.testing.assert_array_equal(clf.predict(x_te), clf.classes_[np.argmax(want, axis=1)])
    binary = y_tr > 0
    clf2 = NystromRNNKernelClassifier(n_components=N_TRAIN, alpha=0.1, scale_kernel=False)
    got2 = clf2.fit(x_tr, binary).decision_function(x_te)
    want2 = _exact(gram, np.where(binary, 1.0, -1.0), 0.1)
    np.testing.assert_allclose(got2, want2, rtol=0, atol=1e-6 * np.max(np.abs(want2)))
    np.testing.assert_array_equal(clf2.predict(x_te), want2 > 0)


def test_falkon_solves_the_nystrom_normal_equations():
    """M < n: the preconditioned CG reaches the dense solution of
    (K_nM^T K_nM + alpha K_MM) b = K_nM^T y (a Gaussian kernel, independent of rnn_ntk)."""
    rng = np.random.default_rng(1)
    z = rng.normal(size=(200, 3))
    K = np.exp(-0.5 * np.sum((z[:, None] - z[None]) ** 2, axis=-1))
    idx = rng.choice(200, size=25, replace=False)
    K_nM, K_MM = K[:, idx], K[np.ix_(idx, idx)]
    y = np.stack([np.sin(z[:, 0]), z[:, 1] ** 2], axis=1)
    for alpha in (1e-3, 1.0):
        res = falkon_solve(K_nM, K_MM, y, alpha, max_iter=200, tol=1e-12)
        want = np.linalg.solve(K_nM.T @ K_nM + alpha * K_MM, K_nM.T @ y)
        # compare fitted values (b itself is ill-determined along K_MM's small eigenvalues)
        np.testing.assert_allclose(K_nM @ res.coef, K_nM @ want, atol=1e-7)
        assert res.n_iter < 200 and np.all(res.residual < 1e-10)


def test_error_decreases_as_m_grows(gram):
    """k-means++ landmarks are nested in M for one seed, so the span of k(., c) grows and
    the training objective ||y - K_nM b||^2 + alpha b^T K_MM b cannot increase; the test
    predictions approach exact kernel ridge, reaching it at M = n."""
    x_tr, y_tr, x_te, _ = _data()
    want = _exact(gram, y_tr, 0.05)
    H = gram[:N_TRAIN, :N_TRAIN]
    objective, error, previous = [], [], None
    for M in (4, 12, N_TRAIN):
        reg = NystromRNNKernelRegressor(
            n_components=M, landmarks="kmeans++", alpha=0.05, scale_kernel=False,
            random_state=3, tol=1e-12,
        ).fit(x_tr, y_tr)
        idx = reg.landmark_indices_
        if previous is not None and M < N_TRAIN:
            np.testing.assert_array_equal(idx[: len(previous)], previous)
        previous = idx
        f = H[:, idx] @ reg.coef_
        penalty = 0.05 * reg.coef_ @ H[np.ix_(idx, idx)] @ reg.coef_
        objective.append(np.sum((y_tr - f) ** 2) + penalty)
        error.append(np.max(np.abs(reg.predict(x_te) - want)))
    steps = zip(objective[:-1], objective[1:], strict=True)
    assert all(b <= a * (1 + 1e-9) for a, b in steps), objective
    assert error[-1] < 1e-6 * np.max(np.abs(want)) and error[0] > 100 * error[-1], error


@pytest.mark.parametrize("landmarks", ["uniform", "kmeans++", "leverage"])
def test_landmarks_are_distinct_training_points(landmarks):
    x_tr, y_tr, _, _ = _data()
    x = np.concatenate([x_tr[:10]] * 3)  # every sequence three times
    reg = NystromRNNKernelRegressor(n_components=12, landmarks=landmarks, random_state=0)
    reg.fit(x, np.concatenate([y_tr[:10]] * 3))
    idx = reg.landmark_indices_
    assert len(np.unique(idx)) == 12 and idx.min() >= 0 and idx.max() < 30
    np.testing.assert_array_equal(reg.X_landmarks_, x[idx])
    if landmarks == "kmeans++":  # a copy is at distance 0: the 10 distinct sequences first
        assert len(np.unique(idx[:10] % 10)) == 10
    assert np.all(np.isfinite(reg.predict(x[:3])))


def test_ragged_input_and_lazy_import():
    x_tr, y_tr, x_te, _ = _data()
    xn = x_tr.copy()
    xn[::3, :2] = np.nan  # every third sequence 3 steps long
    xn = np.concatenate([xn[:, 2:], xn[:, :2]], axis=1)  # padding at the end
    reg = NystromRNNKernelRegressor(n_components=N_TRAIN, sa2=0.5, alpha=0.05)
    a = reg.fit(xn, y_tr).predict(x_te)
    lengths = np.where(np.arange(N_TRAIN) % 3 == 0, 3, 5)
    G = np.asarray(rnn_ntk.ntk(  # the Gram of (ragged training, test) sequences
        rnn_ntk.Sequences(np.concatenate([xn, x_te]), np.concatenate([lengths, [5] * 10])),
        cfg=rnn_ntk.RNNConfig(sa2=0.5),
    ))
    b = _exact(G, y_tr, 0.05 * kernel_scale(G[:N_TRAIN, :N_TRAIN]))
    np.testing.assert_allclose(a, b, atol=1e-6 * np.max(np.abs(b)))
    assert rnn_ntk.NystromRNNKernelClassifier is NystromRNNKernelClassifier


def test_devices_give_the_same_fit():
    """``devices`` goes to rnn_ntk.ntk, whose sharded tiles equal the single-device ones."""
    x_tr, y_tr, _, _ = _data()
    kw = dict(n_components=12, random_state=0)
    a = NystromRNNKernelRegressor(**kw).fit(x_tr, y_tr).coef_
    b = NystromRNNKernelRegressor(devices=1, **kw).fit(x_tr, y_tr).coef_
    np.testing.assert_allclose(b, a, rtol=0, atol=1e-9 * np.max(np.abs(a)))


@pytest.mark.parametrize(
    ("name", "value"),
    [("n_components", 0), ("landmarks", "random"), ("alpha", -1.0), ("max_iter", 0),
     ("tol", 0.0)],
)
def test_bad_parameters_are_named(name, value):
    x_tr, y_tr, _, _ = _data()
    for est in (NystromRNNKernelRegressor(), NystromRNNKernelClassifier()):
        with pytest.raises(ValueError, match=name):
            est.set_params(**{name: value}).fit(x_tr, y_tr > 0)


_COMMON = [  # cheap conventions of every estimator
    "check_parameters_default_constructible", "check_no_attributes_set_in_init",
    "check_get_params_invariance", "check_set_params", "check_fit_idempotent",
    "check_estimators_empty_data_messages", "check_dont_overwrite_parameters",
    "check_estimators_nan_inf", "check_methods_subset_invariance",
]
_CLASSIFIER = ["check_classifiers_train", "check_classifiers_one_label",
               "check_classifiers_classes", "check_supervised_y_2d"]
_REGRESSOR = ["check_regressors_train", "check_regressor_multioutput", "check_regressors_int"]


@pytest.mark.parametrize(
    ("estimator", "check"),
    [(c, k) for c in (NystromRNNKernelClassifier, NystromRNNKernelRegressor) for k in _COMMON]
    + [(NystromRNNKernelClassifier, k) for k in _CLASSIFIER]
    + [(NystromRNNKernelRegressor, k) for k in _REGRESSOR],
)
def test_sklearn_checks(estimator, check):
    """A selection of scikit-learn's common checks (each raises when the estimator fails
    it); all of them take about half a minute of CPU, beyond the CI budget."""
    getattr(estimator_checks, check)(estimator.__name__, estimator(n_components=20))
