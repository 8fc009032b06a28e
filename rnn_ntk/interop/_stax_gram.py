r"""The RNN's kernels from input Gram matrices alone (SPEC §7 in Gram form).

Inside ``nt.stax.serial`` a layer never sees the raw sequences, only the Gram matrices of
nt's input ``Kernel``. The recursion of SPEC §7 needs nothing else: with
I^1_{t,s} = <X_t, X'_s> (the pair's input Gram) and the per-sample |X_t|^2,

    S^k_{t,s} = sw2[k] K^k_{t-1,s-1} + sa2[k] I^k_{t,s} + sb2[k],  I^k = K^{k-1} (k > 1).

It is the recursion of ``rnn_ntk.infinite`` with the input collapsed to its norm. The
stable defect form of SPEC §3 is kept: per sample the vector
v = (sqrt(sw2 K^k_{t-1}), sqrt(sa2 I^k_t), sqrt(sb2)) (``prepare_stack`` of the
sequence whose step t is the scalar |X_t|), and per pair the input's own Cauchy-Schwarz
defect sqrt(I_t(x) I_s(x')) - I_{t,s} enters as the extra defect of ``layer_step``
(for k > 1 it is the layer below's carried defect, as in ``_stack``). The two forms agree
in exact arithmetic: |v||v'| - <v, v'> = |v~||v~'| - <v~, v~'> + sa2 (|X||X'| - <X, X'>).
An exact self-pair (the same sample at the same step) gets input defect 0, as the
engine's unit vectors give.

Readout "last" is the forward accumulation U^k_t of ``rnn_ntk.infinite._stack`` (one
(t, t) chain per pair); readout "mean" the (t, s) grid of ``rnn_ntk.infinite._grid``,
swept row by row. Both return the pair's output NNGP core (K^D_L, or
sum_{t,s} a_t a_s K^D_{t,s}) and the NTK H = sum_{t,s} a_t a_s (sB2 Kd^D U^D + w_B K^D).

All pairs are one flat batch (a Gram, self-pairs for cov1 / cov2, both directions), so one
program serves every kernel a ``Kernel`` needs; each step gathers the per-sample data of
its pairs. Memory: O(P) per step for "last", O(P L) per row for "mean" (times the
Hermite terms for series activations); split large batches with ``nt.batch``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Bool, Float, Int

from rnn_ntk._config import RNNConfig, layer_weights
from rnn_ntk.infinite._layer import layer_step
from rnn_ntk.infinite._readout import State
from rnn_ntk.infinite._stack_prep import StackSpec, SVals, prepare_stack, stack_values

__all__ = ["pair_kernels", "trained_blocks"]


def trained_blocks(cfg: RNNConfig) -> tuple[str, ...]:
    """Every block the network has: W, A, b, B, and M0 with h0="random"."""
    return ("W", "A", "b", "B") + (("M0",) if cfg.h0 == "random" else ())


def _prep(spec: StackSpec, v: SVals, norms2: Float[Array, "N L"]):
    """Per layer (z, nv, ds, kt, mn) of every sample (leaves (N, L, ...)), from |X_t|^2
    alone: ``prepare_stack`` of the scalar sequence |X_t|."""
    x = jnp.sqrt(jnp.maximum(norms2, 0.0))[..., None]
    p = prepare_stack(spec, v, x, jnp.ones(norms2.shape, bool))
    return tuple((lp.z, lp.nv, lp.ds, lp.kt, lp.mn) for lp in p.layers)


def _take(tree, idx, expand: bool = False):
    """Rows ``idx`` of every leaf (the pairs' samples), optionally with a unit axis 1."""
    return jax.tree.map(lambda a: a[idx][:, None] if expand else a[idx], tree)


def _time_major(tree):
    return jax.tree.map(lambda a: jnp.moveaxis(a, 1, 0), tree)


def _last(spec: StackSpec, v: SVals, prep, ri, ci, G, EG):
    """Readout "last" for P pairs: G, EG (P, L) -> (K^D_L, H), each (P,)."""
    P, L = G.shape
    dt = G.dtype

    def step(states, inp):
        lay, g, eg, first = inp
        new, below = [], None
        for k, lv in enumerate(v.layers):
            st = states[k]
            z, nv, ds = lay[k]
            (zr, nr, dr), (zc, nc, dc) = _take((z, nv, ds), ri), _take((z, nv, ds), ci)
            e_in, i12 = (eg, g) if k == 0 else (below.E, below.K)
            E, K, kd, _, _ = layer_step(spec, lv, st.E, zr, zc, nr, nc, lv.sa2 * e_in, dr, dc)
            U = st.U * jnp.where(first, 1.0, lv.sw2 * st.kd)
            U = U + lv.wW * st.K + lv.wA * i12 + lv.wb
            if k > 0:
                U = U + lv.sa2 * below.kd * below.U
            below = State(E, K, U, kd)
            new.append(below)
        return tuple(new), None

    init = tuple(
        State(
            jnp.zeros(P, dt),
            jnp.full(P, lv.k0, dt),
            jnp.full(P, lv.wM0 * lv.sw2 * lv.dd0, dt),
            jnp.zeros(P, dt),
        )
        for lv in v.layers
    )
    lay = _time_major(tuple((z, nv, ds) for z, nv, ds, _, _ in prep))
    xs = (lay, G.T, EG.T, jnp.arange(L) == 0)
    top = lax.scan(step, init, xs)[0][-1]
    return top.K, v.sB2 * top.kd * top.U + v.wB * top.K


def _first_rows(v: SVals, cols):
    """Row t = 0 of every layer: x at h_0 against x' at s = 0..L (as ``_grid``), (P, L+1)."""
    rows = []
    for lv, (_, nv, _, kt, mn) in zip(v.layers, cols, strict=True):
        zero = jnp.zeros_like(nv[:, :1])
        K = jnp.concatenate([zero + lv.k0, lv.mean0 * mn], axis=1)
        E = jnp.concatenate([zero, jnp.sqrt(lv.k0) * jnp.sqrt(kt) - K[:, 1:]], axis=1)
        U = jnp.concatenate([zero + lv.wM0, jnp.zeros_like(nv)], axis=1)
        kd = jnp.concatenate([zero + lv.dd0, jnp.zeros_like(nv)], axis=1)
        rows.append(State(E, K, U, kd))
    return tuple(rows)


def _mean(spec: StackSpec, v: SVals, prep, ri, ci, G, EG):
    """Readout "mean" for P pairs over the (t, s) grid by rows: G, EG (P, L, L) ->
    (sum a a K^D, H), each (P,)."""
    P, L, _ = G.shape
    a = 1.0 / L
    cols = _take(prep, ci)  # (P, L, ...): x' at every step s

    def row(carry, inp):
        rows, acc_k, acc_h = carry
        lay, g, eg = inp
        new, below = [], None
        for k, lv in enumerate(v.layers):
            zr, nr, dr, kt_r, mn_r = _take(lay[k], ri, expand=True)  # (P, 1, ...)
            zc, nc, dc, _, _ = cols[k]
            e_in, i12 = (eg, g) if k == 0 else (below.E[:, 1:], below.K[:, 1:])
            Ep, Kp, Up, kdp = (x[:, :-1] for x in rows[k])
            E, K, kd, _, _ = layer_step(spec, lv, Ep, zr, zc, nr, nc, lv.sa2 * e_in, dr, dc)
            U = lv.wW * Kp + lv.wA * i12 + lv.wb + lv.sw2 * kdp * Up
            if k > 0:
                U = U + lv.sa2 * below.kd[:, 1:] * below.U[:, 1:]
            Kb = lv.mean0 * mn_r
            Eb = jnp.sqrt(kt_r) * jnp.sqrt(lv.k0) - Kb
            zero = jnp.zeros_like(Kb)
            below = State(
                jnp.concatenate([Eb, E], axis=1),
                jnp.concatenate([Kb, K], axis=1),
                jnp.concatenate([zero, U], axis=1),
                jnp.concatenate([zero, kd], axis=1),
            )
            new.append(below)
        KD = below.K[:, 1:]
        out = v.sB2 * below.kd[:, 1:] * below.U[:, 1:] + v.wB * KD
        acc_k = acc_k + a * a * jnp.sum(KD, axis=1)
        return (tuple(new), acc_k, acc_h + a * a * jnp.sum(out, axis=1)), None

    zero = jnp.zeros(P, G.dtype)
    xs = (_time_major(prep), jnp.moveaxis(G, 1, 0), jnp.moveaxis(EG, 1, 0))
    (_, acc_k, acc_h), _ = lax.scan(row, (_first_rows(v, cols), zero, zero), xs)
    return acc_k, acc_h


def pair_kernels(
    cfg: RNNConfig,
    norms2: Float[Array, "N L"],
    ri: Int[Array, " n_pairs"],
    ci: Int[Array, " n_pairs"],
    cross: Float[Array, "n_pairs L"] | Float[Array, "n_pairs L L"],
    same: Bool[Array, "..."],
) -> tuple[Float[Array, " n_pairs"], Float[Array, " n_pairs"]]:
    """The output NNGP core and the NTK of P pairs of samples, from input Grams (module doc).

    Sums the two directions if ``cfg.bidirectional`` (each sequence reversed in time).
    Traceable (call it inside ``jax.jit``).

    Args:
      cfg: the network (readout "last": ``cross`` has one time axis; "mean": two).
      norms2: |X_t|^2 of every sample the pairs refer to, shape (N, L).
      ri, ci: the pairs' row and column samples (indices into ``norms2``), shape (P,).
      cross: the pairs' input Gram <X_t, X'_t>, shape (P, L) (readout "last"), or
        <X_t, X'_s>, shape (P, L, L) ("mean").
      same: True where ``cross`` pairs a sample's step with itself (broadcastable to
        ``cross``): there the input defect is exactly 0.
    Returns:
      ``(k, h)``, each (P,): k = K^D_L ("last") or sum_{t,s} K^D_{t,s} / L^2 ("mean"),
      the output's NNGP per unit sB2; h = the NTK of every block (W, A, b, B, M0 where
      present; summed over layers and directions) in the NTK parameterisation.
    """
    N, L = norms2.shape
    P = ri.shape[0]
    spec, v = stack_values(cfg, L, layer_weights(cfg, L, trained_blocks(cfg), "ntk"), cross.dtype)
    mean = cfg.readout == "mean"
    outer = norms2[ri][:, :, None] * norms2[ci][:, None, :] if mean else norms2[ri] * norms2[ci]
    EG = jnp.where(same, 0.0, jnp.sqrt(outer) - cross)
    if cfg.bidirectional:  # the reversed direction as N more samples and P more pairs
        flip = (1, 2) if mean else (1,)
        norms2 = jnp.concatenate([norms2, norms2[:, ::-1]])
        ri, ci = jnp.concatenate([ri, ri + N]), jnp.concatenate([ci, ci + N])
        cross = jnp.concatenate([cross, jnp.flip(cross, flip)])
        EG = jnp.concatenate([EG, jnp.flip(EG, flip)])
    run = _mean if mean else _last
    k, h = run(spec, v, _prep(spec, v, norms2), ri, ci, cross, EG)
    if cfg.bidirectional:
        k, h = k[:P] + k[P:], h[:P] + h[P:]
    return k, h
