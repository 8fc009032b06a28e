r"""The finite RNN behind ``stax_rnn``: SPEC §7's network in the NTK parameterisation.

Every trainable array is N(0, 1) and the variances enter as fixed scales (O(1)
pre-activations, the network SPEC §7 gives for any activation; for ReLU it has the same
kernels as the paper's convention):

    u^k_t = sqrt(sw2[k]/m) W_k h^k_{t-1} + c_k A_k z^k_t + sqrt(sb2[k]) b_k,  h^k_t = phi(u^k_t)
    c_1 = sqrt(sa2[1]) (A_1 is m x d),  c_k = sqrt(sa2[k]/m) (k > 1, A_k is m x m)
    h^k_0 = phi(sqrt(s02[k]) M0_k) (one M0_k for every sample) or 0 (h0="zero")
    g(x) = sqrt(sB2/m) B^T r(x),  r = h^D_L ("last") or (1/L) sum_t h^D_t ("mean")

with B of shape (m, out_dim): out_dim independent readouts of one RNN. Bidirectional: a
second parameter set run on each sequence reversed in time, outputs summed. The
gradient with respect to each N(0, 1) array carries its sigma^2, so the empirical NTK of
``apply_network`` converges to ``rnn_ntk.ntk(..., parameterization="ntk")`` with every
block trained, and the output covariance to sB2 * ``rnn_ntk.nngp``.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float

from rnn_ntk._activations import activation_fn
from rnn_ntk._config import RNNConfig

__all__ = ["apply_network", "init_network"]


def _shapes(cfg: RNNConfig, d: int, width: int, out_dim: int) -> dict:
    """One direction's parameter shapes."""
    layers = []
    for k in range(cfg.depth):
        layer = {"W": (width, width), "A": (d if k == 0 else width, width), "b": (width,)}
        if cfg.h0 == "random":
            layer["M0"] = (width,)
        layers.append(layer)
    return {"layers": tuple(layers), "B": (width, out_dim)}


def init_network(key: Array, cfg: RNNConfig, d: int, width: int, out_dim: int) -> tuple:
    """N(0, 1) parameters of the network (module doc), one set per direction.

    All entries come from one ``jax.random.normal`` draw, cut into the arrays (one
    random-bits program to compile, however deep the network).

    Args:
      key: a jax PRNG key (typed or raw).
      cfg: the network.
      d: input features per step.
      width: m, the hidden width of every layer.
      out_dim: the number of readouts (columns of B).
    Returns:
      A tuple of one or two (bidirectional) dicts {"layers": ({"W", "A", "b"[, "M0"]},
      ...), "B"}.
    """
    one = _shapes(cfg, d, width, out_dim)
    shapes = (one, one) if cfg.bidirectional else (one,)
    leaves, tree = jax.tree.flatten(
        shapes, is_leaf=lambda s: isinstance(s, tuple) and (all(isinstance(i, int) for i in s))
    )
    sizes = [math.prod(s) for s in leaves]
    flat = jax.random.normal(key, (sum(sizes),))
    cuts = [sum(sizes[:i]) for i in range(1, len(sizes))]
    parts = [a.reshape(s) for a, s in zip(jnp.split(flat, cuts), leaves, strict=True)]
    return jax.tree.unflatten(tree, parts)


def _direction(p: dict, x: Float[Array, "n L d"], cfg: RNNConfig) -> Float[Array, "n o"]:
    n, L, _ = x.shape
    width = p["B"].shape[0]
    phi = activation_fn(cfg.activation)
    sw2, sa2, sb2, s02 = (cfg.layer(name, L) for name in ("sw2", "sa2", "sb2", "s02"))
    z = x
    for k, lp in enumerate(p["layers"]):
        scale = math.sqrt(sa2[k]) if k == 0 else math.sqrt(sa2[k] / width)
        drive = scale * (z @ lp["A"]) + math.sqrt(sb2[k]) * lp["b"]  # (n, L, m)
        if cfg.h0 == "random":
            h0 = jnp.broadcast_to(phi(math.sqrt(s02[k]) * lp["M0"]), (n, width))
        else:
            h0 = jnp.zeros((n, width), drive.dtype)
        rec = math.sqrt(sw2[k] / width)

        def step(h, u_in, W=lp["W"], rec=rec):
            h = phi(rec * (h @ W) + u_in)
            return h, h

        _, hs = lax.scan(step, h0.astype(drive.dtype), jnp.swapaxes(drive, 0, 1))
        z = jnp.swapaxes(hs, 0, 1)  # (n, L, m)
    r = z[:, -1] if cfg.readout == "last" else jnp.mean(z, axis=1)
    return math.sqrt(cfg.sB2 / width) * (r @ p["B"])


def apply_network(
    params: tuple, x: Float[Array, "n L d"], cfg: RNNConfig
) -> Float[Array, "n out_dim"]:
    """The network's outputs g(x) (module doc), summed over the directions.

    Args:
      params: as returned by ``init_network``.
      x: sequences, shape (n, L, d), equal lengths (sa2="paper" resolves with this L).
      cfg: the network.
    Returns:
      g(x), shape (n, out_dim).
    """
    out = _direction(params[0], x, cfg)
    if cfg.bidirectional:
        out = out + _direction(params[1], x[:, ::-1], cfg)
    return out
