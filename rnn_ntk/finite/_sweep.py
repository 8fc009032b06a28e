r"""Width sweeps: how fast the empirical kernels approach the analytic ones (SPEC §5).

For fixed inputs x and each (width m, seed) cell, a network is drawn with
``init_params(jax.random.key(seed), ...)`` and compared with the m -> inf limits of
``rnn_ntk.infinite.kernels``:

    theta_err = ||Theta_W,m - H^inf||_F / ||H^inf||_F          (Theorem 3's H^inf)
    K_err[l]  = ||<h_l, h'_l>_m - K^l||_F / ||K^l||_F           l = 0..L   (Theorem 5)
    F_err[l]  = ||<delta_l, delta'_l>_m - F^l||_F / ||F^l||_F   l = 1..L   (Theorem 6)
    cross     = ||sum_{l != l'} <delta_l, delta'_l'> <h_{l-1}, h'_{l'-1}>||_F / ||H^inf||_F

For the architectures of SPEC §7 (``not cfg.is_paper_architecture``: depth > 1, another
activation, readout "mean", bidirectional) the sweep measures the W block only: Theta_W
summed over layers and directions against ``rnn_ntk.ntk(x, cfg=cfg, blocks=("W",))``, in
the standard parameterisation for ReLU and the NTK parameterisation otherwise (the
O(1)-pre-activation network, SPEC §7); the per-step K_err, F_err are then empty and
K_err_all, F_err_all, cross NaN (not measured).

Per width the table holds mean and spread over seeds, the error of the seed-averaged
kernel (its bias is O(1/m), so it falls faster than the single-seed error, which is
O(m^-1/2) fluctuation), the least-squares log-log slope of the mean error against m
(about -1/2), and the smallest m whose mean error is below each tolerance.

The seeds of a width run vmapped, ``seed_batch`` at a time. Above ``MATRIX_FREE_WIDTH``
(or with ``matrix_free=True``) the networks are matrix-free (``init_params(...,
matrix_free=True)``): W is regenerated tile by tile instead of stored. The library returns arrays
and small records only: ``cells`` (already computed cells, e.g. read back from disk) and
``on_cell`` (called after each new cell) let a caller such as the ``rnn-ntk converge``
command persist, resume and report progress.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import DTypeLike

from rnn_ntk._config import RNNConfig
from rnn_ntk._sequences import as_sequences, right_align
from rnn_ntk._validate import (
    check_bool,
    check_dtype,
    check_finite_result,
    check_int,
    check_real,
    check_seeds,
)
from rnn_ntk.finite._deep import split_directions
from rnn_ntk.finite._features import diagnostics_tile, features, ntk_tile, tile_weights
from rnn_ntk.finite._keys import network_weights, o1_network
from rnn_ntk.finite._matfree import default_tile
from rnn_ntk.finite._network import Seqs, direction_inputs
from rnn_ntk.finite._params import check_cfg, init_params
from rnn_ntk.finite._table import Cell, ConvergenceTable, norm_ratio, relative_error
from rnn_ntk.infinite import kernels, ntk

__all__ = ["check_widths", "convergence", "convergence_cell", "sweep_parameterization"]

#: Bytes of parameters and temporaries per vmapped batch of seeds (``seed_batch=None``).
SEED_BATCH_BYTES = 1 << 30
#: ``convergence(matrix_free=None)`` regenerates W (matrix-free) for widths above this.
MATRIX_FREE_WIDTH = 8192


def check_widths(widths: object) -> tuple[int, ...]:
    """Validates widths: ints >= 1, strictly increasing, at least one (an int is one)."""
    if np.ndim(widths) == 0 and not isinstance(widths, (str, bytes)):
        widths = (widths,)  # one width: an int, numpy or jax integer (else refused below)
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Iterable):
        raise TypeError(f"widths must be a sequence of ints, got {widths!r}.")
    ws = tuple(check_int(f"widths[{i}] (a width m)", w, low=1) for i, w in enumerate(widths))
    if not ws:
        raise ValueError("widths must contain at least one width.")
    if any(b <= a for a, b in zip(ws, ws[1:], strict=False)):
        raise ValueError(
            f"widths must be strictly increasing (each width once), got {ws}; e.g. "
            f"{tuple(sorted(set(ws)))}."
        )
    return ws


def _check_tolerances(tolerances: object) -> tuple[float, ...]:
    if isinstance(tolerances, (str, bytes)) or not isinstance(tolerances, Iterable):
        raise TypeError(f"tolerances must be a sequence of numbers, got {tolerances!r}.")
    return tuple(
        check_real(f"tolerances[{i}]", t, low=0.0, open_low=True) for i, t in enumerate(tolerances)
    )


@functools.partial(jax.jit, static_argnums=(3, 4, 5, 6))
def _batch(keys, x, act, cfg: RNNConfig, m: int, dtype_name: str, matrix_free: bool = False):
    """Empirical K, F, Theta_W and cross part for a batch of seeds (vmapped)."""
    n, L, d = x.shape

    dt = jnp.dtype(dtype_name)
    paper = cfg.is_paper_architecture
    if not paper:
        par = sweep_parameterization(cfg)
        w, has_S = tile_weights(cfg, network_weights(cfg, L, m, ("W",), par), dt)

    def one(key):
        p = init_params(key, cfg, m=m, d=d, L=L, dtype=dt, matrix_free=matrix_free)
        dirs = split_directions(p, cfg)
        f = tuple(
            features(q, xd, cfg, False, act)
            for q, xd in zip(dirs, direction_inputs(x, cfg, act), strict=True)
        )
        return diagnostics_tile(f, f) if paper else ntk_tile(w, False, has_S, f, f)

    return jax.vmap(one)(keys)


def sweep_parameterization(cfg: RNNConfig) -> str:
    """The parameterisation a sweep measures Theta_W in: "standard" for ReLU, else "ntk"."""
    return "ntk" if o1_network(cfg) else "standard"


def _seed_batch(
    seed_batch: object, m: int, n: int, L: int, itemsize: int, count: int, layers: int = 1,
    matrix_free: bool = False,
) -> int:
    if seed_batch is not None:
        return min(count, check_int("seed_batch", seed_batch, low=1))
    # a stored W and its temporaries ~4 m^2 values; a matrix-free one ~2 regenerated tiles
    w = 2 * default_tile(m, itemsize) * m if matrix_free else 4 * m * m
    per_seed = itemsize * layers * (w + 6 * n * (L + 1) * m + 2 * (n * L) ** 2)
    return int(max(1, min(count, SEED_BATCH_BYTES // max(per_seed, 1))))


def _cells_for_width(
    x, act, cfg, m, seeds, dtype, reference, seed_batch, matrix_free=False
) -> Iterable[Cell]:
    n, L, _ = x.shape
    layers = cfg.depth * (2 if cfg.bidirectional else 1)
    size = _seed_batch(seed_batch, m, n, L, dtype.itemsize, len(seeds), layers, matrix_free)
    for start in range(0, len(seeds), max(size, 1)):
        batch = seeds[start : start + size]
        t0 = time.perf_counter()
        keys = jnp.stack([jax.random.key(s) for s in batch])
        ek = jax.device_get(_batch(keys, x, act, cfg, m, dtype.name, matrix_free))
        check_finite_result(f"the empirical kernel at width m = {m}", ek)
        seconds = (time.perf_counter() - t0) / len(batch)
        for i, s in enumerate(batch):
            one = jax.tree.map(lambda a, i=i: np.asarray(a[i]), ek)
            if cfg.is_paper_architecture:
                yield _cell_from(m, s, one, reference, seconds)
            else:
                yield _theta_cell(m, s, one, reference[2], seconds)


def _theta_cell(m, seed, theta, H_ref, seconds) -> Cell:
    """A cell measuring Theta_W only (architectures of SPEC §7; the rest not measured)."""
    H = np.asarray(theta, np.float64)
    empty = np.zeros(0)
    return Cell(m=int(m), seed=int(seed), theta=H, theta_err=float(relative_error(H, H_ref)),
                K_err=empty, F_err=empty, K_err_all=math.nan, F_err_all=math.nan,
                cross=math.nan, seconds=float(seconds))  # fmt: skip


def _cell_from(m, seed, ek, reference, seconds) -> Cell:
    K_ref, F_ref, H_ref = reference
    K = np.asarray(ek.K, np.float64)
    F = np.asarray(ek.F, np.float64)
    H = np.asarray(ek.H, np.float64)
    return Cell(
        m=int(m),
        seed=int(seed),
        theta=H,
        theta_err=float(relative_error(H, H_ref)),
        K_err=relative_error(K, K_ref, axis=(1, 2)),
        F_err=relative_error(F, F_ref, axis=(1, 2)),
        K_err_all=float(relative_error(K, K_ref)),
        F_err_all=float(relative_error(F, F_ref)),
        cross=float(norm_ratio(np.linalg.norm(np.asarray(ek.H_cross, np.float64)),
                               np.linalg.norm(H_ref))),
        seconds=float(seconds),
    )


def _check_cells(cells: Mapping | None, H_ref: np.ndarray) -> dict[tuple[int, int], Cell]:
    """The given cells, each checked against this sweep's H^inf.

    A cell's theta_err must be the error of its own Theta against H_ref: a cell measured
    on other inputs or another configuration (h0, variances), or edited, is refused.
    """
    have = dict(cells or {})
    n = H_ref.shape[0]
    for key, c in have.items():
        if not isinstance(c, Cell) or (c.m, c.seed) != tuple(key):
            raise ValueError(f"cells[{key!r}] must be the Cell of (m, seed) = {key}.")
        if c.theta.shape != (n, n):
            raise ValueError(
                f"cells[{key!r}] has Theta of shape {c.theta.shape}, but x has n = {n}; it "
                f"belongs to another sweep."
            )
        want = float(relative_error(np.asarray(c.theta, np.float64), H_ref))
        if not (np.all(np.isfinite(c.theta)) and math.isfinite(c.theta_err)) or not math.isclose(
            c.theta_err, want, rel_tol=1e-9, abs_tol=1e-12
        ):
            raise ValueError(
                f"cells[{key!r}] does not belong to this sweep: its theta_err "
                f"{c.theta_err!r} is not the error of its Theta against this x and cfg "
                f"({want:.6g}); it was measured on other inputs or another configuration, "
                f"or edited. Drop it (it is then recomputed)."
            )
    return have


def convergence(
    x: Seqs,
    *,
    cfg: RNNConfig = RNNConfig(),
    widths: Sequence[int] = (64, 128, 256, 512, 1024, 2048, 4096, 8192),
    seeds: int | Iterable[int] = (0, 1, 2, 3),
    tolerances: Sequence[float] = (0.2, 0.1, 0.05),
    dtype: DTypeLike | None = None,
    cells: Mapping[tuple[int, int], Cell] | None = None,
    on_cell: Callable[[Cell], None] | None = None,
    seed_batch: int | None = None,
    matrix_free: bool | None = None,
) -> ConvergenceTable:
    """Relative errors of the empirical kernels against the analytic ones, over widths.

    For every width m and seed s the network ``init_params(jax.random.key(s), cfg, m=m,
    ...)`` gives the empirical Theta_W, <h_l, h'_l> and <delta_l, delta'_l>
    (``rnn_ntk.empirical_kernels``), compared with H^inf, K^l and F^l of
    ``rnn_ntk.kernels`` (Theorems 3, 5, 6; SPEC §5). Errors fall like m^-1/2. Other
    architectures (SPEC §7) measure Theta_W alone against ``rnn_ntk.ntk(x, cfg=cfg)``'s
    W block (NTK parameterisation for activations other than ReLU; see the module doc).

    Args:
      x: sequences, shape (n, L, d), or ``Sequences(x, lengths)`` (SPEC §6; the per-step
        errors are then those of the arrays aligned at the last step).
      cfg: the network.
      widths: widths m >= 1, strictly increasing.
      seeds: a count S (the seeds 0..S-1) or distinct seeds >= 0.
      tolerances: for each, the table reports the smallest width whose mean relative
        error of Theta_W is at most it.
      dtype: compute dtype (default jax's default float: float64 under x64).
      cells: already computed cells keyed by (m, seed); they are reused, not recomputed.
        Each must be this sweep's: a cell whose theta_err is not the error of its Theta
        against this x and cfg's H^inf (other inputs, another configuration, edited
        values) is a ValueError.
      on_cell: called with each newly computed cell (e.g. to save it, or for progress).
      seed_batch: how many seeds one vmapped program runs (each holds an m x m W, or
        a regenerated tile of it when matrix-free); None sizes it to keep a batch within
        about 1 GiB.
      matrix_free: draw the networks with ``init_params(..., matrix_free=True)`` (W
        regenerated tile by tile, memory O(n L m) per seed; the same matrices, slower by
        the regeneration at every step); None chooses it per width, for m >
        ``MATRIX_FREE_WIDTH`` (8192: a stored float64 W of 8192^2 is 512 MiB per seed).
        The cells are the same either way (to rounding).
    Returns:
      A ``ConvergenceTable`` (its ``cells`` are in (m, seed) order).
    Raises:
      ValueError: x holds no sequences, or a given cell is not this sweep's.
      FloatingPointError: the empirical kernels overflow the compute dtype.
    """
    check_cfg(cfg)
    ws = check_widths(widths)
    ss = check_seeds("seeds", seeds)
    tols = _check_tolerances(tolerances)
    if seed_batch is not None:
        check_int("seed_batch", seed_batch, low=1)
    if matrix_free is not None:
        matrix_free = check_bool("matrix_free", matrix_free)
    dt = check_dtype(dtype)
    xs = as_sequences(x, "x", dt)
    if xs.x.shape[0] == 0:
        raise ValueError(
            "x holds no sequences (n = 0); a width sweep compares Grams of at least one "
            "sequence: pass x of shape (n, L, d) with n >= 1."
        )
    if cfg.is_paper_architecture:
        k = kernels(xs, cfg=cfg)
        reference = tuple(np.asarray(a, np.float64) for a in (k.K, k.F, k.H))
    else:
        H = ntk(xs, cfg=cfg, blocks=("W",), parameterization=sweep_parameterization(cfg))
        reference = (None, None, np.asarray(H, np.float64))
    xa, act = xs.x, None
    if xs.lengths is not None:
        xa, act = right_align(xs.x, xs.lengths, xs.x.shape[1])
    have = _check_cells(cells, reference[2])
    for m in ws:
        todo = [s for s in ss if (m, s) not in have]
        mf = m > MATRIX_FREE_WIDTH if matrix_free is None else matrix_free
        for cell in _cells_for_width(xa, act, cfg, m, todo, dt, reference, seed_batch, mf):
            have[(m, cell.seed)] = cell
            if on_cell is not None:
                on_cell(cell)
    grid = [[have[(m, s)] for s in ss] for m in ws]
    return ConvergenceTable.from_cells(grid, reference[2], tols)


def convergence_cell(
    x: Seqs,
    *,
    cfg: RNNConfig = RNNConfig(),
    m: int,
    seed: int,
    dtype: DTypeLike | None = None,
    matrix_free: bool | None = None,
) -> Cell:
    """One (width, seed) cell of ``convergence`` (SPEC §5).

    Args:
      x: sequences, shape (n, L, d), or ``Sequences(x, lengths)``.
      cfg: the network.
      m: width (>= 1).
      seed: seed (>= 0) of ``jax.random.key`` for the parameters.
      dtype: compute dtype (default jax's default float).
      matrix_free: as for ``convergence`` (None: matrix-free for m > 8192).
    Returns:
      The ``Cell``.
    """
    seed = check_int("seed", seed, low=0)
    return convergence(
        x, cfg=cfg, widths=(m,), seeds=(seed,), dtype=dtype, matrix_free=matrix_free
    ).cells[0]

