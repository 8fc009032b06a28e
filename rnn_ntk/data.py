"""Time-series data sets bundled with aeon, as (n, L, d) arrays (optional extra ``data``).

aeon's wheel ships a handful of UCR/UEA archive problems under ``aeon/datasets/data``. This
module reads them with aeon's own loader (``aeon.datasets.load_from_ts_file``) from that
folder only, so nothing is downloaded at run time, and converts aeon's layout
(n, channels, length) into the layout of the kernels, (n, L, d): ``x[i, l]`` is the input
X_l of sequence i (SPEC §1).

Bundled in aeon 1.6.0 (``bundled_datasets()``; n train/test, steps L, channels d):

    name                      task            n train/test  L        d   classes
    ACSF1                     classification  100/100       1460     1   10
    ArrowHead                 classification  36/175        251      1   3
    BasicMotions              classification  40/40         100      6   4   (UEA)
    Covid3Month_disc          classification  140/61        84       1   3   (not UCR)
    GunPoint                  classification  50/150        150      1   2
    ItalyPowerDemand          classification  67/1029       24       1   2
    JapaneseVowels            classification  270/370       7..29    12  9   (ragged)
    JapaneseVowels_eq         classification  270/370       25       12  9   (resampled)
    OSULeaf                   classification  200/242       427      1   6
    PickupGestureWiimoteZ     classification  50/50         29..361  1   10  (ragged)
    PickupGestureWiimoteZ_eq  classification  50/50         361      1   10  (end-padded)
    UnitTest                  classification  20/22         24       1   2   (Chinatown subset)
    Covid3Month               regression      140/61        84       1   -
    CardanoSentiment          regression      74/33         24       2   -

The UCR univariate sets are z-normalised per series by the archive; BasicMotions,
Covid3Month(_disc), CardanoSentiment, PickupGestureWiimoteZ and UnitTest are not (see
``znormalize``). Sequences of different lengths (JapaneseVowels, PickupGestureWiimoteZ)
are refused with a clear error until the ragged kernels of SPEC §6 land; aeon also ships
the equal-length ``_eq`` versions, which load here. Other archive problems can be
downloaded with ``aeon.datasets.load_classification`` and converted with ``from_aeon``.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from typing import Literal, NamedTuple

import numpy as np

__all__ = [
    "DatasetInfo",
    "Dataset",
    "BUNDLED",
    "bundled_datasets",
    "load_dataset",
    "from_aeon",
    "znormalize",
    "check_finite_sequences",
]

_INSTALL_HINT = (
    "install the optional data dependencies: pip install 'rnn_ntk[data]' and then "
    "pip install --no-deps aeon==1.6.0 (aeon 1.6.0 caps numba below 0.64, the first numba "
    "that supports numpy 2.4; see pyproject.toml)"
)


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
              note="UEA multivariate; unequal lengths (ragged kernels pending)"),
        _info("JapaneseVowels_eq", "classification", 270, 370, 25, 12, 9,
              folder="JapaneseVowels",
              note="JapaneseVowels resampled to 25 steps (aeon's equal-length version)"),
        _info("OSULeaf", "classification", 200, 242, 427, 1, 6, note="UCR; leaf outlines"),
        _info("PickupGestureWiimoteZ", "classification", 50, 50, (29, 361), 1, 10,
              note="UCR; unequal lengths (ragged kernels pending)"),
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


class Dataset(NamedTuple):
    """A train/test split in the kernels' layout.

    Attributes:
      x_train: training sequences, shape (n_train, L, d), float64.
      y_train: training labels (as stored by the archive: strings for classification)
        or real targets, shape (n_train,).
      x_test: test sequences, shape (n_test, L, d), float64.
      y_test: test labels or targets, shape (n_test,).
      info: the set's ``DatasetInfo``.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    info: DatasetInfo


