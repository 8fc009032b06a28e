r"""One layer of the recursion: per-sample chains and the pair step (SPEC §2-3).

For a pair (x, x') with G_l = <X_l, X'_l>, l = 1..L:

    S^l   = sw2 K^{l-1} + sa2 G_l + sb2                      (m * Cov(u_l(x), u_l(x')))
    rho_l = S^l / sqrt(S^l(x,x) S^l(x',x'))
    K^l   = E[phi(u) phi(u')]                                 (paper eq. 25 for ReLU)

with K^0 = s02/2 (h0="random") or 0 (h0="zero"). Instead of K^l(x,x') the pair step
carries the Cauchy-Schwarz defect E^l = sqrt(K^l(x,x) K^l(x',x')) - K^l(x,x') >= 0, and
the defect and the anti-defect of S^l are

    sqrt(S(x,x) S(x',x')) - S(x,x') = |v||v'| ||v/|v| - v'/|v'|||^2 / 2 + sw2 E^{l-1}
    sqrt(S(x,x) S(x',x')) + S(x,x') = |v||v'| ||v/|v| + v'/|v'|||^2 / 2 - sw2 E^{l-1}

with the per-sample vectors v = (sqrt(sw2 K^{l-1}(x,x)), sqrt(sa2) X_l, sqrt(sb2)). So
1 - rho and 1 + rho follow without subtracting nearly equal numbers (rho -> 1 is the
paper's degenerate regime; rho -> -1 occurs for anti-parallel inputs), and the dual (``_duals``)
returns E^l, K^l and Kd^l = E[phi'(u) phi'(u')] from it. The per-sample part (the
diagonal chain K^l(x,x) and the unit vectors v/|v|) is computed once per sample.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Bool, Float

from rnn_ntk.infinite._duals import ReLUDual

__all__ = ["Prep", "Spec", "Vals", "layer_step", "prepare"]


@dataclasses.dataclass(frozen=True)
class Spec:
    """The structure of one per-pair recursion (hashable: part of the jit cache key).

    Only what changes the program is static: which terms exist. The values travel as
    ``Vals`` (traced), so a grid over sw2, sa2, ... compiles once.
    """

    has_w: bool  # sw2 > 0: v has a recurrent component
    has_a: bool  # sa2 > 0: v has the input components
    has_b: bool  # sb2 > 0: v has a bias component
    use_A: bool  # the A block is summed (G_l increments)
    use_b: bool  # the b block is summed
    dual: ReLUDual = ReLUDual()


class Vals(NamedTuple):
    """Numeric parameters of the recursion, as scalars of the compute dtype."""

    sw2: Array
    sa2: Array
    sb2: Array
    sB2: Array
    k0: Array
    s02: Array  # 0 for h0="zero"
    wW: Array
    wA: Array
    wb: Array
    wB: Array
    wM0: Array


class Prep(NamedTuple):
    """Per-sample quantities of one layer, step-major (leading axis: samples).

    Attributes:
      z: the components of z_l = v_l / |v_l| (0 where S^l(x,x) = 0), each (n, L) and
        contiguous in n, so a pair loop reads rows, not stride-k vectors.
      nv: |v_l| = sqrt(S^l(x,x)), shape (n, L).
      X: the raw inputs, shape (n, L, d) (for the A block's G_l).
      sd: sqrt(K^{l-1}(x,x)), shape (n, L) (the boundary of ragged pairs, SPEC §6).
    """

    z: tuple[Float[Array, "n L"], ...]
    nv: Float[Array, "n L"]
    X: Float[Array, "n L d"]
    sd: Float[Array, "n L"]


@functools.partial(jax.jit, static_argnums=0)
def prepare(spec: Spec, v: Vals, x: Float[Array, "n L d"], act: Bool[Array, "n L"]) -> Prep:
    """Per-sample diagonal chain K^l(x,x) and the unit vectors v_l/|v_l| (SPEC §3).

    Args:
      spec: the recursion's structure.
      v: its values.
      x: sequences, shape (n, L, d) (right-aligned if ragged, zeros before the start).
      act: (n, L) mask of the steps where a sample has started (all True if not
        ragged); before its start a sample keeps K(x,x) = K^0.
    Returns:
      The ``Prep`` of x.
    """
    n, L, _ = x.shape
    xa = jnp.sqrt(v.sa2) * x  # the input part of v; scaled before squaring (no overflow)
    sq = jnp.sum(xa * xa, axis=-1)  # (n, L): sa2 |X_l|^2

    def step(d_prev, inp):
        sq_l, act_l = inp
        a = v.sw2 * d_prev + sq_l + v.sb2
        a = jnp.where(act_l, a, 0.0)
        return jnp.where(act_l, spec.dual.diagonal(a), d_prev), (a, d_prev)

    d0 = jnp.full((n,), v.k0, dtype=x.dtype)
    _, (a, d_prev) = lax.scan(step, d0, (sq.T, act.T))
    a, d_prev = a.T, d_prev.T  # (n, L): S^l(x,x) and K^{l-1}(x,x)
    nv = jnp.sqrt(a)
    parts = []
    if spec.has_w:
        parts.append(jnp.sqrt(v.sw2 * d_prev)[..., None])
    if spec.has_a:
        parts.append(xa)
    if spec.has_b:
        parts.append(jnp.broadcast_to(jnp.sqrt(v.sb2), a.shape + (1,)))
    vec = jnp.concatenate(parts, axis=-1) if parts else jnp.zeros(a.shape + (0,), x.dtype)
    z = vec / jnp.where(nv > 0, nv, 1.0)[..., None]
    z = tuple(z[..., i] for i in range(z.shape[-1]))
    return Prep(z=z, nv=nv, X=x, sd=jnp.sqrt(d_prev))


def layer_step(
    spec: Spec, v: Vals, E: Array, zr, zc, nr: Array, nc: Array,
    extra: Array | None = None, dr=(), dc=(),
):
    """One step of one layer for one pair: (E^{l-1}, per-sample l) -> (E^l, K^l, Kd^l, ...).

    Args:
      spec: the recursion's structure (its dual).
      v: its values.
      E: the pair's defect E^{l-1}.
      zr, zc: components of z_l of the two samples.
      nr, nc: |v_l| of the two samples.
      extra: a further defect of S^l beyond sw2 E^{l-1} (the input's, sa2[k] E^{k-1}_l,
        for a layer k > 1 of a stack, SPEC §7), or None.
      dr, dc: the samples' per-step dual data (``dual.sample``; empty for ReLU).
    Returns:
      ``(E, K, kd, (omr, opr), sq)``: E^l, K^l, Kd^l, 1 -/+ rho_l and
      sqrt(S^l(x,x) S^l(x',x')).
    """
    sq = nr * nc  # sqrt(S(x,x) S(x',x')); 0 iff a sample has zero variance
    dist2 = sum((a - b) ** 2 for a, b in zip(zr, zc, strict=True))  # |z - z'|^2
    sum2 = sum((a + b) ** 2 for a, b in zip(zr, zc, strict=True))  # |z + z'|^2
    # 1 - rho = defect(S) / sq, with defect(S) = sq |z - z'|^2 / 2 + sw2 E^{l-1}; and
    # 1 + rho = (sq |z + z'|^2 / 2 - sw2 E^{l-1}) / sq, the anti-defect (SPEC §3: both
    # poles without cancellation). One division each, not E * (1/nr) * (1/nc): the E
    # chain compounds rounding over L steps.
    den = jnp.where(sq > 0, sq, 1.0)
    defect = v.sw2 * E if extra is None else v.sw2 * E + extra
    omr = (0.5 * sq * dist2 + defect) / den
    opr = (0.5 * sq * sum2 - defect) / den
    kd, K, E = spec.dual.pair(sq, omr, opr, dr, dc)
    return E, K, kd, (omr, opr), sq
