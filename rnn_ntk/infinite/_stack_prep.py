r"""The structure, values and per-sample chains of a stack of layers (SPEC §7).

For layer k = 1..D and step t (per sample x):

    S^k_t(x,x) = sw2[k] K^k_{t-1}(x,x) + sa2[k] I^k_t(x,x) + sb2[k],   K^k_t(x,x) = E[phi(u)^2]
    I^1_t = |X_t|^2,  I^k_t = K^{k-1}_t(x,x) (k > 1),  K^k_0 = E[phi(M0_k)^2] (0 for h0="zero")

and, as for one layer (``_layer``), the explicit per-sample vectors whose unit vectors make
the pair step cancellation-free: v^k_t = (sqrt(sw2[k] K^k_{t-1}), sqrt(sa2[1]) X_t or
sqrt(sa2[k] K^{k-1}_t), sqrt(sb2[k])). For a pair the defect of S^k_t is
|v||v'| ||z - z'||^2 / 2 + sw2[k] E^k_{t-1} + sa2[k] E^{k-1}_t (k > 1): the input of a
layer above the first is the layer below's pair kernel, whose defect it inherits.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Bool, Float

from rnn_ntk._config import LayerWeights, RNNConfig
from rnn_ntk.infinite._duals import ReLUDual
from rnn_ntk.infinite._duals_smooth import dual_for

__all__ = ["LPrep", "LVals", "StackPrep", "StackSpec", "SVals", "prepare_stack", "stack_values"]


@dataclasses.dataclass(frozen=True)
class StackSpec:
    """The static structure of a stack: which terms exist per layer, the dual, the blocks.

    Attributes:
      terms: per layer (has_w, has_a, has_b): sw2, sa2, sb2 > 0.
      dual: the activation's dual (``_duals``, ``_duals_smooth``).
      use_A, use_b: per layer, whether that layer's A / b block is summed.
    """

    terms: tuple[tuple[bool, bool, bool], ...]
    dual: object = ReLUDual()
    use_A: tuple[bool, ...] = ()
    use_b: tuple[bool, ...] = ()

    @property
    def depth(self) -> int:
        return len(self.terms)


class LVals(NamedTuple):
    """One layer's numbers (scalars of the compute dtype)."""

    sw2: Array
    sa2: Array
    sb2: Array
    s02: Array  # 0 for h0="zero"
    k0: Array  # K^k_0 = E[phi(M0_k)^2]
    mean0: Array  # E[phi(M0_k)]
    dd0: Array  # E[phi'(M0_k)^2]
    wW: Array
    wA: Array
    wb: Array
    wM0: Array


class SVals(NamedTuple):
    """A stack's numbers: one ``LVals`` per layer, and the output's."""

    layers: tuple[LVals, ...]
    sB2: Array
    wB: Array


def stack_values(cfg: RNNConfig, L: int, w: LayerWeights, dtype) -> tuple[StackSpec, SVals]:
    """Resolves a config (and the block weights) into a ``StackSpec`` and ``SVals``."""
    dual = dual_for(cfg.activation)
    sw2, sa2, sb2, s02 = (cfg.layer(n, L) for n in ("sw2", "sa2", "sb2", "s02"))
    layers, terms = [], []
    for k in range(cfg.depth):
        a = lambda x: jnp.asarray(x, dtype)  # noqa: E731
        if cfg.h0 == "random":
            mean0, k0, dd0 = dual.moments(a(s02[k]))
        else:
            mean0 = k0 = dd0 = a(0.0)
        layers.append(
            LVals(a(sw2[k]), a(sa2[k]), a(sb2[k]), a(s02[k] if cfg.h0 == "random" else 0.0),
                  a(k0), a(mean0), a(dd0), a(w.W[k]), a(w.A[k]), a(w.b[k]), a(w.M0[k]))
        )
        terms.append((sw2[k] > 0, sa2[k] > 0, sb2[k] > 0))
    spec = StackSpec(
        tuple(terms), dual, tuple(x != 0 for x in w.A), tuple(x != 0 for x in w.b)
    )
    return spec, SVals(tuple(layers), jnp.asarray(cfg.sB2, dtype), jnp.asarray(w.B, dtype))


