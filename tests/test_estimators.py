"""RNNKernelClassifier / RNNKernelRegressor: scikit-learn conventions and exact agreement
with the documented precomputed-kernel pattern (SVC / closed-form ridge on rnn_ntk.ntk)."""

import importlib.util

import jax
import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import rnn_ntk  # noqa: E402
from rnn_ntk import ucr  # noqa: E402
from rnn_ntk.data import znormalize  # noqa: E402
from rnn_ntk.estimators import RNNKernelClassifier, RNNKernelRegressor, kernel_scale  # noqa: E402

requires_aeon = pytest.mark.skipif(
    importlib.util.find_spec("aeon") is None, reason="needs aeon (the data extra)"
)


def _expected_failures(estimator):
    if isinstance(estimator, RNNKernelClassifier):
        # libsvm's per-sample C is not equivalent to repeating samples; sklearn lists the
        # same expected failure for SVC itself (scikit-learn issue #16298).
        return {"check_sample_weight_equivalence_on_dense_data":
                "SVC's sample_weight is not equivalent to repeating samples"}
    return {}


@parametrize_with_checks(
    [RNNKernelClassifier(), RNNKernelRegressor()],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_common_checks(estimator, check):
    check(estimator)


def _sequences(n=40, L=12, d=2, seed=0):
    """Two classes that differ in the sign of a late-step drift, plus noise.

    Most tests use the default shapes and split 28/12, so that the kernels' compiled
    programs are shared between tests.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    x = rng.normal(size=(n, L, d))
    x[:, L // 2:, 0] += np.where(y == 1, 1.0, -1.0)[:, None]
    return x, y


@pytest.mark.parametrize(
    "kw",
    [{}, {"scale_kernel": False},
     {"blocks": ("W", "A", "b", "B", "M0"), "parameterization": "ntk", "sb2": 0.1, "sa2": 0.3,
      "sw2": 1.8}],
    ids=["paper", "unscaled", "all-blocks-ntk"],
)
def test_classifier_equals_svc_on_precomputed_ntk(kw):
    x, y01 = _sequences()
    labels = np.array(["cat", "dog"])[y01]  # string labels
    x_tr, y_tr, x_te = x[:28], labels[:28], x[28:]
    clf = RNNKernelClassifier(C=3.0, **kw).fit(x_tr, y_tr)
    # The documented pattern, by hand: rnn_ntk.ntk as a precomputed kernel for SVC.
    cfg = rnn_ntk.RNNConfig(**{k: v for k, v in kw.items() if k in ("sw2", "sa2", "sb2")})
    extra = {k: v for k, v in kw.items() if k in ("blocks", "parameterization")}
    H_tr = np.asarray(rnn_ntk.ntk(x_tr, cfg=cfg, **extra))
    H_te = np.asarray(rnn_ntk.ntk(x_te, x_tr, cfg=cfg, **extra))
    s = np.mean(np.diag(H_tr)) - np.mean(H_tr) if kw.get("scale_kernel", True) else 1.0
    assert clf.kernel_scale_ == pytest.approx(s, rel=1e-12)
    svc = SVC(kernel="precomputed", C=3.0 / s).fit(H_tr, y_tr)
    np.testing.assert_allclose(clf.decision_function(x_te), svc.decision_function(H_te),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(clf.predict(x_te), svc.predict(H_te))
    assert set(clf.predict(x_te)) <= {"cat", "dog"}
    assert list(clf.classes_) == ["cat", "dog"]


def test_regressor_equals_closed_form_ridge():
    x, _ = _sequences()
    y = np.sin(x[:, -3:, 0].sum(axis=1)) + 0.1 * np.cos(x[:, 0, 1])
    Y = np.stack([y, -2.0 * y + 1.0], axis=1)  # two outputs
    reg = RNNKernelRegressor(alpha=0.05).fit(x[:28], Y[:28])
    H = np.asarray(rnn_ntk.ntk(x[:28]))
    s = kernel_scale(H)
    want = np.asarray(rnn_ntk.ntk(x[28:], x[:28])) @ np.linalg.solve(
        H + 0.05 * s * np.eye(28), Y[:28]
    )
    np.testing.assert_allclose(reg.predict(x[28:]), want, rtol=1e-8, atol=1e-10)
    assert reg.predict(x[28:]).shape == (12, 2)


@pytest.mark.parametrize(
    "labels",
    [np.array(["b", "a", "c"]), np.array([10, -3, 7]), np.array([True, False, True]),
     np.array(["x", 2.5, "z"], dtype=object)],
    ids=["str", "int", "bool", "object"],
)
def test_labels_of_any_type(labels):
    x, _ = _sequences()
    x = x[:28]
    y = labels[np.arange(28) % len(labels)]
    if labels.dtype == object and any(isinstance(v, float) for v in labels):
        with pytest.raises(TypeError):  # mixed str/float labels cannot be ordered
            RNNKernelClassifier().fit(x, y)
        return
    clf = RNNKernelClassifier(C=100.0).fit(x, y)
    pred = clf.predict(x)
    assert pred.dtype == clf.classes_.dtype
    assert set(pred.tolist()) <= set(y.tolist())
    assert np.mean(pred == y) > 0.9  # training accuracy of a flexible kernel SVM


def test_single_class_is_refused():
    x, _ = _sequences(n=10)
    with pytest.raises(ValueError, match=r"only one class \('spam'\).*at least 2 classes"):
        RNNKernelClassifier().fit(x, np.array(["spam"] * 10))


def test_layouts_agree_and_mismatch_errors():
    x, y = _sequences()
    x, y = x[:28], y[:28]
    a = RNNKernelClassifier().fit(x, y).decision_function(x)
    cf = RNNKernelClassifier(channels_first=True)  # aeon's (n, d, L)
    b = cf.fit(np.transpose(x, (0, 2, 1)), y).decision_function(np.transpose(x, (0, 2, 1)))
    np.testing.assert_allclose(a, b, rtol=1e-12)
    u = x[..., :1]
    c = RNNKernelClassifier().fit(u, y).decision_function(u)
    d = RNNKernelClassifier().fit(u[..., 0], y).decision_function(u[..., 0])  # (n, L)
    np.testing.assert_allclose(c, d, rtol=1e-12)
    with pytest.raises(ValueError, match=r"L=5 steps.*fitted on L=12.*pending"):
        cf.predict(np.zeros((2, 2, 5)))
    with pytest.raises(ValueError, match=r"d=3 features.*d=2"):
        RNNKernelClassifier().fit(x, y).predict(np.zeros((2, 12, 3)))


def test_nan_padded_input_is_refused_clearly():
    x, y = _sequences(n=12, L=8, d=2)
    x[3, 6:] = np.nan  # a shorter sequence, NaN-padded as aeon/the archive store them
    with pytest.raises(ValueError, match=r"NaN padding.*different lengths.*pending"):
        RNNKernelClassifier().fit(x, y)


def test_znormalize_option():
    x, y = _sequences()
    x, y = x[:28], y[:28]
    scaled = 3.0 * x + 2.0
    kw = {"sa2": 1.0}  # inputs strong enough for the kernel to be nonlinear
    a = RNNKernelClassifier(znormalize=True, **kw).fit(x, y).decision_function(x)
    b = RNNKernelClassifier(znormalize=True, **kw).fit(scaled, y).decision_function(scaled)
    np.testing.assert_allclose(a, b, rtol=1e-8)  # invariant to per-series affine maps
    c = RNNKernelClassifier(**kw).fit(scaled, y).decision_function(scaled)
    assert np.max(np.abs(a - c)) > 0.1 * np.max(np.abs(a))


def test_gridsearch_pipeline_clone():
    x, y = _sequences()
    x, y = x[:28], y[:28]
    est = RNNKernelClassifier()
    c = clone(est).set_params(C=7.0, sa2=0.5)
    assert c.get_params()["C"] == 7.0 and est.get_params()["C"] == 1.0
    pipe = make_pipeline(FunctionTransformer(znormalize), est)
    grid = {"rnnkernelclassifier__sa2": ["paper", 0.5], "rnnkernelclassifier__C": [0.1, 10.0]}
    cv = StratifiedKFold(2, shuffle=True, random_state=0)
    gs = GridSearchCV(pipe, grid, cv=cv).fit(x, y)
    best = gs.best_params_
    manual = RNNKernelClassifier(sa2=best["rnnkernelclassifier__sa2"],
                                 C=best["rnnkernelclassifier__C"]).fit(znormalize(x), y)
    np.testing.assert_array_equal(gs.predict(x), manual.predict(znormalize(x)))
    # ucr.cv_rnn_svm (one Gram per configuration, sliced per fold) scores like GridSearchCV.
    configs = [{"sa2": "paper"}, {"sa2": 0.5}]
    folds = list(cv.split(x, y))
    params, score = ucr.cv_rnn_svm(znormalize(x), y, configs, [0.1, 10.0], folds)
    assert score == pytest.approx(gs.best_score_, abs=1e-12)
    i = gs.cv_results_["params"].index(
        {"rnnkernelclassifier__C": params["C"], "rnnkernelclassifier__sa2": params["sa2"]})
    assert gs.cv_results_["mean_test_score"][i] == pytest.approx(score, abs=1e-12)
    assert len(set(gs.cv_results_["mean_test_score"])) > 1  # the grid is not degenerate


def test_float32_and_float64_kernels_agree_in_the_paper_regime():
    """Paper config at L=256 (rho -> 1): same predictions, decision values to ~1e-4."""
    x, y = _sequences(n=40, L=256, d=1, seed=7)
    x64 = jax.config.jax_enable_x64
    a = RNNKernelClassifier(C=10.0, dtype="float64").fit(x[:30], y[:30])
    b = RNNKernelClassifier(C=10.0, dtype="float32").fit(x[:30], y[:30])
    assert jax.config.jax_enable_x64 == x64  # estimators never flip jax's precision
    np.testing.assert_array_equal(a.predict(x[30:]), b.predict(x[30:]))
    # float32 kernel within ~1e-5 of float64 (SPEC §3); the SVM dual amplifies it a little.
    np.testing.assert_allclose(b.decision_function(x[30:]), a.decision_function(x[30:]),
                               atol=1e-3 * np.max(np.abs(a.decision_function(x[30:]))))


@requires_aeon
def test_ucr_protocol_never_looks_at_test_labels(monkeypatch):
    """Permuting the test labels changes no choice and no CV score (UnitTest, tiny grid)."""
    from rnn_ntk import data

    grid = ucr.Grid(sw2=(2.0,), sa2_rel=("paper", 1.0), C=(1.0, 100.0), gamma_rel=(1.0,),
                    n_folds=3)
    a = ucr.evaluate("UnitTest", dtypes=("float64",), grid=grid)
    real = data.load_dataset

    def shuffled(name):
        ds = real(name)
        return ds._replace(y_test=np.random.default_rng(0).permutation(ds.y_test))

    monkeypatch.setattr(ucr, "load_dataset", shuffled)
    b = ucr.evaluate("UnitTest", dtypes=("float64",), grid=grid)
    assert a.chosen == b.chosen and a.cv_accuracy == b.cv_accuracy
    assert a.n_train == 20 and a.n_test == 22 and not a.subsampled
    for acc in (a.accuracy["rnn_cv"]["float64"], a.accuracy["nn1"], a.accuracy["rbf_cv"]):
        assert 0.0 <= acc <= 1.0
    assert a.accuracy["rnn_paper"]["float64"] >= 0.8  # Chinatown subset: an easy set
