r"""Inputs and margin labels of the learning theory (Section 2.2, Theorem 2).

Inputs satisfy C_min <= ||X_l|| <= C_max (``sample_sequences``); C0 = C_max / C_min.
Labels are y = sign(F*) and Theorem 2 assumes the margin y F*(x) >= 1, obtained by
rescaling F* (``label``), or for a whole distribution by conditioning the inputs on
|F*| >= gamma and using F*/gamma (``sample_labelled``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from jaxtyping import Array, Float

from rnn_ntk._validate import check_int, check_real, is_real_dtype

__all__ = [
    "LabelledData",
    "Labels",
    "as_labels",
    "label",
    "margin_quantile",
    "sample_labelled",
    "sample_sequences",
]

#: A concept: sequences (n, L, d) -> F*(x) (n,), with attributes L and d.
Concept = Callable[[Float[Array, "n L d"]], Float[Array, " n"]]


def _norm_range(c_min: float, c_max: float) -> tuple[float, float]:
    c_min = check_real("c_min", c_min, low=0, open_low=True)
    c_max = check_real("c_max", c_max, low=c_min)
    return c_min, c_max


def sample_sequences(
    n: int, L: int, d: int, *, c_min: float = 1.0, c_max: float = 2.0, seed: int = 0
) -> np.ndarray:
    """Random sequences with C_min <= ||X_l|| <= C_max at every step (Section 2.2).

    Each X_l is a uniform direction on the sphere S^{d-1} times a norm uniform in
    [c_min, c_max]; C0 = c_max / c_min.

    Args:
      n: number of sequences.
      L: steps per sequence.
      d: features per step.
      c_min: smallest step norm, > 0.
      c_max: largest step norm, >= c_min.
      seed: numpy seed.
    Returns:
      Sequences of shape (n, L, d), float64.
    """
    n, L, d = check_int("n", n, low=0), check_int("L", L, low=1), check_int("d", d, low=1)
    c_min, c_max = _norm_range(c_min, c_max)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    u = rng.standard_normal((n, L, d))
    u /= np.linalg.norm(u, axis=-1, keepdims=True)
    r = rng.uniform(c_min, c_max, size=(n, L, 1))
    return u * r


def as_labels(y: object, name: str = "y", n: int | None = None) -> np.ndarray:
    """Checks binary labels in {-1, +1} and returns them as float64.

    Args:
      y: the labels, shape (n,).
      name: the argument's name, for messages.
      n: the number of labels required, or None.
    Returns:
      The labels, float64 of shape (n,).
    """
    n = None if n is None else check_int("n", n, low=0)
    if y is None or isinstance(y, (str, bytes)):
        raise TypeError(f"{name} must be an array of labels -1/+1, got {y!r}.")
    arr = np.asarray(y)
    if not (is_real_dtype(arr.dtype, integers=True) or arr.dtype.kind == "b"):
        raise TypeError(f"{name} must hold numeric labels -1/+1, got dtype {arr.dtype}.")
    arr = arr.astype(np.float64)
    if arr.ndim != 1 or (n is not None and arr.shape[0] != n):
        want = f"({n},)" if n is not None else "(n,)"
        raise ValueError(f"{name} must have shape {want}, got {arr.shape}.")
    bad = ~np.isin(arr, (-1.0, 1.0))
    if np.any(bad):
        vals = np.unique(arr[bad])[:5].tolist()
        raise ValueError(
            f"{name} must contain only the labels -1 and +1, found {vals}; for 0/1 labels "
            f"pass 2*{name} - 1, for real scores pass np.sign({name})."
        )
    return arr


class Labels(NamedTuple):
    """Labels with the margin rescaling of Theorem 2 (y_i * y_tilde_i >= margin).

    Attributes:
      y: sign(F*(x_i)), shape (n,), in {-1, +1}.
      y_tilde: scale * F*(x_i), shape (n,) (the y~ of Theorems 3-4).
      scale: the rescaling factor margin / min_i |F*(x_i)|.
      min_abs: min_i |F*(x_i)| before rescaling.
    """

    y: np.ndarray
    y_tilde: np.ndarray
    scale: float
    min_abs: float


def label(concept: Concept, x: Float[Array, "n L d"], *, margin: float = 1.0) -> Labels:
    """y = sign(F*(x)) and F* rescaled so that y F* >= margin on this sample (Theorem 2).

    Args:
      concept: an ``AdditiveConcept`` or ``NVariableConcept`` (any callable x -> F*(x)).
      x: sequences, shape (n, L, d).
      margin: the margin to reach (Theorem 2 uses 1).
    Returns:
      ``Labels``.
    Raises:
      ValueError: if F*(x_i) = 0 for some sample (its sign, hence its label, is undefined).
    """
    margin = check_real("margin", margin, low=0, open_low=True)
    f = np.asarray(concept(x), dtype=np.float64)
    a = np.abs(f)
    if f.size and not np.min(a) > 0:
        raise ValueError(
            f"F*(x_i) = 0 for sample(s) {np.flatnonzero(a == 0)[:5].tolist()}: the label "
            f"sign(F*) is undefined there; drop those samples or use sample_labelled."
        )
    min_abs = float(np.min(a)) if f.size else 1.0
    scale = margin / min_abs
    return Labels(y=np.sign(f), y_tilde=scale * f, scale=float(scale), min_abs=min_abs)


def margin_quantile(
    concept: Concept, q: float, *, n: int = 4096, c_min: float = 1.0, c_max: float = 2.0,
    seed: int = 0,
) -> float:
    """The q-quantile of |F*(x)| under ``sample_sequences`` (to pick gamma for a margin).

    Args:
      concept: the target concept (with attributes L and d).
      q: the quantile, in [0, 1).
      n: number of samples drawn.
      c_min: smallest step norm of ``sample_sequences``.
      c_max: largest step norm of ``sample_sequences``.
      seed: numpy seed.
    Returns:
      The quantile.
    """
    q = check_real("q", q, low=0, high=1)
    if q == 1:
        raise ValueError("q must lie in [0, 1), got 1.0.")
    n = check_int("n", n, low=1)
    x = sample_sequences(n, concept.L, concept.d, c_min=c_min, c_max=c_max, seed=seed)
    return float(np.quantile(np.abs(np.asarray(concept(x))), q))


class LabelledData(NamedTuple):
    """A sample of the margin-conditioned distribution (see ``sample_labelled``).

    Attributes:
      x: sequences, shape (n, L, d).
      y: labels sign(F*), shape (n,).
      y_tilde: F*(x) / gamma, shape (n,): y * y_tilde >= 1 for every sample.
      f: F*(x), shape (n,).
      scale: 1 / gamma, the margin rescaling factor of F*.
      acceptance: fraction of proposals kept by the rejection step.
    """

    x: np.ndarray
    y: np.ndarray
    y_tilde: np.ndarray
    f: np.ndarray
    scale: float
    acceptance: float


def sample_labelled(
    concept: Concept,
    n: int,
    *,
    gamma: float,
    c_min: float = 1.0,
    c_max: float = 2.0,
    seed: int = 0,
    max_rounds: int = 100,
) -> LabelledData:
    """n samples of the inputs conditioned on |F*(x)| >= gamma, labelled y = sign(F*).

    The conditioned distribution has margin gamma, so F*/gamma satisfies Theorem 2's
    y F* >= 1 on *every* sample (not only on a given training set), with a rescaling
    factor 1/gamma that does not depend on n.

    Args:
      concept: the target concept (with attributes L and d).
      n: number of samples.
      gamma: the margin (> 0); e.g. ``margin_quantile(concept, 0.1)``.
      c_min: smallest step norm of ``sample_sequences``.
      c_max: largest step norm of ``sample_sequences``.
      seed: numpy seed.
      max_rounds: rejection rounds before giving up.
    Returns:
      ``LabelledData``.
    """
    n = check_int("n", n, low=0)
    gamma = check_real("gamma", gamma, low=0, open_low=True)
    max_rounds = check_int("max_rounds", max_rounds, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    xs, fs, proposed, have = [], [], 0, 0
    for _ in range(max_rounds):
        if have >= n:
            break
        k = max(64, 2 * (n - have))
        x = sample_sequences(
            k, concept.L, concept.d, c_min=c_min, c_max=c_max, seed=int(rng.integers(2**63 - 1))
        )
        f = np.asarray(concept(x), dtype=np.float64)
        keep = np.abs(f) >= gamma
        proposed += k
        xs.append(x[keep])
        fs.append(f[keep])
        have += int(keep.sum())
    if n == 0:  # nothing to draw: an empty sample of the right shapes
        empty = np.zeros(0)
        x = np.zeros((0, concept.L, concept.d))
        return LabelledData(x=x, y=empty, y_tilde=empty, f=empty, scale=1.0 / gamma,
                            acceptance=1.0)  # fmt: skip
    if have < n:
        raise ValueError(
            f"only {have} of {n} samples reached |F*| >= gamma = {gamma:g} after "
            f"{proposed} proposals; lower gamma (see margin_quantile)."
        )
    x = np.concatenate(xs)[:n]
    f = np.concatenate(fs)[:n]
    return LabelledData(
        x=x,
        y=np.sign(f),
        y_tilde=f / gamma,
        f=f,
        scale=1.0 / gamma,
        acceptance=have / max(proposed, 1),
    )