def bundled_datasets(
    task: Literal["classification", "regression"] | None = None,
    *,
    equal_length: bool | None = None,
) -> tuple[str, ...]:
    """Names of the data sets shipped in aeon's wheel (no download needed).

    Args:
      task: keep only "classification" or "regression" sets; None keeps both.
      equal_length: True keeps only sets whose sequences all have one length (the ones
        the kernels accept today), False only the ragged ones, None both.
    Returns:
      The names, sorted case-insensitively.
    """
    if task not in (None, "classification", "regression"):
        raise ValueError(f"task must be 'classification', 'regression' or None, got {task!r}.")
    names = [
        n for n, i in BUNDLED.items()
        if (task is None or i.task == task)
        and (equal_length is None or i.equal_length == equal_length)
    ]
    return tuple(sorted(names, key=str.lower))


def _resolve_name(name: object) -> DatasetInfo:
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


def _aeon_data_dir() -> str:
    try:
        import aeon.datasets
    except ImportError as e:
        raise ImportError(f"rnn_ntk.data needs aeon ({e}); {_INSTALL_HINT}.") from None
    return os.path.join(os.path.dirname(aeon.datasets.__file__), "data")


def _read_split(info: DatasetInfo, split: str):
    from aeon.datasets import load_from_ts_file

    path = os.path.join(_aeon_data_dir(), info.folder, f"{info.name}_{split}.ts")
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"{path} is missing: the installed aeon does not ship {info.name!r} "
            f"(this list was written for aeon 1.6.0); {_INSTALL_HINT}."
        )
    X, y = load_from_ts_file(path)
    return X, np.asarray(y)


def load_dataset(name: str) -> Dataset:
    """Loads a data set bundled with aeon as (n, L, d) arrays, reading only local files.

    Args:
      name: one of ``bundled_datasets()`` (matched exactly, else case-insensitively).
    Returns:
      A ``Dataset`` with x_train (n_train, L, d), y_train (n_train,), x_test (n_test, L, d),
      y_test (n_test,) and the set's ``DatasetInfo``. Labels are kept as the archive
      stores them (strings for classification sets, floats for regression targets).
    Raises:
      ValueError: for an unknown name (the message lists the bundled ones), and for the
        ragged sets JapaneseVowels and PickupGestureWiimoteZ (sequences of different
        lengths are pending, SPEC §6; use their ``_eq`` versions).
      ImportError: if aeon is not installed.
    """
    info = _resolve_name(name)
    if not info.equal_length:
        lo, hi = info.length
        raise ValueError(
            f"{info.name!r} has sequences of different lengths ({lo} to {hi} steps); the "
            f"kernels need equal lengths for now (sequences of different lengths, SPEC §6, "
            f"are pending). Use {info.name + '_eq'!r}, aeon's equal-length version of it."
        )
    parts = []
    for split in ("TRAIN", "TEST"):
        X, y = _read_split(info, split)
        x = from_aeon(X, name=f"{info.name} {split.lower()}")
        if info.task == "regression":
            y = y.astype(np.float64)
        parts += [x, y]
    return Dataset(*parts, info=info)


def check_finite_sequences(x: np.ndarray, name: str = "X") -> None:
    """Raises a precise ValueError if (n, L, d) sequences hold NaN or Inf.

    Distinguishes three cases: NaN only at the end of some sequences (padding of
    sequences of different lengths, as aeon and the archive store them); NaN inside a
    sequence (missing values); and infinities.

    Args:
      x: sequences, shape (n, L, d).
      name: the argument's name, used in the message.
    """
    x = np.asarray(x)
    finite = np.isfinite(x)
    if finite.all():
        return
    if np.isinf(x).any():
        i = int(np.argwhere(np.isinf(x))[0, 0])
        raise ValueError(f"{name} contains inf (first in sequence {i}); pass finite values.")
    step_ok = finite.all(axis=2)  # (n, L): every feature of the step present
    step_none = ~finite.any(axis=2)  # (n, L): every feature of the step missing
    lengths = step_ok.sum(axis=1)
    padded = np.all(step_ok == (np.arange(x.shape[1]) < lengths[:, None]), axis=1) & np.all(
        step_none | step_ok, axis=1
    )
    if padded.all():
        lo, hi = int(lengths.min()), int(lengths.max())
        if lo == hi:
            raise ValueError(
                f"{name} contains NaN padding after step {lo} in every sequence; drop it "
                f"(e.g. {name}[:, :{lo}]) or convert aeon data with rnn_ntk.data.from_aeon."
            )
        raise ValueError(
            f"{name} contains NaN padding at the end of sequences: it holds sequences of "
            f"different lengths ({lo} to {hi} steps). The kernels need equal lengths for "
            f"now (sequences of different lengths, SPEC §6, are pending); truncate or "
            f"resample them to one length (e.g. aeon's equal-length '_eq' versions)."
        )
    i, step = (int(v) for v in np.argwhere(~finite.all(axis=2) & ~padded[:, None])[0][:2])
    raise ValueError(
        f"{name} contains missing values (NaN) inside sequences (first: sequence {i}, step "
        f"{step}); impute them (e.g. interpolate along time) before computing kernels."
    )


