r"""The finite-width Elman RNN of SPEC §1 and §7, as pure functions on a dict of arrays.

    h_0 = relu(M0)  (h0="random")  or  0  (h0="zero")
    u_l = W h_{l-1} + A X_l + b,   h_l = relu(u_l),   l = 1..L
    g(x) = B^T h_L                 (per-step outputs g_l = B^T h_l with ``steps=True``)

is the paper's network (``RNNConfig()``); SPEC §7 generalises it (``_deep``): stacked
layers, any activation phi, the mean readout and a bidirectional pair of RNNs. The
recursion is a ``jax.lax.scan`` over steps per layer, batched over samples inside each
step (one (n, m) x (m, m) matrix product per step). relu is ``jax.nn.relu``, whose
derivative at 0 is 0, the convention the analytic kernels use for zero-variance
pre-activations.

Sequences of different lengths (SPEC §6, ``Sequences(x, lengths)``): sample i is
x[i, :lengths[i]]. Inside the one scan the samples are right-aligned in the padded length
L (sample i occupies steps L - lengths[i] + 1 .. L) and h is held at h_0 by a select while
a sample has not started (the mask ``act``), so every sample's last step is the scan's
last step and g(x_i) = B^T h_{lengths[i]}(x_i). The padding (NaN allowed) never enters an
arithmetic operation: it is replaced by zeros with a select before the input projection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax.numpy as jnp
from jax.typing import DTypeLike
from jaxtyping import Array, Bool, Float

from rnn_ntk._activations import activation_fn
from rnn_ntk._config import RNNConfig
from rnn_ntk._sequences import Sequences, as_sequences, right_align
from rnn_ntk._validate import check_bool, check_finite_result, check_int
from rnn_ntk.finite._deep import (
    initial_states,
    layer_states,
    readout,
    reverse_aligned,
    split_directions,
)
from rnn_ntk.finite._keys import (
    block_keys,
    check_parameterization,
    init_scale,
    ntk_output_scale,
)
from rnn_ntk.finite._params import (
    Params,
    cast_params,
    check_cfg,
    check_params,
    refuse_matrix_free,
)

__all__ = [
    "Mask",
    "Seqs",
    "aligned_inputs",
    "apply",
    "check_steps",
    "direction_inputs",
    "forward",
    "hidden_states",
    "reparameterized",
]

#: What every public function takes as sequences: an (n, L, d) array or ``Sequences``.
Seqs = Float[Array, "n L d"] | Sequences
#: The (n, L) mask of right-aligned ragged input (True once a sample has started), or None.
Mask = Bool[Array, "n L"] | None


def check_steps(cfg: RNNConfig, steps: object) -> bool:
    """``steps`` (a bool); True only for readout "last" without bidirectional."""
    steps = check_bool("steps", steps)
    if steps and (cfg.readout != "last" or cfg.bidirectional):
        raise ValueError(
            "steps=True (the per-step outputs g_t = B^T h^D_t) exists only for "
            f"readout='last' without bidirectional; this cfg has readout={cfg.readout!r}, "
            f"bidirectional={cfg.bidirectional}. Use steps=False."
        )
    return steps


def direction_inputs(x: Float[Array, "n L d"], cfg: RNNConfig, act: Mask) -> tuple:
    """The inputs of each direction: (x,) or (x, x reversed within each length)."""
    return (x, reverse_aligned(x, act)) if cfg.bidirectional else (x,)


def forward(
    params: Params,
    x: Float[Array, "n L d"],
    cfg: RNNConfig,
    steps: bool = False,
    *,
    unroll: bool = False,
    act: Mask = None,
) -> Float[Array, " n"] | Float[Array, "n L"]:
    """g(x) (n,) or g_1..g_L (n, L) of already validated, cast and aligned inputs.

    Every layer, the readout and both directions of SPEC §7 (``_deep``); for the paper's
    network the same operations as always.

    Args:
      params: the network (cast to the compute dtype).
      x: sequences (right-aligned when ragged), shape (n, L, d).
      cfg: the network's config.
      steps: return every g_l instead of g_L (readout "last", one direction).
      unroll: a Python loop over steps instead of ``lax.scan``: the same function, with
        one matrix product per step exposed to tools that inspect the jaxpr
        (neural-tangents' structured derivatives).
      act: the (n, L) mask of right-aligned ragged input, or None.
    Returns:
      g(x), shape (n,), or (n, L) with ``steps``.
    """
    phi = activation_fn(cfg.activation)
    g = None
    for p, xd in zip(split_directions(params, cfg), direction_inputs(x, cfg, act), strict=True):
        h0s = initial_states(p, cfg, xd.shape[0], phi)
        hs = layer_states(p, xd, cfg, h0s, phi, act=act, unroll=unroll)
        gd = readout(hs[-1], p["B"], cfg, steps, act, unroll)
        g = gd if g is None else g + gd
    return g


def aligned_inputs(
    params: Params, x: Seqs, cfg: RNNConfig, dtype: DTypeLike | None, name: str = "x"
) -> tuple[Params, Float[Array, "n L d"], Mask]:
    """Validates (params, x, cfg); returns the cast params, the (aligned) x and its mask.

    Args:
      params: the network.
      x: an (n, L, d) array or ``Sequences(x, lengths)``.
      cfg: the network's config.
      dtype: compute dtype; default the parameters' dtype.
      name: the name of ``x`` in error messages.
    Returns:
      ``(params, x, act)``: for ragged input x right-aligned in its padded length L with
      its (n, L) mask of started steps, else x as given and ``act=None``.
    """
    check_cfg(cfg)
    p, dt = cast_params(params, dtype, cfg)
    s = as_sequences(x, name, dt)
    check_params(params, s.x, x_name=name, check_finite=False, cfg=cfg)
    if s.lengths is None:
        return p, s.x, None
    xs, act = right_align(s.x, s.lengths, s.x.shape[1])
    return p, xs, act


def hidden_states(
    params: Params,
    x: Seqs,
    cfg: RNNConfig = RNNConfig(),
    *,
    dtype: DTypeLike | None = None,
) -> Float[Array, "n Lp1 m"] | Float[Array, "D n Lp1 m"]:
    """The hidden states h_0..h_L of every sequence (SPEC §1, §7), by ``lax.scan``.

    Args:
      params: the network, as returned by ``init_params`` (matrix-free blocks are
        regenerated tile by tile at every step, never stored).
      x: sequences, shape (n, L, d), or ``Sequences(x, lengths)`` for sequences of
        different lengths (SPEC §6): sample i is x[i, :lengths[i]]; the padding (NaN
        allowed) is ignored.
      cfg: the network's config (h0 decides h_0 = phi(M0) or 0); one direction.
      dtype: compute dtype; default the parameters' dtype.
    Returns:
      h_0..h_L, shape (n, L+1, m) (n = 0 gives an empty array); for depth D > 1 a leading
      layer axis, (D, n, L+1, m) (layer k's states h^k_t). For ragged input the
      states are right-aligned (counted from the end): out[i, L - k] =
      h_{lengths[i] - k}(x_i) for k = 0..lengths[i], and out[i, :L - lengths[i] + 1] = h_0
      (held until the sample starts).
    Raises:
      ValueError: a bidirectional cfg (take the forward keys with
        ``dataclasses.replace(cfg, bidirectional=False)``).
      FloatingPointError: (outside ``jax.jit``) a state overflows the compute dtype.
    """
    if check_cfg(cfg).bidirectional:
        raise ValueError(
            "hidden_states is for one direction; for a bidirectional network pass the "
            "forward parameters (keys without 'rev_') with "
            "dataclasses.replace(cfg, bidirectional=False)."
        )
    p, xs, act = aligned_inputs(params, x, cfg, dtype)
    phi = activation_fn(cfg.activation)
    h0s = initial_states(p, cfg, xs.shape[0], phi)
    hss = layer_states(p, xs, cfg, h0s, phi, act=act)
    out = [
        jnp.concatenate([h0[:, None], jnp.moveaxis(hs, 0, 1)], axis=1)
        for h0, hs in zip(h0s, hss, strict=True)
    ]
    out = out[0] if cfg.depth == 1 else jnp.stack(out)
    check_finite_result("hidden_states", out)
    return out


def apply(
    params: Params,
    x: Seqs,
    cfg: RNNConfig = RNNConfig(),
    *,
    steps: bool = False,
    dtype: DTypeLike | None = None,
) -> Float[Array, " n"] | Float[Array, "n L"]:
    """The network's output g(x) = B^T h_L (SPEC §1), or every g_l = B^T h_l.

    For the architectures of SPEC §7: g(x) = sum_t a_t B^T h^D_t of the top layer (readout
    "last": a_L = 1; "mean": a_t = 1/T_x over the sequence's own T_x steps), plus, if
    bidirectional, the same of the "rev_" network on x reversed within its own length.

    Args:
      params: the network, as returned by ``init_params`` (matrix-free blocks are
        regenerated tile by tile at every step, never stored).
      x: sequences, shape (n, L, d), or ``Sequences(x, lengths)`` for sequences of
        different lengths (SPEC §6): sample i is x[i, :lengths[i]] (the padding, NaN or
        anything, is ignored) and g(x_i) = B^T h_{lengths[i]}(x_i), exactly as if x_i
        were run alone. Works under ``jax.jit`` (traced lengths are not range-checked).
      cfg: the network's config.
      steps: if True, return the per-step outputs g_1..g_L (sequence labelling, paper
        Remark 3.2); readout "last" without bidirectional only.
      dtype: compute dtype; default the parameters' dtype.
    Returns:
      g(x), shape (n,), or (n, L) with ``steps=True`` (n = 0 gives an empty array). For
      ragged input the steps count from the end, as in ``rnn_ntk.ntk(Sequences(...),
      steps=True)``: column L - k holds g_{lengths[i] - k}(x_i) for k = 0..lengths[i] - 1,
      and the columns before sample i starts hold B^T h_0 (h held at h_0; 0 for
      h0="zero").
    Raises:
      TypeError: ``steps`` is not a bool, or an argument has the wrong type.
      ValueError: ``steps=True`` with readout "mean" or bidirectional.
      FloatingPointError: (outside ``jax.jit``) the output overflows the compute dtype.
    """
    steps = check_steps(check_cfg(cfg), steps)
    p, xs, act = aligned_inputs(params, x, cfg, dtype)
    out = forward(p, xs, cfg, steps, act=act)
    check_finite_result("apply", out)
    return out


def reparameterized(
    params: Params,
    cfg: RNNConfig = RNNConfig(),
    *,
    L: int,
    blocks: Sequence[str] = ("W",),
    parameterization: str = "standard",
    steps: bool = False,
    unroll: bool = False,
) -> tuple[Callable[..., Array], Params]:
    """The network as a function of its trained blocks only, in either parameterisation.

    Standard: f(theta, x) = g(x) with theta = the blocks themselves. NTK parameterisation
    (SPEC §2): each block is P = sigma_P / sqrt(m) * omega_P with omega_P ~ N(0, 1), and
    f(omega, x) = sqrt(m) g(x), so <df/domega_P, df/domega_P> = sigma_P^2 Theta_P. The
    variable is the offset omega - omega_init (value 0), so sigma_P = 0 needs no division.
    For the O(1)-pre-activation network of a non-ReLU activation (SPEC §7) P = P_init +
    s_P omega_P with s_P its initial scale (``rnn_ntk.finite._keys.init_scale``) and
    f = g, whose NTK converges to the NTK-parameterised analytic blocks; its standard
    parameterisation does not converge and is refused.

    Args:
      params: the network, as returned by ``init_params``.
      cfg: the network's config.
      L: sequence length (resolves sa2="paper").
      blocks: the trained blocks: "W", "A", "b", "M0" (every layer's, both directions),
        "B", or one layer's "W_k", "A_k", "b_k", "M0_k".
      parameterization: "standard" or "ntk".
      steps: the function returns every g_l instead of g_L.
      unroll: a Python loop instead of ``lax.scan`` (the same function).
    Returns:
      ``(f, theta)``: ``f(theta, x, act=None)`` of shape (n,) or (n, L) for cast,
      validated (n, L, d) inputs x, and the trained variables, keyed by the parameter
      keys the blocks consist of ("W", "W_2", "rev_W", ...); ``act`` is the (n, L) mask
      of right-aligned ragged x (see ``rnn_ntk._sequences.right_align``).
    Raises:
      ValueError: unknown blocks; ``steps`` with readout "mean" or bidirectional;
        parameterization="standard" with an activation other than ReLU; matrix-free
        parameters (``init_params(..., matrix_free=True)``: W is not an array to
        differentiate; ``rnn_ntk.finite.materialize_params`` stores it).
    """
    check_cfg(cfg)
    refuse_matrix_free(params, "reparameterized (autodiff Jacobians, neural-tangents)")
    check_params(params, cfg=cfg)
    L = check_int("L", L, low=1)
    keys = block_keys(cfg, L, blocks)  # validates blocks
    parameterization = check_parameterization(cfg, parameterization, "reparameterized")
    steps, unroll = check_steps(cfg, steps), check_bool("unroll", unroll)
    fixed = {k: v for k, v in params.items() if k not in keys}
    if parameterization != "ntk":
        theta = {k: params[k] for k in keys}

        def f(theta, x, act=None):
            return forward({**fixed, **theta}, x, cfg, steps, unroll=unroll, act=act)

        return f, theta

    m = params["W"].shape[0]
    scale = {k: init_scale(cfg, k, L, m) for k in keys}
    c = ntk_output_scale(cfg, m)
    # omega_P - omega_P(init) as the variable: P = P_init + s_P * that, at 0.
    theta = {k: jnp.zeros_like(params[k]) for k in keys}

    def f(theta, x, act=None):
        full = {**fixed, **{k: params[k] + scale[k] * theta[k] for k in keys}}
        return c * forward(full, x, cfg, steps, unroll=unroll, act=act)

    return f, theta
