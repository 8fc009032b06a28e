"""rnn_ntk.data's registry: exactly the sets in aeon's wheel, and clear errors for others."""

import glob
import importlib.util
import os

import numpy as np
import pytest

from rnn_ntk import data

requires_aeon = pytest.mark.skipif(
    importlib.util.find_spec("aeon") is None,
    reason="needs aeon (the data extra: pip install -e '.[data]')",
)


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


def test_unknown_name_lists_bundled_and_suggests():
    with pytest.raises(ValueError, match=r"unknown data set name 'GunPiont'.*mean 'GunPoint'"):
        data.load_dataset("GunPiont")
    with pytest.raises(ValueError, match=r"ItalyPowerDemand.*load_classification"):
        data.load_dataset("Beef")
    with pytest.raises(TypeError, match="name must be"):
        data.load_dataset(3)


def test_filters_are_strictly_typed():
    for bad in ("no", 1, 0, "yes"):
        with pytest.raises(TypeError, match="equal_length must be True or False"):
            data.bundled_datasets(equal_length=bad)
    with pytest.raises(ValueError, match=r"task \(or None for both\) must be one of"):
        data.bundled_datasets(task="clustering")
    with pytest.raises(TypeError, match="task"):
        data.bundled_datasets(task=1)
    assert data.bundled_datasets(equal_length=np.bool_(False)) == data.bundled_datasets(
        equal_length=False)
