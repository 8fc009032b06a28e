r"""The per-pair scan of a stack of D layers read at the last step (SPEC §7).

Forward, per pair and step t, layers k = 1..D in order: the pair step of ``_layer`` with
the input defect sa2[k] E^{k-1}_t for k > 1 gives E^k_t, K^k_t and Kd^k_t. Backward
correlations (SPEC §7, readout "last": a_t = [t = L])

    P^k_t = Kd^k_t (sw2[k] P^k_{t+1} + [k = D, t = L] sB2 + [k < D] sa2[k+1] P^{k+1}_t)

need no backward pass for the NTK: H = sum_{k,t} P^k_t inc^k_t with
inc^k_t = w_W[k] K^k_{t-1} + w_A[k] I^k_t + w_b[k] (I^1_t = <X_t, X'_t>, I^k_t = K^{k-1}_t)
is the forward accumulation over the DAG of (layer, step) nodes

    U^k_t = inc^k_t + sw2[k] Kd^k_{t-1} U^k_{t-1} + sa2[k] Kd^{k-1}_t U^{k-1}_t,
    U^k_0 := w_M0[k] E[phi'(M0_k)^2] (the M0 block, entering with sw2[k])
    H = sB2 Kd^D_L U^D_L + w_B K^D_L

(each path from a node to the output multiplies the Kd of the nodes it leaves). At depth 1
this is the one-pass form of SPEC §2. Ragged pairs (SPEC §6) restart every layer from the
boundary <h^k_0(short), h^k_t(long)> = E[phi(M0_k)] E[phi(u^k_t(long))] as in ``_masking``.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
from jax import lax

from rnn_ntk.infinite._duals import nearer_pole_rho
from rnn_ntk.infinite._layer import layer_step
from rnn_ntk.infinite._readout import State
from rnn_ntk.infinite._stack_prep import StackSpec, SVals

__all__ = ["STACK_READOUTS", "stack_tile"]


def _layer_xs(p):
    """Per layer the scan inputs of one sample: (z, nv, ds, sd, mn, mp)."""
    out = []
    for lp in p.layers:
        mp = jnp.concatenate([jnp.zeros_like(lp.mn[:1]), lp.mn[:-1]])
        out.append((lp.z, lp.nv, lp.ds, lp.sd, lp.mn, mp))
    return tuple(out)


def _core(spec: StackSpec, v: SVals, states, r, c, Xr, Xc, first):
    """One step of every layer for one pair: the new states and (omr, opr), sq per layer."""
    new, aux, below = [], [], None
    for k, lv in enumerate(v.layers):
        st = states[k]
        zr, nr, dr = r[k][:3]
        zc, nc, dc = c[k][:3]
        extra = None if k == 0 else lv.sa2 * below.E
        E, K, kd, poles, sq = layer_step(spec, lv, st.E, zr, zc, nr, nc, extra, dr, dc)
        inc = lv.wW * st.K
        if spec.use_A[k]:
            inc = inc + lv.wA * (jnp.sum(Xr * Xc) if k == 0 else below.K)
        if spec.use_b[k]:
            inc = inc + lv.wb
        U = st.U * jnp.where(first, 1.0, lv.sw2 * st.kd) + inc
        if k > 0:
            U = U + lv.sa2 * below.kd * below.U
        below = State(E, K, U, kd)
        new.append(below)
        aux.append((poles, sq))
    return tuple(new), tuple(aux)


def _initial(v: SVals, dtype):
    zero = jnp.zeros((), dtype)
    return tuple(
        State(zero, lv.k0.astype(dtype), (lv.wM0 * lv.sw2 * lv.dd0).astype(dtype), zero)
        for lv in v.layers
    )


def _sd(*shape, dtype):
    return jax.ShapeDtypeStruct(shape, dtype)


def _top_out(v: SVals, s):
    return v.sB2 * s[-1].kd * s[-1].U + v.wB * s[-1].K


@dataclasses.dataclass(frozen=True)
class StackFinal:
    """H = sB2 Kd^D_L U^D_L + w_B K^D_L."""

    def emit(self, v, s, aux):
        return None

    def hold(self, v, out, act, boundary):
        return out

    def finish(self, v, s, outs):
        return _top_out(v, s)

    def lead_shapes(self, D, L, dtype):
        return _sd(dtype=dtype)


@dataclasses.dataclass(frozen=True)
class StackSteps:
    """H^(l) for l = 1..L (the output read at step l), shape (L,)."""

    def emit(self, v, s, aux):
        return _top_out(v, s)

    def hold(self, v, out, act, boundary):
        """Before a ragged pair's common steps the short sample still outputs B^T h^D_0."""
        any_act, mn_long = boundary
        top = v.layers[-1]
        Kb = jnp.where(any_act, top.mean0 * mn_long, top.k0)
        held = v.wB * Kb + jnp.where(any_act, 0.0, top.wM0 * v.sB2 * top.dd0)
        return jnp.where(act, out, held)

    def finish(self, v, s, outs):
        return outs

    def lead_shapes(self, D, L, dtype):
        return _sd(L, dtype=dtype)


