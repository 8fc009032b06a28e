"""Reading a user's own sequences from a file: .npy, .npz, .csv or aeon's .ts.

Every format ends as ``Sequences`` in the kernels' layout (n, L, d), float64 (SPEC §1);
sequences of different lengths are end-padded with NaN and carry their lengths (SPEC §6).
Only .ts needs aeon (imported on first use); .npy and .npz are read with
``allow_pickle=False``, so a file holding Python objects is refused, never unpickled.
"""

from __future__ import annotations

import csv
import os
import zipfile
from pathlib import Path

import numpy as np

from rnn_ntk._sequences import Sequences, lengths_from_nan
from rnn_ntk._validate import is_real_dtype
from rnn_ntk.data._load import from_aeon

__all__ = ["SEQUENCE_FORMATS", "read_sequences"]

#: File extensions ``read_sequences`` reads (case-insensitive), with what each holds.
SEQUENCE_FORMATS = {
    ".npy": "a numpy array (n, L) or (n, L, d)",
    ".npz": "numpy arrays: the only one, or the one named by key",
    ".csv": "one univariate series a row",
    ".ts": "aeon's / the UCR-UEA archive's text format (needs aeon)",
}

_INSTALL_HINT = "pip install 'rnn_ntk[data]'"

#: CSV cells read as a missing value (end padding when they end a row).
_MISSING = {"", "nan", "NaN", "NAN", "NA", "na", "?"}


def _number(cell: str) -> float | None:
    """The cell as a float, NaN for a missing one, None if it is not a number."""
    cell = cell.strip()
    if cell in _MISSING:
        return np.nan
    try:
        return float(cell)
    except ValueError:
        return None


def _read_csv(path: Path) -> np.ndarray:
    """(n, L) float64 from a CSV of one series a row; short rows end-padded with NaN."""
    with open(path, newline="") as f:
        rows = [(i, row) for i, row in enumerate(csv.reader(f), start=1)
                if any(cell.strip() for cell in row)]  # blank lines are skipped
    if rows and all(_number(c) is None for c in rows[0][1]):
        rows = rows[1:]  # a header: every cell a name
    if not rows:
        raise ValueError(f"{path} holds no rows of numbers; write one series a row.")
    values = []
    for line, row in rows:
        try:  # the common case: every cell a number
            values.append(np.asarray(row, dtype=np.float64))
            continue
        except ValueError:
            pass
        numbers = [_number(c) for c in row]
        if None in numbers:
            col = numbers.index(None) + 1
            raise ValueError(
                f"{path} line {line}, column {col}: {row[col - 1].strip()!r} is not a number; "
                f"every cell must be a number (a header row is skipped only if every cell is "
                f"a name; drop label or index columns)."
            )
        values.append(numbers)
    L = max(len(v) for v in values)
    out = np.full((len(values), L), np.nan)
    for i, v in enumerate(values):
        out[i, : len(v)] = v
    return out


def _read_ts(path: Path) -> np.ndarray:
    """(n, L, d) float64 from aeon's .ts format; NaN-padded for series of different lengths."""
    try:
        from aeon.datasets import load_from_ts_file
    except ImportError as e:
        raise ImportError(
            f"reading {path} (.ts) needs aeon ({e}); {_INSTALL_HINT}, or save the sequences "
            f"as .npy."
        ) from None
    try:
        X, _ = load_from_ts_file(str(path))
    except (ValueError, OSError, IndexError, KeyError, TypeError) as e:
        raise ValueError(f"{path} is not a readable .ts file ({e}).") from None
    if not isinstance(X, list) and (np.ndim(X) < 2 or len(X) == 0):
        raise ValueError(f"{path} holds no series (is its @data section empty?).")
    return from_aeon(X, name=str(path))


def _pickled(path: Path) -> ValueError:
    return ValueError(
        f"{path} holds Python objects (pickled data), which are never unpickled; save a "
        f"numeric array instead, e.g. np.save(path, np.asarray(x, dtype=np.float64)), with "
        f"NaN end padding for sequences of different lengths."
    )


def _read_numpy(path: Path, key: str | None) -> np.ndarray:
    """The array of a .npy file, or of a .npz file (its only one, or ``key``)."""
    try:
        loaded = np.load(path, allow_pickle=False)
    except EOFError:
        raise ValueError(f"{path} is empty or truncated; write it again with np.save.") from None
    except ValueError as e:
        if "pickle" in str(e).lower() or "object arrays" in str(e).lower():
            raise _pickled(path) from None
        raise ValueError(f"{path} is not a readable numpy file ({e}).") from None
    except (OSError, zipfile.BadZipFile) as e:
        raise ValueError(f"{path} is not a readable numpy file ({e}).") from None
    if isinstance(loaded, np.ndarray):
        if key is not None:
            raise ValueError(f"key={key!r} is only for .npz files; {path} holds one array.")
        return loaded
    with loaded:
        names = list(loaded.files)
        if key is None:
            if len(names) != 1:
                raise ValueError(
                    f"{path} holds {len(names)} arrays {names}; name the one to read (key, or "
                    f"--key on the command line)."
                )
            key = names[0]
        elif key not in names:
            raise ValueError(f"{path} has no array {key!r}; it holds {names}.")
        try:
            return loaded[key]
        except ValueError as e:
            if "pickle" in str(e).lower() or "object arrays" in str(e).lower():
                raise _pickled(path) from None
            raise ValueError(f"{path}: array {key!r} is not readable ({e}).") from None
        except (OSError, zipfile.BadZipFile, EOFError) as e:
            raise ValueError(f"{path}: array {key!r} is not readable ({e}).") from None


