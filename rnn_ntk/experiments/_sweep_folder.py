"""A width sweep kept in a folder, resumable cell by cell (SPEC §5).

``convergence_to_folder`` runs ``rnn_ntk.finite.convergence`` and writes into ``out``:

    sweep.json                what was swept (data, config, dtype): a re-run must match it
    cells/m{m}_s{seed}.json   one file per finished (width, seed) cell, written atomically
    table.json, table.csv     the per-width table, slopes and smallest widths
    convergence.png           log-log errors against m with an m^-1/2 reference line

An interrupted sweep run again with the same ``out`` reuses every finished cell (a cell
file is complete or absent: temporary file + ``os.replace``) and computes only the rest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
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
from rnn_ntk.experiments._io import TMP_SUFFIX, save_figure, write_csv, write_json
from rnn_ntk.experiments._plots import plot_convergence

__all__ = ["SweepRun", "convergence_to_folder", "sweep_manifest"]


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
        "params": "rnn_ntk.init_params(jax.random.key(seed), cfg, m=m, d=d, L=L)",
    }


def _cell_path(out: Path, m: int, seed: int) -> Path:
    return out / "cells" / f"m{m}_s{seed}.json"


def _claim(out: Path, manifest: dict) -> None:
    """Writes the manifest into a new folder, or checks an existing folder's."""
    path = out / "sweep.json"
    if not path.exists():
        write_json(path, manifest)
        return
    if json.loads(path.read_text()) != manifest:
        raise ValueError(
            f"{out} holds a different sweep ({path} differs: other data, config or dtype); "
            f"use another output folder or delete that one."
        )


def _load_cells(out: Path, widths: Iterable[int], seeds: Iterable[int]) -> dict:
    for stale in (out / "cells").glob("*" + TMP_SUFFIX):  # a write cut short
        stale.unlink(missing_ok=True)
    cells = {}
    for m in widths:
        for s in seeds:
            path = _cell_path(out, m, s)
            if not path.exists():
                continue
            try:
                cell = finite.Cell.from_dict(json.loads(path.read_text()))
            except (ValueError, KeyError, TypeError) as e:
                warnings.warn(f"recomputing unreadable {path}: {e}", stacklevel=3)
                continue
            if (cell.m, cell.seed) == (m, s):
                cells[(m, s)] = cell
    return cells


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

    Args:
      x: sequences, shape (n, L, d).
      out: the folder (created; see the module docstring for its files).
      cfg: the network.
      widths: strictly increasing widths.
      seeds: a count S (seeds 0..S-1) or the parameter seeds.
      tolerances: report the smallest width whose mean relative error is below each.
      dtype: compute dtype (None: jax's default float).
      data: where x comes from, for the manifest (default {"source": "array"}).
      progress: called as ``progress(done, total)`` with the cells found in the folder
        before the sweep starts, then after each newly computed cell's file is saved.
      plot_title: title of convergence.png; None draws no plot.
    Returns:
      A ``SweepRun``.
    Raises:
      ValueError: ``out`` holds cells of another sweep (other data, config or dtype),
        or an argument of the sweep is wrong.
    """
    out = Path(out)
    widths = finite.check_widths(widths)
    seeds = check_seeds("seeds", seeds)
    manifest = sweep_manifest(x, cfg=cfg, data=data or {"source": "array"}, dtype=dtype)
    _claim(out, manifest)
    cells = _load_cells(out, widths, seeds)
    computed: list[tuple[int, int]] = []
    total = len(widths) * len(seeds)

    def tick() -> None:
        if progress is not None:
            progress(len(cells) + len(computed), total)

    def save(cell: finite.Cell) -> None:
        write_json(_cell_path(out, cell.m, cell.seed), cell.to_dict(), indent=None)
        computed.append((cell.m, cell.seed))
        tick()

    tick()

    table = finite.convergence(x, cfg=cfg, widths=widths, seeds=seeds,
                               tolerances=tuple(tolerances), dtype=dtype, cells=cells,
                               on_cell=save)
    summary = {
        **manifest,
        "widths": list(widths),
        "seeds": list(seeds),
        "reused_cells": len(cells),
        "computed_cells": [list(c) for c in computed],
        **table.to_dict(),
    }
    written = [write_json(out / "table.json", summary), write_csv(out / "table.csv", table.rows())]
    if plot_title is not None:
        written.append(save_figure(plot_convergence(table, plot_title), out / "convergence.png"))
    return SweepRun(table, summary, sorted(cells), computed, written)
