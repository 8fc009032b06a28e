"""The estimators' shared base: scikit-learn conventions, input layouts and checks, the
kernel's preprocessing and precision, ``training_gram``, and the lazy import."""

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

pytest.importorskip("sklearn")

from _labelled import drift_sequences, ragged_sequences  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import rnn_ntk  # noqa: E402
from rnn_ntk import Sequences  # noqa: E402
from rnn_ntk.data import znormalize  # noqa: E402
from rnn_ntk.learn import RNNKernelClassifier, RNNKernelRegressor, kernel_scale  # noqa: E402


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


def test_layouts_agree_and_mismatch_errors():
    x, y = drift_sequences()
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


def test_ragged_input_errors_and_pipeline():
    xn, lengths, y, _ = ragged_sequences()
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
        RNNKernelClassifier().fit(Sequences(zeros, np.full(28, 13)), y_tr)
    with pytest.raises(ValueError, match=r"lengths must have shape \(28,\)"):
        RNNKernelClassifier().fit(Sequences(zeros, lengths[:5]), y_tr)
    with pytest.raises(TypeError, match="lengths must be integers"):
        RNNKernelClassifier().fit(Sequences(zeros, lengths[:28] * 1.0), y_tr)
    with pytest.raises(ValueError, match=r"X\.x contains \d+ non-finite value\(s\) \(NaN or Inf\)"):
        RNNKernelClassifier().fit(Sequences(x_tr, np.full(28, 12)), y_tr)
    with pytest.raises(ValueError, match=r"d=3 features per step.*d=2"):
        clf.predict(np.full((2, 5, 3), 0.5))
    # NaN padding goes through Pipeline and znormalize (over each sequence's own steps).
    pipe = make_pipeline(FunctionTransformer(znormalize), RNNKernelClassifier(sa2=1.0))
    a = pipe.fit(x_tr, y_tr).decision_function(xn[28:])
    b = RNNKernelClassifier(sa2=1.0, znormalize=True).fit(x_tr, y_tr).decision_function(xn[28:])
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_znormalize_option():
    x, y = drift_sequences()
    x, y = x[:28], y[:28]
    scaled = 3.0 * x + 2.0
    kw = {"sa2": 1.0}  # inputs strong enough for the kernel to be nonlinear
    a = RNNKernelClassifier(znormalize=True, **kw).fit(x, y).decision_function(x)
    b = RNNKernelClassifier(znormalize=True, **kw).fit(scaled, y).decision_function(scaled)
    np.testing.assert_allclose(a, b, rtol=1e-8)  # invariant to per-series affine maps
    c = RNNKernelClassifier(**kw).fit(scaled, y).decision_function(scaled)
    assert np.max(np.abs(a - c)) > 0.1 * np.max(np.abs(a))


def test_gridsearch_pipeline_clone():
    x, y = drift_sequences()
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


def test_training_gram_is_the_unscaled_fit_kernel_and_fits_nothing():
    xn, lengths, y, _ = ragged_sequences()
    est = RNNKernelClassifier(sa2="paper", blocks=("W", "B"))
    H = est.training_gram(xn[:28])
    assert H.dtype == np.float64 and H.shape == (28, 28)
    assert not hasattr(est, "cfg_") and not hasattr(est, "n_features_in_")
    cfg = rnn_ntk.RNNConfig(sa2=2.0 / lengths[:28].max() ** 3)
    want = np.asarray(rnn_ntk.ntk(Sequences(xn[:28], lengths[:28]), cfg=cfg, blocks=("W", "B")))
    np.testing.assert_allclose(H, want, rtol=1e-12, atol=0)
    fitted = clone(est).fit(xn[:28], y[:28])
    assert fitted.kernel_scale_ == pytest.approx(kernel_scale(H), rel=1e-12)
    np.testing.assert_array_equal(fitted.training_gram(xn[:28]), H)
    assert fitted.seq_len_ == 12 and fitted.lengths_fit_ is not None


