"""Reading aeon's bundled sets from its wheel and converting aeon's layout to (n, L, d)."""

from __future__ import annotations

import os
from typing import NamedTuple

import numpy as np

from rnn_ntk._sequences import lengths_from_nan
from rnn_ntk._validate import check_bool, is_real_dtype
from rnn_ntk.data._registry import DatasetInfo, dataset_info

__all__ = ["Dataset", "from_aeon", "load_dataset"]

_INSTALL_HINT = "install the optional data dependencies: pip install 'rnn_ntk[data]'"


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
    return_lengths = check_bool("return_lengths", return_lengths)
    if X is None or isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be an aeon collection (an array or a list of arrays), "
                        f"got {type(X).__name__} {X!r}.")  # fmt: skip
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
        bad = sorted({str(a.dtype) for a in arrs if not is_real_dtype(a.dtype, integers=True)})
        if bad:
            raise TypeError(f"{name} must hold real numbers, got dtype {bad[0]}.")
        steps = [a.shape[1] for a in arrs]
        if len(set(steps)) == 1:
            X = np.stack(arrs)
        else:
            X = np.full((len(arrs), arrs[0].shape[0], max(steps)), np.nan)
            for i, a in enumerate(arrs):
                X[i, :, : a.shape[1]] = a
    X = np.asarray(X)
    if not is_real_dtype(X.dtype, integers=True):
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