class LPrep(NamedTuple):
    """Per-sample quantities of one layer, (n, L) each unless stated.

    Attributes:
      z: components of v^k_t / |v^k_t| (0 where S = 0).
      nv: |v^k_t| = sqrt(S^k_t(x,x)).
      sd: sqrt(K^k_{t-1}(x,x)).
      kt: K^k_t(x,x).
      ds: the dual's per-sample data of S^k_t (``dual.sample``; empty for ReLU).
      mn: E[phi(u^k_t)] (the boundary <h_0, h_t> = E[phi(M0)] E[phi(u_t)]).
    """

    z: tuple
    nv: Float[Array, "n L"]
    sd: Float[Array, "n L"]
    kt: Float[Array, "n L"]
    ds: tuple
    mn: Float[Array, "n L"]


class StackPrep(NamedTuple):
    """Every layer's ``LPrep`` and the raw inputs (n, L, d) (for the A block's G)."""

    layers: tuple[LPrep, ...]
    X: Float[Array, "n L d"]


@functools.partial(jax.jit, static_argnums=0)
def prepare_stack(
    spec: StackSpec, v: SVals, x: Float[Array, "n L d"], act: Bool[Array, "n L"]
) -> StackPrep:
    """Per-sample chains of every layer (module doc).

    Args:
      spec, v: the stack.
      x: sequences (n, L, d), aligned (zeros where a sample is not active).
      act: (n, L) mask of each sample's active steps (before a right-aligned sample starts
        its state stays at h_0).
    Returns:
      The ``StackPrep`` of x.
    """
    n, L, _ = x.shape
    dual = spec.dual
    lv0 = v.layers[0]
    xa = jnp.sqrt(lv0.sa2) * x
    sqx = jnp.sum(xa * xa, axis=-1)

    def step(prev, inp):
        sq_t, act_t = inp
        new, outs, below = [], [], None
        for k, lv in enumerate(v.layers):
            inp_k = sq_t if k == 0 else lv.sa2 * below
            S = jnp.where(act_t, lv.sw2 * prev[k] + inp_k + lv.sb2, 0.0)
            Kk = jnp.where(act_t, dual.diagonal(S), prev[k])
            outs.append((S, prev[k], Kk, below if k else S))
            new.append(Kk)
            below = Kk
        return tuple(new), tuple(outs)

    init = tuple(jnp.full((n,), lv.k0, x.dtype) for lv in v.layers)
    _, outs = lax.scan(step, init, (sqx.T, act.T))
    layers = []
    for k, (lv, (has_w, has_a, has_b)) in enumerate(zip(v.layers, spec.terms, strict=True)):
        S, Kp, Kt, Kb = (a.T for a in outs[k])
        nv = jnp.sqrt(S)
        parts = []
        if has_w:
            parts.append(jnp.sqrt(lv.sw2 * Kp)[..., None])
        if has_a:
            parts.append(xa if k == 0 else jnp.sqrt(lv.sa2 * Kb)[..., None])
        if has_b:
            parts.append(jnp.broadcast_to(jnp.sqrt(lv.sb2), S.shape + (1,)))
        vec = jnp.concatenate(parts, -1) if parts else jnp.zeros(S.shape + (0,), x.dtype)
        z = vec / jnp.where(nv > 0, nv, 1.0)[..., None]
        layers.append(
            LPrep(tuple(z[..., i] for i in range(z.shape[-1])), nv, jnp.sqrt(Kp), Kt,
                  dual.sample(S), dual.mean(S))
        )
    return StackPrep(tuple(layers), x)
