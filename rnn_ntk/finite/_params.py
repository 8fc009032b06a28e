"""The parameters of the finite-width RNN (SPEC §1, §7): drawing and checking them.

Standard parameterisation (the paper's): W ~ N(0, sw2/m), A ~ N(0, sa2/m),
b ~ N(0, sb2/m), M0 ~ N(0, s02/m), B ~ N(0, sB2/m) entrywise, held in a dict of arrays
``{"W": (m, m), "A": (m, d), "b": (m,), "M0": (m,), "B": (m,)}``. Deeper and
bidirectional networks add "W_k", "A_k" (m, m), "b_k", "M0_k" (m,) per layer k >= 2 and
the reversed RNN's "rev_" keys; non-ReLU activations have O(1) pre-activations (see
``rnn_ntk.finite._keys``).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import DTypeLike
from jaxtyping import Array, Float

from rnn_ntk._config import RNNConfig
from rnn_ntk._validate import all_finite, check_dtype, check_int, is_real_dtype, is_traced
from rnn_ntk.finite._keys import REV, direction_keys, init_scale, key_block, param_keys

__all__ = ["Params", "cast_params", "check_cfg", "check_params", "init_params"]

#: The network's parameters: "W" (m, m), "A" (m, d), "b" (m,), "M0" (m,), "B" (m,) and,
#: for deeper or bidirectional networks, the keys of ``rnn_ntk.finite._keys``.
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

    Deeper networks (SPEC §7) continue the same vector with "W_k" (m, m), "A_k" (m, m),
    "b_k" (m,), "M0_k" (m,) for k = 2..depth, with layer k's variances (A_k: sa2[k]/m).
    A bidirectional network adds the reversed RNN, drawn the same way from
    ``jax.random.fold_in(key, 1)``, under the keys "rev_W", "rev_A", ..., "rev_B",
    "rev_W_2", ...; its forward direction is the unidirectional network of ``key``.
    Activations other than ReLU use the O(1)-pre-activation network of SPEC §7 (the same
    draws, scaled by sqrt(sigma^2) instead of sqrt(sigma^2 / m) for A_1, b_k and M0_k).

    Args:
      key: a jax PRNG key (``jax.random.key(seed)`` or ``jax.random.PRNGKey(seed)``).
      cfg: the network.
      m: width (>= 1).
      d: features per step (>= 1).
      L: sequence length (>= 1); only used to resolve ``sa2="paper"``.
      dtype: float32 or float64; default jax's default float.
    Returns:
      ``{"W": (m, m), "A": (m, d), "b": (m,), "M0": (m,), "B": (m,)}`` and, for depth
      D > 1 or bidirectional, the keys above (``rnn_ntk.finite._keys.param_keys``).
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
    params = _draw(key, cfg, m, d, L, dt)
    if cfg.bidirectional:
        rev = _draw(jax.random.fold_in(key, 1), cfg, m, d, L, dt)
        params.update({REV + k: v for k, v in rev.items()})
    return params


def _shape(key: str, m: int, d: int) -> tuple[int, ...]:
    base, k = key_block(key)
    if base == "W" or (base == "A" and k > 1):
        return (m, m)
    return (m, d) if base == "A" else (m,)


def _draw(key: jax.Array, cfg: RNNConfig, m: int, d: int, L: int, dt) -> Params:
    """One direction: one standard-normal draw cut into the blocks in key order (one
    compiled program per configuration and shape)."""
    # One draw (one compiled random kernel per shape), cut into the blocks in this order.
    shapes = {k: _shape(k, m, d) for k in direction_keys(cfg)}
    z = jax.random.normal(key, (sum(math.prod(s) for s in shapes.values()),), dtype=dt)
    params, start = {}, 0
    for name, shape in shapes.items():
        size = math.prod(shape)
        scale = init_scale(cfg, name, L, m)
        params[name] = scale * z[start : start + size].reshape(shape)
        start += size
    return params


def _check_keys(params: object, name: str, cfg: RNNConfig) -> tuple[str, ...]:
    keys = param_keys(cfg)
    if not isinstance(params, dict):
        raise TypeError(
            f"{name} must be a dict with keys {sorted(keys)} (see rnn_ntk.init_params), "
            f"got {type(params).__name__}."
        )
    missing = [k for k in keys if k not in params]
    extra = [k for k in params if k not in keys]
    if missing or extra:
        hint = "" if cfg.is_paper_architecture else (
            f" (the keys of rnn_ntk.init_params for depth={cfg.depth}, "
            f"bidirectional={cfg.bidirectional}; initialise the parameters with this cfg)"
        )
        raise ValueError(
            f"{name} must have exactly the keys {sorted(keys)}{hint}; missing {missing}, "
            f"unexpected {extra}."
        )
    return keys


def _check_shapes(params: Params, name: str, keys: tuple[str, ...]) -> int:
    W = params["W"]
    if np.ndim(W) != 2 or np.shape(W)[0] != np.shape(W)[1] or np.shape(W)[0] < 1:
        raise ValueError(f"{name}['W'] must be a square (m, m) matrix, got {np.shape(W)}.")
    m = int(np.shape(W)[0])
    d = np.shape(params["A"])[1] if np.ndim(params["A"]) == 2 else None
    for k in keys:
        want = _shape(k, m, d)
        if k.endswith("A") and (np.ndim(params[k]) != 2 or np.shape(params[k])[0] != m):
            raise ValueError(
                f"{name}[{k!r}] must have shape (m, d) with m = {m}, got {np.shape(params[k])}."
            )
        if np.shape(params[k]) != want:
            what = "(m,)" if len(want) == 1 else "(m, d)" if key_block(k) == ("A", 1) else "(m, m)"
            raise ValueError(
                f"{name}[{k!r}] must have shape {what} = {want} to match W, got "
                f"{np.shape(params[k])}."
            )
    return m


def check_params(
    params: Params,
    x: Float[Array, "n L d"] | None = None,
    name: str = "params",
    *,
    x_name: str = "x",
    check_finite: bool = True,
    cfg: RNNConfig | None = None,
) -> int:
    """Checks that ``params`` is an RNN of SPEC §1/§7 (and matches ``x``); returns the width.

    Args:
      params: dict with "W" (m, m), "A" (m, d), "b" (m,), "M0" (m,), "B" (m,), and the
        keys of deeper or bidirectional networks (``rnn_ntk.finite._keys``).
      x: optional sequences (n, L, d) whose d must match A.
      name: the argument's name, used in error messages.
      x_name: the name of ``x`` in error messages.
      check_finite: also check (outside tracing) that every entry is finite.
      cfg: the network whose keys ``params`` must have; default the paper's
        ``RNNConfig()``.
    Returns:
      The width m.
    """
    keys = _check_keys(params, name, RNNConfig() if cfg is None else check_cfg(cfg))
    for k in keys:
        dt = getattr(params[k], "dtype", None)
        if dt is None or not is_real_dtype(dt):
            raise TypeError(
                f"{name}[{k!r}] must be a real floating-point array (any float dtype; it "
                f"is cast to the compute dtype), got "
                f"{dt if dt is not None else type(params[k]).__name__}."
            )
    m = _check_shapes(params, name, keys)
    A = params["A"]
    if x is not None and np.shape(x)[-1] != np.shape(A)[1]:
        raise ValueError(
            f"{x_name} has d = {np.shape(x)[-1]} features per step but {name}['A'] has shape "
            f"{np.shape(A)} (d = {np.shape(A)[1]}); initialise the parameters with the "
            f"inputs' d."
        )
    if check_finite and not is_traced(*[params[k] for k in keys]):
        for k in keys:
            if not bool(np.all(np.isfinite(np.asarray(params[k])))):
                raise ValueError(
                    f"{name}[{k!r}] contains non-finite values (NaN or Inf); re-initialise "
                    f"with rnn_ntk.init_params."
                )
    return m


def cast_params(
    params: Params, dtype: DTypeLike | None = None, cfg: RNNConfig | None = None
) -> tuple[Params, jnp.dtype]:
    """Checks ``params`` and casts every block to the compute dtype.

    Args:
      params: the network, as returned by ``init_params``.
      dtype: compute dtype; default the parameters' own (promoted) dtype, at least
        float32 (half-precision parameters are computed in float32).
      cfg: the network (decides the keys); default ``RNNConfig()``.
    Returns:
      ``(params, dtype)``: the blocks as jax arrays of the compute dtype, and that dtype.
    Raises:
      ValueError: a block holds NaN or inf.
      OverflowError: a finite block leaves the compute dtype's range when cast.
    """
    check_params(params, check_finite=False, cfg=cfg)
    keys = param_keys(RNNConfig() if cfg is None else cfg)
    if dtype is None:
        dtype = jnp.promote_types(jnp.result_type(*[params[k] for k in keys]), jnp.float32)
    dt = check_dtype(dtype)
    with np.errstate(over="ignore"):  # an overflowing cast is reported below
        out = {k: jnp.asarray(params[k], dt) for k in keys}
    for k in keys:
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
