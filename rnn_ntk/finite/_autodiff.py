"""The empirical NTK by full Jacobians (``jax.jacrev``): the reference for small widths."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from rnn_ntk._config import RNNConfig
from rnn_ntk.finite._keys import param_keys
from rnn_ntk.finite._network import Mask, reparameterized
from rnn_ntk.finite._params import Params

__all__ = ["autodiff_ntk"]


@functools.partial(jax.jit, static_argnums=(3, 4, 5))
def autodiff_ntk(
    p: Params,
    a: Float[Array, "n1 L d"],
    b: Float[Array, "n2 L d"] | None,
    cfg: RNNConfig,
    parameterization: str,
    steps: bool,
    trained: dict[str, Float[Array, ""]],
    act1: Mask = None,
    act2: Mask = None,
) -> Float[Array, "n1 n2"] | Float[Array, "L n1 n2"]:
    """sum_P trained_P <dg(x)/dP, dg(x')/dP> from reverse-mode Jacobians (SPEC §2).

    The Jacobians are taken with respect to all parameter keys (in the requested
    parameterisation, so no block weights are applied) and each key's Gram is added
    with the 0/1 weight ``trained``: one compiled function for every choice of blocks.

    Args:
      p: the network (cast to the compute dtype).
      a: the rows' sequences (right-aligned when ragged), shape (n1, L, d).
      b: the columns' sequences, shape (n2, L, d), or None for a against itself.
      cfg: the network's config.
      parameterization: "standard" or "ntk".
      steps: kernels of the per-step outputs g_1..g_L.
      trained: 0/1 per parameter key (``rnn_ntk.finite._keys.param_keys``).
      act1: the (n1, L) mask of right-aligned ragged a, or None.
      act2: the same for b.
    Returns:
      The kernel, shape (n1, n2), or (L, n1, n2) with ``steps``.
    """
    blocks = ("W", "A", "b", "B") + (("M0",) if cfg.h0 == "random" else ())
    f, theta = reparameterized(
        p, cfg, L=a.shape[1], blocks=blocks, parameterization=parameterization, steps=steps
    )
    keys = tuple(k for k in param_keys(cfg) if k in theta)
    lead = 2 if steps else 1

    def jac(x, act):
        J = jax.jacrev(f)(theta, x, act)  # leaves (n, [L,] *shape)
        return {k: J[k].reshape(J[k].shape[:lead] + (-1,)) for k in keys}

    J1 = jac(a, act1)
    J2 = J1 if b is None else jac(b, act2)
    spec = "ilp,jlp->lij" if steps else "ip,jp->ij"
    return sum(trained[k] * jnp.einsum(spec, J1[k], J2[k]) for k in keys)
