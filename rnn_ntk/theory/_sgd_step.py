r"""One step of Algorithm 1: the logistic loss and its W-gradient for one sample, by hand.

The network is SPEC §1's, g = B^T h_L; Algorithm 1 trains the logits f = s g with
s = sqrt(m) (``scaling="paper"``, Cao & Gu's f = sqrt(m) g with eta = c/m) or s = 1
(``scaling="standard"``, eta = c). See ``rnn_ntk.theory.train`` for the convention.
"""

from __future__ import annotations

import math
from typing import Literal

import jax
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float

from rnn_ntk._config import RNNConfig
from rnn_ntk._validate import check_choice
from rnn_ntk.finite import check_cfg

__all__ = ["SCALINGS", "logistic_loss", "output_scale", "sample_gradient", "step_size"]

#: Accepted values of ``scaling=``: f = sqrt(m) g with eta = c/m, or f = g with eta = c.
SCALINGS: tuple[str, ...] = ("paper", "standard")


def logistic_loss(z: Float[Array, "..."]) -> Float[Array, "..."]:
    """l(z) = log(1 + e^-z) as softplus(-z) (stable for large |z|; Algorithm 1)."""
    return jax.nn.softplus(-z)


def output_scale(m: int, scaling: str) -> float:
    """s of the logits f = s g: sqrt(m) for ``"paper"``, 1 for ``"standard"``."""
    return math.sqrt(m) if scaling == "paper" else 1.0


def step_size(m: int, scaling: str, c: Float[Array, ""]) -> Float[Array, ""]:
    """eta of Algorithm 1 for the constant c: c/m for ``"paper"``, c for ``"standard"``."""
    return c / m if scaling == "paper" else c


def sample_gradient(
    params: dict[str, Float[Array, "..."]],
    x: Float[Array, "L d"],
    y: Float[Array, ""],
    *,
    cfg: RNNConfig = RNNConfig(),
    scaling: Literal["paper", "standard"] = "paper",
) -> tuple[Float[Array, ""], Float[Array, ""], Float[Array, "m m"]]:
    """Output, loss and grad_W of l(y f(W, x)) for one sample, by hand (SPEC §1, §4).

    Forward states and backward deltas of the network (the structure of paper eqs. 21-23):

        u_l = W h_{l-1} + A X_l + b,   h_l = relu(u_l),   f = s B^T h_L  (s = output scale)
        delta_L = s l'(y f) y (B * 1[u_L > 0]),   delta_{l-1} = (W^T delta_l) * 1[u_{l-1} > 0]
        grad_W = sum_l delta_l h_{l-1}^T = Delta^T H_prev

    with l'(z) = -sigmoid(-z) and relu'(0) = 0 (``jax.nn.relu``'s convention). Per step
    that is L matrix-vector products forward, L - 1 transposed ones backward and one
    (m, L) x (L, m) product for the gradient -- for m <= 24 the same sum as L outer
    products, which XLA fuses with the SGD update -- and none of the transposed copies
    and temporaries of reverse-mode autodiff through the unrolled network.

    Args:
      params: the network (W, A, b, M0, B) of one run, as ``rnn_ntk.init_params`` draws it.
      x: one training sequence, shape (L, d).
      y: its label, +-1.
      cfg: the network (only ``h0`` matters here).
      scaling: ``"paper"`` (f = sqrt(m) g) or ``"standard"`` (f = g).
    Returns:
      (f, loss, grad_W): the logit f(W, x), l(y f) and its gradient in W, shape (m, m).
    """
    scaling = check_choice("scaling", scaling, SCALINGS)
    check_cfg(cfg)
    W, B = params["W"], params["B"]
    m, L = W.shape[0], x.shape[0]
    s = output_scale(m, scaling)
    a = x @ params["A"].T + params["b"]  # A X_l + b, shape (L, m)
    h0 = jax.nn.relu(params["M0"]) if cfg.h0 == "random" else jnp.zeros_like(params["M0"])
    unroll = L <= 32  # one straight-line program per step for short sequences

    def fwd(h, a_l):
        u = W @ h + a_l
        return jax.nn.relu(u), (h, u)

    hL, (h_prev, u) = lax.scan(fwd, h0, a, unroll=unroll)
    f = s * (B @ hL)
    dl_df = -y * jax.nn.sigmoid(-y * f)  # d l(y f) / df
    delta_L = (s * dl_df) * jnp.where(u[-1] > 0, B, 0.0)

    def bwd(delta, u_prev):
        # delta^T W contracts W's first axis in place (W.T @ delta would make XLA:CPU
        # copy a transposed W on every backward step)
        delta = jnp.where(u_prev > 0, delta @ W, 0.0)
        return delta, delta

    _, deltas = lax.scan(bwd, delta_L, u[:-1], reverse=True, unroll=unroll)
    D = jnp.concatenate([deltas, delta_L[None]], axis=0)  # delta_1..delta_L, (L, m)
    if m <= 24 and unroll:
        # small W: the L rank-one terms fuse with the update into one elementwise pass,
        # cheaper than a GEMM call per run (XLA:CPU, measured; the GEMM wins from m = 32)
        grad = sum(jnp.outer(D[l], h_prev[l]) for l in range(L))
    else:
        grad = D.T @ h_prev  # sum_l delta_l h_{l-1}^T
    return f, logistic_loss(y * f), grad
