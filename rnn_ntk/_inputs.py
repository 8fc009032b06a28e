"""Validation and dtype handling of sequence inputs (shared by every public entry point)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["as_pair", "as_sequences", "resolve_dtype", "is_traced"]


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
