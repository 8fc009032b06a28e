"""rnn_ntk.data: aeon's bundled sets as (n, L, d) arrays, offline, with clear errors."""

import glob
import importlib.util
import os
import socket

import numpy as np
import pytest

from rnn_ntk import data

requires_aeon = pytest.mark.skipif(
    importlib.util.find_spec("aeon") is None,
    reason="needs aeon (the data extra; see pyproject.toml for the --no-deps install)",
)


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("rnn_ntk.data tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@requires_aeon
def test_registry_lists_exactly_the_sets_in_aeons_wheel():
    import aeon.datasets

    folder = os.path.join(os.path.dirname(aeon.datasets.__file__), "data")
    on_disk = {
        os.path.basename(p)[: -len("_TRAIN.ts")]
        for p in glob.glob(os.path.join(folder, "*", "*_TRAIN.ts"))
    }
    on_disk.discard("UnitTestTimeStamps")  # a parser fixture with no test split
    assert on_disk == set(data.BUNDLED)
    assert "GunPoint" in data.bundled_datasets("classification", equal_length=True)
    assert data.bundled_datasets(equal_length=False) == ("JapaneseVowels", "PickupGestureWiimoteZ")
    assert data.bundled_datasets("regression") == ("CardanoSentiment", "Covid3Month")


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


@pytest.mark.parametrize("name", ["JapaneseVowels", "PickupGestureWiimoteZ"])
def test_ragged_sets_raise_pending(name):
    with pytest.raises(ValueError, match=r"different lengths.*pending.*_eq"):
        data.load_dataset(name)


def test_unknown_name_lists_bundled_and_suggests():
    with pytest.raises(ValueError, match=r"unknown data set name 'GunPiont'.*mean 'GunPoint'"):
        data.load_dataset("GunPiont")
    with pytest.raises(ValueError, match=r"ItalyPowerDemand.*load_classification"):
        data.load_dataset("Beef")
    with pytest.raises(TypeError, match="name must be"):
        data.load_dataset(3)


@requires_aeon
def test_real_ragged_data_from_aeon_is_refused():
    import aeon.datasets
    from aeon.datasets import load_from_ts_file

    ts = os.path.join(os.path.dirname(aeon.datasets.__file__), "data", "JapaneseVowels",
                      "JapaneseVowels_TRAIN.ts")
    X, _ = load_from_ts_file(ts)  # a list of (12, length_i) arrays
    assert isinstance(X, list)
    with pytest.raises(ValueError, match=r"different lengths \(7 to 26 steps\).*pending"):
        data.from_aeon(X)
    # The same data NaN-padded to a 3D array, as archive files with missing tails are.
    T = max(a.shape[1] for a in X)
    padded = np.full((len(X), 12, T), np.nan)
    for i, a in enumerate(X):
        padded[i, :, : a.shape[1]] = a
    with pytest.raises(ValueError, match=r"NaN padding.*7 to 26 steps.*pending"):
        data.from_aeon(padded)


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


def test_check_finite_sequences_common_padding():
    x = np.ones((2, 5, 1))
    x[:, 3:] = np.nan
    with pytest.raises(ValueError, match=r"NaN padding after step 3.*X\[:, :3\]"):
        data.check_finite_sequences(x)


def test_znormalize():
    rng = np.random.default_rng(1)
    x = 5.0 + 3.0 * rng.normal(size=(3, 50, 2))
    x[1, :, 1] = 7.0  # a constant feature is only centred
    z = data.znormalize(x)
    np.testing.assert_allclose(z.mean(axis=1), 0.0, atol=1e-12)
    sd = z.std(axis=1)
    np.testing.assert_allclose(np.delete(sd.ravel(), 3), 1.0, rtol=1e-12)
    assert np.all(z[1, :, 1] == 0.0)
