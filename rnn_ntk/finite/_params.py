"""The parameters of the finite-width RNN (SPEC §1): drawing and checking them.

Standard parameterisation (the paper's): W ~ N(0, sw2/m), A ~ N(0, sa2/m),
b ~ N(0, sb2/m), M0 ~ N(0, s02/m), B ~ N(0, sB2/m) entrywise, held in a dict of arrays
``{"W": (m, m), "A": (m, d), "b": (m,), "M0": (m,), "B": (m,)}``.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import DTypeLike
from jaxtyping import Array, Float

from rnn_ntk._config import BLOCKS, RNNConfig
from rnn_ntk._validate import all_finite, check_dtype, check_int, is_real_dtype, is_traced

__all__ = ["Params", "cast_params", "check_cfg", "check_params", "init_params"]

#: The network's parameters: "W" (m, m), "A" (m, d), "b" (m,), "M0" (m,), "B" (m,).
Params = dict[str, Float[Array, "..."]]


def check_cfg(cfg: object) -> RNNConfig:
    """``cfg`` if it is an ``RNNConfig``.

    Args:
      cfg: the network's config.
    Returns:
      ``cfg``.
    Raises:
      TypeError: ``cfg`` is not an ``RNNConfig``.
    """
    if not isinstance(cfg, RNNConfig):
        raise TypeError(
            f"cfg must be an RNNConfig (e.g. rnn_ntk.RNNConfig()), got {type(cfg).__name__}."
        )
    return cfg


def init_params(
    key: jax.Array,
    cfg: RNNConfig = RNNConfig(),
    *,
    m: int,
    d: int,
    L: int,
    dtype: DTypeLike | None = None,
) -> Params:
    """Draws the parameters of SPEC §1 (standard parameterisation) at width m.

    Each block P of shape s is N(0, sigma_P^2 / m) entrywise: W (m, m) with sw2, A (m, d)
    with sa2 (``sa2="paper"`` resolves to 2/L^3), b (m,) with sb2, M0 (m,) with s02,
    B (m,) with sB2. Blocks with sigma^2 = 0 are exact zeros. One standard-normal vector of
    length m (m + d + 3) is drawn from ``key`` and cut, in order, into W (row-major), A,
    b, M0 and B, so the blocks are independent.

    Args:
      key: a jax PRNG key (``jax.random.key(seed)`` or ``jax.random.PRNGKey(seed)``).
      cfg: the network.
      m: width (>= 1).
      d: features per step (>= 1).
      L: sequence length (>= 1); only used to resolve ``sa2="paper"``.
      dtype: float32 or float64; default jax's default float.
    Returns:
      ``{"W": (m, m), "A": (m, d), "b": (m,), "M0": (m,), "B": (m,)}``.
    """
    check_cfg(cfg)
    if not (
        isinstance(key, jax.Array)
        and (jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key) or key.shape == (2,))
    ):
        raise TypeError(f"key must be a jax PRNG key such as jax.random.key(seed), got {key!r}.")
    m = check_int("m (the width)", m, low=1)
    d = check_int("d (features per step)", d, low=1)
    L = check_int("L (sequence length)", L, low=1)
    dt = check_dtype(dtype)
    # One draw (one compiled random kernel per shape), cut into the blocks in this order.
    shapes = {"W": (m, m), "A": (m, d), "b": (m,), "M0": (m,), "B": (m,)}
    z = jax.random.normal(key, (m * (m + d + 3),), dtype=dt)
    params, start = {}, 0
    for name, shape in shapes.items():
        size = math.prod(shape)
        scale = math.sqrt(cfg.variance(name, L) / m)
        params[name] = scale * z[start : start + size].reshape(shape)
        start += size
    return params


def _check_keys(params: object, name: str) -> None:
    if not isinstance(params, dict):
        raise TypeError(
            f"{name} must be a dict with keys {sorted(BLOCKS)} (see rnn_ntk.init_params), "
            f"got {type(params).__name__}."
        )
    missing = [k for k in BLOCKS if k not in params]
    extra = [k for k in params if k not in BLOCKS]
    if missing or extra:
        raise ValueError(
            f"{name} must have exactly the keys {sorted(BLOCKS)}; missing {missing}, "
            f"unexpected {extra}."
        )


def _check_shapes(params: Params, name: str) -> int:
    W = params["W"]
    if np.ndim(W) != 2 or np.shape(W)[0] != np.shape(W)[1] or np.shape(W)[0] < 1:
        raise ValueError(f"{name}['W'] must be a square (m, m) matrix, got {np.shape(W)}.")
    m = int(np.shape(W)[0])
    for k in ("b", "M0", "B"):
        if np.shape(params[k]) != (m,):
            raise ValueError(
                f"{name}[{k!r}] must have shape (m,) = ({m},) to match W, got "
                f"{np.shape(params[k])}."
            )
    A = params["A"]
    if np.ndim(A) != 2 or np.shape(A)[0] != m:
        raise ValueError(f"{name}['A'] must have shape (m, d) with m = {m}, got {np.shape(A)}.")
    return m


def check_params(
    params: Params,
    x: Float[Array, "n L d"] | None = None,
    name: str = "params",
    *,
    x_name: str = "x",
    check_finite: bool = True,
) -> int:
    """Checks that ``params`` is an RNN of SPEC §1 (and matches ``x``); returns the width.

    Args:
      params: dict with "W" (m, m), "A" (m, d), "b" (m,), "M0" (m,), "B" (m,).
      x: optional sequences (n, L, d) whose d must match A.
      name: the argument's name, used in error messages.
      x_name: the name of ``x`` in error messages.
      check_finite: also check (outside tracing) that every entry is finite.
    Returns:
      The width m.
    """
    _check_keys(params, name)
    m = _check_shapes(params, name)
    A = params["A"]
    if x is not None and np.shape(x)[-1] != np.shape(A)[1]:
        raise ValueError(
            f"{x_name} has d = {np.shape(x)[-1]} features per step but {name}['A'] has shape "
            f"{np.shape(A)} (d = {np.shape(A)[1]}); initialise the parameters with the "
            f"inputs' d."
        )
    for k in BLOCKS:
        dt = getattr(params[k], "dtype", None)
        if dt is None or not is_real_dtype(dt):
            raise TypeError(
                f"{name}[{k!r}] must be a real floating-point array (any float dtype; it "
                f"is cast to the compute dtype), got "
                f"{dt if dt is not None else type(params[k]).__name__}."
            )
    if check_finite and not is_traced(*[params[k] for k in BLOCKS]):
        for k in BLOCKS:
            if not bool(np.all(np.isfinite(np.asarray(params[k])))):
                raise ValueError(
                    f"{name}[{k!r}] contains non-finite values (NaN or Inf); re-initialise "
                    f"with rnn_ntk.init_params."
                )
    return m


def cast_params(params: Params, dtype: DTypeLike | None = None) -> tuple[Params, jnp.dtype]:
    """Checks ``params`` and casts every block to the compute dtype.

    Args:
      params: the network, as returned by ``init_params``.
      dtype: compute dtype; default the parameters' own (promoted) dtype, at least
        float32 (half-precision parameters are computed in float32).
    Returns:
      ``(params, dtype)``: the blocks as jax arrays of the compute dtype, and that dtype.
    Raises:
      ValueError: a block holds NaN or inf.
      OverflowError: a finite block leaves the compute dtype's range when cast.
    """
    check_params(params, check_finite=False)
    if dtype is None:
        dtype = jnp.promote_types(jnp.result_type(*[params[k] for k in BLOCKS]), jnp.float32)
    dt = check_dtype(dtype)
    with np.errstate(over="ignore"):  # an overflowing cast is reported below
        out = {k: jnp.asarray(params[k], dt) for k in BLOCKS}
    for k in BLOCKS:
        if all_finite(out[k]):
            continue
        if not bool(np.all(np.isfinite(np.asarray(params[k], np.float64)))):
            raise ValueError(
                f"params[{k!r}] contains non-finite values (NaN or Inf); re-initialise "
                f"with rnn_ntk.init_params."
            )
        raise OverflowError(
            f"params[{k!r}] holds values beyond the range of {dt} (max "
            f"{float(jnp.finfo(dt).max):.3g}); compute in float64 (dtype=jnp.float64 with "
            f"jax_enable_x64) or rescale the parameters."
        )
    return out, dt
