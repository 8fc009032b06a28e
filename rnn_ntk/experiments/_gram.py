"""A Gram written to disk tile by tile, with a progress bar, resumable (SPEC §8).

``write_gram`` is ``rnn_ntk.ntk`` / ``rnn_ntk.nngp`` with ``out=rnn_ntk.GramStore(store)``
and a tqdm bar (tiles done, rate and ETA) on stderr. Run it again with the same
arguments after an interruption: the tiles already in the store are skipped.

Many hosts (``jax.distributed``): start one process per host (or per GPU) with the same
script and a shared ``store`` folder, e.g. two processes on one machine::

    python my_gram.py 0 & python my_gram.py 1   # my_gram.py: see write_gram's docstring

Each process computes tile k of the plan when ``k % jax.process_count() ==
jax.process_index()`` and returns when its share is written; the Gram is complete when
every process has returned. No collective is used, so the CPU backend needs no
collectives implementation.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

from jax.typing import DTypeLike

import rnn_ntk
from rnn_ntk._config import RNNConfig

__all__ = ["write_gram"]


def write_gram(
    store: str | os.PathLike,
    x1,
    x2=None,
    *,
    kernel: str = "ntk",
    cfg: RNNConfig = RNNConfig(),
    blocks: Sequence[str] = ("W",),
    parameterization: str = "standard",
    tile_size: int | None = None,
    devices=None,
    dtype: DTypeLike | None = None,
    progress: bool | Callable[[int, int], None] = True,
    resume: bool = True,
):
    """Computes a kernel Gram into a zarr store on disk, one chunk per tile.

    The kernel is ``rnn_ntk.ntk`` (SPEC §2, paper eqs. 23-28) or ``rnn_ntk.nngp``
    (K^L, eq. 25) of (x1, x2); only the store holds it (memory is the inputs plus a few
    tiles). A finished tile is marked in ``<store>/tiles_done`` after its data is written,
    so an interrupted run resumes at the first missing tile and never recomputes a
    finished one. The store records the computation (config, blocks, parameterisation,
    sha256 of the inputs, dtype, shape, tile size) and resuming a different one raises
    ValueError.

    Launch on two hosts (or two local processes; ``PORT`` free on host 0)::

        import sys, jax, numpy as np, rnn_ntk.experiments as ex
        jax.distributed.initialize("HOST0:PORT", num_processes=2, process_id=int(sys.argv[1]))
        ex.write_gram("/shared/gram.zarr", np.load("x.npy"))

    Args:
      store: folder of the zarr store (created if missing; shared between processes).
      x1: sequences (n1, L, d), or ``rnn_ntk.Sequences``.
      x2: the columns' sequences, or None for the symmetric Gram of x1.
      kernel: "ntk" or "nngp".
      cfg: the network (SPEC §1, §7); bidirectional configs are not supported.
      blocks: trained blocks of the NTK (``rnn_ntk.ntk``); only ("W",) for "nngp".
      parameterization: "standard" or "ntk" (``rnn_ntk.ntk``).
      tile_size: tile (and chunk) edge; None: 256 on CPU, 2048 on accelerators.
      devices: None, a count, a list of ``jax.Device`` or a ``jax.sharding.Mesh``.
      dtype: compute (and storage) dtype; default as for ``rnn_ntk.ntk``.
      progress: True for a tqdm bar on stderr (tiles, rate, ETA), False for none, or a
        callable ``progress(done, total)``.
      resume: True to continue a matching store; False to overwrite the store.
    Returns:
      The ``zarr.Array`` of shape (n1, n2), read with ``zarr.open(store)[...]``.
    """
    if kernel not in ("ntk", "nngp"):
        raise ValueError(f"kernel must be 'ntk' or 'nngp', got {kernel!r}.")
    if kernel == "nngp" and (tuple(blocks) != ("W",) or parameterization != "standard"):
        raise ValueError(
            "blocks and parameterization are options of kernel='ntk'; the NNGP kernel "
            "K^L has none (leave them at their defaults)."
        )
    bar = None
    if progress is True:
        bar = _Bar(f"{kernel} Gram tiles")
        callback = bar
    elif progress is False or progress is None:
        callback = None
    elif callable(progress):
        callback = progress
    else:
        raise TypeError(
            f"progress must be True, False or a callable progress(done, total), got "
            f"{type(progress).__name__}."
        )
    out = rnn_ntk.GramStore(store, resume=resume, progress=callback)
    try:
        if kernel == "ntk":
            return rnn_ntk.ntk(
                x1, x2, cfg=cfg, blocks=blocks, parameterization=parameterization,
                tile_size=tile_size, dtype=dtype, devices=devices, out=out,
            )
        return rnn_ntk.nngp(x1, x2, cfg=cfg, tile_size=tile_size, dtype=dtype,
                            devices=devices, out=out)
    finally:
        if bar is not None:
            bar.close()


class _Bar:
    """A tqdm bar driven by ``progress(done, total)`` calls (made on the first call)."""

    def __init__(self, desc: str):
        self.desc, self.bar = desc, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=done, desc=self.desc, unit="tile",
                            file=sys.stderr, dynamic_ncols=True)
        else:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