def test_architecture_parameters_reach_the_kernel():
    """depth, activation, readout, bidirectional and per-layer variances (a "paper" entry
    resolved by the longest training sequence) are parameters whose kernel is ``ntk``'s."""
    xn, lengths, y, _ = ragged_sequences()
    arch = dict(depth=2, activation="erf", bidirectional=True, h0="zero", sw2=(1.0, 0.9))
    est = RNNKernelClassifier(**arch, sa2=("paper", 0.5))
    assert {"depth", "activation", "readout", "bidirectional"} <= set(est.get_params())
    H = est.training_gram(xn[:28])
    cfg = rnn_ntk.RNNConfig(**arch, sa2=(2.0 / lengths[:28].max() ** 3, 0.5))
    want = np.asarray(rnn_ntk.ntk(Sequences(xn[:28], lengths[:28]), cfg=cfg))
    np.testing.assert_allclose(H, want, rtol=1e-12, atol=0)
    fitted = clone(est).fit(xn[:28], y[:28])
    assert fitted.cfg_ == cfg and not fitted.cfg_.is_paper_architecture
    # the architecture is used: the paper's network gives another kernel on the same data
    paper = RNNKernelClassifier(sa2=0.5, h0="zero").training_gram(xn[:28])
    assert np.max(np.abs(H / np.trace(H) - paper / np.trace(paper))) > 1e-3 / 28
    with pytest.raises(ValueError, match="RNNConfig.sa2 has 3 entries but depth=2"):
        RNNKernelClassifier(**arch, sa2=(0.1, 0.2, 0.3)).fit(xn[:28], y[:28])


def test_float32_and_float64_kernels_agree_in_the_paper_regime():
    """Paper config at L=256 (rho -> 1): same predictions, decision values to ~1e-4."""
    x, y = drift_sequences(n=40, L=256, d=1, seed=7)
    x64 = jax.config.jax_enable_x64
    a = RNNKernelClassifier(C=10.0, dtype="float64").fit(x[:30], y[:30])
    b = RNNKernelClassifier(C=10.0, dtype="float32").fit(x[:30], y[:30])
    assert jax.config.jax_enable_x64 == x64  # estimators never flip jax's precision
    np.testing.assert_array_equal(a.predict(x[30:]), b.predict(x[30:]))
    # float32 kernel within ~1e-5 of float64 (SPEC §3); the SVM dual amplifies it a little.
    np.testing.assert_allclose(b.decision_function(x[30:]), a.decision_function(x[30:]),
                               atol=1e-3 * np.max(np.abs(a.decision_function(x[30:]))))


