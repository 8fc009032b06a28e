"""rnn_ntk.data's loading: aeon's bundled sets as (n, L, d) arrays, offline."""

import importlib.util
import os
import socket

import numpy as np
import pytest

from rnn_ntk import data

requires_aeon = pytest.mark.skipif(
    importlib.util.find_spec("aeon") is None,
    reason="needs aeon (the data extra: pip install -e '.[data]')",
)


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("rnn_ntk.data tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@requires_aeon
@pytest.mark.parametrize("name", ["BasicMotions", "GunPoint", "UnitTest", "Covid3Month"])
def test_load_dataset_matches_registry_and_aeons_layout(name, no_network):
    ds = data.load_dataset(name)
    info = ds.info
    assert ds.x_train.shape == (info.n_train, info.length, info.channels)
    assert ds.x_test.shape == (info.n_test, info.length, info.channels)
    assert ds.x_train.dtype == np.float64 and ds.y_train.shape == (info.n_train,)
    if info.task == "classification":
        assert len(np.unique(ds.y_train)) == info.n_classes
    else:
        assert ds.y_train.dtype == np.float64
    # Layout: x[i, l, c] is channel c of series i at step l in aeon's (n, channels, length).
    import aeon.datasets
    from aeon.datasets import load_from_ts_file

    ts = os.path.join(os.path.dirname(aeon.datasets.__file__), "data", info.folder,
                      f"{info.name}_TEST.ts")
    X, y = load_from_ts_file(ts)
    np.testing.assert_array_equal(ds.x_test, np.transpose(X, (0, 2, 1)))
    np.testing.assert_array_equal(ds.y_test.astype(str), np.asarray(y).astype(str))


@requires_aeon
def test_named_aeon_loader_agrees():
    from aeon.datasets import load_basic_motions

    X, y = load_basic_motions(split="train")
    ds = data.load_dataset("basicmotions")  # case-insensitive
    assert ds.info.name == "BasicMotions"
    np.testing.assert_array_equal(ds.x_train[3, :, 5], X[3, 5, :])
    np.testing.assert_array_equal(ds.y_train, y)


@requires_aeon
@pytest.mark.parametrize("name", ["JapaneseVowels", "PickupGestureWiimoteZ"])
def test_ragged_sets_load_nan_padded_with_lengths(name, no_network):
    import aeon.datasets
    from aeon.datasets import load_from_ts_file

    ds = data.load_dataset(name)
    info = ds.info
    assert not info.equal_length
    folder = os.path.join(os.path.dirname(aeon.datasets.__file__), "data", info.folder)
    lo, hi = [], []
    for split, x, y, lengths in (("TRAIN", ds.x_train, ds.y_train, ds.lengths_train),
                                 ("TEST", ds.x_test, ds.y_test, ds.lengths_test)):
        X, y_aeon = load_from_ts_file(os.path.join(folder, f"{info.name}_{split}.ts"))
        assert isinstance(X, list)  # aeon's layout for unequal lengths
        want = np.array([a.shape[1] for a in X])
        np.testing.assert_array_equal(lengths, want)
        assert lengths.dtype == np.int64
        assert x.shape == (len(X), want.max(), info.channels) and x.dtype == np.float64
        for i in (0, int(np.argmin(want)), len(X) - 1):
            np.testing.assert_array_equal(x[i, : want[i]], X[i].T)
        pad = np.arange(x.shape[1])[None, :] >= lengths[:, None]
        assert np.isnan(x[pad]).all() and np.isfinite(x[~pad]).all()
        np.testing.assert_array_equal(data.lengths_from_nan(x), lengths)
        np.testing.assert_array_equal(y.astype(str), np.asarray(y_aeon).astype(str))
        lo.append(lengths.min())
        hi.append(lengths.max())
    assert (min(lo), max(hi)) == info.length
    assert len(np.unique(ds.y_train)) == info.n_classes
    # Equal-length sets carry no lengths.
    eq = data.load_dataset(name + "_eq")
    assert eq.lengths_train is None and eq.lengths_test is None


@requires_aeon
def test_real_ragged_data_from_aeon():
    import aeon.datasets
    from aeon.datasets import load_from_ts_file

    ts = os.path.join(os.path.dirname(aeon.datasets.__file__), "data", "JapaneseVowels",
                      "JapaneseVowels_TRAIN.ts")
    X, _ = load_from_ts_file(ts)  # a list of (12, length_i) arrays
    assert isinstance(X, list)
    x, lengths = data.from_aeon(X, return_lengths=True)
    assert x.shape == (270, 26, 12) and (lengths.min(), lengths.max()) == (7, 26)
    np.testing.assert_array_equal(data.from_aeon(X), x, strict=True)  # NaN compare equal
    # The same data NaN-padded to a 3D array (wider than needed), as archive files store it.
    padded = np.full((len(X), 12, 30), np.nan)
    for i, a in enumerate(X):
        padded[i, :, : a.shape[1]] = a
    x3, lengths3 = data.from_aeon(padded, return_lengths=True)
    np.testing.assert_array_equal(x3, x)
    np.testing.assert_array_equal(lengths3, lengths)


def test_from_aeon_layouts():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 3, 7))  # (n, channels, length)
    x = data.from_aeon(X)
    assert x.shape == (4, 7, 3)
    np.testing.assert_array_equal(x[2, 5], X[2, :, 5])
    np.testing.assert_array_equal(data.from_aeon(list(X)), x)  # np-list of equal lengths
    np.testing.assert_array_equal(data.from_aeon(X[:, 0]), X[:, 0][:, :, None])  # (n, length)
    # A NaN tail shared by every series is dropped.
    tail = np.concatenate([X, np.full((4, 3, 2), np.nan)], axis=2)
    np.testing.assert_array_equal(data.from_aeon(tail), x)
    x_eq, lengths = data.from_aeon(X, return_lengths=True)
    np.testing.assert_array_equal(lengths, [7, 7, 7, 7])
    # Series of different lengths, as a list: end-padded with NaN.
    xr, lr = data.from_aeon([X[0], X[1, :, :4], X[2, :, :1]], return_lengths=True)
    np.testing.assert_array_equal(lr, [7, 4, 1])
    np.testing.assert_array_equal(xr[1, :4], X[1, :, :4].T)
    assert np.isnan(xr[1, 4:]).all() and np.isnan(xr[2, 1:]).all()