def _as_sequences(arr: np.ndarray, path: Path) -> Sequences:
    """(n, L) or (n, L, d) numbers as NaN-end-padded float64 ``Sequences``."""
    if arr.dtype.kind == "O":
        raise _pickled(path)
    if not is_real_dtype(arr.dtype, integers=True):
        raise ValueError(
            f"{path} holds {arr.dtype} values; it must hold real numbers (floats or "
            f"integers), e.g. save np.asarray(x, dtype=np.float64)."
        )
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(
            f"{path} holds an array of shape {arr.shape}; it must be (n, L) (n univariate "
            f"sequences of L steps) or (n, L, d) (d features a step)."
        )
    if 0 in arr.shape:
        raise ValueError(f"{path} holds no sequences (shape {arr.shape}); n, L and d must "
                         f"be >= 1.")
    x = np.asarray(arr, dtype=np.float64)
    lengths = lengths_from_nan(x, str(path))
    return Sequences(x, None if (lengths == x.shape[1]).all() else lengths)


def read_sequences(path: str | os.PathLike, *, key: str | None = None) -> Sequences:
    """Reads sequences from a file into the kernels' layout (SPEC §1, §6).

    Formats, by extension (case-insensitive):

    - ``.npy``: one array, shape (n, L) for univariate sequences or (n, L, d).
    - ``.npz``: its only array, or the one named ``key``; shapes as for .npy.
    - ``.csv``: one univariate series a row, comma-separated; rows may be shorter than
      others (sequences of different lengths: missing trailing cells are end padding).
      Empty cells and ``nan``/``NA``/``?`` are missing values, allowed only at a row's end.
      Blank lines are skipped. The first row is a header, and skipped, only if none of its
      cells is a number: a numeric header (pandas' ``to_csv`` default: write with
      ``header=False, index=False``) or a label column would be read as values.
    - ``.ts``: aeon's / the UCR-UEA archive's text format, read by
      ``aeon.datasets.load_from_ts_file`` (the optional extra ``data``); class labels and
      targets are dropped; multivariate series become d features a step.

    Sequences of different lengths are end-padded with NaN (in every feature) to the
    longest, as aeon and the archive store them. .npy and .npz are read with
    ``allow_pickle=False``: a file of Python objects is refused, never unpickled.

    Args:
      path: the file.
      key: for a .npz file, the name of the array to read (needed when it holds several).
    Returns:
      ``Sequences(x, lengths)``: x float64 of shape (n, L, d), NaN after each sequence's
      end; lengths int64 (n,), or None when every sequence has L steps (as
      ``Sequences.from_nan``).
    Raises:
      ValueError: in one line naming the file and the fix: a missing file, a folder, an
        unknown extension, an empty file, pickled objects, non-numeric values, an array
        that is not (n, L) or (n, L, d), NaN inside a sequence (only end padding is
        allowed: impute missing values), inf, or a .npz key that is not in the file.
      ImportError: for a .ts file when aeon is not installed (the message says how to
        install it).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path (str or os.PathLike), got "
                        f"{type(path).__name__} {path!r}.")
    if key is not None and not isinstance(key, str):
        raise TypeError(f"key must be the name of an array (str) or None, got {key!r}.")
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in SEQUENCE_FORMATS:
        known = ", ".join(SEQUENCE_FORMATS)
        raise ValueError(f"{path}: unknown file type {path.suffix or '(no extension)'!r}; "
                         f"give a {known} file.")
    if not path.exists():
        raise ValueError(f"{path}: no such file; check the path.")
    if path.is_dir():
        raise ValueError(f"{path} is a folder; give the data file in it.")
    try:
        if path.stat().st_size == 0:
            raise ValueError(f"{path} is empty (0 bytes); give a file holding sequences.")
        if key is not None and ext != ".npz":
            raise ValueError(f"key={key!r} is only for .npz files, got {path}.")
        if ext in (".npy", ".npz"):
            arr = _read_numpy(path, key)
        elif ext == ".csv":
            arr = _read_csv(path)
        else:
            arr = _read_ts(path)
    except PermissionError as e:
        raise ValueError(f"{path} cannot be read ({e.strerror}); check its permissions.") \
            from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a text file; a {ext} file must be text.") from None
    return _as_sequences(arr, path)
