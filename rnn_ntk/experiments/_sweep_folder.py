"""A width sweep kept in a folder, resumable cell by cell (SPEC §5).

``convergence_to_folder`` runs ``rnn_ntk.finite.convergence`` and writes into ``out``:

    sweep.json                what was swept (data, config, dtype): a re-run must match it
    cells/m{m}_s{seed}.json   one file per finished (width, seed) cell, written atomically,
                              with its fingerprint and checksum (``_cell_files``)
    table.json, table.csv     the per-width table, slopes and smallest widths
    convergence.png           log-log errors against m with an m^-1/2 reference line

An interrupted sweep run again with the same ``out`` reuses every finished cell (a cell
file is complete or absent: temporary file + ``os.replace``) and computes only the rest.
It is done in two steps, so that a caller can check everything before any work:
``open_sweep_folder`` claims the folder and reads the cells it holds (a folder or cell
of another sweep is refused, a damaged cell is recomputed with a warning), and
``SweepFolder.run`` computes the rest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np
from jax.typing import DTypeLike

from rnn_ntk import finite
from rnn_ntk._config import RNNConfig
from rnn_ntk._validate import check_dtype, check_seeds
from rnn_ntk.experiments._cell_files import (
    cell_fingerprint,
    digest,
    read_cell,
    read_json,
    write_cell,
)
from rnn_ntk.experiments._io import TMP_SUFFIX, save_figure, write_csv, write_json
from rnn_ntk.experiments._plots import plot_convergence

__all__ = ["SweepFolder", "SweepRun", "convergence_to_folder", "open_sweep_folder",
           "sweep_manifest"]


class SweepRun(NamedTuple):
    """What ``convergence_to_folder`` did.

    Attributes:
      table: the sweep's ``ConvergenceTable``.
      summary: the content of table.json (manifest, cell counts, the table).
      reused: (m, seed) of the cells read from the folder.
      computed: (m, seed) of the cells computed by this run, in order.
      written: the result files written (table.json, table.csv, convergence.png).
    """

    table: finite.ConvergenceTable
    summary: dict
    reused: list[tuple[int, int]]
    computed: list[tuple[int, int]]
    written: list[Path]


#: How a cell's network is drawn; part of every cell's fingerprint, so a change to the draw
#: of ``init_params`` (here: W from the counter-based generator of ``finite._matfree``)
#: must change it, and a folder of cells drawn otherwise is then refused, not mixed in.
PARAMS_RULE = ("rnn_ntk.init_params(jax.random.key(seed), cfg, m=m, d=d, L=L); W from the "
               "counter-based generator (fold_in(key, 2))")


def sweep_manifest(x: np.ndarray, *, cfg: RNNConfig, data: Mapping, dtype: DTypeLike) -> dict:
    """The record of what a sweep computes: a folder holds cells of one manifest only.

    Args:
      x: the swept sequences, shape (n, L, d) (their SHA-256 is recorded).
      cfg: the network.
      data: where x comes from (e.g. {"source": "rnn_ntk.toy_sequences", "n": 16, ...}).
      dtype: the compute dtype.
    Returns:
      A JSON-ready dict.
    """
    digest = hashlib.sha256(np.ascontiguousarray(x, np.float64).tobytes()).hexdigest()
    return {
        "data": {**data, "sha256": digest},
        "config": dataclasses.asdict(cfg),
        "dtype": check_dtype(dtype).name,
        "params": PARAMS_RULE,
    }


#: The files ``SweepFolder.run`` writes when the sweep is done.
RESULT_FILES = ("table.json", "table.csv", "convergence.png")


def _cell_path(out: Path, m: int, seed: int) -> Path:
    return out / "cells" / f"m{m}_s{seed}.json"


def _check_manifest(out: Path, manifest: dict) -> bool:
    """Checks the folder's sweep.json against ``manifest``; True if it is to be written.

    A sweep.json that is not valid JSON (truncated, edited) is rewritten with a warning:
    it only describes the folder, and every cell is checked by its own fingerprint.
    """
    if out.exists() and not out.is_dir():
        raise ValueError(f"the output folder {out} is a file; give a folder path.")
    cells = out / "cells"
    if cells.exists() and not cells.is_dir():
        raise ValueError(f"{cells} is a file, not the folder of cells; remove it, or use "
                         f"another output folder.")
    for name in RESULT_FILES:
        if (out / name).is_dir():
            raise ValueError(f"{out / name} is a folder, where the result file {name} goes; "
                             f"remove it, or use another output folder.")
    path = out / "sweep.json"
    present, held, broken = read_json(path, "sweep manifest")
    if broken:
        warnings.warn(f"rewriting damaged {path} ({broken}); each cell is checked by its "
                      f"own fingerprint", stacklevel=4)
    if not present or broken:
        return True
    if held != manifest:
        raise ValueError(
            f"{out} holds a different sweep ({path} differs: other data, config or dtype); "
            f"use another output folder or delete that one."
        )
    return False


@dataclasses.dataclass(frozen=True, eq=False)
class SweepFolder:
    """A folder claimed for one width sweep, with the finished cells it already holds.

    Made by ``open_sweep_folder`` (which checks everything before any work); ``run``
    computes the missing cells, saving each as it finishes.

    Attributes:
      out: the folder.
      x: the swept sequences, shape (n, L, d).
      cfg: the network.
      widths: the widths, strictly increasing.
      seeds: the parameter seeds.
      dtype: the compute dtype's name.
      manifest: the content of sweep.json (``sweep_manifest``).
      cells: the intact cells of this sweep found in the folder, keyed by (m, seed).
    """

    out: Path
    x: np.ndarray
    cfg: RNNConfig
    widths: tuple[int, ...]
    seeds: tuple[int, ...]
    dtype: str
    manifest: dict
    cells: dict[tuple[int, int], finite.Cell]

    def fingerprint(self, m: int, seed: int) -> str:
        """The fingerprint every file of the cell (m, seed) must carry."""
        return cell_fingerprint(self.manifest, m, seed)

    def run(
        self,
        *,
        tolerances: Iterable[float] = (0.2, 0.1, 0.05),
        progress: Callable[[int, int], None] | None = None,
        plot_title: str | None = None,
        seed_batch: int | None = None,
    ) -> SweepRun:
        """Computes the cells not in the folder, then writes the table and plot.

        Args:
          tolerances: report the smallest width whose mean relative error is below each.
          progress: called as ``progress(done, total)`` with the cells found in the
            folder before the sweep starts, then after each new cell's file is saved.
          plot_title: title of convergence.png; None draws no plot.
          seed_batch: seeds per vmapped program (``rnn_ntk.convergence``; None: sized
            to about 1 GiB).
        Returns:
          A ``SweepRun``.
        """
        out, cells = self.out, dict(self.cells)
        computed: list[tuple[int, int]] = []
        total = len(self.widths) * len(self.seeds)

        def tick() -> None:
            if progress is not None:
                progress(len(cells) + len(computed), total)

        def save(cell: finite.Cell) -> None:
            write_cell(_cell_path(out, cell.m, cell.seed), cell,
                       self.fingerprint(cell.m, cell.seed))
            computed.append((cell.m, cell.seed))
            tick()

        tick()
        table = finite.convergence(self.x, cfg=self.cfg, widths=self.widths, seeds=self.seeds,
                                   tolerances=tuple(tolerances), dtype=self.dtype,
                                   cells=cells, on_cell=save, seed_batch=seed_batch)
        summary = {
            **self.manifest,
            "sweep_fingerprint": digest(self.manifest),
            "widths": list(self.widths),
            "seeds": list(self.seeds),
            "reused_cells": len(cells),
            "computed_cells": [list(c) for c in computed],
            **table.to_dict(),
        }
        written = [write_json(out / "table.json", summary),
                   write_csv(out / "table.csv", table.rows())]
        if plot_title is not None:
            written.append(save_figure(plot_convergence(table, plot_title),
                                       out / "convergence.png"))
        return SweepRun(table, summary, sorted(cells), computed, written)


def open_sweep_folder(
    x: np.ndarray,
    out: str | os.PathLike,
    *,
    widths: Iterable[int],
    seeds: int | Iterable[int],
    cfg: RNNConfig = RNNConfig(),
    dtype: DTypeLike | None = None,
    data: Mapping | None = None,
) -> SweepFolder:
    """Claims ``out`` for a sweep and reads the finished cells it holds; no computation.

    sweep.json is checked against this sweep; stale temporary files are removed; each
    cell file of the (widths x seeds) grid is read (``_cell_files.read_cell``); then, if
    nothing was refused, sweep.json is written where it was missing or damaged.

    Args:
      x: sequences, shape (n, L, d).
      out: the folder (created; see the module docstring for its files).
      widths: strictly increasing widths.
      seeds: a count S (seeds 0..S-1) or the parameter seeds.
      cfg: the network.
      dtype: compute dtype (None: jax's default float).
      data: where x comes from, for the manifest (default {"source": "array"}).
    Returns:
      The ``SweepFolder``.
    Raises:
      ValueError: ``out`` holds another sweep (its sweep.json or a cell's fingerprint
        differs: other data, config or dtype), a path of the folder is not what it
        should be (a folder where a file belongs) or cannot be read, or an argument of
        the sweep is wrong.
    """
    out = Path(out)
    widths = finite.check_widths(widths)
    seeds = check_seeds("seeds", seeds)
    if not isinstance(cfg, RNNConfig):
        raise TypeError(f"cfg must be an RNNConfig, got {type(cfg).__name__}.")
    manifest = sweep_manifest(x, cfg=cfg, data=data or {"source": "array"}, dtype=dtype)
    claim = _check_manifest(out, manifest)
    for stale in (out / "cells").glob("*" + TMP_SUFFIX):  # a write cut short
        stale.unlink(missing_ok=True)
    cells = {}
    for m in widths:
        for s in seeds:
            cell = read_cell(_cell_path(out, m, s), cell_fingerprint(manifest, m, s), m, s)
            if cell is not None:
                cells[(m, s)] = cell
    if claim:  # only once nothing in the folder contradicts this sweep
        write_json(out / "sweep.json", manifest)
    return SweepFolder(out, np.asarray(x), cfg, widths, seeds, manifest["dtype"], manifest,
                       cells)


def convergence_to_folder(
    x: np.ndarray,
    out: str | os.PathLike,
    *,
    cfg: RNNConfig = RNNConfig(),
    widths: Iterable[int],
    seeds: int | Iterable[int],
    tolerances: Iterable[float] = (0.2, 0.1, 0.05),
    dtype: DTypeLike | None = None,
    data: Mapping | None = None,
    progress: Callable[[int, int], None] | None = None,
    plot_title: str | None = None,
) -> SweepRun:
    """``rnn_ntk.finite.convergence`` with every cell saved as it finishes (resumable).

    ``open_sweep_folder(x, out, ...)`` followed by its ``run(...)``.

    Args:
      x, out, cfg, widths, seeds, dtype, data: as for ``open_sweep_folder``.
      tolerances, progress, plot_title: as for ``SweepFolder.run``.
    Returns:
      A ``SweepRun``.
    Raises:
      ValueError: as ``open_sweep_folder``.
    """
    folder = open_sweep_folder(x, out, cfg=cfg, widths=widths, seeds=seeds, dtype=dtype,
                               data=data)
    return folder.run(tolerances=tolerances, progress=progress, plot_title=plot_title)
