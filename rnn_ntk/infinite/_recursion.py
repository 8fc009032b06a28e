"""The per-pair forward scan over l = 1..L, composed from its parts, and its tiles.

core step = one layer's step (``_layer``) + the block accumulator (``_readout``);
scan body = the core step wrapped by ``Plain`` or ``Ragged`` (``_masking``) with a
readout; one pair = ``lax.scan`` of that body; a tile = the pair vmapped over a row block
and a column block (``tile``, jitted; the tiler in ``rnn_ntk._tiling`` assembles tiles).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax import lax

from rnn_ntk.infinite._layer import Spec, Vals, layer_step
from rnn_ntk.infinite._masking import StepIn
from rnn_ntk.infinite._readout import State, accumulate, initial_state

__all__ = ["core_step", "pair", "tile"]


def core_step(spec: Spec, v: Vals, s: State, inp: StepIn) -> tuple[State, tuple]:
    """One step for one pair: the new carry and ((1 - rho_l, 1 + rho_l), sqrt(S S'))."""
    E, K, kd, omr, sq = layer_step(spec, v, s.E, inp.zr, inp.zc, inp.nr, inp.nc)
    U = accumulate(spec, v, s, inp.Xr, inp.Xc, inp.first)
    return State(E, K, U, kd), (omr, sq)


def pair(spec: Spec, readout, masking, v: Vals, r, c):
    """The readout of one pair (r, c) of per-sample data (see ``_masking`` for its form)."""
    core = functools.partial(core_step, spec, v)
    xs = masking.inputs(r, c)
    init = initial_state(v, v.sw2.dtype)
    final, outs = lax.scan(masking.step(core, readout, v), init, xs)
    return readout.finish(v, final, outs)


@functools.partial(jax.jit, static_argnums=(0, 1, 2))
def tile(spec: Spec, readout, masking, v: Vals, r, c):
    """All pairs of a row block and a column block: leaves of shape (*lead, T1, T2)."""
    f = functools.partial(pair, spec, readout, masking, v)
    out = jax.vmap(jax.vmap(f, (None, 0)), (0, None))(r, c)
    return jax.tree.map(lambda a: jnp.moveaxis(a, (0, 1), (-2, -1)), out)
