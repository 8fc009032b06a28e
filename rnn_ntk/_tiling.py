"""The one tiler: any per-tile function of two sample blocks becomes a Gram (SPEC §8).

A Gram over (n1, n2) sample pairs is cut into tiles of at most T x T pairs. Each tile is
``tile_fn(*args, rows, cols)`` of two blocks of per-sample data (pytrees whose leaves
have the samples on axis 0); its leaves end in the two pair axes (T1, T2). Three parts,
each replaceable on its own:

- ``TilePlan``: which tiles exist (the upper triangle for a symmetric Gram, whose lower
  tiles are exact mirrors; every tile of a rectangle);
- the sink, where finished tiles go: ``HostBuffer`` (numpy arrays of the output's shape)
  by default, or any object with ``pending``/``put``/``result`` (``rnn_ntk.GramStore``'s
  chunked on-disk array, which also skips the tiles it already holds);
- the executor: a small host thread pool eagerly (XLA:CPU runs one tile on one core),
  ``lax.map`` over the tiles under a trace (inside a user's ``jax.jit``), or a list of
  devices (tile k on device k mod len(devices), its inputs committed there).

The per-pair maths never sees the sink or the devices.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from rnn_ntk._validate import check_int, is_traced

__all__ = [
    "DEFAULT_TILE",
    "DEFAULT_TILE_ACCELERATOR",
    "HostBuffer",
    "TilePlan",
    "default_tile_size",
    "default_workers",
    "resolve_tile_size",
    "tiled_gram",
]

#: Tile edge on CPU: 256^2 pairs keep a step's few (T, T) arrays within L2 cache.
DEFAULT_TILE = 256
#: Tile edge on accelerators, where bigger launches amortise better.
DEFAULT_TILE_ACCELERATOR = 2048


def default_tile_size() -> int:
    """The tile edge used when ``tile_size=None``: by jax's default backend."""
    return DEFAULT_TILE if jax.default_backend() == "cpu" else DEFAULT_TILE_ACCELERATOR


def resolve_tile_size(tile_size: object) -> int:
    """``tile_size`` checked (an int >= 1), or the backend's default for None."""
    if tile_size is None:
        return default_tile_size()
    return check_int("tile_size", tile_size, low=1)


def default_workers() -> int:
    """Tiles computed concurrently in eager mode (XLA:CPU runs one tile on one core)."""
    if jax.default_backend() != "cpu":
        return 2
    try:
        return max(1, min(8, len(os.sched_getaffinity(0))))
    except AttributeError:  # not on Linux
        return max(1, min(8, os.cpu_count() or 1))


