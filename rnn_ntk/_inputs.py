"""Validation and dtype handling of sequence inputs (shared by every public entry point)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

__all__ = [
    "as_pair",
    "as_sequences",
    "check_lengths",
    "is_traced",
    "resolve_dtype",
    "right_align",
]


def is_traced(*arrays: object) -> bool:
    """True if any argument is a jax tracer (inside jit/vmap/grad)."""
    return any(isinstance(a, jax.core.Tracer) for a in arrays)


def resolve_dtype(dtype: object | None) -> jnp.dtype:
    """The compute dtype: jax's default float (float64 under x64, else float32) or ``dtype``."""
    if dtype is None:
        return jnp.dtype(jnp.result_type(float))
    dt = jnp.dtype(dtype)
    if dt not in (jnp.dtype(jnp.float32), jnp.dtype(jnp.float64)):
        raise TypeError(f"dtype must be float32 or float64, got {dt}.")
    if dt == jnp.float64 and not jax.config.jax_enable_x64:
        raise ValueError(
            "dtype=float64 needs 64-bit jax: call jax.config.update('jax_enable_x64', True) "
            "before creating arrays, or pass dtype=jnp.float32."
        )
    return dt


def as_sequences(x: object, name: str, dtype: jnp.dtype) -> jax.Array:
    """Checks that ``x`` is a finite real array of shape (n, L, d) and casts it to ``dtype``.

    Args:
      x: the sequences, shape (n, L, d): n samples, L steps, d features per step.
      name: the argument's name, used in error messages.
      dtype: the compute dtype.
    Returns:
      ``x`` as a jax array of ``dtype``.
    """
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        try:
            x = np.asarray(x)
        except Exception as e:  # ragged lists and the like
            raise TypeError(f"{name} must be an array of shape (n, L, d): {e}") from None
    kind = np.dtype(x.dtype).kind
    if kind not in "f":
        what = {"i": "integer", "u": "unsigned integer", "b": "boolean", "c": "complex"}.get(
            kind, str(x.dtype)
        )
        raise TypeError(
            f"{name} has {what} dtype {x.dtype}; pass real floating-point sequences, "
            f"e.g. {name}.astype(np.float64)."
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
    if not is_traced(x):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(np.asarray(x))))
        if bad:
            raise ValueError(
                f"{name} contains {bad} non-finite value(s) (NaN or Inf); clean or impute them "
                f"before computing kernels."
            )
    return jnp.asarray(x, dtype=dtype)


def as_pair(x1: object, x2: object | None, dtype: object | None, same_length: bool = True):
    """Validates (x1, x2) together; returns (x1, x2 or None, compute dtype)."""
    dt = resolve_dtype(dtype)
    a = as_sequences(x1, "x1", dt)
    if x2 is None:
        return a, None, dt
    b = as_sequences(x2, "x2", dt)
    if a.shape[2] != b.shape[2]:
        raise ValueError(
            f"x1 and x2 must have the same number of features d, got {a.shape[2]} and {b.shape[2]}."
        )
    if same_length and a.shape[1] != b.shape[1]:
        raise ValueError(
            f"x1 and x2 must have the same sequence length L, got {a.shape[1]} and "
            f"{b.shape[1]}; for sequences of different lengths pass lengths1/lengths2."
        )
    return a, b, dt


def check_lengths(lengths: object, x: object, name: str = "lengths", x_name: str = "x"):
    """Validates per-sample lengths of a padded batch and zeroes the padding of ``x``.

    Args:
      lengths: integers of shape (n,), each in [1, L]: sample i is x[i, :lengths[i]].
        Under tracing (inside jit) the values cannot be checked and are taken as given.
      x: the padded sequences, shape (n, L, d); the padding may hold NaN or anything.
      name: the argument's name, used in error messages.
      x_name: the name of ``x`` in error messages.
    Returns:
      ``(lengths, x)``: lengths as an integer jax array and x with its padding set to 0
      (unchanged if x is traced or not yet a floating array; ``right_align`` masks it anyway).
    """
    if not hasattr(x, "shape"):
        try:
            x = np.asarray(x)
        except Exception:
            return lengths, x  # as_sequences says what is wrong with x
    if np.ndim(x) != 3:
        return lengths, x  # as_sequences says what is wrong with x
    n, L = np.shape(x)[:2]
    if is_traced(lengths):
        lengths = jnp.asarray(lengths)
        if not jnp.issubdtype(lengths.dtype, jnp.integer):
            raise TypeError(f"{name} must be integers (steps per sequence), got {lengths.dtype}.")
        if lengths.shape != (n,):
            raise ValueError(
                f"{name} must have shape ({n},) (one length per sequence of {x_name}), got "
                f"{lengths.shape}."
            )
    else:
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
                f"{name} must have shape ({n},) (one length per sequence of {x_name}), got "
                f"{arr.shape}."
            )
        if n and (arr.min() < 1 or arr.max() > L):
            raise ValueError(
                f"{name} must lie in [1, {L}] (the padded length of {x_name}), got min "
                f"{arr.min()} and max {arr.max()}."
            )
        lengths = jnp.asarray(arr)
    if not is_traced(x, lengths) and np.dtype(x.dtype).kind == "f":
        valid = np.arange(L)[None, :] < np.asarray(lengths)[:, None]
        x = np.where(valid[..., None], np.asarray(x), 0.0)
    return lengths, x


def right_align(
    x: Float[Array, "n Lx d"], lengths: Array, L: int
) -> tuple[Float[Array, "n L d"], Array]:
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
