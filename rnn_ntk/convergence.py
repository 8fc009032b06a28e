r"""Width sweeps: how fast the empirical kernels approach the analytic ones (SPEC §5).

For fixed inputs x and each (width m, seed) cell, a network is drawn with
``init_params(jax.random.key(seed), ...)`` and compared with the m -> inf limits of
``rnn_ntk.kernels``:

    theta_err = ||Theta_W,m - H^inf||_F / ||H^inf||_F          (Theorem 3's H^inf)
    K_err[l]  = ||<h_l, h'_l>_m - K^l||_F / ||K^l||_F           l = 0..L   (Theorem 5)
    F_err[l]  = ||<delta_l, delta'_l>_m - F^l||_F / ||F^l||_F   l = 1..L   (Theorem 6)
    cross     = ||sum_{l != l'} <delta_l, delta'_l'> <h_{l-1}, h'_{l'-1}>||_F / ||H^inf||_F

Per width the table holds mean and spread over seeds, the error of the seed-averaged
kernel (its bias is O(1/m), so it falls faster than the single-seed error, which is
O(m^-1/2) fluctuation), the least-squares log-log slope of the mean error against m
(about -1/2), and the smallest m whose mean error is below each tolerance.

Cells are computed with the seeds of a width vmapped in groups that fit a memory
budget. The library returns arrays and small records only: ``cells`` (already computed
cells, e.g. read back from disk) and ``on_cell`` (called after each new cell) let a
caller such as the ``rnn-ntk converge`` command persist, resume and report progress.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from rnn_ntk._inputs import as_sequences, resolve_dtype
from rnn_ntk.config import RNNConfig
from rnn_ntk.empirical import _diagnostics_body, _features_body
from rnn_ntk.kernels import kernels
from rnn_ntk.network import init_params

__all__ = ["convergence", "convergence_cell", "Cell", "ConvergenceTable", "check_widths"]

#: Default bytes of parameters and temporaries per vmapped group of seeds.
DEFAULT_MEMORY_BUDGET = 1 << 30


@dataclasses.dataclass(frozen=True)
class Cell:
    """One (width, seed) measurement (plain floats and numpy arrays; JSON-friendly).

    Attributes:
      m: width.
      seed: the seed of ``jax.random.key`` the parameters were drawn with.
      theta: the empirical Theta_W, shape (n, n) (kept for the seed average).
      theta_err: relative Frobenius error of Theta_W against H^inf.
      K_err: relative errors of <h_l, h'_l> against K^l, l = 0..L, shape (L+1,).
      F_err: relative errors of <delta_l, delta'_l> against F^l, l = 1..L, shape (L,).
      K_err_all: relative error of the stacked K^0..K^L.
      F_err_all: relative error of the stacked F^1..F^L.
      cross: ||cross-step part of Theta_W||_F / ||H^inf||_F.
      seconds: wall time of the cell (its share of a vmapped group).
    """

    m: int
    seed: int
    theta: np.ndarray
    theta_err: float
    K_err: np.ndarray
    F_err: np.ndarray
    K_err_all: float
    F_err_all: float
    cross: float
    seconds: float = 0.0

    def to_dict(self) -> dict:
        """A JSON-serialisable dict (``Cell.from_dict`` inverts it)."""
        d = dataclasses.asdict(self)
        for k in ("theta", "K_err", "F_err"):
            d[k] = np.asarray(d[k]).tolist()
        return d

    @classmethod
    def from_dict(cls, d: Mapping) -> Cell:
        """The cell written by ``to_dict``."""
        fields = {f.name for f in dataclasses.fields(cls)}
        missing = fields - set(d) - {"seconds"}
        if missing:
            raise ValueError(f"cell record lacks {sorted(missing)}.")
        kw = {k: d[k] for k in fields if k in d}
        for k in ("theta", "K_err", "F_err"):
            kw[k] = np.asarray(kw[k], dtype=np.float64)
        for k in ("theta_err", "K_err_all", "F_err_all", "cross", "seconds"):
            if k in kw:
                kw[k] = float(kw[k])
        kw["m"], kw["seed"] = int(kw["m"]), int(kw["seed"])
        return cls(**kw)


@dataclasses.dataclass(frozen=True)
class ConvergenceTable:
    """The result of a width sweep (SPEC §5).

    Attributes:
      widths: the widths, increasing, shape (W,).
      seeds: the seeds, shape (S,).
      theta_err, K_err_all, F_err_all, cross: per (width, seed), shape (W, S).
      K_err: per (width, seed, l), shape (W, S, L+1); F_err: shape (W, S, L).
      avg_err: relative error of the seed-averaged Theta_W per width, shape (W,).
      slope: least-squares slope of log(mean theta_err) against log m (about -1/2).
      slope_avg: the same for ``avg_err``.
      slope_cross: the same for the mean cross-step part.
      tolerances: the tolerances asked for.
      smallest_m: per tolerance, the smallest width whose mean theta_err is <= it, or
        None if no width reaches it.
      seconds: per (width, seed) wall time, shape (W, S).
      cells: every ``Cell``, in (width, seed) order.
    """

    widths: np.ndarray
    seeds: np.ndarray
    theta_err: np.ndarray
    K_err: np.ndarray
    F_err: np.ndarray
    K_err_all: np.ndarray
    F_err_all: np.ndarray
    cross: np.ndarray
    avg_err: np.ndarray
    slope: float
    slope_avg: float
    slope_cross: float
    tolerances: tuple[float, ...]
    smallest_m: tuple[int | None, ...]
    seconds: np.ndarray
    cells: tuple[Cell, ...] = ()

    def rows(self) -> list[dict]:
        """One flat dict per width: mean/std/min/max over seeds of every error."""
        out = []
        for i, m in enumerate(self.widths):
            row = {"m": int(m), "seeds": len(self.seeds)}
            for name in ("theta_err", "K_err_all", "F_err_all", "cross"):
                v = getattr(self, name)[i]
                row[f"{name}_mean"] = float(np.mean(v))
                row[f"{name}_std"] = float(np.std(v, ddof=1)) if v.size > 1 else 0.0
                row[f"{name}_min"] = float(np.min(v))
                row[f"{name}_max"] = float(np.max(v))
            row["avg_err"] = float(self.avg_err[i])
            row["seconds"] = float(np.sum(self.seconds[i]))
            out.append(row)
        return out

    def to_dict(self) -> dict:
        """JSON-serialisable summary: rows, per-step means, slopes, smallest m."""
        return {
            "widths": [int(m) for m in self.widths],
            "seeds": [int(s) for s in self.seeds],
            "rows": self.rows(),
            "K_err_per_step_mean": np.mean(self.K_err, axis=1).tolist(),
            "F_err_per_step_mean": np.mean(self.F_err, axis=1).tolist(),
            "slope": self.slope,
            "slope_avg": self.slope_avg,
            "slope_cross": self.slope_cross,
            "smallest_m": [
                {"tol": t, "m": m, **self._at(m)}
                for t, m in zip(self.tolerances, self.smallest_m, strict=True)
            ],
        }

    def _at(self, m: int | None) -> dict:
        if m is None:
            return {"theta_err_mean": None, "theta_err_std": None}
        i = int(np.flatnonzero(self.widths == m)[0])
        v = self.theta_err[i]
        return {
            "theta_err_mean": float(np.mean(v)),
            "theta_err_std": float(np.std(v, ddof=1)) if v.size > 1 else 0.0,
        }


def check_widths(widths: object) -> tuple[int, ...]:
    """Validates a sequence of widths: ints >= 1, strictly increasing, at least one."""
    if isinstance(widths, (int, np.integer)) and not isinstance(widths, bool):
        widths = (widths,)
    try:
        ws = tuple(widths)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"widths must be a sequence of ints, got {widths!r}.") from None
    if not ws:
        raise ValueError("widths must contain at least one width.")
    for w in ws:
        if isinstance(w, bool) or not isinstance(w, (int, np.integer)):
            raise TypeError(f"widths must be ints, got {w!r} in {ws}.")
        if w < 1:
            raise ValueError(f"every width m must be >= 1, got {int(w)} in widths {ws}.")
    ws = tuple(int(w) for w in ws)
    if any(b <= a for a, b in zip(ws, ws[1:], strict=False)):
        raise ValueError(
            f"widths must be strictly increasing (each width once), got {ws}; e.g. "
            f"{tuple(sorted(set(ws)))}."
        )
    return ws


def _check_seeds(seeds: object) -> tuple[int, ...]:
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        raise TypeError(
            f"seeds must be a sequence of ints (e.g. range({int(seeds)})), got the int {seeds}."
        )
    try:
        ss = tuple(seeds)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"seeds must be a sequence of ints, got {seeds!r}.") from None
    if not ss:
        raise ValueError("seeds must contain at least one seed.")
    for s in ss:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"seeds must be ints >= 0, got {s!r} in {ss}.")
    ss = tuple(int(s) for s in ss)
    if len(set(ss)) != len(ss):
        raise ValueError(f"seeds must be distinct, got {ss}.")
    return ss


def _check_tolerances(tolerances: object) -> tuple[float, ...]:
    try:
        ts = tuple(float(t) for t in tolerances)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise TypeError(f"tolerances must be a sequence of numbers, got {tolerances!r}.") from None
    for t in ts:
        if not (math.isfinite(t) and t > 0):
            raise ValueError(f"tolerances must be finite and > 0, got {t} in {ts}.")
    return ts


def _rel(a: np.ndarray, b: np.ndarray, axis=None) -> np.ndarray:
    """||a - b||_F / ||b||_F over ``axis``; 0 where both vanish, inf where only b does."""
    num = np.sqrt(np.sum((a - b) ** 2, axis=axis))
    den = np.sqrt(np.sum(b**2, axis=axis))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.where(num > 0, np.inf, 0.0))
    return r


@functools.partial(jax.jit, static_argnums=(2, 3, 4))
def _group(keys, x, cfg: RNNConfig, m: int, dtype_name: str):
    """Empirical K, F, Theta_W and cross part for a group of seeds (vmapped)."""
    n, L, d = x.shape

    def one(key):
        p = init_params(key, cfg, m=m, d=d, L=L, dtype=jnp.dtype(dtype_name))
        f = _features_body(p, x, cfg, False)
        return _diagnostics_body(f, f)

    return jax.vmap(one)(keys)


def _group_size(m: int, n: int, L: int, itemsize: int, budget: int, count: int) -> int:
    per_seed = itemsize * (4 * m * m + 6 * n * (L + 1) * m + 2 * (n * L) ** 2)
    return int(max(1, min(count, budget // max(per_seed, 1))))


def _cells_for_width(x, cfg, m, seeds, dtype, reference, budget) -> Iterable[Cell]:
    n, L, _ = x.shape
    size = _group_size(m, n, L, dtype.itemsize, budget, len(seeds))
    for start in range(0, len(seeds), size):
        group = seeds[start : start + size]
        t0 = time.perf_counter()
        keys = jnp.stack([jax.random.key(s) for s in group])
        ek = jax.device_get(_group(keys, x, cfg, m, dtype.name))
        seconds = (time.perf_counter() - t0) / len(group)
        for i, s in enumerate(group):
            yield _cell_from(
                m, s, jax.tree.map(lambda a, i=i: np.asarray(a[i]), ek), reference, seconds
            )


def _cell_from(m, seed, ek, reference, seconds) -> Cell:
    K_ref, F_ref, H_ref = reference
    K = np.asarray(ek.K, np.float64)
    F = np.asarray(ek.F, np.float64)
    H = np.asarray(ek.H, np.float64)
    return Cell(
        m=int(m),
        seed=int(seed),
        theta=H,
        theta_err=float(_rel(H, H_ref)),
        K_err=_rel(K, K_ref, axis=(1, 2)),
        F_err=_rel(F, F_ref, axis=(1, 2)),
        K_err_all=float(_rel(K, K_ref)),
        F_err_all=float(_rel(F, F_ref)),
        cross=float(np.linalg.norm(np.asarray(ek.H_cross, np.float64)) / np.linalg.norm(H_ref)),
        seconds=float(seconds),
    )


def _reference(x, cfg):
    k = kernels(x, None, cfg)
    return (
        np.asarray(k.K, np.float64),
        np.asarray(k.F, np.float64),
        np.asarray(k.H, np.float64),
    )


def convergence_cell(
    x: Float[Array, "n L d"],
    cfg: RNNConfig,
    m: int,
    seed: int,
    *,
    dtype: object | None = None,
) -> Cell:
    """One (width, seed) cell of ``convergence`` (SPEC §5).

    Args:
      x: sequences, shape (n, L, d).
      cfg: the network.
      m: width (>= 1).
      seed: seed of ``jax.random.key`` for the parameters.
      dtype: compute dtype (default jax's default float).
    Returns:
      The ``Cell``.
    """
    table = convergence(x, cfg, (m,), (seed,), dtype=dtype)
    return table.cells[0]


def _slope(widths: np.ndarray, errs: np.ndarray) -> float:
    ok = np.isfinite(errs) & (errs > 0)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(widths[ok]), np.log(errs[ok]), 1)[0])


def convergence(
    x: Float[Array, "n L d"],
    cfg: RNNConfig = RNNConfig(),
    widths: Sequence[int] = (64, 128, 256, 512, 1024, 2048, 4096, 8192),
    seeds: Sequence[int] = (0, 1, 2, 3),
    *,
    tolerances: Sequence[float] = (0.2, 0.1, 0.05),
    dtype: object | None = None,
    cells: Mapping[tuple[int, int], Cell] | None = None,
    on_cell: Callable[[Cell], None] | None = None,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
) -> ConvergenceTable:
    """Relative errors of the empirical kernels against the analytic ones, over widths.

    For every width m and seed s the network ``init_params(jax.random.key(s), cfg, m=m,
    ...)`` gives the empirical Theta_W, <h_l, h'_l> and <delta_l, delta'_l>
    (``rnn_ntk.empirical_kernels``), compared with H^inf, K^l and F^l of
    ``rnn_ntk.kernels`` (Theorems 3, 5, 6; SPEC §5). Errors fall like m^-1/2.

    Args:
      x: sequences, shape (n, L, d).
      cfg: the network.
      widths: widths m >= 1, strictly increasing.
      seeds: distinct seeds >= 0.
      tolerances: for each, the table reports the smallest width whose mean relative
        error of Theta_W is at most it.
      dtype: compute dtype (default jax's default float: float64 under x64).
      cells: already computed cells keyed by (m, seed); they are reused, not recomputed.
      on_cell: called with each newly computed cell (e.g. to save it, or for progress).
      memory_budget: bytes per group of vmapped seeds (W is m^2 per seed).
    Returns:
      A ``ConvergenceTable`` (its ``cells`` are in (m, seed) order).
    """
    if not isinstance(cfg, RNNConfig):
        raise TypeError(f"cfg must be an RNNConfig, got {type(cfg).__name__}.")
    ws = check_widths(widths)
    ss = _check_seeds(seeds)
    tols = _check_tolerances(tolerances)
    if isinstance(memory_budget, bool) or not isinstance(memory_budget, int) or memory_budget < 1:
        raise ValueError(f"memory_budget must be a positive int (bytes), got {memory_budget!r}.")
    dt = resolve_dtype(dtype)
    xs = as_sequences(x, "x", dt)
    reference = _reference(xs, cfg)
    have = dict(cells or {})
    for key, c in have.items():
        if not isinstance(c, Cell) or (c.m, c.seed) != tuple(key):
            raise ValueError(f"cells[{key!r}] must be the Cell of (m, seed) = {key}.")
        if c.theta.shape != (xs.shape[0],) * 2:
            raise ValueError(
                f"cells[{key!r}] has Theta of shape {c.theta.shape}, but x has n = "
                f"{xs.shape[0]}; it belongs to another sweep."
            )
    for m in ws:
        todo = [s for s in ss if (m, s) not in have]
        if not todo:
            continue
        for cell in _cells_for_width(xs, cfg, m, todo, dt, reference, memory_budget):
            have[(m, cell.seed)] = cell
            if on_cell is not None:
                on_cell(cell)
    grid = [[have[(m, s)] for s in ss] for m in ws]

    def field(name):
        return np.asarray([[getattr(c, name) for c in row] for row in grid], dtype=np.float64)

    theta_err = field("theta_err")
    cross = field("cross")
    H_ref = reference[2]
    avg = np.asarray([_rel(np.mean([c.theta for c in row], axis=0), H_ref) for row in grid])
    w = np.asarray(ws, dtype=np.float64)
    smallest = []
    for t in tols:
        ok = np.flatnonzero(np.mean(theta_err, axis=1) <= t)
        smallest.append(int(ws[ok[0]]) if ok.size else None)
    return ConvergenceTable(
        widths=np.asarray(ws),
        seeds=np.asarray(ss),
        theta_err=theta_err,
        K_err=field("K_err"),
        F_err=field("F_err"),
        K_err_all=field("K_err_all"),
        F_err_all=field("F_err_all"),
        cross=cross,
        avg_err=avg,
        slope=_slope(w, np.mean(theta_err, axis=1)),
        slope_avg=_slope(w, avg),
        slope_cross=_slope(w, np.mean(cross, axis=1)),
        tolerances=tols,
        smallest_m=tuple(smallest),
        seconds=field("seconds"),
        cells=tuple(c for row in grid for c in row),
    )
