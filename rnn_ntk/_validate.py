"""Argument validators shared by every public function (one set, one convention).

A value of the wrong *type* raises ``TypeError``; a value of the right type but outside
what is allowed raises ``ValueError``. Every message names the argument, says what was
wrong and what would be right. numpy and jax scalars (``np.float32(2)``, ``np.int64(3)``,
0-d arrays) are accepted wherever a Python number is; bools never count as numbers, and
only ``True``/``False`` count as bools.

Precision: a *compute* dtype is float32 or float64 only (``check_dtype``); *input* arrays
may hold any real floating dtype (float16 and bfloat16 included) or integers, and are cast
to the compute dtype (``is_real_dtype``, ``check_real_array``). A result that is NaN or
inf although its inputs are finite raises ``FloatingPointError`` (``check_finite_result``)
instead of being returned.
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
    "check_finite_result",
    "check_int",
    "check_real",
    "check_real_array",
    "check_seeds",
    "all_finite",
    "is_real_dtype",
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


def is_real_dtype(dtype: object, *, integers: bool = False) -> bool:
    """True for a real floating dtype (float16, bfloat16, float32, float64, ...).

    Args:
      dtype: anything ``numpy.dtype`` reads (bfloat16 is ml_dtypes' numpy dtype).
      integers: also accept signed and unsigned integer dtypes (never bool).
    Returns:
      Whether arrays of ``dtype`` hold real numbers that may be cast to a float dtype.
    """
    try:
        dt = np.dtype(dtype)
    except TypeError:
        return False
    if jnp.issubdtype(dt, jnp.floating):
        return True
    return integers and dt.kind in "iu"


def check_real_array(
    name: str, value: object, *, ndim: int | None = None, finite: bool = True
) -> np.ndarray:
    """``value`` as a float64 numpy array of real numbers.

    Integers and every real floating dtype (float16 and bfloat16 included) are accepted
    and cast; bools, complex numbers, strings and None are refused (TypeError).

    Args:
      name: the argument's name, for the message.
      value: an array-like of real numbers.
      ndim: the required number of dimensions, or None for any.
      finite: also refuse NaN and inf (ValueError).
    Returns:
      The values, float64.
    """
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(
            f"{name} must be an array of real numbers, got {type(value).__name__} {value!r}."
        )
    try:
        arr = np.asarray(value)
    except Exception as e:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of real numbers: {e}") from None
    if not is_real_dtype(arr.dtype, integers=True):
        hint = f"; for 0/1 flags pass {name}.astype(float)" if arr.dtype.kind == "b" else ""
        raise TypeError(
            f"{name} must hold real numbers (integers or floats), got dtype {arr.dtype}{hint}."
        )
    arr = arr.astype(np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}.")
    if finite:
        bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        if bad:
            raise ValueError(
                f"{name} contains {bad} non-finite value(s) (NaN or inf); pass finite values."
            )
    return arr


#: What to try when a result leaves the float range (``check_finite_result``).
OVERFLOW_HINT = (
    "scale the inputs down, lower the variances (with sw2 > 2 the network grows like "
    "(sw2/2)^L), shorten the sequences, or compute in float64"
)


def all_finite(*values: object) -> bool:
    """False if a concrete array among ``values`` holds NaN or inf, else True.

    Values that are traced, or computed inside a trace (``jax.jit`` of constants), cannot
    be inspected and count as finite; None is skipped.
    """
    for v in values:
        if v is None or is_traced(v):
            continue
        ok = jnp.all(jnp.isfinite(v))
        if not is_traced(ok) and not bool(ok):
            return False
    return True


def check_finite_result(what: str, value: object, hint: str = OVERFLOW_HINT) -> None:
    """Raises ``FloatingPointError`` if ``value`` holds NaN or inf (outside tracing).

    For results of finite inputs: a non-finite entry means the true value is not
    representable in the compute dtype, which is reported instead of returned.

    Args:
      what: the result, for the message (e.g. "empirical_ntk").
      value: a pytree of arrays; traced leaves are not checked.
      hint: what the user can do, appended to the message.
    """
    for leaf in jax.tree.leaves(value):
        if not hasattr(leaf, "dtype") or not is_real_dtype(leaf.dtype):
            continue
        if not all_finite(leaf):
            dt = jnp.dtype(leaf.dtype)
            raise FloatingPointError(
                f"{what} is not finite in {dt} (NaN or inf in the result) although its "
                f"inputs are finite: the true values exceed {dt}'s range (max "
                f"{float(jnp.finfo(dt).max):.3g}); {hint}."
            )


def check_dtype(dtype: DTypeLike | None, name: str = "dtype") -> jnp.dtype:
    """The compute dtype: jax's default float (float64 under x64, else float32) or ``dtype``.

    Only float32 and float64 are compute dtypes (float16 and bfloat16 inputs are accepted
    and cast, see ``is_real_dtype``, but never computed in).

    Args:
      dtype: None, float32 or float64 (a dtype, its name or its type).
      name: the argument's name, for the message.
    Returns:
      The numpy dtype to compute in.
    """
    if dtype is None:
        return jnp.dtype(jnp.result_type(float))
    want = f"{name} must be float32 or float64 (or None for jax's default float)"
    if isinstance(dtype, bool):
        raise TypeError(f"{want}, got {dtype!r}.")
    try:
        dt = jnp.dtype(dtype)
    except TypeError:
        raise TypeError(f"{want}, got {dtype!r}.") from None
    if dt not in (jnp.dtype(jnp.float32), jnp.dtype(jnp.float64)):
        low = " (half precision is accepted for inputs, not as a compute dtype)"
        raise TypeError(f"{want}, got {dt}{low if dt.itemsize == 2 and is_real_dtype(dt) else ''}.")
    if dt == jnp.float64 and not jax.config.jax_enable_x64:
        raise ValueError(
            f"{name}=float64 needs 64-bit jax: call jax.config.update('jax_enable_x64', "
            f"True) before creating arrays, or pass {name}=jnp.float32."
        )
    return dt
