r"""Readout "mean": the (t, s) grid of a pair, swept row by row (SPEC §7).

g(x) = sum_t a_t B^T h^D_t with a_t = 1/T over the sequence's own T steps. Per pair and
layer the forward kernels live on the grid of step pairs,

    S^k_{t,s} = sw2[k] K^k_{t-1,s-1} + sa2[k] I^k_{t,s} + sb2[k],  I^1_{t,s} = <X_t, X'_s>,
    I^k_{t,s} = K^{k-1}_{t,s};  boundary K^k_{0,0} = E[phi(M0_k)^2],
    K^k_{0,s} = E[phi(M0_k)] E[phi(u^k_s(x'))],  K^k_{t,0} likewise (0 for h0="zero"),

and the NTK is the forward accumulation of ``_stack`` along the grid's diagonals:

    U^k_{t,s} = inc^k_{t,s} + sw2[k] Kd^k_{t-1,s-1} U^k_{t-1,s-1}
                + sa2[k] Kd^{k-1}_{t,s} U^{k-1}_{t,s}
    H = sum_{t,s} a_t a'_s (sB2 Kd^D_{t,s} U^D_{t,s} + w_B K^D_{t,s})

with U^k_{0,0} = w_M0[k] E[phi'(M0_k)^2] and U = 0 on the rest of the boundary (the M0
block pairs step 1 with step 1 only). Each node needs only its (t-1, s-1) neighbour, so
the sweep carries one row of the grid per layer (t fixed, s = 0..L): O(L^2) work and
O(L) memory per pair, and nothing of size (n, n, L, L). Sequences are left-aligned; a step
past a sequence's length has a_t = 0 and influences no earlier node.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax import lax

from rnn_ntk.infinite._layer import layer_step
from rnn_ntk.infinite._readout import State
from rnn_ntk.infinite._stack_prep import StackPrep, StackSpec, SVals

__all__ = ["grid_tile"]


def _first_rows(v: SVals, c: StackPrep):
    """Row t = 0 of every layer: x at h_0 against x' at steps s = 0..L."""
    rows = []
    for lv, lc in zip(v.layers, c.layers, strict=True):
        zero = jnp.zeros((1,), lc.nv.dtype)
        K = jnp.concatenate([lv.k0[None], lv.mean0 * lc.mn])
        sdc = jnp.sqrt(lc.kt)
        E = jnp.concatenate([zero, jnp.sqrt(lv.k0) * sdc - K[1:]])
        U = jnp.concatenate([lv.wM0[None], jnp.zeros_like(lc.nv)])
        kd = jnp.concatenate([lv.dd0[None], jnp.zeros_like(lc.nv)])
        rows.append(State(E, K, U, kd))
    return tuple(rows)


def _pair(spec: StackSpec, v: SVals, r, c):
    """sum_{t,s} a_t a'_s (...) of one pair; r, c = (StackPrep, a) of one sample each."""
    (pr, ar), (pc, ac) = r, c

    def row(carry, inp):
        rows, acc = carry
        lr, Xr, a_t = inp
        new, below = [], None
        for k, lv in enumerate(v.layers):
            prev, lc = rows[k], pc.layers[k]
            zr, nr, dr, kt_r, mn_r = lr[k]
            extra = None if k == 0 else lv.sa2 * below.E[1:]
            Ep, Kp, Up, kdp = (a[:-1] for a in prev)
            E, K, kd, _, _ = layer_step(spec, lv, Ep, zr, lc.z, nr, lc.nv, extra, dr, lc.ds)
            inc = lv.wW * Kp
            if spec.use_A[k]:
                inc = inc + lv.wA * (pc.X @ Xr if k == 0 else below.K[1:])
            if spec.use_b[k]:
                inc = inc + lv.wb
            U = inc + lv.sw2 * kdp * Up
            if k > 0:
                U = U + lv.sa2 * below.kd[1:] * below.U[1:]
            Kb = lv.mean0 * mn_r
            Eb = jnp.sqrt(kt_r) * jnp.sqrt(lv.k0) - Kb
            zero = jnp.zeros((1,), K.dtype)
            below = State(
                jnp.concatenate([Eb[None], E]), jnp.concatenate([Kb[None], K]),
                jnp.concatenate([zero, U]), jnp.concatenate([zero, kd]),
            )
            new.append(below)
        out = v.sB2 * below.kd[1:] * below.U[1:] + v.wB * below.K[1:]
        return (tuple(new), acc + a_t * jnp.sum(ac * out)), None

    lr = tuple((lp.z, lp.nv, lp.ds, lp.kt, lp.mn) for lp in pr.layers)
    init = (_first_rows(v, pc), jnp.zeros((), pr.X.dtype))
    (_, total), _ = lax.scan(row, init, (lr, pr.X, ar))
    return total


@functools.partial(jax.jit, static_argnums=0)
def grid_tile(spec: StackSpec, v: SVals, r, c):
    """The mean-readout kernel of all pairs of a row block and a column block, (T1, T2)."""
    f = functools.partial(_pair, spec, v)
    return jax.vmap(jax.vmap(f, (None, 0)), (0, None))(r, c)
