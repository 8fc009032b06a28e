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
``znormalize``). Other archive problems can be downloaded with
``aeon.datasets.load_classification`` and converted with ``from_aeon``.

Sequences of different lengths (JapaneseVowels, PickupGestureWiimoteZ; SPEC §6) load as
end-padded arrays: each split is (n, L_max, d) with L_max its own longest sequence,
``x[i, lengths[i]:]`` is NaN, and ``Dataset.lengths_train``/``lengths_test`` hold the
lengths (None for equal-length sets). Pass them to the kernels as
``rnn_ntk.ntk(x1, x2, lengths1=..., lengths2=...)``; the estimators of
``rnn_ntk.estimators`` read the NaN padding themselves. ``lengths_from_nan`` recovers the
lengths of any NaN-padded array, and refuses NaN inside a sequence (missing values).
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
    "dataset_info",
    "load_dataset",
    "from_aeon",
    "znormalize",
    "check_finite_sequences",
    "lengths_from_nan",
    "resample",
]

_INSTALL_HINT = "install the optional data dependencies: pip install 'rnn_ntk[data]'"


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


class Dataset(NamedTuple):
    """A train/test split in the kernels' layout.

    Attributes:
      x_train: training sequences, shape (n_train, L, d), float64. For a ragged set L is
        the longest training sequence and sequence i is ``x_train[i, :lengths_train[i]]``;
        the steps after it are NaN.
      y_train: training labels (as stored by the archive: strings for classification)
        or real targets, shape (n_train,).
      x_test: test sequences, shape (n_test, L', d), float64 (L' = L for equal-length
        sets; the longest test sequence for ragged ones).
      y_test: test labels or targets, shape (n_test,).
      info: the set's ``DatasetInfo``.
      lengths_train: steps of each training sequence, int64 shape (n_train,), for ragged
        sets; None for equal-length sets.
      lengths_test: the same for the test sequences.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    info: DatasetInfo
    lengths_train: np.ndarray | None = None
    lengths_test: np.ndarray | None = None


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
    if task not in (None, "classification", "regression"):
        raise ValueError(f"task must be 'classification', 'regression' or None, got {task!r}.")
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
      stores them (strings for classification sets, floats for regression targets). For
      the ragged sets (JapaneseVowels, PickupGestureWiimoteZ) each split is end-padded
      with NaN to its own longest sequence and ``lengths_train``/``lengths_test`` give
      the steps of every sequence; for the others they are None.
    Raises:
      ValueError: for an unknown name (the message lists the bundled ones).
      ImportError: if aeon is not installed.
    """
    info = dataset_info(name)
    parts, lengths = [], []
    for split in ("TRAIN", "TEST"):
        X, y = _read_split(info, split)
        x, n_steps = from_aeon(X, name=f"{info.name} {split.lower()}", return_lengths=True)
        if info.task == "regression":
            y = y.astype(np.float64)
        parts += [x, y]
        lengths.append(None if info.equal_length else n_steps)
    return Dataset(*parts, info=info, lengths_train=lengths[0], lengths_test=lengths[1])


