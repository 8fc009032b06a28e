"""Sequences: the one input type of every public function (ragged batches included).

A batch of n sequences of d features is an (n, L, d) array; sequences of different
lengths are end-padded to the longest and carry their lengths: sample i is
``x[i, :lengths[i]]`` (the padding, NaN or anything, is never read). Every public
function takes a ``Sequences`` or a plain (n, L, d) array (all sequences of length L).
Pairs of sequences of different lengths meet at their last step (SPEC §6).
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
from jax.typing import DTypeLike
from jaxtyping import Array, Bool, Float, Int

from rnn_ntk._validate import check_dtype, is_real_dtype, is_traced

__all__ = [
    "Sequences",
    "as_pair",
    "as_sequences",
    "full_lengths",
    "lengths_from_nan",
    "padded_length",
    "right_align",
]


class Sequences(NamedTuple):
    """A batch of end-padded sequences and their lengths (a jax pytree).

    Attributes:
      x: the sequences, shape (n, L, d); sample i is ``x[i, :lengths[i]]``.
      lengths: integers (n,) in [1, L], or None when every sequence has L steps.
    """

    x: Float[Array, "n L d"]
    lengths: Int[Array, " n"] | None = None

    @classmethod
    def from_nan(cls, x: Float[Array, "n L d"]) -> Sequences:
        """Sequences from a NaN-end-padded array (aeon's and the UCR/UEA archive's layout).

        Args:
          x: shape (n, L, d); every step after a sequence's last one is NaN in all
            features (see ``lengths_from_nan``).
        Returns:
          ``Sequences(x, lengths)``, lengths None if no sequence is padded.
        """
        lengths = lengths_from_nan(x, "x")
        x = np.asarray(x)
        return cls(x, None if (lengths == x.shape[1]).all() else lengths)

    @property
    def ragged(self) -> bool:
        """True when the batch carries per-sample lengths."""
        return self.lengths is not None


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


def _as_array(x: object, name: str) -> object:
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return x
    try:
        return np.asarray(x)
    except Exception as e:  # ragged lists and the like
        raise TypeError(
            f"{name} must be an array of shape (n, L, d) or rnn_ntk.Sequences: {e}"
        ) from None


def _check_x(x: object, name: str) -> None:
    if not is_real_dtype(x.dtype):  # any real float (float16, bfloat16 too) is cast
        kind = np.dtype(x.dtype).kind
        what = {"i": "integer", "u": "unsigned integer", "b": "boolean", "c": "complex"}.get(
            kind, "non-numeric"
        )
        raise TypeError(
            f"{name} has {what} dtype {x.dtype}; pass real floating-point sequences "
            f"(any float dtype is cast to the compute dtype), e.g. {name}.astype(np.float64)."
        )
    if x.ndim != 3:
        raise ValueError(
            f"{name} must have shape (n, L, d) (samples, steps, features), got shape "
            f"{tuple(x.shape)}; for one sequence use {name}[None], for scalar steps "
            f"use {name}[..., None]."
        )
    _, L, d = x.shape
    if L < 1:
        raise ValueError(f"{name} has sequence length L = 0; every sequence needs >= 1 step.")
    if d < 1:
        raise ValueError(f"{name} has d = 0 features per step; each step needs >= 1 feature.")


def _check_lengths(lengths: object, n: int, L: int, name: str) -> Array:
    """Validated per-sample lengths (n,) in [1, L] as an integer jax array."""
    if is_traced(lengths):  # values cannot be checked under jit; taken as given
        lengths = jnp.asarray(lengths)
        if not jnp.issubdtype(lengths.dtype, jnp.integer):
            raise TypeError(f"{name} must be integers (steps per sequence), got {lengths.dtype}.")
        if lengths.shape != (n,):
            raise ValueError(
                f"{name} must have shape ({n},) (one length per sequence), got {lengths.shape}."
            )
        return lengths
    try:
        arr = np.asarray(lengths)
    except Exception as e:
        raise TypeError(f"{name} must be an integer array of shape ({n},): {e}") from None
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must be integers (steps per sequence), got dtype {arr.dtype}; "
            f"e.g. {name}.astype(int)."
        )
    if arr.shape != (n,):
        raise ValueError(
            f"{name} must have shape ({n},) (one length per sequence), got {arr.shape}."
        )
    if n and (arr.min() < 1 or arr.max() > L):
        raise ValueError(
            f"{name} must lie in [1, {L}] (the padded length), got min {arr.min()} and max "
            f"{arr.max()}."
        )
    return jnp.asarray(arr)


def as_sequences(seqs: object, name: str, dtype: DTypeLike | None) -> Sequences:
    """Validates a ``Sequences`` or an (n, L, d) array and casts it to the compute dtype.

    Args:
      seqs: ``Sequences(x, lengths)`` or an array of shape (n, L, d).
      name: the argument's name, used in error messages.
      dtype: the compute dtype (None: jax's default float).
    Returns:
      ``Sequences`` with x a jax array of the compute dtype whose padding is zeroed
      (outside tracing), and lengths an integer jax array or None.
    """
    dt = check_dtype(dtype)
    if isinstance(seqs, Sequences):
        x, lengths = _as_array(seqs.x, f"{name}.x"), seqs.lengths
        x_name = f"{name}.x"
    else:
        x, lengths, x_name = _as_array(seqs, name), None, name
    _check_x(x, x_name)
    n, L, _ = x.shape
    if lengths is not None:
        lengths = _check_lengths(lengths, n, L, f"{name}.lengths")
        if not is_traced(x, lengths):
            valid = np.arange(L)[None, :] < np.asarray(lengths)[:, None]
            x = np.where(valid[..., None], np.asarray(x), 0.0)
    if not is_traced(x):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(np.asarray(x))))
        if bad:
            raise ValueError(
                f"{x_name} contains {bad} non-finite value(s) (NaN or Inf); clean or impute "
                f"them before computing kernels (NaN end padding needs lengths: "
                f"rnn_ntk.Sequences.from_nan({x_name}))."
            )
    narrower = jnp.finfo(dt).max < jnp.finfo(x.dtype).max  # the cast can overflow
    big = 0.0
    if narrower and np.size(x) and not is_traced(x):
        big = float(np.max(np.abs(np.asarray(x))))
    if big > float(jnp.finfo(dt).max):
        raise OverflowError(
            f"{x_name} holds values beyond the range of {jnp.dtype(dt).name} (max |x| = "
            f"{big:.3g} > {float(jnp.finfo(dt).max):.3g}); compute in float64 (dtype="
            f"jnp.float64 with jax_enable_x64) or rescale the inputs."
        )
    return Sequences(jnp.asarray(x, dtype=dt), lengths)


def as_pair(
    x1: object, x2: object | None, dtype: DTypeLike | None
) -> tuple[Sequences, Sequences | None, jnp.dtype]:
    """Validates (x1, x2) together; returns (x1, x2 or None, compute dtype).

    Without lengths both must have the same L; with lengths on either side the padded
    lengths may differ (pairs meet at their last step).
    """
    dt = check_dtype(dtype)
    a = as_sequences(x1, "x1", dt)
    if x2 is None:
        return a, None, dt
    b = as_sequences(x2, "x2", dt)
    if a.x.shape[2] != b.x.shape[2]:
        raise ValueError(
            f"x1 and x2 must have the same number of features d, got {a.x.shape[2]} and "
            f"{b.x.shape[2]}."
        )
    if not (a.ragged or b.ragged) and a.x.shape[1] != b.x.shape[1]:
        raise ValueError(
            f"x1 and x2 must have the same sequence length L, got {a.x.shape[1]} and "
            f"{b.x.shape[1]}; for sequences of different lengths pass "
            f"rnn_ntk.Sequences(x, lengths)."
        )
    return a, b, dt


def padded_length(a: Sequences, b: Sequences | None = None) -> int:
    """The common length L of a pair: the longer padded length."""
    return max(a.x.shape[1], 0 if b is None else b.x.shape[1])


def full_lengths(s: Sequences) -> Array:
    """The lengths of ``s``, L for every sample when it carries none."""
    if s.lengths is not None:
        return s.lengths
    return jnp.full((s.x.shape[0],), s.x.shape[1])


def right_align(
    x: Float[Array, "n Lx d"], lengths: Int[Array, " n"], L: int
) -> tuple[Float[Array, "n L d"], Bool[Array, "n L"]]:
    """Right-aligns ragged sequences in L steps (SPEC §6: pairs meet at their last step).

    Args:
      x: padded sequences, shape (n, Lx, d) with Lx <= L; sample i is x[i, :lengths[i]].
      lengths: integers (n,) in [1, Lx].
      L: the aligned length.
    Returns:
      ``(xa, act)``: xa (n, L, d) with sample i at steps L - lengths[i] .. L - 1 (0-based)
      and zeros before (selected, so NaN padding does not leak), and the mask act (n, L)
      of the steps where sample i has started.
    """
    n, Lx, _ = x.shape
    t = jnp.arange(L)
    offset = L - jnp.asarray(lengths)  # first active step of each sample (0-based)
    act = t[None, :] >= offset[:, None]
    src = jnp.clip(t[None, :] - offset[:, None], 0, Lx - 1)
    xa = jnp.take_along_axis(x, src[..., None], axis=1)
    return jnp.where(act[..., None], xa, jnp.zeros((), x.dtype)), act



def left_align(
    x: Float[Array, "n Lx d"], lengths: Int[Array, " n"], L: int
) -> tuple[Float[Array, "n L d"], Bool[Array, "n L"]]:
    """Sequences from step 1 in L >= Lx steps, zeros (selected) past each one's length.

    Args:
      x: padded sequences, shape (n, Lx, d); sample i is x[i, :lengths[i]].
      lengths: integers (n,) in [1, Lx].
      L: the padded length.
    Returns:
      ``(xl, valid)``: xl (n, L, d) and the (n, L) mask of each sample's own steps.
    """
    n, Lx, d = x.shape
    if L > Lx:
        x = jnp.concatenate([x, jnp.zeros((n, L - Lx, d), x.dtype)], axis=1)
    valid = jnp.arange(L)[None, :] < jnp.asarray(lengths)[:, None]
    return jnp.where(valid[..., None], x, jnp.zeros((), x.dtype)), valid


def reversed_in_time(s: Sequences) -> Sequences:
    """Each sequence reversed within its own length: x[i, T_i - 1 - t] at step t < T_i.

    The padding stays where it is (past each length), so ``Sequences(x, lengths)`` keeps
    its meaning; without lengths the whole time axis is reversed.
    """
    if s.lengths is None:
        return Sequences(s.x[:, ::-1], None)
    L = s.x.shape[1]
    t = jnp.arange(L)[None, :]
    T = jnp.asarray(s.lengths)[:, None]
    src = jnp.where(t < T, T - 1 - t, t)
    return Sequences(jnp.take_along_axis(s.x, src[..., None], axis=1), s.lengths)