def from_aeon(X: object, *, name: str = "X") -> np.ndarray:
    """Converts an aeon collection to the kernels' layout (n, L, d), float64.

    aeon stores a collection as a 3D array (n, channels, length), a 2D array
    (n, length) for univariate series, or a list of 2D arrays (channels, length_i) for
    series of different lengths.

    Args:
      X: the collection, in one of aeon's layouts.
      name: the argument's name, used in error messages.
    Returns:
      The sequences, shape (n, L, d) with L = length and d = channels. A NaN tail shared
      by every series (padding to a common width) is dropped.
    Raises:
      ValueError: for series of different lengths (a list of unequal lengths, or NaN
        padding of different lengths; pending, SPEC §6), missing values, inf, or a shape
        that is not a collection.
      TypeError: for non-numeric data.
    """
    if isinstance(X, (list, tuple)):
        if not X:
            raise ValueError(f"{name} is an empty collection; pass at least one series.")
        arrs = [np.asarray(a) for a in X]
        arrs = [a[None, :] if a.ndim == 1 else a for a in arrs]
        if any(a.ndim != 2 for a in arrs):
            raise ValueError(
                f"{name} must be a list of (channels, length) arrays, got elements with "
                f"{sorted({a.ndim for a in arrs})} dimensions."
            )
        chans = {a.shape[0] for a in arrs}
        if len(chans) != 1:
            raise ValueError(f"{name} has series with different numbers of channels {chans}.")
        lengths = [a.shape[1] for a in arrs]
        if len(set(lengths)) != 1:
            raise ValueError(
                f"{name} holds series of different lengths ({min(lengths)} to "
                f"{max(lengths)} steps). The kernels need equal lengths for now (sequences "
                f"of different lengths, SPEC §6, are pending); truncate or resample them "
                f"to one length (e.g. aeon's equal-length '_eq' versions)."
            )
        X = np.stack(arrs)
    X = np.asarray(X)
    if X.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}.")
    if X.ndim == 2:
        X = X[:, None, :]
    if X.ndim != 3:
        raise ValueError(
            f"{name} must have aeon's shape (n, channels, length) or (n, length), got "
            f"shape {X.shape}."
        )
    x = np.ascontiguousarray(np.transpose(X, (0, 2, 1)), dtype=np.float64)
    if not np.isfinite(x).all():
        present = np.isfinite(x).any(axis=(0, 2))  # steps where any series has data
        last = int(np.flatnonzero(present)[-1]) + 1 if present.any() else 0
        x = x[:, :last]
        check_finite_sequences(x, name)
    return x


def znormalize(x: object, *, eps: float = 1e-8) -> np.ndarray:
    """Per-series, per-feature z-normalisation over time: (x - mean_l) / std_l.

    The UCR archive distributes its univariate sets already z-normalised this way.
    Features whose standard deviation over time is below ``eps`` are only centred.

    Args:
      x: sequences, shape (n, L, d).
      eps: threshold below which a feature counts as constant.
    Returns:
      The normalised sequences, shape (n, L, d), float64.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (n, L, d), got shape {x.shape}.")
    mu = x.mean(axis=1, keepdims=True)
    sd = x.std(axis=1, keepdims=True)
    return (x - mu) / np.where(sd > eps, sd, 1.0)
