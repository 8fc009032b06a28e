r"""Sequences of different lengths as a wrapper around the pair step (SPEC §6).

Pairs align at their last step: the samples are right-aligned in the common length L
and a per-sample mask says where each has started. ``Plain`` and ``Ragged`` turn the
core step of the recursion (``(state, inputs) -> (state, aux)``) and a readout into the
scan body of one pair; the recursion itself has no ragged branch.

Ragged boundary: before both samples of a pair have begun, the pair's K^{prev} is the
boundary <h_0(short), h_k(long)>: K^0 if k = 0, else (h0 random, W independent of M0)
sqrt(s02) sqrt(S_k(long)) / (2 pi) = sqrt(2 s02) sqrt(K^k(long)) / (2 pi); 0 for
h0 = "zero". The M0 block (through delta_1) pairs only sequences that start together.
Outside the pair's common steps nothing is accumulated.
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import jax.numpy as jnp
from jaxtyping import Array, Bool, Int

from rnn_ntk.infinite._layer import Prep, Vals
from rnn_ntk.infinite._readout import State

__all__ = ["PLAIN", "RAGGED", "Masks", "Plain", "Ragged", "StepIn", "sample_masks"]


class StepIn(NamedTuple):
    """The scan inputs of one pair at one step."""

    zr: tuple
    zc: tuple
    nr: Array
    nc: Array
    Xr: Array
    Xc: Array
    first: Array


class Masks(NamedTuple):
    """Per-sample masks of right-aligned ragged input, (n, L) each.

    Attributes:
      act: the sample has started at this step (it is part of the sequence).
      begun: the sample started before this step.
    """

    act: Bool[Array, "n L"]
    begun: Bool[Array, "n L"]


def sample_masks(lengths: Int[Array, " n"], L: int) -> Masks:
    """The masks of samples of ``lengths`` right-aligned in L steps."""
    t = jnp.arange(L)
    offset = (L - lengths)[:, None]
    return Masks(act=t[None, :] >= offset, begun=t[None, :] > offset)


def _base(r: Prep, c: Prep) -> StepIn:
    first = jnp.arange(r.nv.shape[0]) == 0
    return StepIn(r.z, c.z, r.nv, c.nv, r.X, c.X, first)


@dataclasses.dataclass(frozen=True)
class Plain:
    """Every sequence has all L steps: the step is the core step followed by emit."""

    def inputs(self, r: Prep, c: Prep):
        return _base(r, c)

    def step(self, core, readout, v: Vals):
        def step(state, inp):
            new, aux = core(state, inp)
            return new, readout.emit(v, new, aux)

        return step


@dataclasses.dataclass(frozen=True)
class Ragged:
    """Right-aligned ragged pairs: per-sample data is ``(Prep, Masks)``."""

    def inputs(self, r: tuple[Prep, Masks], c: tuple[Prep, Masks]):
        (pr, mr), (pc, mc) = r, c
        return _base(pr, pc), (mr.act, mc.act, mr.begun, mc.begun, pr.sd, pc.sd)

    def step(self, core, readout, v: Vals):
        def step(state, inp):
            base, (act_r, act_c, begun_r, begun_c, sd_r, sd_c) = inp
            act = act_r & act_c
            both = begun_r & begun_c
            one = begun_r | begun_c
            sd_long = jnp.where(begun_r, sd_r, sd_c)
            Kb = jnp.where(one, jnp.sqrt(2.0 * v.s02) / (2 * math.pi) * sd_long, v.k0)
            # (Exactly 0 for pairs that start together: sd^2 may differ from K^0 by an ulp.)
            E = jnp.where(both, state.E, jnp.where(one, sd_r * sd_c - Kb, 0.0))
            K = jnp.where(both, state.K, Kb)
            U = jnp.where(both, state.U, jnp.where(one, 0.0, v.wM0 * v.sw2 / 2.0))
            start = State(E, K, U, state.kd)
            new, aux = core(start, base._replace(first=~both))
            new = State(
                E=jnp.where(act, new.E, 0.0),
                K=jnp.where(act, new.K, start.K),
                U=jnp.where(act, new.U, start.U),
                kd=jnp.where(act, new.kd, start.kd),
            )
            boundary = (act_r | act_c, jnp.where(act_r, base.nr, base.nc))
            return new, readout.hold(v, readout.emit(v, new, aux), act, boundary)

        return step


PLAIN = Plain()
RAGGED = Ragged()