@dataclasses.dataclass(frozen=True)
class StackDiagnostics:
    """Per layer K^k_0..K^k_L, F^k_t = P^k_t, rho^k_t, 1 - rho^k_t, and the NTK H."""

    def emit(self, v, s, aux):
        rows = []
        for st, ((omr, opr), sq) in zip(s, aux, strict=True):
            omr, opr = jnp.where(sq > 0, omr, 1.0), jnp.where(sq > 0, opr, 1.0)
            rho = nearer_pole_rho(omr, opr)
            rows.append((st.K, st.kd, rho, omr))
        return tuple(jnp.stack(a) for a in zip(*rows, strict=True))

    def hold(self, v, out, act, boundary):
        K, kd, rho, omr = out
        return K, jnp.where(act, kd, 0.0), rho, omr

    def finish(self, v, s, outs):
        K, kd, rho, omr = outs  # (L, D) each
        dt = K.dtype
        K0 = jnp.stack([lv.k0.astype(dt) for lv in v.layers])
        K = jnp.concatenate([K0[None], K]).T
        L = kd.shape[0]

        def back(P_next, inp):
            kd_t, last = inp
            P = [None] * len(v.layers)
            for k in reversed(range(len(v.layers))):
                lv = v.layers[k]
                acc = lv.sw2 * P_next[k]
                if k == len(v.layers) - 1:
                    acc = acc + jnp.where(last, v.sB2, 0.0)
                else:
                    acc = acc + v.layers[k + 1].sa2 * P[k + 1]
                P[k] = kd_t[k] * acc
            P = jnp.stack(P)
            return P, P

        last = jnp.arange(L) == L - 1
        _, F = lax.scan(back, jnp.zeros_like(kd[0]), (kd, last), reverse=True)
        return K, F.T, rho.T, omr.T, _top_out(v, s)

    def lead_shapes(self, D, L, dtype):
        return (_sd(D, L + 1, dtype=dtype), _sd(D, L, dtype=dtype), _sd(D, L, dtype=dtype),
                _sd(D, L, dtype=dtype), _sd(dtype=dtype))


#: The stack's readouts by what they return.
STACK_READOUTS = {"H": StackFinal(), "steps": StackSteps(), "diagnostics": StackDiagnostics()}


def _plain_pair(spec, readout, v, r, c):
    xr, xc = _layer_xs(r), _layer_xs(c)
    L = r.X.shape[0]

    def step(states, inp):
        lr, lc, Xr, Xc, first = inp
        new, aux = _core(spec, v, states, lr, lc, Xr, Xc, first)
        return new, readout.emit(v, new, aux)

    xs = (xr, xc, r.X, c.X, jnp.arange(L) == 0)
    final, outs = lax.scan(step, _initial(v, r.X.dtype), xs)
    return readout.finish(v, final, outs)


def _ragged_pair(spec, readout, v, r, c):
    (pr, mr), (pc, mc) = r, c
    xr, xc = _layer_xs(pr), _layer_xs(pc)

    def step(states, inp):
        lr, lc, Xr, Xc, act_r, act_c, begun_r, begun_c = inp
        act, both, one = act_r & act_c, begun_r & begun_c, begun_r | begun_c
        start = []
        for k, lv in enumerate(v.layers):
            st = states[k]
            sd_r, mp_r = lr[k][3], lr[k][5]
            sd_c, mp_c = lc[k][3], lc[k][5]
            Kb = jnp.where(one, lv.mean0 * jnp.where(begun_r, mp_r, mp_c), lv.k0)
            E = jnp.where(both, st.E, jnp.where(one, sd_r * sd_c - Kb, 0.0))
            U0 = lv.wM0 * lv.sw2 * lv.dd0
            U = jnp.where(both, st.U, jnp.where(one, 0.0, U0))
            start.append(State(E, jnp.where(both, st.K, Kb), U, st.kd))
        new, aux = _core(spec, v, tuple(start), lr, lc, Xr, Xc, ~both)
        new = tuple(
            State(jnp.where(act, n.E, 0.0), jnp.where(act, n.K, s.K),
                  jnp.where(act, n.U, s.U), jnp.where(act, n.kd, s.kd))
            for n, s in zip(new, start, strict=True)
        )
        mn_long = jnp.where(act_r, lr[-1][4], lc[-1][4])
        return new, readout.hold(v, readout.emit(v, new, aux), act, (act_r | act_c, mn_long))

    xs = (xr, xc, pr.X, pc.X, mr.act, mc.act, mr.begun, mc.begun)
    final, outs = lax.scan(step, _initial(v, pr.X.dtype), xs)
    return readout.finish(v, final, outs)


@functools.partial(jax.jit, static_argnums=(0, 1, 2))
def stack_tile(spec: StackSpec, readout, ragged: bool, v: SVals, r, c):
    """All pairs of a row block and a column block: leaves of shape (*lead, T1, T2)."""
    pair = _ragged_pair if ragged else _plain_pair
    f = functools.partial(pair, spec, readout, v)
    out = jax.vmap(jax.vmap(f, (None, 0)), (0, None))(r, c)
    return jax.tree.map(lambda a: jnp.moveaxis(a, (0, 1), (-2, -1)), out)
