"""Grams on disk: a zarr array written tile by tile, resumable (SPEC §8).

``GramStore(path)`` is a sink of the one tiler (``rnn_ntk._tiling``): passed as
``ntk(..., out=GramStore(path))`` (or through ``rnn_ntk.experiments.write_gram``), every
finished tile is written into its own zarr chunk (chunks = the tile, with the output's
leading axes, e.g. the L steps of ``steps=True``), then a marker file
``<path>/tiles_done/<i>.<j>`` is created atomically. The markers are the record of
progress: a later call with the same computation skips every marked tile and computes
the rest, so an interrupted run resumes where it stopped and no finished tile is ever
recomputed. A symmetric Gram stores tile (i, j) and its mirror (j, i).

The array's attributes (``zarr.open(path).attrs["rnn_ntk"]``) record the computation:
kernel kind, config repr, blocks, parameterisation, the sha256 of the inputs, dtype,
shape, chunk (tile) shape, symmetry, and their fingerprint; resuming a store written for
anything else is refused. Chunks not yet written read as NaN.

Many hosts: under ``jax.distributed`` every process opens the same store (a shared
folder) and computes tile k of the plan only if ``k % jax.process_count() ==
jax.process_index()``; process 0 creates the array, the others wait for it. No
collectives are used: each process returns when its own share is written, and the Gram
is complete when every process has returned.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import numpy as np

__all__ = ["GramStore", "inputs_sha256"]

#: Folder of the finished-tile markers, inside the store.
DONE = "tiles_done"
#: Seconds a process other than 0 waits for process 0 to create the array.
WAIT_S = 600.0


def inputs_sha256(*arrays: object) -> str:
    """The sha256 of arrays (dtype, shape and bytes of each; None counts as a marker).

    Args:
      *arrays: numpy or jax arrays, or None.
    Returns:
      The hex digest.
    """
    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            h.update(b"none;")
            continue
        a = np.ascontiguousarray(np.asarray(a))
        h.update(f"{a.dtype.str}{a.shape};".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _is_store(path: Path) -> bool:
    """Whether ``path`` holds a zarr array written by GramStore (its attrs carry rnn_ntk)."""
    try:
        return "rnn_ntk" in json.loads((path / "zarr.json").read_text()).get("attributes", {})
    except (OSError, ValueError):
        return False


class GramStore:
    """A Gram on disk: a zarr array in the folder ``path``, one chunk per tile.

    Pass it as ``out=`` to ``rnn_ntk.ntk`` / ``rnn_ntk.nngp``: the call writes each tile as
    it finishes (no in-memory Gram is allocated), skips the tiles already finished in the
    store, and returns the ``zarr.Array``. Read it back with ``zarr.open(path)[...]``.

    Args:
      path: the store's folder (created if missing; an existing folder must be empty or a
        store of this class).
      resume: True to continue a store holding the same computation (refusing any other
        with a ValueError); False to overwrite whatever is there (one process only).
      progress: optional ``progress(done, total)``, called once before the first tile and
        after every finished tile, with the tiles of this process's share finished so far
        and their total (an exception raised there stops the run; finished tiles stay).
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        resume: bool = True,
        progress: Callable[[int, int], None] | None = None,
    ):
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a folder path (str or os.PathLike), got "
                            f"{type(path).__name__}.")
        if not isinstance(resume, bool):
            raise TypeError(f"resume must be a bool, got {type(resume).__name__}.")
        if progress is not None and not callable(progress):
            raise TypeError("progress must be None or a callable progress(done, total).")
        self.path = Path(path)
        self.resume = resume
        self.progress = progress

    def __repr__(self) -> str:
        return f"GramStore({str(self.path)!r}, resume={self.resume})"

    def bind(self, meta: dict, check: Callable[[Any], None] | None = None):
        """The tiler's sink factory for one computation.

        Args:
          meta: JSON-ready description of the computation (kernel, config, inputs' hash,
            ...); the plan's shape, chunks, dtype and symmetry are added to it.
          check: optional ``check(tile)`` run on every tile before it is written (e.g.
            raising OverflowError on non-finite values).
        Returns:
          ``sink(plan, lead_shapes)`` for ``rnn_ntk._tiling.tiled_gram``.
        """

        def sink(plan, lead_shapes):
            return _Sink(self, meta, check, plan, lead_shapes)

        return sink

    def open(self):
        """The stored ``zarr.Array`` (read/write)."""
        import zarr

        return zarr.open_array(str(self.path), mode="r+")

    def _create_or_check(self, meta: dict):
        import zarr

        exists = (self.path / "zarr.json").exists()
        if self.path.exists() and not self.path.is_dir():
            raise ValueError(f"out: {self.path} is a file; GramStore needs a folder path.")
        if self.path.is_dir() and any(self.path.iterdir()) and not _is_store(self.path):
            # never delete (resume=False) or write into a folder that is not ours
            raise ValueError(
                f"out: {self.path} is a folder that is not a GramStore; pass a new or empty "
                "folder."
            )
        many = jax.process_count() > 1
        if not self.resume and many:
            raise ValueError(
                "resume=False under jax.distributed would let processes delete each other's "
                "tiles; remove the store once before launching, and keep resume=True."
            )
        if exists and self.resume:
            return self._check(zarr.open_array(str(self.path), mode="r+"), meta)
        if many and jax.process_index() != 0:
            return self._wait(meta)
        if self.path.exists():
            shutil.rmtree(self.path)
        arr = zarr.create_array(
            store=str(self.path), shape=tuple(meta["shape"]), chunks=tuple(meta["chunks"]),
            dtype=meta["dtype"], fill_value=np.nan, compressors=None,
            attributes={"rnn_ntk": meta},
        )
        (self.path / DONE).mkdir()
        return arr

    def _wait(self, meta: dict):
        import zarr

        t0 = time.monotonic()
        while time.monotonic() - t0 < WAIT_S:
            if (self.path / DONE).is_dir():
                try:
                    return self._check(zarr.open_array(str(self.path), mode="r+"), meta)
                except (OSError, json.JSONDecodeError):  # still being written
                    pass
            time.sleep(0.05)
        raise TimeoutError(f"process 0 did not create the store {self.path} in {WAIT_S:g} s.")

    def _check(self, arr, meta: dict):
        old = dict(arr.attrs).get("rnn_ntk")
        if not isinstance(old, dict):
            raise ValueError(
                f"out: {self.path} holds a zarr array not written by rnn_ntk; pass a new "
                "folder (or resume=False to overwrite it)."
            )
        order = sorted(set(old) | set(meta), key=lambda k: (k != "kernel", k == "fingerprint", k))
        for key in order:
            if old.get(key) != meta.get(key):
                raise ValueError(
                    f"out: the store {self.path} was written for a different computation "
                    f"({key}: stored {_short(old.get(key))}, this call {_short(meta.get(key))})"
                    "; pass a new folder, or resume=False to overwrite it."
                )
        (self.path / DONE).mkdir(exist_ok=True)
        return arr