def lengths_from_nan(x: object, name: str = "X") -> np.ndarray:
    """The length of every end-padded sequence of a NaN-padded (n, L, d) array.

    Sequence i is ``x[i, :lengths[i]]``: its steps are finite, and every step after it is
    NaN in all d features (the padding aeon and the UCR/UEA archive use for sequences of
    different lengths). An array without NaN gives lengths L.

    Args:
      x: sequences, shape (n, L, d).
      name: the argument's name, used in error messages.
    Returns:
      The lengths, int64 of shape (n,), each in [1, L].
    Raises:
      ValueError: for inf anywhere; for NaN inside a sequence (a NaN step followed by a
        finite one, or a step with only some features NaN: missing values, which must be
        imputed); for a sequence with no finite step; for a shape that is not (n, L, d).
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"{name} must have shape (n, L, d), got shape {x.shape}.")
    n, L, _ = x.shape
    if x.dtype.kind in "iub":
        return np.full(n, L, dtype=np.int64)
    finite = np.isfinite(x)
    if finite.all():
        return np.full(n, L, dtype=np.int64)
    if np.isinf(x).any():
        i = int(np.argwhere(np.isinf(x))[0, 0])
        raise ValueError(f"{name} contains inf (first in sequence {i}); pass finite values.")
    some = finite.any(axis=2)  # (n, L): the step holds at least one value
    # One past the last step holding any value; everything after it is all-NaN padding.
    lengths = np.where(some.any(axis=1), L - np.argmax(some[:, ::-1], axis=1), 0)
    inside = np.arange(L)[None, :] < lengths[:, None]
    bad = inside & ~finite.all(axis=2)
    if bad.any():
        i, step = (int(v) for v in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} contains missing values (NaN) inside sequences (first: sequence {i}, "
            f"step {step}); impute them (e.g. interpolate along time) before computing "
            f"kernels. NaN is accepted only as end padding: every feature of every step "
            f"after a sequence's last one."
        )
    if (lengths == 0).any():
        i = int(np.flatnonzero(lengths == 0)[0])
        raise ValueError(f"{name} sequence {i} holds no values (every step is NaN).")
    return lengths.astype(np.int64)


def check_finite_sequences(x: np.ndarray, name: str = "X") -> None:
    """Raises a precise ValueError if (n, L, d) sequences hold NaN or Inf.

    Distinguishes three cases: NaN only at the end of some sequences (padding of
    sequences of different lengths, as aeon and the archive store them; see
    ``lengths_from_nan`` to accept it); NaN inside a sequence (missing values); and
    infinities.

    Args:
      x: sequences, shape (n, L, d).
      name: the argument's name, used in the message.
    """
    x = np.asarray(x)
    if np.isfinite(x).all():
        return
    lengths = lengths_from_nan(x, name)  # raises for inf and missing values
    lo, hi = int(lengths.min()), int(lengths.max())
    if lo == hi:
        raise ValueError(
            f"{name} contains NaN padding after step {lo} in every sequence; drop it "
            f"(e.g. {name}[:, :{lo}]) or convert aeon data with rnn_ntk.data.from_aeon."
        )
    raise ValueError(
        f"{name} contains NaN padding at the end of sequences: it holds sequences of "
        f"different lengths ({lo} to {hi} steps), which this function refuses. Pass "
        f"their lengths to the kernels (rnn_ntk.ntk(..., lengths1="
        f"rnn_ntk.data.lengths_from_nan({name}))) or give the NaN-padded array to the "
        f"estimators of rnn_ntk.estimators, which accept it."
    )


def from_aeon(
    X: object, *, name: str = "X", return_lengths: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Converts an aeon collection to the kernels' layout (n, L, d), float64.

    aeon stores a collection as a 3D array (n, channels, length), a 2D array
    (n, length) for univariate series, or a list of 2D arrays (channels, length_i) for
    series of different lengths. Series of different lengths come back end-padded with
    NaN to the longest (SPEC §6), whichever way aeon held them (a list, or an array
    NaN-padded at the end).

    Args:
      X: the collection, in one of aeon's layouts.
      name: the argument's name, used in error messages.
      return_lengths: also return the length of every series.
    Returns:
      The sequences x, shape (n, L, d) with L = the longest series and d = channels;
      ``x[i, lengths[i]:]`` is NaN. With ``return_lengths``, ``(x, lengths)`` with
      lengths int64 of shape (n,) (all L for equal lengths).
    Raises:
      ValueError: for missing values (NaN inside a series), inf, series with different
        numbers of channels, or a shape that is not a collection.
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
        if any(a.dtype.kind not in "fiu" for a in arrs):
            kinds = sorted({str(a.dtype) for a in arrs if a.dtype.kind not in "fiu"})
            raise TypeError(f"{name} must hold real numbers, got dtype {kinds[0]}.")
        steps = [a.shape[1] for a in arrs]
        if len(set(steps)) == 1:
            X = np.stack(arrs)
        else:
            X = np.full((len(arrs), arrs[0].shape[0], max(steps)), np.nan)
            for i, a in enumerate(arrs):
                X[i, :, : a.shape[1]] = a
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
    lengths = lengths_from_nan(x, name)
    if x.shape[0] and lengths.max() < x.shape[1]:
        x = np.ascontiguousarray(x[:, : lengths.max()])  # a NaN tail shared by all series
    return (x, lengths) if return_lengths else x


def _valid_mask(x: np.ndarray, lengths) -> np.ndarray:
    lengths = np.asarray(lengths)
    if lengths.shape != (x.shape[0],) or lengths.dtype.kind not in "iu":
        raise ValueError(
            f"lengths must be integers of shape ({x.shape[0]},), got {lengths.dtype} "
            f"{lengths.shape}."
        )
    if x.shape[0] and (lengths.min() < 1 or lengths.max() > x.shape[1]):
        raise ValueError(f"lengths must lie in [1, {x.shape[1]}] (the padded length).")
    return np.arange(x.shape[1])[None, :, None] < lengths[:, None, None]


def znormalize(x: object, *, eps: float = 1e-8, lengths: object | None = None) -> np.ndarray:
    """Per-series, per-feature z-normalisation over time: (x - mean_l) / std_l.

    The UCR archive distributes its univariate sets already z-normalised this way.
    Features whose standard deviation over time is below ``eps`` are only centred.
    End-padded sequences of different lengths are normalised over their own steps
    only, and their padding is returned unchanged (NaN stays NaN).

    Args:
      x: sequences, shape (n, L, d); NaN padding after a sequence's end is accepted.
      eps: threshold below which a feature counts as constant.
      lengths: steps of each sequence, shape (n,); None reads them from the NaN
        padding (``lengths_from_nan``; all L without NaN).
    Returns:
      The normalised sequences, shape (n, L, d), float64.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (n, L, d), got shape {x.shape}.")
    if lengths is None:
        if np.isfinite(x).all():
            mu = x.mean(axis=1, keepdims=True)
            sd = x.std(axis=1, keepdims=True)
            return (x - mu) / np.where(sd > eps, sd, 1.0)
        lengths = lengths_from_nan(x, "x")
    mask = _valid_mask(x, lengths)
    count = np.asarray(lengths, dtype=np.float64)[:, None, None]
    mu = np.where(mask, x, 0.0).sum(axis=1, keepdims=True) / count
    sd = np.sqrt(np.where(mask, (x - mu) ** 2, 0.0).sum(axis=1, keepdims=True) / count)
    return np.where(mask, (x - mu) / np.where(sd > eps, sd, 1.0), x)


