r"""What a pass accumulates and returns: the NTK blocks and the three readouts (SPEC §2).

Backward correlations (paper eq. 27-28): F^L = sB2 Kd^L, F^l = F^{l+1} sw2 Kd^l, with
Kd^l = E[phi'(u_l) phi'(u'_l)] (kappa0(rho_l)/2 for ReLU). The NTK needs no F array: the
one-pass form carries per pair

    U_1 = w_M0 sw2/2 + inc_1,   U_l = U_{l-1} sw2 Kd^{l-1} + inc_l,   H = sB2 Kd^L U_L + w_B K^L

where inc_l = w_W K^{l-1} + w_A G_l + w_b sums the requested blocks (w = 1 in the
standard parameterisation, sigma^2 of the block in the NTK one), so the blocks are

    W: sum_l F^l K^{l-1}   A: sum_l F^l G_l   b: sum_l F^l   B: K^L   M0: F^1 sw2/2

A readout says what one pass returns: ``FinalNTK`` (H of the output read at step L),
``PerStepNTK`` (H^(l) for every l, paper Remark 3.2) or ``Diagnostics`` (K^l, F^l, rho_l
and H^inf). Each has ``emit`` (per step), ``finish`` (after the scan), ``hold`` (the output
of a step outside a ragged pair's common steps) and ``lead_shapes``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array

from rnn_ntk.infinite._duals import nearer_pole_rho
from rnn_ntk.infinite._layer import Spec, Vals

__all__ = ["READOUTS", "Diagnostics", "FinalNTK", "PerStepNTK", "State", "accumulate"]


class State(NamedTuple):
    """The scan carry of one pair: defect E^l, K^l, the accumulator U_l and Kd^l."""

    E: Array
    K: Array
    U: Array
    kd: Array


def accumulate(spec: Spec, v: Vals, s: State, Xr, Xc, first) -> Array:
    """U_l from U_{l-1} (see the module doc); ``first`` marks l = 1 (U_0 enters as is)."""
    inc = v.wW * s.K
    if spec.use_A:
        inc = inc + v.wA * jnp.sum(Xr * Xc)
    if spec.use_b:
        inc = inc + v.wb
    return s.U * jnp.where(first, 1.0, v.sw2 * s.kd) + inc


def initial_state(v: Vals, dtype) -> State:
    """The carry before step 1: E^0 = 0, K^0, U_0 = w_M0 sw2/2 (the M0 block)."""
    zero = jnp.zeros((), dtype)
    return State(zero, v.k0.astype(dtype), (v.wM0 * v.sw2 / 2.0).astype(dtype), zero)


def _sd(*shape, dtype):
    return jax.ShapeDtypeStruct(shape, dtype)


@dataclasses.dataclass(frozen=True)
class FinalNTK:
    """H = sB2 Kd^L U_L + w_B K^L: the summed blocks of the output read at step L."""

    def emit(self, v: Vals, s: State, aux) -> None:
        return None

    def hold(self, v: Vals, out, act, boundary):
        return out

    def finish(self, v: Vals, s: State, outs):
        return v.sB2 * s.kd * s.U + v.wB * s.K

    def lead_shapes(self, L: int, dtype):
        return _sd(dtype=dtype)


@dataclasses.dataclass(frozen=True)
class PerStepNTK:
    """H^(l) = sB2 Kd^l U_l + w_B K^l for l = 1..L (output read at step l), (L,)."""

    def emit(self, v: Vals, s: State, aux):
        return v.sB2 * s.kd * s.U + v.wB * s.K

    def hold(self, v: Vals, out, act, boundary):
        """Before a ragged pair's common steps one output still reads B^T h_0: only the B
        block (<h_0, h_l(x')> = sqrt(s02 S_l(x',x')) / (2 pi), or K^0 if neither has
        started) and the M0 block (sB2/2, both still at h_0) survive (SPEC §6)."""
        any_act, nv_long = boundary
        Kb_now = jnp.where(any_act, jnp.sqrt(v.s02) / (2 * math.pi) * nv_long, v.k0)
        held = v.wB * Kb_now + jnp.where(any_act, 0.0, 0.5 * v.wM0 * v.sB2)
        return jnp.where(act, out, held)

    def finish(self, v: Vals, s: State, outs):
        return outs

    def lead_shapes(self, L: int, dtype):
        return _sd(L, dtype=dtype)


@dataclasses.dataclass(frozen=True)
class Diagnostics:
    """(K^0..K^L, F^1..F^L, rho, 1 - rho, H^inf) of one pair (paper eqs. 25, 27)."""

    def emit(self, v: Vals, s: State, aux):
        (omr, opr), sq = aux
        omr, opr = jnp.where(sq > 0, omr, 1.0), jnp.where(sq > 0, opr, 1.0)
        rho = nearer_pole_rho(omr, opr)
        return s.K, s.kd, rho, omr

    def hold(self, v: Vals, out, act, boundary):
        return out

    def finish(self, v: Vals, s: State, outs):
        K, kd, rho, omr = outs
        dt = s.K.dtype
        K = jnp.concatenate([v.k0.astype(dt)[None], K])
        cs = jnp.concatenate([v.sw2 * kd[:-1], jnp.ones((1,), dt)])
        F = v.sB2 * kd[-1] * jnp.cumprod(cs[::-1])[::-1]
        return K, F, rho, omr, FinalNTK().finish(v, s, None)

    def lead_shapes(self, L: int, dtype):
        return (_sd(L + 1, dtype=dtype), _sd(L, dtype=dtype), _sd(L, dtype=dtype),
                _sd(L, dtype=dtype), _sd(dtype=dtype))


#: The readouts by what they return.
READOUTS = {"H": FinalNTK(), "steps": PerStepNTK(), "diagnostics": Diagnostics()}
