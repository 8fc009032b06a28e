"""RNNKernelClassifier agrees exactly with the documented pattern: SVC on a precomputed
rnn_ntk.ntk Gram, for sequences of one length and of different lengths."""

import importlib.util

import numpy as np
import pytest

pytest.importorskip("sklearn")

from _labelled import drift_sequences, ragged_sequences  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

import rnn_ntk  # noqa: E402
from rnn_ntk import Sequences  # noqa: E402
from rnn_ntk.learn import RNNKernelClassifier, kernel_scale  # noqa: E402

requires_aeon = pytest.mark.skipif(
    importlib.util.find_spec("aeon") is None, reason="needs aeon (the data extra)"
)


@pytest.mark.parametrize(
    "kw",
    [{}, {"scale_kernel": False},
     {"blocks": ("W", "A", "b", "B", "M0"), "parameterization": "ntk", "sb2": 0.1, "sa2": 0.3,
      "sw2": 1.8}],
    ids=["paper", "unscaled", "all-blocks-ntk"],
)
def test_classifier_equals_svc_on_precomputed_ntk(kw):
    x, y01 = drift_sequences()
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


@pytest.mark.parametrize(
    "labels",
    [np.array(["b", "a", "c"]), np.array([10, -3, 7]), np.array([True, False, True]),
     np.array(["x", 2.5, "z"], dtype=object)],
    ids=["str", "int", "bool", "object"],
)
def test_labels_of_any_type(labels):
    x, _ = drift_sequences()
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
    x, _ = drift_sequences(n=10)
    with pytest.raises(ValueError, match=r"only one class \('spam'\).*at least 2 classes"):
        RNNKernelClassifier().fit(x, np.array(["spam"] * 10))


def test_classifier_on_ragged_input_equals_svc_on_ragged_ntk():
    xn, lengths, y, x = ragged_sequences()
    x_tr, l_tr, y_tr, x_te, l_te = xn[:28], lengths[:28], y[:28], xn[28:], lengths[28:]
    clf = RNNKernelClassifier(C=3.0).fit(x_tr, y_tr)  # lengths read from the NaN padding
    np.testing.assert_array_equal(clf.lengths_fit_, l_tr)
    assert clf.cfg_.sa2 == 2.0 / 12**3  # "paper": the longest training sequence
    # By hand: the ragged kernel as a precomputed Gram. One Gram of the training and test
    # sequences and of 28 full-length ones (used below) holds every block needed.
    cfg = rnn_ntk.RNNConfig(sa2=2.0 / l_tr.max() ** 3)
    H = np.asarray(rnn_ntk.ntk(Sequences(np.concatenate([xn, x[:28]]),
                                         np.concatenate([lengths, np.full(28, 12)])), cfg=cfg))
    H_tr, H_te = H[:28, :28], H[28:40, :28]
    s = kernel_scale(H_tr)
    assert clf.kernel_scale_ == pytest.approx(s, rel=1e-12)
    svc = SVC(kernel="precomputed", C=3.0).fit(H_tr / s, y_tr)
    want = svc.decision_function(H_te / s)
    np.testing.assert_allclose(clf.decision_function(x_te), want, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(clf.predict(x_te), svc.predict(H_te / s))
    # Explicit lengths with padding that is not NaN give the same model.
    zeros = np.nan_to_num(xn, nan=0.0)
    b = RNNKernelClassifier(C=3.0).fit(Sequences(zeros[:28], l_tr), y_tr)
    np.testing.assert_allclose(b.decision_function(Sequences(zeros[28:], l_te)), want,
                               rtol=1e-9, atol=1e-12)
    assert b.score(Sequences(zeros[28:], l_te), y[28:]) == clf.score(x_te, y[28:])
    # A model fitted on sequences of one length takes NaN-padded ones at predict time.
    full = RNNKernelClassifier(C=3.0).fit(x[:28], y_tr)
    assert full.lengths_fit_ is None and full.n_features_in_ == 12
    H_f, H_fte = H[40:, 40:], H[28:40, 40:]
    sf = kernel_scale(H_f)
    svc_f = SVC(kernel="precomputed", C=3.0).fit(H_f / sf, y_tr)
    np.testing.assert_allclose(full.decision_function(x_te), svc_f.decision_function(H_fte / sf),
                               rtol=1e-9, atol=1e-12)


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
