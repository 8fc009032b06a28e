r"""The layers, readouts and directions of the general finite RNN (SPEC §7).

    layer k = 1..D:  u^k_t = W_k h^k_{t-1} + A_k z^k_t + b_k,   h^k_t = phi(u^k_t)
                     z^1_t = X_t,  z^k_t = h^{k-1}_t;  h^k_0 = phi(M0_k) or 0 (h0="zero")
    readout:         g = sum_t a_t B^T h^D_t   ("last": a_L = 1; "mean": a_t = 1/T_x)
    bidirectional:   g(x) + g_rev(rev x)   (rev: each sequence reversed within its length)

Each layer is one ``lax.scan`` over steps (or a Python loop, ``unroll``), batched over
samples. Ragged input is right-aligned with the mask ``act`` (see
``rnn_ntk.finite._network``): every layer holds h at its h_0 until the sample starts, so
the mean readout weighs each sample's own steps, 1/T_x each, and the reversed sequence
of a right-aligned one is again right-aligned with the same mask (``reverse_aligned``).
Layer 1 is computed exactly as the paper network always was (bitwise).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Bool, Float

from rnn_ntk._config import RNNConfig
from rnn_ntk.finite._keys import REV, layer_key

__all__ = [
    "initial_states",
    "layer_states",
    "readout",
    "readout_weights",
    "reverse_aligned",
    "scan_layer",
    "split_directions",
]

Mask = Bool[Array, "n L"] | None
Params = dict[str, Float[Array, "..."]]


def split_directions(params: Params, cfg: RNNConfig) -> tuple[Params, ...]:
    """The parameters of each direction: (forward,) or (forward, reversed without "rev_")."""
    if not cfg.bidirectional:
        return (params,)
    fwd = {k: v for k, v in params.items() if not k.startswith(REV)}
    rev = {k[len(REV) :]: v for k, v in params.items() if k.startswith(REV)}
    return fwd, rev


def reverse_aligned(x: Float[Array, "n L d"], act: Mask) -> Float[Array, "n L d"]:
    """Each sequence reversed within its own length, for right-aligned x (same mask).

    Sample i occupies the steps L - T_i .. L - 1 (0-based) of the aligned x; its reversal
    occupies the same steps, step t reading x[i, 2L - T_i - 1 - t]. Without a mask every
    sequence has L steps and this is ``x[:, ::-1]``.
    """
    if act is None:
        return x[:, ::-1]
    L = x.shape[1]
    t = jnp.arange(L)
    start = L - jnp.sum(act, axis=1)  # first active step (0-based)
    src = jnp.clip(start[:, None] + (L - 1) - t[None, :], 0, L - 1)
    xr = jnp.take_along_axis(x, src[..., None], axis=1)
    return jnp.where(act[..., None], xr, jnp.zeros((), x.dtype))


def readout_weights(act: Mask, n: int, L: int, dtype) -> Float[Array, "n L"]:
    """a_t of the mean readout: 1/T_i on sample i's own (right-aligned) steps, else 0.

    A sample with no active step (the tiler's zero padding) gets weights 0, not 0/0.
    """
    if act is None:
        return jnp.full((n, L), 1.0 / L, dtype)
    a = act.astype(dtype)
    return a / jnp.maximum(jnp.sum(a, axis=1, keepdims=True), 1.0)


def initial_states(
    p: Params, cfg: RNNConfig, n: int, phi: Callable, eM0: Sequence[Array] | None = None
) -> list[Float[Array, "n m"]]:
    """h^k_0 of n samples for every layer: phi(M0_k) (one M0_k shared by all), else 0.

    ``eM0`` (per layer, (n, m)) perturbs M0_k per sample: its VJP gives dg/dM0_k.
    """
    m = p["W"].shape[0]
    out = []
    for k in range(1, cfg.depth + 1):
        M0 = p[layer_key("M0", k)]
        if cfg.h0 != "random":
            out.append(jnp.zeros((n, m), p["W"].dtype))
        elif eM0 is None:
            out.append(jnp.broadcast_to(phi(M0), (n, m)))
        else:
            out.append(phi(M0 + eM0[k - 1]))
    return out


def scan_layer(
    W: Float[Array, "m m"],
    xin: Float[Array, "L n m"],
    h0: Float[Array, "n m"],
    phi: Callable,
    e: Float[Array, "L n m"] | None = None,
    act: Mask = None,
) -> Float[Array, "L n m"]:
    """h_1..h_L of one layer by ``lax.scan``: h_t = phi(W h_{t-1} + xin_t [+ e_t]).

    Args:
      W: the recurrent matrix.
      xin: the input projections A z_t + b, step-major.
      h0: initial states (n, m).
      phi: the activation.
      e: additive perturbations of u_t (their VJP gives delta_t), or None.
      act: the (n, L) ragged mask; h is held (selected) at h_0 before a sample starts.
    Returns:
      h_1..h_L, step-major, shape (L, n, m).
    """
    mask = None if act is None else jnp.swapaxes(act, 0, 1)[..., None]  # (L, n, 1)
    # W rides in the carry and the step is one function per phi, so an eager scan (apply,
    # hidden_states) is traced and compiled once per shape, not once per call.
    (_, _), hs = lax.scan(_step(phi), (h0, W), (xin, e, mask))
    return hs


@functools.lru_cache(maxsize=64)
def _step(phi: Callable) -> Callable:
    def step(carry, inp):
        h, W = carry
        xa, el, al = inp
        u = h @ W.T + xa
        if el is not None:
            u = u + el
        h_new = phi(u)
        h = h_new if al is None else jnp.where(al, h_new, h)
        return (h, W), h

    return step


def _unrolled_layer(W, zs, A, b, h0, phi, act):
    """The Python-loop form of one layer (one matrix product per step in the jaxpr)."""
    h, out = h0, []
    for l, z in enumerate(zs):
        h_new = phi(h @ W.T + z @ A.T + b)
        h = h_new if act is None else jnp.where(act[:, l, None], h_new, h)
        out.append(h)
    return out


def layer_states(
    p: Params,
    x: Float[Array, "n L d"],
    cfg: RNNConfig,
    h0s: Sequence[Array],
    phi: Callable,
    e: Sequence[Array] | None = None,
    act: Mask = None,
    unroll: bool = False,
) -> list:
    """h^k_1..h^k_L of every layer k = 1..D (SPEC §7).

    Args:
      p: one direction's parameters (cast).
      x: sequences (right-aligned when ragged), shape (n, L, d).
      cfg: the network.
      h0s: ``initial_states`` per layer.
      phi: the activation.
      e: per layer, perturbations (L, n, m) of u^k_t (for the VJP), or None.
      act: the (n, L) ragged mask, or None.
      unroll: Python loops over steps instead of ``lax.scan``.
    Returns:
      Per layer, the states step-major (L, n, m) or, with ``unroll``, a list of L (n, m).
    """
    out = []
    for k in range(1, cfg.depth + 1):
        W, A, b = (p[layer_key(base, k)] for base in ("W", "A", "b"))
        ek = None if e is None else e[k - 1]
        if unroll:
            zs = [x[:, l] for l in range(x.shape[1])] if k == 1 else out[-1]
            out.append(_unrolled_layer(W, zs, A, b, h0s[k - 1], phi, act))
            continue
        if k == 1:
            xin = jnp.einsum("nld,md->lnm", x, A) + b  # A X_l + b, step-major
        else:
            xin = out[-1] @ A.T + b  # A_k h^{k-1}_t + b_k
        out.append(scan_layer(W, xin, h0s[k - 1], phi, ek, act))
    return out


def readout(
    top, B: Float[Array, " m"], cfg: RNNConfig, steps: bool, act: Mask, unroll: bool = False
) -> Float[Array, " n"] | Float[Array, "n L"]:
    """g = sum_t a_t B^T h^D_t of the top layer's states (``layer_states``' last entry).

    "last": B^T h^D_L (every B^T h^D_t with ``steps``); "mean": the mean over each
    sample's own steps (``readout_weights``).
    """
    if unroll:
        gl = [h @ B for h in top]
        if steps:
            return jnp.stack(gl, axis=1)
        if cfg.readout == "last":
            return gl[-1]
        G = jnp.stack(gl, axis=1)
    else:
        if steps:
            return (top @ B).T
        if cfg.readout == "last":
            return top[-1] @ B
        G = (top @ B).T
    n, L = G.shape
    return jnp.sum(G * readout_weights(act, n, L, G.dtype), axis=1)