def resample(x: object, length: int, *, lengths: object | None = None) -> np.ndarray:
    """Resamples every sequence to ``length`` steps by linear interpolation in time.

    A fixed-length representation of sequences of different lengths for methods that
    need one (1-NN Euclidean, RBF SVM in ``rnn_ntk.ucr``): sequence i's steps
    0..lengths[i]-1 are mapped onto [0, 1] and read at ``length`` equally spaced points
    (its first and last steps are kept; a one-step sequence becomes constant).

    Args:
      x: sequences, shape (n, L, d), end-padded (NaN or anything) past their lengths.
      length: steps of the output.
      lengths: steps of each sequence, shape (n,); None reads them from the NaN padding.
    Returns:
      The resampled sequences, shape (n, length, d), float64, without NaN.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (n, L, d), got shape {x.shape}.")
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1:
        raise ValueError(f"length must be a positive int, got {length!r}.")
    lengths = lengths_from_nan(x, "x") if lengths is None else np.asarray(lengths)
    _valid_mask(x, lengths)
    n, _, d = x.shape
    out = np.empty((n, int(length), d))
    grid = np.linspace(0.0, 1.0, int(length))
    for i, li in enumerate(lengths.tolist()):
        if li == 1:
            out[i] = x[i, 0]
            continue
        t = np.linspace(0.0, 1.0, li)
        for c in range(d):
            out[i, :, c] = np.interp(grid, t, x[i, :li, c])
    return out
