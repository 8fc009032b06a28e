r"""The finite-width ReLU Elman RNN of SPEC §1, as pure functions on a dict of arrays.

    h_0 = relu(M0)  (h0="random")  or  0  (h0="zero")
    u_l = W h_{l-1} + A X_l + b,   h_l = relu(u_l),   l = 1..L
    g(x) = B^T h_L                 (per-step outputs g_l = B^T h_l with ``steps=True``)

Standard parameterisation (the paper's): W ~ N(0, sw2/m), A ~ N(0, sa2/m),
b ~ N(0, sb2/m), M0 ~ N(0, s02/m), B ~ N(0, sB2/m) entrywise. The recursion is a
``jax.lax.scan`` over steps, batched over samples inside each step (one (n, m) x (m, m)
matrix product per step). relu is ``jax.nn.relu``, whose derivative at 0 is 0, the
convention the analytic kernels use for zero-variance pre-activations.

Sequences of different lengths (SPEC §6, ``lengths=``): sample i is x[i, :lengths[i]].
Inside the one scan the samples are right-aligned in the padded length L (sample i
occupies steps L - lengths[i] + 1 .. L) and h is held at h_0 by a select while a sample
has not started, so every sample's last step is the scan's last step and
g(x_i) = B^T h_{lengths[i]}(x_i). The padding (NaN allowed) never enters an arithmetic
operation: it is replaced by zeros with a select before the input projection.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jaxtyping import Array, Float, Int

from rnn_ntk._inputs import as_sequences, check_lengths, is_traced, resolve_dtype, right_align
from rnn_ntk.config import BLOCKS, RNNConfig

__all__ = ["init_params", "apply", "hidden_states", "check_params", "reparameterized"]

Params = dict[str, Float[Array, "..."]]


def _check_size(name: str, value: object, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int >= {low}, got {type(value).__name__} {value!r}.")
    if value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value}.")
    return int(value)


def init_params(
    key: jax.Array,
    cfg: RNNConfig = RNNConfig(),
    *,
    m: int,
    d: int,
    L: int,
    dtype: object | None = None,
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
    if not isinstance(cfg, RNNConfig):
        raise TypeError(f"cfg must be an RNNConfig, got {type(cfg).__name__}.")
    if not (
        isinstance(key, jax.Array)
        and (jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key) or key.shape == (2,))
    ):
        raise TypeError(f"key must be a jax PRNG key such as jax.random.key(seed), got {key!r}.")
    m = _check_size("m (the width)", m)
    d = _check_size("d (features per step)", d)
    L = _check_size("L (sequence length)", L)
    dt = resolve_dtype(dtype)
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


def check_params(
    params: Params,
    x: jax.Array | None = None,
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
    if x is not None and np.shape(x)[-1] != np.shape(A)[1]:
        raise ValueError(
            f"{x_name} has d = {np.shape(x)[-1]} features per step but {name}['A'] has shape "
            f"{np.shape(A)} (d = {np.shape(A)[1]}); initialise the parameters with the "
            f"inputs' d."
        )
    for k in BLOCKS:
        dt = getattr(params[k], "dtype", None)
        if dt is None or np.dtype(dt).kind != "f":
            raise TypeError(
                f"{name}[{k!r}] must be a real floating-point array, got "
                f"{dt if dt is not None else type(params[k]).__name__}."
            )
    leaves = [params[k] for k in BLOCKS]
    if check_finite and not is_traced(*leaves):
        for k in BLOCKS:
            if not bool(np.all(np.isfinite(np.asarray(params[k])))):
                raise ValueError(
                    f"{name}[{k!r}] contains non-finite values (NaN or Inf); re-initialise "
                    f"with rnn_ntk.init_params."
                )
    return m


def _prepared(params, x, cfg, dtype, x_name: str = "x", lengths=None):
    """Validates (params, x, cfg[, lengths]); returns the cast params, x and the mask.

    The compute dtype is ``dtype`` if given, else the parameters' dtype. With ``lengths``
    x is returned right-aligned (see ``right_align``) with its (n, L) activity mask, else the
    mask is ``None`` (every step active).
    """
    if not isinstance(cfg, RNNConfig):
        raise TypeError(f"cfg must be an RNNConfig, got {type(cfg).__name__}.")
    check_params(params)
    if dtype is None:
        dtype = jnp.result_type(*[params[k] for k in BLOCKS])
    dt = resolve_dtype(dtype)
    if lengths is not None:
        lengths, x = check_lengths(lengths, x, "lengths", x_name)
    xs = as_sequences(x, x_name, dt)
    check_params(params, xs, x_name=x_name, check_finite=False)
    p = {k: jnp.asarray(params[k], dt) for k in BLOCKS}
    if lengths is None:
        return p, xs, None
    xs, act = right_align(xs, lengths, xs.shape[1])
    return p, xs, act


def _h0(params: Params, cfg: RNNConfig, n: int) -> Float[Array, "n m"]:
    m = params["W"].shape[0]
    if cfg.h0 == "random":
        return jnp.broadcast_to(jax.nn.relu(params["M0"]), (n, m))
    return jnp.zeros((n, m), params["W"].dtype)


def _scan(params: Params, x: Float[Array, "n L d"], h0: Float[Array, "n m"], e=None, act=None):
    """h_1..h_L (L, n, m), optionally with additive perturbations e_l of u_l.

    With the mask ``act`` (n, L) (right-aligned ragged input), h is held (selected, not
    multiplied) at its previous value, i.e. at h_0, on the steps where a sample has not
    started; a perturbation e_l on such a step therefore has no effect (delta_l = 0).
    """
    W, A, b = params["W"], params["A"], params["b"]
    xin = jnp.einsum("nld,md->lnm", x, A) + b  # A X_l + b, step-major
    mask = None if act is None else jnp.swapaxes(act, 0, 1)[..., None]  # (L, n, 1)

    def step(h, inp):
        xa, el, al = inp
        u = h @ W.T + xa
        if el is not None:
            u = u + el
        h_new = jax.nn.relu(u)
        h = h_new if al is None else jnp.where(al, h_new, h)
        return h, h

    _, hs = lax.scan(step, h0, (xin, e, mask))
    return hs


def _states(params: Params, x, cfg: RNNConfig, act=None) -> Float[Array, "n Lp1 m"]:
    h0 = _h0(params, cfg, x.shape[0])
    hs = _scan(params, x, h0, act=act)
    return jnp.concatenate([h0[:, None], jnp.moveaxis(hs, 0, 1)], axis=1)


def hidden_states(
    params: Params,
    x: Float[Array, "n L d"],
    cfg: RNNConfig = RNNConfig(),
    *,
    lengths: Int[Array, " n"] | None = None,
    dtype: object | None = None,
) -> Float[Array, "n Lp1 m"]:
    """The hidden states h_0..h_L of every sequence (SPEC §1), by ``lax.scan`` over steps.

    Args:
      params: the network, as returned by ``init_params``.
      x: sequences, shape (n, L, d).
      cfg: the network's config (h0 decides h_0 = relu(M0) or 0).
      lengths: optional integers (n,) in [1, L] for sequences of different lengths
        (SPEC §6): sample i is x[i, :lengths[i]]; the padding (NaN allowed) is ignored.
      dtype: compute dtype; default the parameters' dtype.
    Returns:
      h_0..h_L, shape (n, L+1, m). With ``lengths`` the states are right-aligned (counted
      from the end): out[i, L - k] = h_{lengths[i] - k}(x_i) for k = 0..lengths[i], and
      out[i, :L - lengths[i] + 1] = h_0 (held until the sample starts).
    """
    p, xs, act = _prepared(params, x, cfg, dtype, lengths=lengths)
    return _states(p, xs, cfg, act)


def _apply(params: Params, x, cfg: RNNConfig, steps: bool, unroll: bool = False, act=None):
    """g(x) (n,) or g_1..g_L (n, L); ``unroll`` uses a Python loop instead of lax.scan.

    The unrolled form is the same function; it exposes one matrix product per step to
    tools that inspect the jaxpr (neural-tangents' structured derivatives). ``act``
    (n, L) is the mask of right-aligned ragged input (see ``right_align``), or None.
    """
    h0 = _h0(params, cfg, x.shape[0])
    if unroll:
        h, hl = h0, []
        for l in range(x.shape[1]):
            h_new = jax.nn.relu(h @ params["W"].T + x[:, l] @ params["A"].T + params["b"])
            h = h_new if act is None else jnp.where(act[:, l, None], h_new, h)
            hl.append(h @ params["B"])
        return jnp.stack(hl, axis=1) if steps else hl[-1]
    else:
        hs = _scan(params, x, h0, act=act)  # (L, n, m)
    if steps:
        return (hs @ params["B"]).T  # (n, L)
    return hs[-1] @ params["B"]


def reparameterized(
    params: Params,
    cfg: RNNConfig,
    blocks: tuple[str, ...],
    parameterization: str,
    L: int,
    *,
    steps: bool = False,
    unroll: bool = False,
):
    """The network as a function of its trained blocks only, in either parameterisation.

    Standard: f(theta, x) = g(x) with theta = the blocks themselves. NTK parameterisation
    (SPEC §2): each block is P = sigma_P / sqrt(m) * omega_P with omega_P ~ N(0, 1), and
    f(omega, x) = sqrt(m) g(x), so <df/domega_P, df/domega_P> = sigma_P^2 Theta_P. The
    variable is the offset omega - omega_init (value 0), so sigma_P = 0 needs no division.

    Args:
      params: the network (already validated).
      cfg: the network's config.
      blocks: the trained blocks.
      parameterization: "standard" or "ntk".
      L: sequence length (resolves sa2="paper").
      steps: the function returns every g_l instead of g_L.
      unroll: Python loop instead of lax.scan (same function).
    Returns:
      ``(f, theta)``: ``f(theta, x, act=None)`` of shape (n,) or (n, L), and the trained
      variables; ``act`` is the (n, L) mask of right-aligned ragged x (see ``right_align``).
    """
    fixed = {k: v for k, v in params.items() if k not in blocks}
    if parameterization != "ntk":
        theta = {b: params[b] for b in blocks}

        def f(theta, x, act=None):
            return _apply({**fixed, **theta}, x, cfg, steps, unroll, act)

        return f, theta

    m = params["W"].shape[0]
    scale = {b: math.sqrt(cfg.variance(b, L) / m) for b in blocks}
    # omega_P - omega_P(init) as the variable: P = P_init + sigma_P/sqrt(m) * that, at 0.
    theta = {b: jnp.zeros_like(params[b]) for b in blocks}

    def f(theta, x, act=None):
        full = {**fixed, **{b: params[b] + scale[b] * theta[b] for b in blocks}}
        return math.sqrt(m) * _apply(full, x, cfg, steps, unroll, act)

    return f, theta


def apply(
    params: Params,
    x: Float[Array, "n L d"],
    cfg: RNNConfig = RNNConfig(),
    *,
    steps: bool = False,
    lengths: Int[Array, " n"] | None = None,
    dtype: object | None = None,
) -> Float[Array, " n"] | Float[Array, "n L"]:
    """The network's output g(x) = B^T h_L (SPEC §1), or every g_l = B^T h_l.

    Args:
      params: the network, as returned by ``init_params``.
      x: sequences, shape (n, L, d).
      cfg: the network's config.
      steps: if True, return the per-step outputs g_1..g_L (sequence labelling, paper
        Remark 3.2).
      lengths: optional integers (n,) in [1, L] for sequences of different lengths
        (SPEC §6): sample i is x[i, :lengths[i]] (the padding, NaN or anything, is
        ignored) and g(x_i) = B^T h_{lengths[i]}(x_i), exactly as if x_i were run alone.
        Works under ``jax.jit`` (traced lengths are not range-checked).
      dtype: compute dtype; default the parameters' dtype.
    Returns:
      g(x), shape (n,), or (n, L) with ``steps=True``. For ragged input the steps count
      from the end, as in ``rnn_ntk.ntk(..., steps=True, lengths1=...)``: column L - k
      holds g_{lengths[i] - k}(x_i) for k = 0..lengths[i] - 1, and the columns before
      sample i starts hold B^T h_0 (h held at h_0; 0 for h0="zero").
    """
    p, xs, act = _prepared(params, x, cfg, dtype, lengths=lengths)
    return _apply(p, xs, cfg, bool(steps), act=act)
