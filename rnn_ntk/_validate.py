"""Argument validators shared by every public function (one set, one convention).

A value of the wrong *type* raises ``TypeError``; a value of the right type but outside
what is allowed raises ``ValueError``. Every message names the argument, says what was
wrong and what would be right. numpy and jax scalars (``np.float32(2)``, ``np.int64(3)``,
0-d arrays) are accepted wherever a Python number is; bools never count as numbers.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import DTypeLike

__all__ = [
    "check_bool",
    "check_choice",
    "check_dtype",
    "check_int",
    "check_real",
    "check_seeds",
    "is_traced",
]


def is_traced(*values: object) -> bool:
    """True if any argument is a jax tracer (inside jit/vmap/grad)."""
    return any(isinstance(v, jax.core.Tracer) for v in values)


def _scalar(value: object) -> object:
    """A 0-d numpy/jax array as its Python scalar; anything else unchanged."""
    if isinstance(value, (np.ndarray, np.generic, jax.Array)) and np.ndim(value) == 0:
        if is_traced(value):
            return value
        return np.asarray(value).item()
    return value


def _typed(name: str, value: object, kind: type, what: str):
    """The Python scalar of ``value`` if it is a ``kind`` (never a bool), else TypeError."""
    v = _scalar(value)
    if isinstance(v, bool) or not isinstance(v, kind):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__} {value!r}.")
    return v


def check_int(
    name: str, value: object, *, low: int | None = None, high: int | None = None
) -> int:
    """``value`` as a Python int, checked against ``low <= value <= high``.

    Args:
      name: the argument's name, for the message.
      value: an int, numpy/jax integer scalar or 0-d integer array (not a bool).
      low, high: the allowed range (None: unbounded on that side).
    Returns:
      The value as an int.
    """
    v = int(_typed(name, value, numbers.Integral, "an int"))
    if (low is not None and v < low) or (high is not None and v > high):
        want = _range_text(low, high)
        raise ValueError(f"{name} must be an int {want}, got {v}.")
    return v


def check_real(
    name: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    open_low: bool = False,
    allow_inf: bool = False,
    what: str = "number",
) -> float:
    """``value`` as a finite Python float, checked against its bounds.

    ``name`` and ``value`` as for ``check_int`` (any real scalar is accepted); ``low`` is
    excluded when ``open_low`` (a step size > 0), +inf is allowed with ``allow_inf`` (a
    time horizon), and ``what`` names the value in the message ("variance", ...).
    Returns the value as a float.
    """
    v = float(_typed(name, value, numbers.Real, "a real number"))
    bad = math.isnan(v) or (math.isinf(v) and not (allow_inf and v > 0))
    if low is not None:
        bad = bad or v < low or (open_low and v == low)
    if high is not None:
        bad = bad or v > high
    if bad:
        want = _range_text(low, high, open_low)
        finite = "" if allow_inf else "finite "
        raise ValueError(f"{name} must be a {finite}{what} {want}, got {v!r}.".replace("  ", " "))
    return v


def _range_text(low, high, open_low: bool = False) -> str:
    low, high = (f"{b:g}" if isinstance(b, float) else b for b in (low, high))
    if low is not None and high is not None:
        return f"in [{low}, {high}]" if not open_low else f"in ({low}, {high}]"
    if low is not None:
        return f"> {low}" if open_low else f">= {low}"
    if high is not None:
        return f"<= {high}"
    return ""


def check_bool(name: str, value: object) -> bool:
    """``value`` as a bool; only True/False (and numpy bools) are accepted.

    A string such as ``"no"`` is refused rather than read as True.
    """
    v = _scalar(value)
    if not isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}.")
    return bool(v)


def check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    """``value`` if it is one of the strings ``choices``."""
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be one of {tuple(choices)}, got {type(value).__name__} {value!r}."
        )
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}.")
    return value


def check_seeds(name: str, seeds: object) -> tuple[int, ...]:
    """Seeds as a tuple of distinct ints >= 0: an int S means the seeds 0..S-1.

    Args:
      name: the argument's name, for the message.
      seeds: a count (int >= 1) or an iterable of distinct ints >= 0.
    Returns:
      The seeds.
    """
    if isinstance(_scalar(seeds), numbers.Integral) and not isinstance(seeds, bool):
        return tuple(range(check_int(name, seeds, low=1)))
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise TypeError(
            f"{name} must be a count (int >= 1) or an iterable of ints >= 0, got "
            f"{type(seeds).__name__} {seeds!r}."
        )
    out = tuple(check_int(f"{name}[{i}]", s, low=0) for i, s in enumerate(seeds))
    if not out:
        raise ValueError(f"{name} must hold at least one seed, got an empty sequence.")
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must be distinct, got {out}.")
    return out


def check_dtype(dtype: DTypeLike | None, name: str = "dtype") -> jnp.dtype:
    """The compute dtype: jax's default float (float64 under x64, else float32) or ``dtype``.

    Args:
      dtype: None, float32 or float64 (a dtype, its name or its type).
      name: the argument's name, for the message.
    Returns:
      The numpy dtype to compute in.
    """
    if dtype is None:
        return jnp.dtype(jnp.result_type(float))
    try:
        dt = jnp.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"{name} must be float32 or float64 (or None for jax's default float), got "
            f"{dtype!r}."
        ) from None
    if dt not in (jnp.dtype(jnp.float32), jnp.dtype(jnp.float64)):
        raise TypeError(f"{name} must be float32 or float64, got {dt}.")
    if dt == jnp.float64 and not jax.config.jax_enable_x64:
        raise ValueError(
            f"{name}=float64 needs 64-bit jax: call jax.config.update('jax_enable_x64', "
            f"True) before creating arrays, or pass {name}=jnp.float32."
        )
    return dt
