r"""Kernels of every architecture of SPEC §7 beyond the paper's: stacks, activations,
readout "mean", bidirectional. ``_api`` sends here every config that is not the paper's
network (depth 1, ReLU, last step, one direction), which keeps its own one-layer path.

Bidirectional (SPEC §7): two independent RNNs of one configuration, one on x and one on
x reversed in time within its own length, outputs summed, so every kernel (every block,
the NNGP) is k(x, x') + k(rev x, rev x').
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from rnn_ntk._config import LayerWeights, RNNConfig
from rnn_ntk._sequences import (
    Sequences,
    full_lengths,
    left_align,
    reversed_in_time,
    right_align,
)
from rnn_ntk._tiling import tiled_gram
from rnn_ntk.infinite._grid import grid_tile
from rnn_ntk.infinite._masking import sample_masks
from rnn_ntk.infinite._stack import STACK_READOUTS, stack_tile
from rnn_ntk.infinite._stack_prep import prepare_stack, stack_values

__all__ = ["grid_tile_size", "run_architecture"]

# Pairs x steps of one grid tile's rows: T^2 (L + 1) D <= this keeps a tile's carried
# rows (four per layer) near 32 MiB in float64.
_GRID_BUDGET = 2**20


def grid_tile_size(tile_size: int, L: int, depth: int) -> int:
    """The tile edge for readout "mean": ``tile_size`` capped so a tile's rows fit."""
    return max(8, min(tile_size, int(math.sqrt(_GRID_BUDGET / ((L + 1) * depth)))))


def _per_sample(cfg: RNNConfig, spec, v, s: Sequences, L: int, ragged: bool):
    if cfg.readout == "mean":
        lengths = full_lengths(s)
        x, valid = left_align(s.x, lengths, L)
        p = prepare_stack(spec, v, x, jnp.ones(x.shape[:2], bool))
        return p, valid.astype(x.dtype) / lengths[:, None].astype(x.dtype)
    if not ragged:
        return prepare_stack(spec, v, s.x, jnp.ones(s.x.shape[:2], bool))
    lengths = full_lengths(s)
    masks = sample_masks(lengths, L)
    return prepare_stack(spec, v, right_align(s.x, lengths, L)[0], masks.act), masks


def run_architecture(
    a: Sequences,
    b: Sequences | None,
    cfg: RNNConfig,
    w: LayerWeights,
    kind: str,
    tile_size: int,
    dt,
    check,
    devices=None,
    sink=None,
):
    """One kernel of a non-paper architecture, summed over the directions.

    Args:
      a, b: validated sequences (b None for the symmetric Gram).
      cfg: the network.
      w: the block weights (``layer_weights``).
      kind: "H" (the NTK), "steps" (H^(l) for every l; readout "last") or
        "diagnostics" (per-layer K, F, rho; readout "last", one direction).
      tile_size: the tile edge.
      dt: the compute dtype.
      check: ``check(tree, what)`` raising OverflowError on non-finite values.
      devices: None or the devices of ``rnn_ntk._devices.resolve_devices``.
      sink: None (in memory) or a tile sink factory (``GramStore.bind``; one direction
        only, and its tiles are checked as they are written).
    Returns:
      The kernel, as ``_api`` returns it for the paper's network.
    """
    L = max(a.x.shape[1], 0 if b is None else b.x.shape[1])
    spec, v = stack_values(cfg, L, w, dt)
    ragged = a.ragged or (b is not None and b.ragged)
    directions = [(a, b)]
    if cfg.bidirectional:
        directions.append((reversed_in_time(a), None if b is None else reversed_in_time(b)))
    total = None
    for xa, xb in directions:
        p1 = _per_sample(cfg, spec, v, xa, L, ragged)
        check(p1, "x1")
        p2 = None if xb is None else _per_sample(cfg, spec, v, xb, L, ragged)
        check(p2, "x2")
        if cfg.readout == "mean":
            out = tiled_gram(
                grid_tile, p1, p2, tile_size=grid_tile_size(tile_size, L, cfg.depth),
                lead_shapes=STACK_READOUTS["H"].lead_shapes(cfg.depth, L, dt), args=(spec, v),
                devices=devices, sink=sink,
            )
        else:
            readout = STACK_READOUTS[kind]
            out = tiled_gram(
                stack_tile, p1, p2, tile_size=tile_size,
                lead_shapes=readout.lead_shapes(cfg.depth, L, dt),
                args=(spec, readout, ragged, v), devices=devices, sink=sink,
            )
        total = out if total is None else total + out
    if sink is None:
        check(total, "the kernel")
    return total