def test_from_aeon_bad_input():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 2, 6))
    X[1, 0, 2] = np.nan
    with pytest.raises(ValueError, match=r"missing values \(NaN\).*sequence 1, step 2.*impute"):
        data.from_aeon(X)
    X[1, 0, 2] = np.inf
    with pytest.raises(ValueError, match="inf"):
        data.from_aeon(X)
    with pytest.raises(ValueError, match="different numbers of channels"):
        data.from_aeon([np.zeros((2, 5)), np.zeros((3, 5))])
    with pytest.raises(TypeError, match="real numbers"):
        data.from_aeon(np.array([[["a", "b"]]]))
    with pytest.raises(ValueError, match="shape"):
        data.from_aeon(np.zeros((2, 2, 2, 2)))


def test_from_aeon_options_are_strict():
    X = np.random.default_rng(0).normal(size=(3, 2, 5))
    for bad in ("no", 1, None):
        with pytest.raises(TypeError, match="return_lengths must be True or False"):
            data.from_aeon(X, return_lengths=bad)
    for bad in (None, "X"):
        with pytest.raises(TypeError, match="X must be an aeon collection"):
            data.from_aeon(bad)
    x, lengths = data.from_aeon(X, return_lengths=np.bool_(True))
    assert x.shape == (3, 5, 2) and lengths.tolist() == [5, 5, 5]
    assert data.from_aeon(X.astype(np.float16)).dtype == np.float64
    assert data.from_aeon(np.zeros((0, 2, 5))).shape == (0, 5, 2)