def _short(v: object) -> str:
    s = repr(v)
    return s if len(s) <= 80 else s[:77] + "..."


def _fingerprint(meta: dict) -> str:
    return hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()


class _Sink:
    """Writes tiles into the store's array, then their markers (see the module doc)."""

    def __init__(self, store: GramStore, meta: dict, check, plan, lead_shapes):
        leaves = jax.tree.leaves(lead_shapes)
        if len(leaves) != 1:
            raise ValueError(
                f"out= stores one array per call, this kernel returns {len(leaves)}; "
                "compute it in memory (out=None)."
            )
        s = leaves[0]
        full = dict(meta)
        full.update(
            shape=[*s.shape, plan.n1, plan.n2], chunks=[*s.shape, plan.T1, plan.T2],
            dtype=np.dtype(s.dtype).name, symmetric=plan.symmetric,
        )
        full["fingerprint"] = _fingerprint(full)
        self.store, self.plan, self.check = store, plan, check
        self.array = store._create_or_check(full)
        self.done_dir = store.path / DONE
        self.lock = threading.Lock()
        self.done = self.total = 0

    def _marker(self, i: int, j: int) -> Path:
        return self.done_dir / f"{i}.{j}"

    def pending(self, tiles: list[tuple[int, int]]) -> list[int]:
        """This process's tiles (k % process_count == process_index) without a marker."""
        me, count = jax.process_index(), jax.process_count()
        mine = [k for k in range(len(tiles)) if k % count == me]
        todo = [k for k in mine if not self._marker(*tiles[k]).exists()]
        self.done, self.total = len(mine) - len(todo), len(mine)
        if self.store.progress is not None:
            self.store.progress(self.done, self.total)
        return todo

    def put(self, i: int, j: int, tile: Any) -> None:
        """Writes tile (i, j) (and its mirror), then its marker, then reports progress."""
        t = np.asarray(jax.tree.leaves(tile)[0])
        if self.check is not None:
            self.check(t)
        p = self.plan
        r0, c0 = i * p.T1, j * p.T2
        r1, c1 = min(r0 + p.T1, p.n1), min(c0 + p.T2, p.n2)
        with self.lock:
            self.array[..., r0:r1, c0:c1] = t[..., : r1 - r0, : c1 - c0]
            if p.symmetric and r0 != c0:
                self.array[..., c0:c1, r0:r1] = np.swapaxes(t, -1, -2)[..., : c1 - c0, : r1 - r0]
        marker = self._marker(i, j)
        tmp = marker.with_name(f".{marker.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(f"{time.time()}\n")
        os.replace(tmp, marker)  # atomic: a marker exists only after its tile's data
        with self.lock:
            self.done += 1
            if self.store.progress is not None:
                self.store.progress(self.done, self.total)

    def result(self):
        return self.array
