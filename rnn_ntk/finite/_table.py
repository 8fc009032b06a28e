"""The records of a width sweep (SPEC §5): one ``Cell`` per (width, seed), the table.

Plain floats and numpy arrays, JSON-friendly; no printing and no files (the experiments
and CLI floors write and print them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from rnn_ntk._fit import loglog_slope

__all__ = ["Cell", "ConvergenceTable", "norm_ratio", "relative_error"]


def norm_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den for norms (>= 0): 0 where both vanish, inf where only den does (no NaN)."""
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.where(num > 0, np.inf, 0.0))


def relative_error(a: np.ndarray, b: np.ndarray, axis=None) -> np.ndarray:
    """||a - b||_F / ||b||_F over ``axis``; 0 where both vanish, inf where only b does."""
    return norm_ratio(np.sqrt(np.sum((a - b) ** 2, axis=axis)), np.sqrt(np.sum(b**2, axis=axis)))


def _spread(v: np.ndarray) -> float:
    """The sample standard deviation over seeds (0 for one seed)."""
    return float(np.std(v, ddof=1)) if v.size > 1 else 0.0


@dataclasses.dataclass(frozen=True)
class Cell:
    """One (width, seed) measurement (plain floats and numpy arrays; JSON-friendly).

    For architectures other than the paper's (SPEC §7) only Theta_W is measured: K_err
    and F_err are empty and K_err_all, F_err_all and cross are NaN (not measured).

    Attributes:
      m: width.
      seed: the seed of ``jax.random.key`` the parameters were drawn with.
      theta: the empirical Theta_W, shape (n, n) (kept for the seed average); summed
        over layers and directions, NTK-parameterised for non-ReLU activations.
      theta_err: relative Frobenius error of Theta_W against H^inf (the analytic W
        block ``rnn_ntk.ntk(x, cfg=cfg)`` of the same parameterisation).
      K_err: relative errors of <h_l, h'_l> against K^l, l = 0..L, shape (L+1,).
      F_err: relative errors of <delta_l, delta'_l> against F^l, l = 1..L, shape (L,).
      K_err_all: relative error of the stacked K^0..K^L.
      F_err_all: relative error of the stacked F^1..F^L.
      cross: ||cross-step part of Theta_W||_F / ||H^inf||_F.
      seconds: wall time of the cell (its share of a vmapped batch of seeds).
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

    @classmethod
    def from_cells(
        cls,
        grid: Sequence[Sequence[Cell]],
        H_ref: np.ndarray,
        tolerances: tuple[float, ...],
    ) -> ConvergenceTable:
        """The table of a (width, seed) grid of cells.

        Args:
          grid: ``grid[i][j]`` is the cell of the i-th width (increasing) and j-th seed.
          H_ref: the analytic H^inf the cells were measured against, shape (n, n).
          tolerances: see ``smallest_m``.
        Returns:
          The ``ConvergenceTable``.
        """

        def field(name):
            return np.asarray([[getattr(c, name) for c in row] for row in grid], np.float64)

        widths = np.asarray([row[0].m for row in grid])
        theta_err, cross = field("theta_err"), field("cross")
        avg = np.asarray(
            [relative_error(np.mean([c.theta for c in row], axis=0), H_ref) for row in grid]
        )
        mean_err = np.mean(theta_err, axis=1)
        smallest = []
        for t in tolerances:
            ok = np.flatnonzero(mean_err <= t)
            smallest.append(int(widths[ok[0]]) if ok.size else None)
        return cls(
            widths=widths,
            seeds=np.asarray([c.seed for c in grid[0]]),
            theta_err=theta_err,
            K_err=field("K_err"),
            F_err=field("F_err"),
            K_err_all=field("K_err_all"),
            F_err_all=field("F_err_all"),
            cross=cross,
            avg_err=avg,
            slope=loglog_slope(widths, mean_err),
            slope_avg=loglog_slope(widths, avg),
            slope_cross=loglog_slope(widths, np.mean(cross, axis=1)),
            tolerances=tuple(tolerances),
            smallest_m=tuple(smallest),
            seconds=field("seconds"),
            cells=tuple(c for row in grid for c in row),
        )

    def rows(self) -> list[dict]:
        """One flat dict per width: mean/std/min/max over seeds of every error."""
        out = []
        for i, m in enumerate(self.widths):
            row = {"m": int(m), "seeds": len(self.seeds)}
            for name in ("theta_err", "K_err_all", "F_err_all", "cross"):
                v = getattr(self, name)[i]
                row[f"{name}_mean"] = float(np.mean(v))
                row[f"{name}_std"] = _spread(v)
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
        v = self.theta_err[int(np.flatnonzero(self.widths == m)[0])]
        return {"theta_err_mean": float(np.mean(v)), "theta_err_std": _spread(v)}