def test_import_rnn_ntk_does_not_import_the_optional_extras():
    code = (
        "import sys, rnn_ntk\n"
        "assert 'sklearn' not in sys.modules and 'aeon' not in sys.modules\n"
        "assert rnn_ntk.RNNKernelClassifier.__module__ == 'rnn_ntk.learn._classifier'\n"
        "assert 'sklearn' in sys.modules and 'aeon' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_fitted_precision_is_recorded_and_kept_by_predictions():
    """dtype=None fitted under x64 and loaded without it: refuse, never drop to float32."""
    import pickle

    x, y = drift_sequences()
    est = RNNKernelRegressor().fit(x[:28], y[:28].astype(float))
    assert est.dtype_ == "float64"  # jax's default float at fit time (x64 in the tests)
    want = est.predict(x[28:])
    loaded = pickle.loads(pickle.dumps(est))
    with jax.enable_x64(False):
        with pytest.raises(ValueError, match=r"fitted in float64 \(dtype_='float64'\).*"
                                             r"jax_enable_x64.*dtype='float32'"):
            loaded.predict(x[28:])
        clf = RNNKernelClassifier().fit(x[:28], y[:28])
        assert clf.dtype_ == "float32"
    clf64 = pickle.loads(pickle.dumps(RNNKernelClassifier().fit(x[:28], y[:28])))
    with jax.enable_x64(False):
        for call in (clf64.predict, clf64.decision_function, clf64.score):
            with pytest.raises(ValueError, match="fitted in float64"):
                call(x[28:], y[28:]) if call == clf64.score else call(x[28:])
    np.testing.assert_array_equal(loaded.predict(x[28:]), want)
    # a float32 fit keeps float32 test kernels under x64 (was: float64 test kernels)
    d32 = clf.decision_function(x[28:])
    with jax.enable_x64(False):
        np.testing.assert_array_equal(d32, clf.decision_function(x[28:]))


def test_estimator_options_are_strictly_typed():
    x, y = drift_sequences()
    x, y = x[:28], y[:28]
    for Est in (RNNKernelClassifier, RNNKernelRegressor):
        for flag in ("scale_kernel", "znormalize", "channels_first", "allow_padding"):
            with pytest.raises(TypeError, match=f"{flag} must be True or False"):
                Est(**{flag: "no"}).fit(x, y)
        for bad in (None, 5):
            with pytest.raises(TypeError, match="blocks must be a sequence of block names"):
                Est(blocks=bad).fit(x, y)
        with pytest.raises(TypeError, match=r"dtype must be float32 or float64.*'banana'"):
            Est(dtype="banana").fit(x, y)
        with pytest.raises(TypeError, match="tile_size must be an int"):
            Est(tile_size=[4]).fit(x, y)
        with pytest.raises(ValueError, match="tile_size must be an int >= 1"):
            Est(tile_size=0).fit(x, y)
        want = Est(tile_size=4).fit(x, y).predict(x)
        for ts in (np.int64(4), jnp.int32(4), np.array(4)):  # were unhashable static args
            np.testing.assert_array_equal(Est(tile_size=ts).fit(x, y).predict(x), want)
        with pytest.raises(TypeError, match="X must be an array of sequences"):
            Est().fit(None, y)
        with pytest.raises(TypeError, match="sample_weight must"):
            Est().fit(x, y, sample_weight="w")


def test_no_sequences_fit_is_an_error_predict_is_empty():
    x, y = drift_sequences()
    x, y = x[:28], y[:28]
    for Est in (RNNKernelClassifier, RNNKernelRegressor):
        with pytest.raises(ValueError, match=r"X holds no sequences \(n = 0\).*fit needs"):
            Est().fit(x[:0], y[:0])
    clf = RNNKernelClassifier().fit(x, y)
    assert clf.predict(x[:0]).shape == (0,) and clf.decision_function(x[:0]).shape == (0,)
    assert clf.predict(x[:0]).dtype == clf.classes_.dtype
    three = RNNKernelClassifier().fit(x, np.arange(28) % 3)
    assert three.decision_function(x[:0]).shape == (0, 3)
    reg = RNNKernelRegressor().fit(x, np.stack([y, -y], axis=1).astype(float))
    assert reg.predict(x[:0]).shape == (0, 2)
    uni = RNNKernelRegressor().fit(x[..., 0], y.astype(float))
    assert uni.predict(x[:0, :, 0]).shape == (0,)


def test_kernel_scale_checks_its_arguments():
    H = np.eye(3) + 0.5
    with pytest.raises(ValueError, match=r"H must be a square \(n, n\) Gram"):
        kernel_scale(H[:2])
    with pytest.raises(ValueError, match="H contains 1 non-finite"):
        kernel_scale(np.where(np.eye(3) * np.arange(3) == 2, np.nan, H))
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(3,\)"):
        kernel_scale(H, np.ones(2))
    with pytest.raises(ValueError, match="sample_weight must be finite and non-negative"):
        kernel_scale(H, -np.ones(3))
    assert kernel_scale(H, np.array([1, 1, 1])) == pytest.approx(kernel_scale(H))
