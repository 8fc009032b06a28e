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
    """Each scikit-learn common check raises (AssertionError, ...) when the estimator fails it."""
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
        with pytest.raises(TypeError, match="mixes label types.*astype"):
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
    with pytest.raises(ValueError, match=r"L=5 steps.*fitted on L=12.*padded with NaN"):
        cf.predict(np.zeros((2, 2, 5)))
    with pytest.raises(ValueError, match=r"d=3 features.*d=2"):
        RNNKernelClassifier().fit(x, y).predict(np.zeros((2, 12, 3)))


def _ragged(n=40, L=12, d=2, seed=0):
    """``_sequences`` cut to random lengths in [4, L]: (NaN-padded x, lengths, y, full x)."""
    x, y = _sequences(n, L, d, seed)
    lengths = np.random.default_rng(seed + 1).integers(4, L + 1, size=n)
    lengths[[0, 28]] = L  # the longest training and test sequences
    xn = x.copy()
    for i, li in enumerate(lengths):
        xn[i, li:] = np.nan
    return xn, lengths, y, x


def test_classifier_on_ragged_input_equals_svc_on_ragged_ntk():
    xn, lengths, y, x = _ragged()
    x_tr, l_tr, y_tr, x_te, l_te = xn[:28], lengths[:28], y[:28], xn[28:], lengths[28:]
    clf = RNNKernelClassifier(C=3.0).fit(x_tr, y_tr)  # lengths read from the NaN padding
    np.testing.assert_array_equal(clf.lengths_fit_, l_tr)
    assert clf.cfg_.sa2 == 2.0 / 12**3  # "paper": the longest training sequence
    # By hand: the ragged kernel as a precomputed Gram. One Gram of the training and test
    # sequences and of 28 full-length ones (used below) holds every block needed.
    cfg = rnn_ntk.RNNConfig(sa2=2.0 / l_tr.max() ** 3)
    H = np.asarray(rnn_ntk.ntk(np.concatenate([xn, x[:28]]), cfg=cfg,
                               lengths1=np.concatenate([lengths, np.full(28, 12)])))
    H_tr, H_te = H[:28, :28], H[28:40, :28]
    s = kernel_scale(H_tr)
    assert clf.kernel_scale_ == pytest.approx(s, rel=1e-12)
    svc = SVC(kernel="precomputed", C=3.0).fit(H_tr / s, y_tr)
    want = svc.decision_function(H_te / s)
    np.testing.assert_allclose(clf.decision_function(x_te), want, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(clf.predict(x_te), svc.predict(H_te / s))
    # Explicit lengths with padding that is not NaN give the same model.
    zeros = np.nan_to_num(xn, nan=0.0)
    b = RNNKernelClassifier(C=3.0).fit(zeros[:28], y_tr, lengths=l_tr)
    np.testing.assert_allclose(b.decision_function(zeros[28:], lengths=l_te), want,
                               rtol=1e-9, atol=1e-12)
    assert b.score(zeros[28:], y[28:], lengths=l_te) == clf.score(x_te, y[28:])
    # A model fitted on sequences of one length takes NaN-padded ones at predict time.
    full = RNNKernelClassifier(C=3.0).fit(x[:28], y_tr)
    assert full.lengths_fit_ is None and full.n_features_in_ == 12
    H_f, H_fte = H[40:, 40:], H[28:40, 40:]
    sf = kernel_scale(H_f)
    svc_f = SVC(kernel="precomputed", C=3.0).fit(H_f / sf, y_tr)
    np.testing.assert_allclose(full.decision_function(x_te), svc_f.decision_function(H_fte / sf),
                               rtol=1e-9, atol=1e-12)


def test_regressor_on_ragged_input_equals_closed_form_ridge():
    xn, lengths, _, x = _ragged()
    y = np.sin(x[:, 0, 0] + x[:, 3, 1])
    reg = RNNKernelRegressor(alpha=0.05, sa2=0.5).fit(xn[:28], y[:28])
    G = np.asarray(rnn_ntk.ntk(xn, cfg=rnn_ntk.RNNConfig(sa2=0.5), lengths1=lengths))
    H, H_te = G[:28, :28], G[28:, :28]
    want = H_te @ np.linalg.solve(H + 0.05 * kernel_scale(H) * np.eye(28), y[:28])
    np.testing.assert_allclose(reg.predict(xn[28:]), want, rtol=1e-8, atol=1e-10)


def test_ragged_input_errors_and_pipeline():
    xn, lengths, y, _ = _ragged()
    x_tr, y_tr = xn[:28], y[:28]
    inside = x_tr.copy()
    inside[3, 1, 0] = np.nan  # a missing value inside a sequence, not padding
    with pytest.raises(ValueError, match=r"missing values \(NaN\).*sequence 3, step 1.*impute"):
        RNNKernelClassifier().fit(inside, y_tr)
    clf = RNNKernelClassifier().fit(x_tr, y_tr)
    with pytest.raises(ValueError, match=r"missing values \(NaN\).*sequence 3, step 1"):
        clf.predict(inside)
    with pytest.raises(ValueError, match=r"NaN padding.*allow_padding=False"):
        RNNKernelClassifier(allow_padding=False).fit(x_tr, y_tr)
    zeros = np.nan_to_num(x_tr, nan=0.0)
    with pytest.raises(ValueError, match=r"lengths must lie in \[1, 12\]"):
        RNNKernelClassifier().fit(zeros, y_tr, lengths=np.full(28, 13))
    with pytest.raises(ValueError, match=r"lengths must have shape \(28,\)"):
        RNNKernelClassifier().fit(zeros, y_tr, lengths=lengths[:5])
    with pytest.raises(TypeError, match="lengths must be integers"):
        RNNKernelClassifier().fit(zeros, y_tr, lengths=lengths[:28] * 1.0)
    with pytest.raises(ValueError, match=r"NaN or inf within the given lengths"):
        RNNKernelClassifier().fit(x_tr, y_tr, lengths=np.full(28, 12))
    with pytest.raises(ValueError, match=r"d=3 features per step.*d=2"):
        clf.predict(np.full((2, 5, 3), 0.5))
    # NaN padding goes through Pipeline and znormalize (over each sequence's own steps).
    pipe = make_pipeline(FunctionTransformer(znormalize), RNNKernelClassifier(sa2=1.0))
    a = pipe.fit(x_tr, y_tr).decision_function(xn[28:])
    b = RNNKernelClassifier(sa2=1.0, znormalize=True).fit(x_tr, y_tr).decision_function(xn[28:])
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


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
def test_japanese_vowels_ragged_subset_fits_in_float32_and_float64():
    """JapaneseVowels as aeon ships it (lengths 7..29, 12 channels, 9 classes): the paper's
    kernel on 54 training sequences scores well above chance, with the same predictions
    from float32 and float64 kernels."""
    from rnn_ntk.data import load_dataset

    ds = load_dataset("JapaneseVowels")
    idx = np.concatenate([np.flatnonzero(ds.y_train == c)[:6] for c in np.unique(ds.y_train)])
    te = np.union1d(np.arange(0, len(ds.y_test), 4), [np.argmax(ds.lengths_test)])
    x_te, y_te = ds.x_test[te], ds.y_test[te]
    assert ds.lengths_test[te].max() > ds.lengths_train[idx].max()  # longer test sequences
    a = RNNKernelClassifier(C=100.0, dtype="float64").fit(ds.x_train[idx], ds.y_train[idx])
    b = RNNKernelClassifier(C=100.0, dtype="float32").fit(ds.x_train[idx], ds.y_train[idx])
    np.testing.assert_array_equal(a.lengths_fit_, ds.lengths_train[idx])
    pred = a.predict(x_te)
    np.testing.assert_array_equal(b.predict(x_te), pred)
    assert np.mean(pred == y_te) > 2 / 9  # chance: 1/9


@requires_aeon
def test_ucr_cli_row_and_protocol_never_looks_at_test_labels(monkeypatch, tmp_path, capsys):
    """`rnn-ntk ucr UnitTest` writes its row; permuting the test labels changes no choice."""
    import json

    from rnn_ntk import data
    from rnn_ntk.cli import main

    out = tmp_path / "row.json"
    assert main(["ucr", "UnitTest", "--quick", "--dtype", "float64", "--json", str(out)]) == 0
    assert "1-NN" in capsys.readouterr().out
    a = json.loads(out.read_text())
    real = data.load_dataset

    def shuffled(name):
        ds = real(name)
        return ds._replace(y_test=np.random.default_rng(0).permutation(ds.y_test))

    monkeypatch.setattr(ucr, "load_dataset", shuffled)
    b = ucr.evaluate("UnitTest", dtypes=("float64",), grid=ucr.QUICK_GRID).to_dict()
    assert a["chosen"] == b["chosen"] and a["cv_accuracy"] == b["cv_accuracy"]
    assert a["n_train"] == 20 and a["n_test"] == 22 and not a["subsampled"]
    for acc in (a["accuracy"]["rnn_cv"]["float64"], a["accuracy"]["nn1"], a["accuracy"]["rbf_cv"]):
        assert 0.0 <= acc <= 1.0
    assert a["accuracy"]["rnn_paper"]["float64"] >= 0.8  # Chinatown subset: an easy set


@pytest.mark.parametrize(
    "args, message",
    [(["ucr", "Beef"], "unknown data set name 'Beef'"),
     (["ucr"], "give a data set NAME"),
     (["ucr", "Covid3Month"], "regression set"),
     (["ucr", "GunPoint", "--max-train", "1"], "--max-train must be >= 2")],
)
def test_ucr_cli_errors(args, message, capsys):
    from rnn_ntk.cli import main

    assert main(args) == 2
    assert message in capsys.readouterr().err
