r"""The public analytic kernels: ``ntk``, ``kernels`` and ``nngp`` (SPEC §2-3, §6).

Each call validates its inputs (``rnn_ntk._sequences``), resolves the config into the
recursion's static structure and traced values, prepares every sample once
(``_layer.prepare``) and hands a jitted tile function of the pair recursion
(``_recursion.tile``) to the one tiler (``rnn_ntk._tiling``). What the pass returns is a
readout (``_readout``); ragged batches wrap the step (``_masking``).

Zero variance: if S^l(x,x) = 0 (h0="zero", no bias and X_1..X_l = 0), then u_l(x) = 0
exactly at every width, so K^l(x, .) = 0 and the ReLU derivative is taken as 0 at 0 (as
``jax.nn.relu`` does): Kd is 0 for such pairs and rho is reported as 0. The result is
finite, and equals the finite-width network's kernels exactly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
from jax.typing import DTypeLike
from jaxtyping import Array, Float

from rnn_ntk._config import LayerWeights, RNNConfig, layer_weights
from rnn_ntk._devices import resolve_devices
from rnn_ntk._sequences import (
    Sequences,
    as_pair,
    full_lengths,
    padded_length,
    reversed_in_time,
    right_align,
)
from rnn_ntk._store import GramStore, inputs_sha256
from rnn_ntk._tiling import resolve_tile_size, tiled_gram
from rnn_ntk._validate import all_finite, check_bool
from rnn_ntk.infinite._arch import run_architecture
from rnn_ntk.infinite._compiled import select_tile
from rnn_ntk.infinite._layer import Spec, Vals, prepare
from rnn_ntk.infinite._masking import PLAIN, RAGGED, sample_masks
from rnn_ntk.infinite._readout import READOUTS
from rnn_ntk.infinite._recursion import tile

__all__ = ["Kernels", "kernels", "nngp", "ntk"]

Seqs = Float[Array, "n L d"] | Sequences

class Kernels(NamedTuple):
    """Per-step diagnostics of SPEC §2 for every pair (a jax pytree).

    Attributes:
      K: forward correlations K^0..K^L, shape (L+1, n1, n2) (lim <h_l(x), h_l(x')>).
      F: backward correlations F^1..F^L, shape (L, n1, n2) (lim <delta_l(x), delta_l(x')>).
      rho: pre-activation correlations rho_1..rho_L, shape (L, n1, n2).
      one_minus_rho: 1 - rho_l computed without cancellation, shape (L, n1, n2).
      H: H^inf = sum_l F^l K^{l-1}, shape (n1, n2).
    """

    K: Float[Array, "Lp1 n1 n2"]
    F: Float[Array, "L n1 n2"]
    rho: Float[Array, "L n1 n2"]
    one_minus_rho: Float[Array, "L n1 n2"]
    H: Float[Array, "n1 n2"]


def _structure(cfg: RNNConfig, L: int, w, dtype) -> tuple[Spec, Vals]:
    (sw2,), (sa2,), (sb2,), (s02,) = (cfg.layer(n, L) for n in ("sw2", "sa2", "sb2", "s02"))
    k0 = s02 / 2.0 if cfg.h0 == "random" else 0.0
    s02 = s02 if cfg.h0 == "random" else 0.0
    spec = Spec(sw2 > 0, sa2 > 0, sb2 > 0, w[1] != 0, w[2] != 0)
    vals = (sw2, sa2, sb2, cfg.sB2, k0, s02, *w)
    return spec, Vals(*(jnp.asarray(v, dtype) for v in vals))


def _run(x1, x2, cfg, weights, readout, tile_size, dtype, kind="H", devices=None, out=None):
    """Validates, prepares every sample once, and tiles the pair recursion into a Gram.

    ``weights(L)`` gives the block weights as ``LayerWeights``; ``kind`` names the readout
    for the architectures of ``_arch`` (every config but the paper's network). ``devices``
    is a ``resolve_devices`` list or None; ``out`` None or ``(GramStore, meta)``."""
    if not isinstance(cfg, RNNConfig):
        raise TypeError(f"cfg must be an RNNConfig, got {type(cfg).__name__}.")
    tile_size = resolve_tile_size(tile_size)
    a, b, dt = as_pair(x1, x2, dtype)
    L = padded_length(a, b)
    sink = None if out is None else _sink(out, a, b, cfg, dt)
    one_way = dataclasses.replace(cfg, bidirectional=False)
    if cfg.bidirectional and one_way.is_paper_architecture and kind == "H":
        # two paper-network passes: k(x, x') + k(rev x, rev x') (SPEC §7)
        rev = (reversed_in_time(a), None if b is None else reversed_in_time(b))
        return sum(_run(p, q, one_way, weights, readout, tile_size, dt, devices=devices)
                   for p, q in ((a, b), rev))
    if not cfg.is_paper_architecture:
        def check(tree, what):
            _check_finite(tree, what, cfg, dt)

        return run_architecture(a, b, cfg, weights(L), kind, tile_size, dt, check,
                                devices=devices, sink=sink)
    w = weights(L)
    weights = _fixed((w.W[0], w.A[0], w.b[0], w.B, w.M0[0]))
    spec, v = _structure(cfg, L, weights(L), dt)
    ragged = a.ragged or (b is not None and b.ragged)

    def per_sample(s: Sequences):
        if not ragged:
            return prepare(spec, v, s.x, jnp.ones(s.x.shape[:2], bool))
        lengths = full_lengths(s)
        masks = sample_masks(lengths, L)
        return prepare(spec, v, right_align(s.x, lengths, L)[0], masks.act), masks

    p1 = per_sample(a)
    _check_finite(p1, "x1", cfg, dt)
    p2 = None if b is None else per_sample(b)
    _check_finite(p2, "x2", cfg, dt)
    gram = tiled_gram(
        select_tile(tile, readout, RAGGED if ragged else PLAIN, (p1, p2), devices=devices,
                    out=sink),  # numba on the eager CPU path, else XLA
        p1,
        p2,
        tile_size=tile_size,
        lead_shapes=readout.lead_shapes(L, dt),
        args=(spec, readout, RAGGED if ragged else PLAIN, v),
        devices=devices,
        sink=sink,
    )
    if sink is None:  # a store's tiles are checked one by one as they are written
        _check_finite(gram, "the kernel", cfg, dt)
    return gram


def _placement(devices, out, what: str):
    """``devices`` resolved and ``out`` checked (None or a ``GramStore``)."""
    if out is not None and not isinstance(out, GramStore):
        raise TypeError(
            f"out must be None or an rnn_ntk.GramStore, got {type(out).__name__}; "
            f"write a Gram to disk with {what}(..., out=rnn_ntk.GramStore(path))."
        )
    return resolve_devices(devices)


def _sink(out, a: Sequences, b: Sequences | None, cfg: RNNConfig, dt):
    """The store's tile sink for this computation (its meta: the call and the inputs)."""
    store, meta = out
    if cfg.bidirectional:
        raise ValueError(
            "out=GramStore does not take bidirectional configs yet (their kernel sums two "
            "passes); compute it in memory (out=None) and save the array."
        )
    if a.x.shape[0] == 0 or (b is not None and b.x.shape[0] == 0):
        raise ValueError("out=GramStore needs at least one sample in x1 and x2.")
    meta = dict(meta, config=repr(cfg), inputs_sha256=inputs_sha256(
        a.x, a.lengths, *((None, None) if b is None else (b.x, b.lengths))))

    def check(t):
        _check_finite(t, "the kernel", cfg, dt)

    return store.bind(meta, check)


def _check_finite(tree, what: str, cfg: RNNConfig, dt) -> None:
    """Raises OverflowError if a (concrete) result is not finite: the recursion has no
    NaN-producing step left (inputs are scaled before squaring, SPEC §3), so a non-finite
    value means the true one is not representable in ``dt``."""
    if all_finite(*jax.tree.leaves(tree)):
        return
    where = "the per-sample chain K^l(x,x) of " + what if what != "the kernel" else what
    wider = "" if jnp.dtype(dt) == jnp.float64 else "compute in float64 (dtype=jnp.float64), "
    raise OverflowError(
        f"{where} overflows {jnp.dtype(dt).name}: the true value is not representable "
        f"(K^l grows like (sw2/2)^l S; here sw2={cfg.sw2:g}, sa2={cfg.sa2}, sb2={cfg.sb2:g}, "
        f"s02={cfg.s02:g}); {wider}lower the variances, or rescale the inputs."
    )


def _fixed(w):
    return lambda L: w


def _weights(cfg, W: float = 0.0, B: float = 0.0):
    """The standard weights of the W block of every layer (W=1) or of the B block."""
    depth = cfg.depth if isinstance(cfg, RNNConfig) else 1
    zero = (0.0,) * depth
    return _fixed(LayerWeights((W,) * depth, zero, zero, B, zero))


def ntk(
    x1: Seqs,
    x2: Seqs | None = None,
    *,
    cfg: RNNConfig = RNNConfig(),
    blocks: Sequence[str] = ("W",),
    parameterization: Literal["standard", "ntk"] = "standard",
    steps: bool = False,
    tile_size: int | None = None,
    dtype: DTypeLike | None = None,
    devices: int | Sequence[jax.Device] | jax.sharding.Mesh | None = None,
    out: GramStore | None = None,
) -> Float[Array, "n1 n2"] | Float[Array, "L n1 n2"]:
    """The infinite-width NTK of the RNN: H^inf = sum_l F^l K^{l-1} and its other blocks.

    Implements the one-pass form of SPEC §2 (paper eqs. 23-28; H^inf of Theorem 3 for
    ``blocks=("W",)``): per block, the m -> inf limit of <dg(x)/dP, dg(x')/dP>,

        W: sum_l F^l K^{l-1}   A: sum_l F^l G_l   b: sum_l F^l   B: K^L   M0: F^1 sw2/2

    summed over ``blocks``. In the NTK parameterisation each block is multiplied by its
    sigma^2 (sw2, sa2, sb2, sB2, s02).

    Args:
      x1: sequences, shape (n1, L, d), or ``Sequences(x, lengths)`` for sequences of
        different lengths (SPEC §6): sample i is x[i, :lengths[i]] (the padding, NaN or
        anything, is ignored). Pairs are aligned at their last step; the shorter starts
        from the boundary correlation <h_0(x), h_k(x')> (0 for h0="zero";
        sqrt(s02 S_k(x',x')) / (2 pi) for h0="random"), and the M0 block pairs only
        sequences of equal length. With ragged input x1 and x2 may have different padded
        lengths; sa2="paper" uses the longest.
      x2: the same for the columns; ``None`` for the symmetric Gram of x1 (each pair is
        computed once).
      cfg: the network (SPEC §1).
      tile_size: pairs are evaluated in tiles of at most tile_size x tile_size (None: 256
        on CPU, 2048 on accelerators); memory beyond the output is O(tile_size^2).
        Eagerly, tiles run concurrently on a few threads.
      dtype: compute dtype; default float64 when ``jax_enable_x64`` is on, else float32.
        Both use the cancellation-free recursion of SPEC §3.
      blocks: trained parameter blocks, any subset of {"W", "A", "b", "B", "M0"}.
      parameterization: "standard" (the paper's, SPEC §2) or "ntk".
      steps: if True, return the sequence-labelling kernels H^(l) for l = 1..L (output
        read at step l, paper Remark 3.2), shape (L, n1, n2), from the same single pass.
      devices: None (jax's default device), an int k (the first k devices of this
        process), a list of ``jax.Device``, or a ``jax.sharding.Mesh`` (its devices): the
        tiles are spread over them (SPEC §8); the result equals the single-device one.
        Eager calls only.
      out: None to return the Gram in memory, or an ``rnn_ntk.GramStore``: each finished
        tile is written into the store's zarr array (one chunk per tile), tiles it already
        holds are skipped, and the ``zarr.Array`` is returned; under ``jax.distributed``
        each process computes its share of the tiles. Not for bidirectional configs.
    Returns:
      The kernel, shape (n1, n2), or (L, n1, n2) with ``steps=True`` (for ragged input,
      step l counts from the end: H^(l) reads the output L - l steps before the last; a
      sequence that has not started there outputs B^T h_0); a ``zarr.Array`` of that
      shape with ``out=``.
    """
    kind = "steps" if check_bool("steps", steps) else "H"
    if kind == "steps" and isinstance(cfg, RNNConfig) and (
        cfg.readout != "last" or cfg.bidirectional
    ):
        raise ValueError(
            "steps=True gives the kernels of the output read at each step; it needs "
            f"readout='last' and one direction, got readout={cfg.readout!r}, "
            f"bidirectional={cfg.bidirectional}."
        )

    def weights(L):
        return layer_weights(cfg, L, blocks, parameterization)

    devices = _placement(devices, out, "ntk")
    if out is not None:
        names = [blocks] if isinstance(blocks, str) else sorted(map(str, blocks))
        out = (out, {"kernel": "ntk", "blocks": names,
                     "parameterization": str(parameterization), "steps": kind == "steps"})
    return _run(x1, x2, cfg, weights, READOUTS[kind], tile_size, dtype, kind, devices, out)


def kernels(
    x1: Seqs, x2: Seqs | None = None, *, cfg: RNNConfig = RNNConfig(),
    tile_size: int | None = None, dtype: DTypeLike | None = None,
    devices: int | Sequence[jax.Device] | jax.sharding.Mesh | None = None,
) -> Kernels:
    """Per-step forward and backward correlations K^l, F^l, rho_l and H^inf (SPEC §2).

    K^l is paper eq. 25 (Theorem 5), F^l = sB2/2 kappa0(rho_L) prod_{k=l}^{L-1} sw2/2
    kappa0(rho_k) is eq. 27-28 (Theorem 6), and H = sum_l F^l K^{l-1} is the W block of
    ``ntk``. These are diagnostics: memory is O(L n1 n2). For ragged input the per-step
    arrays are aligned at the last step; before a pair's common steps they hold the
    boundary values.

    Args:
      x1, x2, cfg, tile_size, dtype, devices: as for ``ntk``.
    Returns:
      A ``Kernels`` tuple with K (L+1, n1, n2), F (L, n1, n2), rho, one_minus_rho
      (L, n1, n2) and H (n1, n2).
    """
    if isinstance(cfg, RNNConfig) and (cfg.readout != "last" or cfg.bidirectional):
        raise ValueError(
            "kernels() returns the per-step diagnostics of one RNN read at its last step; "
            f"got readout={cfg.readout!r}, bidirectional={cfg.bidirectional}. Use ntk() "
            "for the kernel, or kernels() of RNNConfig(readout='last', bidirectional=False)."
        )
    out = _run(x1, x2, cfg, _weights(cfg, W=1.0), READOUTS["diagnostics"], tile_size, dtype,
               "diagnostics", _placement(devices, None, "kernels"))
    if isinstance(cfg, RNNConfig) and cfg.depth == 1 and not cfg.is_paper_architecture:
        out = tuple(a if a.ndim == 2 else a[0] for a in out)  # no layer axis at depth 1
    return Kernels(*out)


def nngp(
    x1: Seqs, x2: Seqs | None = None, *, cfg: RNNConfig = RNNConfig(),
    tile_size: int | None = None, dtype: DTypeLike | None = None,
    devices: int | Sequence[jax.Device] | jax.sharding.Mesh | None = None,
    out: GramStore | None = None,
) -> Float[Array, "n1 n2"]:
    """K^L = lim <h_L(x), h_L(x')>: the NNGP kernel of the last hidden state (eq. 25).

    Equals the B block of the NTK in the standard parameterisation.

    Args:
      x1, x2, cfg, tile_size, dtype, devices, out: as for ``ntk``.
    Returns:
      K^L, shape (n1, n2) (a ``zarr.Array`` with ``out=``).
    """
    devices = _placement(devices, out, "nngp")
    if out is not None:
        out = (out, {"kernel": "nngp"})
    return _run(x1, x2, cfg, _weights(cfg, B=1.0), READOUTS["H"], tile_size, dtype, "H",
                devices, out)
