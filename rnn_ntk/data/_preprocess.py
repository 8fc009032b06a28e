"""Preprocessing of end-padded sequences: finiteness checks, z-normalisation, resampling."""

from __future__ import annotations

import numpy as np

from rnn_ntk._sequences import Sequences, as_sequences, lengths_from_nan
from rnn_ntk._validate import check_int, check_real, check_real_array

__all__ = ["check_finite_sequences", "resample", "znormalize"]


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
    x = check_real_array(name, x, finite=False)
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
        f"them to the kernels with their lengths (rnn_ntk.Sequences({name}, "
        f"rnn_ntk.data.lengths_from_nan({name})), or rnn_ntk.Sequences.from_nan({name})) "
        f"or give the NaN-padded array to the estimators of rnn_ntk.learn, which accept it."
    )


def _split(x: object, name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(x, lengths)`` of an (n, L, d) array or a ``Sequences``.

    x comes back as float64; lengths are the given ones (validated: integers in [1, L],
    finite steps within them) or read from the NaN padding.
    """
    if isinstance(x, Sequences) and x.lengths is not None:
        seqs = Sequences(check_real_array(f"{name}.x", x.x, finite=False), x.lengths)
        as_sequences(seqs, name, None)  # raises for bad lengths and NaN or inf within them
        return seqs.x, np.asarray(x.lengths).astype(np.int64)
    x = check_real_array(name, x.x if isinstance(x, Sequences) else x, finite=False)
    if x.ndim != 3:
        raise ValueError(f"{name} must have shape (n, L, d), got shape {x.shape}.")
    return x, lengths_from_nan(x, name)


def znormalize(x: object, *, eps: float = 1e-8) -> np.ndarray | Sequences:
    """Per-series, per-feature z-normalisation over time: (x - mean_l) / std_l.

    The UCR archive distributes its univariate sets already z-normalised this way.
    Features whose standard deviation over time is below ``eps`` are only centred.
    End-padded sequences of different lengths are normalised over their own steps
    only, and their padding is returned unchanged (NaN stays NaN).

    Args:
      x: sequences, shape (n, L, d), NaN end padding accepted (``lengths_from_nan``);
        or ``Sequences(x, lengths)`` (sample i is x[i, :lengths[i]]).
      eps: threshold below which a feature counts as constant.
    Returns:
      The normalised sequences, float64 of shape (n, L, d); a ``Sequences`` with the
      same lengths for a ``Sequences``.
    """
    eps = check_real("eps", eps, low=0)
    seqs, lengths = _split(x, "x")
    L = seqs.shape[1]
    mask = np.arange(L)[None, :, None] < lengths[:, None, None]
    count = lengths.astype(np.float64)[:, None, None]
    mu = np.where(mask, seqs, 0.0).sum(axis=1, keepdims=True) / count
    sd = np.sqrt(np.where(mask, (seqs - mu) ** 2, 0.0).sum(axis=1, keepdims=True) / count)
    z = np.where(mask, (seqs - mu) / np.where(sd > eps, sd, 1.0), seqs)
    return Sequences(z, x.lengths) if isinstance(x, Sequences) else z


def resample(x: object, length: int) -> np.ndarray:
    """Resamples every sequence to ``length`` steps by linear interpolation in time.

    A fixed-length representation of sequences of different lengths for methods that
    need one (1-NN Euclidean, RBF SVM in the UCR protocol of ``rnn_ntk.experiments``):
    sequence i's steps 0..lengths[i]-1 are mapped onto [0, 1] and read at ``length``
    equally spaced points (its first and last steps are kept; a one-step sequence
    becomes constant).

    Args:
      x: sequences, shape (n, L, d), NaN end-padded past their lengths; or
        ``Sequences(x, lengths)`` (the padding may then hold anything).
      length: steps of the output.
    Returns:
      The resampled sequences, shape (n, length, d), float64, without NaN.
    """
    length = check_int("length", length, low=1)
    seqs, lengths = _split(x, "x")
    n, _, d = seqs.shape
    out = np.empty((n, length, d))
    grid = np.linspace(0.0, 1.0, length)
    for i, li in enumerate(lengths.tolist()):
        if li == 1:
            out[i] = seqs[i, 0]
            continue
        t = np.linspace(0.0, 1.0, li)
        for c in range(d):
            out[i, :, c] = np.interp(grid, t, seqs[i, :li, c])
    return out
