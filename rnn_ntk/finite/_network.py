r"""The finite-width ReLU Elman RNN of SPEC §1, as pure functions on a dict of arrays.

    h_0 = relu(M0)  (h0="random")  or  0  (h0="zero")
    u_l = W h_{l-1} + A X_l + b,   h_l = relu(u_l),   l = 1..L
    g(x) = B^T h_L                 (per-step outputs g_l = B^T h_l with ``steps=True``)

The recursion is a ``jax.lax.scan`` over steps, batched over samples inside each step
(one (n, m) x (m, m) matrix product per step). relu is ``jax.nn.relu``, whose derivative
at 0 is 0, the convention the analytic kernels use for zero-variance pre-activations.

Sequences of different lengths (SPEC §6, ``Sequences(x, lengths)``): sample i is
x[i, :lengths[i]]. Inside the one scan the samples are right-aligned in the padded length
L (sample i occupies steps L - lengths[i] + 1 .. L) and h is held at h_0 by a select while
a sample has not started (the mask ``act``), so every sample's last step is the scan's
last step and g(x_i) = B^T h_{lengths[i]}(x_i). The padding (NaN allowed) never enters an
arithmetic operation: it is replaced by zeros with a select before the input projection.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
from jax import lax
from jax.typing import DTypeLike
from jaxtyping import Array, Bool, Float

from rnn_ntk._config import RNNConfig, block_weights
from rnn_ntk._sequences import Sequences, as_sequences, right_align
from rnn_ntk._validate import check_bool, check_finite_result, check_int
from rnn_ntk.finite._params import Params, cast_params, check_cfg, check_params

__all__ = [
    "Mask",
    "Seqs",
    "aligned_inputs",
    "apply",
    "forward",
    "hidden_states",
    "initial_state",
    "reparameterized",
    "scan_states",
]

#: What every public function takes as sequences: an (n, L, d) array or ``Sequences``.
Seqs = Float[Array, "n L d"] | Sequences
#: The (n, L) mask of right-aligned ragged input (True once a sample has started), or None.
Mask = Bool[Array, "n L"] | None


def initial_state(params: Params, cfg: RNNConfig, n: int) -> Float[Array, "n m"]:
    """h_0 of n samples: relu(M0) for h0="random" (one M0 shared by all), else 0."""
    m = params["W"].shape[0]
    if cfg.h0 == "random":
        return jnp.broadcast_to(jax.nn.relu(params["M0"]), (n, m))
    return jnp.zeros((n, m), params["W"].dtype)


def scan_states(
    params: Params,
    x: Float[Array, "n L d"],
    h0: Float[Array, "n m"],
    e: Float[Array, "L n m"] | None = None,
    act: Mask = None,
) -> Float[Array, "L n m"]:
    """h_1..h_L by ``lax.scan``, optionally with additive perturbations e_l of u_l.

    Args:
      params: the network (cast to the compute dtype).
      x: sequences (right-aligned when ragged), shape (n, L, d).
      h0: initial states, shape (n, m).
      e: perturbations e_l added to u_l, shape (L, n, m), or None.
      act: the (n, L) mask of right-aligned ragged input (see
        ``rnn_ntk._sequences.right_align``), or None when every step is active. On the
        steps where a sample has not started h is held (selected, not multiplied) at
        h_0, so a perturbation e_l there has no effect (delta_l = 0).
    Returns:
      h_1..h_L, step-major, shape (L, n, m).
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

    Args:
      params: the network (cast to the compute dtype).
      x: sequences (right-aligned when ragged), shape (n, L, d).
      cfg: the network's config.
      steps: return every g_l instead of g_L.
      unroll: a Python loop over steps instead of ``lax.scan``: the same function, with
        one matrix product per step exposed to tools that inspect the jaxpr
        (neural-tangents' structured derivatives).
      act: the (n, L) mask of right-aligned ragged input, or None.
    Returns:
      g(x), shape (n,), or (n, L) with ``steps``.
    """
    h0 = initial_state(params, cfg, x.shape[0])
    if not unroll:
        hs = scan_states(params, x, h0, act=act)  # (L, n, m)
        return (hs @ params["B"]).T if steps else hs[-1] @ params["B"]
    h, gl = h0, []
    for l in range(x.shape[1]):
        h_new = jax.nn.relu(h @ params["W"].T + x[:, l] @ params["A"].T + params["b"])
        h = h_new if act is None else jnp.where(act[:, l, None], h_new, h)
        gl.append(h @ params["B"])
    return jnp.stack(gl, axis=1) if steps else gl[-1]


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
    p, dt = cast_params(params, dtype)
    s = as_sequences(x, name, dt)
    check_params(params, s.x, x_name=name, check_finite=False)
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
) -> Float[Array, "n Lp1 m"]:
    """The hidden states h_0..h_L of every sequence (SPEC §1), by ``lax.scan`` over steps.

    Args:
      params: the network, as returned by ``init_params``.
      x: sequences, shape (n, L, d), or ``Sequences(x, lengths)`` for sequences of
        different lengths (SPEC §6): sample i is x[i, :lengths[i]]; the padding (NaN
        allowed) is ignored.
      cfg: the network's config (h0 decides h_0 = relu(M0) or 0).
      dtype: compute dtype; default the parameters' dtype.
    Returns:
      h_0..h_L, shape (n, L+1, m) (n = 0 gives an empty array). For ragged input the
      states are right-aligned (counted from the end): out[i, L - k] =
      h_{lengths[i] - k}(x_i) for k = 0..lengths[i], and out[i, :L - lengths[i] + 1] = h_0
      (held until the sample starts).
    Raises:
      FloatingPointError: (outside ``jax.jit``) a state overflows the compute dtype.
    """
    p, xs, act = aligned_inputs(params, x, cfg, dtype)
    h0 = initial_state(p, cfg, xs.shape[0])
    hs = scan_states(p, xs, h0, act=act)
    out = jnp.concatenate([h0[:, None], jnp.moveaxis(hs, 0, 1)], axis=1)
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

    Args:
      params: the network, as returned by ``init_params``.
      x: sequences, shape (n, L, d), or ``Sequences(x, lengths)`` for sequences of
        different lengths (SPEC §6): sample i is x[i, :lengths[i]] (the padding, NaN or
        anything, is ignored) and g(x_i) = B^T h_{lengths[i]}(x_i), exactly as if x_i
        were run alone. Works under ``jax.jit`` (traced lengths are not range-checked).
      cfg: the network's config.
      steps: if True, return the per-step outputs g_1..g_L (sequence labelling, paper
        Remark 3.2).
      dtype: compute dtype; default the parameters' dtype.
    Returns:
      g(x), shape (n,), or (n, L) with ``steps=True`` (n = 0 gives an empty array). For
      ragged input the steps count from the end, as in ``rnn_ntk.ntk(Sequences(...),
      steps=True)``: column L - k holds g_{lengths[i] - k}(x_i) for k = 0..lengths[i] - 1,
      and the columns before sample i starts hold B^T h_0 (h held at h_0; 0 for
      h0="zero").
    Raises:
      TypeError: ``steps`` is not a bool, or an argument has the wrong type.
      FloatingPointError: (outside ``jax.jit``) the output overflows the compute dtype.
    """
    steps = check_bool("steps", steps)
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

    Args:
      params: the network, as returned by ``init_params``.
      cfg: the network's config.
      L: sequence length (resolves sa2="paper").
      blocks: the trained blocks, a subset of {"W", "A", "b", "B", "M0"}.
      parameterization: "standard" or "ntk".
      steps: the function returns every g_l instead of g_L.
      unroll: a Python loop instead of ``lax.scan`` (the same function).
    Returns:
      ``(f, theta)``: ``f(theta, x, act=None)`` of shape (n,) or (n, L) for cast,
      validated (n, L, d) inputs x, and the trained variables; ``act`` is the (n, L) mask
      of right-aligned ragged x (see ``rnn_ntk._sequences.right_align``).
    """
    check_cfg(cfg)
    check_params(params)
    L = check_int("L", L, low=1)
    block_weights(cfg, L, blocks, parameterization)  # validates blocks, parameterization
    blocks = (blocks,) if isinstance(blocks, str) else tuple(blocks)
    steps, unroll = check_bool("steps", steps), check_bool("unroll", unroll)
    fixed = {k: v for k, v in params.items() if k not in blocks}
    if parameterization != "ntk":
        theta = {b: params[b] for b in blocks}

        def f(theta, x, act=None):
            return forward({**fixed, **theta}, x, cfg, steps, unroll=unroll, act=act)

        return f, theta

    m = params["W"].shape[0]
    scale = {b: math.sqrt(cfg.variance(b, L) / m) for b in blocks}
    # omega_P - omega_P(init) as the variable: P = P_init + sigma_P/sqrt(m) * that, at 0.
    theta = {b: jnp.zeros_like(params[b]) for b in blocks}

    def f(theta, x, act=None):
        full = {**fixed, **{b: params[b] + scale[b] * theta[b] for b in blocks}}
        return math.sqrt(m) * forward(full, x, cfg, steps, unroll=unroll, act=act)

    return f, theta