@dataclasses.dataclass(frozen=True)
class TilePlan:
    """The tiles of an (n1, n2) Gram with tile edges (T1, T2).

    Attributes:
      n1, n2: samples on each side.
      T1, T2: tile edges (equal for a symmetric Gram).
      symmetric: only tiles with i <= j are computed; (j, i) is the transpose of (i, j).
    """

    n1: int
    n2: int
    T1: int
    T2: int
    symmetric: bool

    @classmethod
    def make(cls, n1: int, n2: int, tile_size: int, symmetric: bool) -> TilePlan:
        T1, T2 = min(tile_size, n1), min(tile_size, n2)
        if symmetric:
            T1 = T2 = min(T1, T2)
        return cls(n1, n2, T1, T2, symmetric)

    @property
    def blocks(self) -> tuple[int, int]:
        """Tiles along each side."""
        return -(-self.n1 // self.T1), -(-self.n2 // self.T2)

    @property
    def tiles(self) -> list[tuple[int, int]]:
        """(row block, column block) of every tile to compute, row-major."""
        nb1, nb2 = self.blocks
        return [(i, j) for i in range(nb1) for j in range(i if self.symmetric else 0, nb2)]


class HostBuffer:
    """Finished tiles written into numpy arrays of the output's shape (peak ~ the output).

    Tiles cover disjoint blocks, so concurrent ``put`` calls from threads are safe.
    """

    def __init__(self, plan: TilePlan, lead_shapes: Any):
        self.plan = plan
        self.arrays = jax.tree.map(
            lambda s: np.empty(s.shape + (plan.n1, plan.n2), s.dtype), lead_shapes
        )

    def put(self, i: int, j: int, tile: Any) -> None:
        """Stores the tile (i, j) (and its mirror for a symmetric Gram)."""
        p = self.plan
        r0, c0 = i * p.T1, j * p.T2
        r1, c1 = min(r0 + p.T1, p.n1), min(c0 + p.T2, p.n2)

        def put(buf, t):
            t = np.asarray(t)
            buf[..., r0:r1, c0:c1] = t[..., : r1 - r0, : c1 - c0]
            if p.symmetric and r0 != c0:
                buf[..., c0:c1, r0:r1] = np.swapaxes(t, -1, -2)[..., : c1 - c0, : r1 - r0]

        jax.tree.map(put, self.arrays, tile)

    def pending(self, tiles: list[tuple[int, int]]) -> list[int]:
        """Indices of the tiles still to compute: all of them (a buffer starts empty)."""
        return list(range(len(tiles)))

    def result(self) -> Any:
        return jax.tree.map(jnp.asarray, self.arrays)


def _pad(p: Any, n_to: int) -> Any:
    def pad(a):
        n = a.shape[0]
        return a if n == n_to else jnp.pad(a, [(0, n_to - n)] + [(0, 0)] * (a.ndim - 1))

    return jax.tree.map(pad, p)


def _slice(p: Any, start: Any, size: int) -> Any:
    return jax.tree.map(lambda a: lax.dynamic_slice_in_dim(a, start, size, axis=0), p)


def _n(p: Any) -> int:
    return jax.tree.leaves(p)[0].shape[0]


def tiled_gram(
    tile_fn: Callable[..., Any],
    p1: Any,
    p2: Any | None = None,
    *,
    tile_size: int,
    lead_shapes: Any,
    args: tuple = (),
    workers: int | None = None,
    devices: list[jax.Device] | None = None,
    sink: Callable[[TilePlan, Any], Any] | None = None,
) -> Any:
    """Evaluates ``tile_fn`` over all sample pairs, tile by tile.

    Args:
      tile_fn: ``tile_fn(*args, rows, cols)`` -> pytree with leaves (*lead, T1, T2), for
        blocks ``rows``/``cols`` of ``p1``/``p2`` (leading axes T1/T2). It should be a
        ``jax.jit`` function (one compile per tile shape); it is also called under a trace.
        Zero-padded samples fill the last tiles, so it must accept all-zero samples.
      p1: per-sample data of the rows, a pytree with leaves (n1, ...).
      p2: per-sample data of the columns, or None for the symmetric Gram of p1 (only the
        tiles on and above the diagonal are computed; ``tile_fn(a, b)`` must equal the
        transpose of ``tile_fn(b, a)``).
      tile_size: largest tile edge.
      lead_shapes: pytree of ``jax.ShapeDtypeStruct`` of one pair's output (no pair axes).
      args: leading arguments passed to every ``tile_fn`` call.
      workers: threads for eager tiles (default ``default_workers()``; with ``devices``,
        one per device on CPU and two per device on accelerators).
      devices: None (jax's default device), or the devices of ``resolve_devices``: the
        k-th pending tile runs on ``devices[k % len(devices)]``, with every input (``p1``,
        ``p2`` and the array leaves of ``args``) committed to it once. Eager only.
      sink: None (a ``HostBuffer``: the Gram in memory), or ``sink(plan, lead_shapes)``
        returning an object with ``pending(tiles) -> indices to compute``,
        ``put(i, j, tile)`` and ``result()`` (e.g. a ``GramStore`` bound to a call; then
        no in-memory Gram is allocated). Eager only.
    Returns:
      The pytree of ``lead_shapes`` with leaves (*lead, n1, n2), or the sink's result.
    """
    symmetric = p2 is None
    p2 = p1 if symmetric else p2
    n1, n2 = _n(p1), _n(p2)
    if n1 == 0 or n2 == 0:
        return jax.tree.map(lambda s: jnp.zeros(s.shape + (n1, n2), s.dtype), lead_shapes)
    plan = TilePlan.make(n1, n2, tile_size, symmetric)
    nb1, nb2 = plan.blocks
    p1 = _pad(p1, nb1 * plan.T1)
    p2 = p1 if symmetric else _pad(p2, nb2 * plan.T2)
    ij = plan.tiles

    def block(p, nb, k, T):  # a side of one tile is the whole (padded) side: no slice
        return p if nb == 1 else _slice(p, k * T, T)

    def one(i, j):
        return tile_fn(*args, block(p1, nb1, i, plan.T1), block(p2, nb2, j, plan.T2))

    if is_traced(*jax.tree.leaves((p1, p2, args))):
        if devices is not None or sink is not None:
            raise ValueError(
                "devices= and out= work on eager calls only; under jax.jit place the inputs "
                "with jax.device_put / a sharding instead, and return the Gram."
            )
        return _traced(plan, one, ij, lead_shapes)
    out = HostBuffer(plan, lead_shapes) if sink is None else sink(plan, lead_shapes)
    todo = out.pending(ij)
    if devices is None:

        def work(t):
            i, j = ij[todo[t]]
            out.put(i, j, one(i, j))

    else:
        placed = [_commit((args, p1, None if symmetric else p2), d) for d in devices]

        def work(t):
            i, j = ij[todo[t]]
            a, q1, q2 = placed[t % len(placed)]
            q2 = q1 if q2 is None else q2
            out.put(i, j, tile_fn(*a, block(q1, nb1, i, plan.T1), block(q2, nb2, j, plan.T2)))

        if workers is None:
            workers = len(devices) * (1 if devices[0].platform == "cpu" else 2)
    workers = min(default_workers() if workers is None else workers, max(1, len(todo)))
    if workers == 1:
        for t in range(len(todo)):
            work(t)
    else:
        _run_threads(work, len(todo), workers)
    return out.result()


def _commit(tree: Any, device: jax.Device) -> Any:
    """The array leaves of ``tree`` committed to ``device`` (other leaves, e.g. static
    flags, unchanged)."""

    def put(a):
        return jax.device_put(a, device) if isinstance(a, (jax.Array, np.ndarray)) else a

    return jax.tree.map(put, tree)


def _run_threads(work: Callable[[int], None], count: int, workers: int) -> None:
    """``work(k)`` for k < count on a thread pool; on any exception (Ctrl-C included)
    the queued tiles are cancelled and the running ones joined before it propagates, so
    no thread is left inside XLA when the interpreter exits."""
    pool = ThreadPoolExecutor(workers)
    futures = [pool.submit(work, k) for k in range(count)]
    try:
        for f in futures:
            f.result()
    except BaseException:
        for f in futures:
            f.cancel()
        while True:  # a second Ctrl-C must not abandon threads that are still running
            try:
                pool.shutdown(wait=True, cancel_futures=True)
                break
            except KeyboardInterrupt:
                continue
        raise
    pool.shutdown(wait=True)


def _traced(plan: TilePlan, one, ij, lead_shapes):
    """All tiles by ``lax.map``, assembled into the full Gram (inside a trace)."""
    nb1, nb2 = plan.blocks
    I = jnp.asarray([a for a, _ in ij])
    J = jnp.asarray([b for _, b in ij])
    tiles = lax.map(lambda k: one(k[0], k[1]), (I, J))

    def assemble(t, s):
        lead = s.shape
        nl = len(lead)
        t = jnp.moveaxis(t, 0, nl)  # (*lead, ntiles, T1, T2)
        full = jnp.zeros(lead + (nb1, nb2, plan.T1, plan.T2), t.dtype)
        full = full.at[..., I, J, :, :].set(t)
        if plan.symmetric:
            full = full.at[..., J, I, :, :].set(jnp.swapaxes(t, -1, -2))
        full = jnp.moveaxis(full, nl + 1, nl + 2).reshape(lead + (nb1 * plan.T1, nb2 * plan.T2))
        return full[..., : plan.n1, : plan.n2]

    return jax.tree.map(assemble, tiles, lead_shapes)
