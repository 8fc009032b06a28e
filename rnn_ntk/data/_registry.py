"""The registry of the UCR/UEA sets bundled in aeon's wheel (needs no aeon)."""

from __future__ import annotations

import dataclasses
import difflib
from typing import Literal

from rnn_ntk._validate import check_bool, check_choice

__all__ = ["BUNDLED", "DatasetInfo", "bundled_datasets", "dataset_info"]


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """Description of one data set bundled with aeon.

    Attributes:
      name: the problem's name (the file stem in aeon's data folder).
      task: "classification" or "regression".
      n_train: number of training sequences.
      n_test: number of test sequences.
      length: steps L per sequence; (shortest, longest) for ragged sets.
      channels: features d per step.
      n_classes: number of classes (None for regression).
      folder: sub-folder of aeon's data folder holding ``<name>_TRAIN.ts``/``_TEST.ts``.
      note: provenance and caveats.
    """

    name: str
    task: Literal["classification", "regression"]
    n_train: int
    n_test: int
    length: int | tuple[int, int]
    channels: int
    n_classes: int | None
    folder: str
    note: str = ""

    @property
    def equal_length(self) -> bool:
        """True if every sequence has the same number of steps."""
        return isinstance(self.length, int)


def _info(name, task, n_train, n_test, length, channels, n_classes, folder=None, note=""):
    return DatasetInfo(name, task, n_train, n_test, length, channels, n_classes,
                       folder or name, note)


#: The data sets shipped in aeon 1.6.0's wheel (checked against the files by the tests).
BUNDLED: dict[str, DatasetInfo] = {
    i.name: i
    for i in (
        _info("ACSF1", "classification", 100, 100, 1460, 1, 10, note="UCR; power consumption"),
        _info("ArrowHead", "classification", 36, 175, 251, 1, 3, note="UCR; image outlines"),
        _info("BasicMotions", "classification", 40, 40, 100, 6, 4,
              note="UEA multivariate; accelerometer + gyroscope, not z-normalised"),
        _info("Covid3Month_disc", "classification", 140, 61, 84, 1, 3,
              note="Covid3Month with its target discretised into 3 classes; not z-normalised"),
        _info("GunPoint", "classification", 50, 150, 150, 1, 2, note="UCR; motion"),
        _info("ItalyPowerDemand", "classification", 67, 1029, 24, 1, 2, note="UCR; power"),
        _info("JapaneseVowels", "classification", 270, 370, (7, 29), 12, 9,
              note="UEA multivariate; unequal lengths (loaded NaN-padded)"),
        _info("JapaneseVowels_eq", "classification", 270, 370, 25, 12, 9,
              folder="JapaneseVowels",
              note="JapaneseVowels resampled to 25 steps (aeon's equal-length version)"),
        _info("OSULeaf", "classification", 200, 242, 427, 1, 6, note="UCR; leaf outlines"),
        _info("PickupGestureWiimoteZ", "classification", 50, 50, (29, 361), 1, 10,
              note="UCR; unequal lengths (loaded NaN-padded); not z-normalised"),
        _info("PickupGestureWiimoteZ_eq", "classification", 50, 50, 361, 1, 10,
              folder="PickupGestureWiimoteZ",
              note="padded at the end to 361 steps with low-amplitude noise (archive's "
              "equal-length version); not z-normalised"),
        _info("UnitTest", "classification", 20, 22, 24, 1, 2,
              note="aeon's test fixture: a subset of UCR Chinatown; not z-normalised"),
        _info("Covid3Month", "regression", 140, 61, 84, 1, None,
              note="TSER; target: Covid-19 death rate; not z-normalised"),
        _info("CardanoSentiment", "regression", 74, 33, 24, 2, None,
              note="TSER; target: sentiment score; not z-normalised"),
    )
}



def bundled_datasets(
    task: Literal["classification", "regression"] | None = None,
    *,
    equal_length: bool | None = None,
) -> tuple[str, ...]:
    """Names of the data sets shipped in aeon's wheel (no download needed).

    Args:
      task: keep only "classification" or "regression" sets; None keeps both.
      equal_length: True keeps only sets whose sequences all have one length, False
        only the ragged ones (loaded NaN-padded, with lengths), None both.
    Returns:
      The names, sorted case-insensitively.
    """
    if task is not None:
        check_choice("task (or None for both)", task, ("classification", "regression"))
    if equal_length is not None:
        equal_length = check_bool("equal_length", equal_length)
    names = [
        n for n, i in BUNDLED.items()
        if (task is None or i.task == task)
        and (equal_length is None or i.equal_length == equal_length)
    ]
    return tuple(sorted(names, key=str.lower))


def dataset_info(name: str) -> DatasetInfo:
    """The ``DatasetInfo`` of a bundled set, without loading it (needs no aeon).

    Args:
      name: one of ``bundled_datasets()`` (matched exactly, else case-insensitively).
    Returns:
      Its ``DatasetInfo``.
    Raises:
      ValueError: for an unknown name; the message lists the bundled ones and the
        closest matches.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a data set name (str), got {type(name).__name__}.")
    if name in BUNDLED:
        return BUNDLED[name]
    folded = {n.lower(): n for n in BUNDLED}
    if name.lower() in folded:
        return BUNDLED[folded[name.lower()]]
    close = difflib.get_close_matches(name, list(BUNDLED), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(
        f"unknown data set name {name!r}: it is not among the sets bundled with aeon "
        f"({', '.join(bundled_datasets())}).{hint} Other UCR/UEA problems can be downloaded "
        f"with aeon.datasets.load_classification(name) and converted with "
        f"rnn_ntk.data.from_aeon(X)."
    )

