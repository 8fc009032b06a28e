r"""The learning-theory experiments of issue 4: tables and PNG plots (SPEC §4).

1. ``additive_vs_L``: y~^T (H^inf)^-1 y~ / n against L for the additive class (eq. 9):
   the data-dependent complexity of Theorems 3-4 grows at most polynomially in L, next to
   the paper's C(F*) of eq. 10.
2. ``n_variable_sweep``: the N-variable class (eq. 11) against l0 at N = 2 and against
   N at the smallest l0 = N - 1: both branches of eq. 12 and their minimum, with the
   data-dependent complexity.
3. ``sgd_vs_n``: Algorithm 1's test 0-1 error against n (one pass over n fresh samples),
   against the eq. 19 bound (constants 1) and the infinite-width kernel predictors.

Every run draws inputs with C_min <= ||X_l|| <= C_max, centres the concept (its constant
term is shifted by minus the median of F* on a pilot sample, so the labels are balanced)
and conditions the inputs on a margin |F*| >= gamma (gamma = the ``margin_q`` quantile of
|F*|), so y~ = F*/gamma satisfies Theorem 2's y F* >= 1 on the whole distribution with a
rescaling factor 1/gamma that does not depend on n.

Functions return ``Table``s (plain data, JSON-ready); ``plot_*`` write PNG files. The
``progress`` arguments take a callable ``progress(done, total)`` (the CLI's tqdm bar).
"""

from __future__ import annotations

import dataclasses
import math
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from rnn_ntk.config import RNNConfig
from rnn_ntk.kernels import ntk
from rnn_ntk.theory import (
    AnalyticFunction,
    arctan_half,
    exp_series,
    generalization_bound,
    gradient_flow,
    kernel_regression,
    margin_quantile,
    norm_bound,
    random_additive,
    random_n_variable,
    sample_labelled,
    sample_sequences,
)
from rnn_ntk.train import train

__all__ = [
    "Table",
    "additive_vs_L",
    "n_variable_sweep",
    "sgd_vs_n",
    "plot_additive",
    "plot_n_variable",
    "plot_sgd",
    "PSIS",
]

#: Built-in psi by name (for the CLI).
PSIS: dict[str, Callable[[], AnalyticFunction]] = {
    "exp": exp_series,
    "arctan": arctan_half,
}


@dataclasses.dataclass
class Table:
    """A result table: named columns, one dict per row, and notes.

    Attributes:
      title: what the table shows.
      columns: column names in display order.
      rows: one dict per row (column -> number or string).
      notes: settings and remarks (printed under the table, saved in JSON).
    """

    title: str
    columns: list[str]
    rows: list[dict]
    notes: dict = dataclasses.field(default_factory=dict)

    def column(self, name: str) -> np.ndarray:
        return np.asarray([r[name] for r in self.rows])

    def to_dict(self) -> dict:
        def clean(v):
            if isinstance(v, (np.floating, float)):
                v = float(v)
                return v if math.isfinite(v) else str(v)
            if isinstance(v, np.integer):
                return int(v)
            return v

        return {
            "title": self.title,
            "columns": list(self.columns),
            "rows": [{k: clean(v) for k, v in r.items()} for r in self.rows],
            "notes": {k: clean(v) if not isinstance(v, (list, tuple)) else [clean(u) for u in v]
                      for k, v in self.notes.items()},
        }

    def format(self) -> str:
        def fmt(v):
            if isinstance(v, (float, np.floating)):
                v = float(v)
                if not math.isfinite(v):
                    return str(v)
                return f"{v:.4g}" if abs(v) < 1e5 or v == 0 else f"{v:.3e}"
            return str(v)

        cells = [[fmt(r.get(c, "")) for c in self.columns] for r in self.rows]
        widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c)
                  for i, c in enumerate(self.columns)]
        lines = [self.title,
                 "  ".join(c.rjust(w) for c, w in zip(self.columns, widths, strict=True))]
        lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True))
                  for row in cells]
        lines += [f"  {k}: {fmt(v) if not isinstance(v, (list, tuple)) else v}"
                  for k, v in self.notes.items()]
        return "\n".join(lines)


def _tick(progress, done, total):
    if progress is not None:
        progress(done, total)


def _centred_margin(concept, *, c_min, c_max, margin_q, seed, pilot=2000):
    """Concept shifted to median 0 on a pilot sample, and its margin gamma."""
    x = sample_sequences(pilot, concept.L, concept.d, c_min=c_min, c_max=c_max, seed=seed)
    concept = concept.shifted(-float(np.median(np.asarray(concept(x)))))
    gamma = margin_quantile(concept, margin_q, n=pilot, c_min=c_min, c_max=c_max,
                            seed=seed + 1)
    return concept, gamma


def _loglog_slope(xs, ys) -> float:
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    ok = np.isfinite(ys) & (ys > 0)
    if ok.sum() < 2:
        return math.nan
    return float(np.polyfit(np.log(xs[ok]), np.log(ys[ok]), 1)[0])


def _data_complexity(x, y_tilde, y, cfg, delta):
    H = np.asarray(ntk(x, cfg=cfg))
    n = len(y)
    nb = norm_bound(H, y_tilde)
    nl = norm_bound(H, y)
    bound = generalization_bound(nb.quad, n, delta=delta)
    return H, nb, nl, bound


def additive_vs_L(
    Ls: Sequence[int] = (2, 4, 8, 16, 32, 64, 128),
    *,
    n: int = 128,
    d: int = 2,
    psi: AnalyticFunction | None = None,
    repeats: int = 3,
    c_min: float = 1.0,
    c_max: float = 2.0,
    margin_q: float = 0.1,
    delta: float = 0.05,
    cfg: RNNConfig = RNNConfig(),
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Table:
    """y~^T (H^inf)^-1 y~ / n against L for the additive class (eqs. 9-10, 19).

    For each L and each of ``repeats`` concept draws: F*(x) = sum_{l=1}^L
    psi(beta_l^T X_l / ||X_l||) with unit beta_l drawn at random, centred and
    margin-conditioned (module docstring); n inputs; H^inf of the paper's network.

    Returns:
      A ``Table`` with, per L (mean and std over the draws): y~^T H^-1 y~ / n
      (``quad_over_n``), the same for the +-1 labels, cond(H), the eq. 19 bound (O~
      constants 1) and the eq. 10 complexity C(F*/gamma) (mean; inf when psi's series
      diverges at C0 sqrt(L)); the notes hold the log-log slopes in L (polynomial growth:
      a finite slope).
    """
    psi = exp_series() if psi is None else psi
    C0 = c_max / c_min
    repeats = int(repeats)
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}.")
    rows = []
    for k, L in enumerate(Ls):
        t0 = time.perf_counter()
        vals = []
        for r in range(repeats):
            s = seed + 7919 * r + L
            concept = random_additive(L, d, psi, seed=s)
            concept, gamma = _centred_margin(concept, c_min=c_min, c_max=c_max,
                                             margin_q=margin_q, seed=s + 1000)
            data = sample_labelled(concept, n, gamma=gamma, c_min=c_min, c_max=c_max,
                                   seed=s + 2000)
            _, nb, nl, bound = _data_complexity(data.x, data.y_tilde, data.y, cfg, delta)
            vals.append((nb.quad / n, nl.quad / n, nb.cond, bound.value,
                         concept.scaled(1.0 / gamma).complexity(C0)))
        v = np.asarray(vals)
        rows.append({
            "L": L,
            "quad_over_n": v[:, 0].mean(),
            "quad_std": v[:, 0].std(),
            "labels_quad_over_n": v[:, 1].mean(),
            "labels_std": v[:, 1].std(),
            "cond_H": v[:, 2].mean(),
            "bound_eq19": v[:, 3].mean(),
            "C_eq10": v[:, 4].mean(),
            "seconds": time.perf_counter() - t0,
        })
        _tick(progress, k + 1, len(Ls))
    Ls_ = [r["L"] for r in rows]
    return Table(
        title=(f"additive class (eq. 9), psi = {psi.name} at every step: "
               f"y~^T H^-1 y~ / n vs L ({repeats} concept draws)"),
        columns=["L", "quad_over_n", "quad_std", "labels_quad_over_n", "labels_std", "cond_H",
                 "bound_eq19", "C_eq10"],
        rows=rows,
        notes={
            "n": n, "d": d, "C_min": c_min, "C_max": c_max, "C0": C0, "margin_q": margin_q,
            "delta": delta, "seed": seed, "repeats": repeats,
            "loglog_slope_quad_over_n": _loglog_slope(Ls_, [r["quad_over_n"] for r in rows]),
            "loglog_slope_labels": _loglog_slope(Ls_, [r["labels_quad_over_n"] for r in rows]),
        },
    )


def n_variable_sweep(
    *,
    L: int = 16,
    l0s: Sequence[int] = (1, 2, 4, 8, 15),
    Ns: Sequence[int] = (1, 2, 3, 4, 6),
    n: int = 128,
    d: int = 2,
    psi: AnalyticFunction | None = None,
    c_min: float = 1.0,
    c_max: float = 2.0,
    C1: float = 100.0,
    repeats: int = 3,
    margin_q: float = 0.1,
    delta: float = 0.05,
    cfg: RNNConfig = RNNConfig(),
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Table:
    """The N-variable class (eq. 11) vs l0 at N = 2 and vs N at l0 = N - 1 (eq. 12).

    Positions end at the last step: (L - l0, L) for the l0 sweep, (L-N+1, ..., L) for
    the N sweep. Per row: both branches of eq. 12 for the rescaled F*/gamma
    (L^2 C_N(psi, C0 sqrt L) and L^3 C(psi, 2^l0 C0 sqrt L)), their minimum and which
    one attains it, and the data-dependent y~^T H^-1 y~ / n; means (and the std of the
    latter) over ``repeats`` concept draws.

    Returns:
      A ``Table`` with a ``sweep`` column ("l0" or "N").
    """
    psi = exp_series() if psi is None else psi
    C0 = c_max / c_min
    cases = [("l0", 2, l0, (L - l0, L)) for l0 in l0s]
    cases += [("N", N, N - 1, tuple(range(L - N + 1, L + 1))) for N in Ns]
    for kind, N, _, pos in cases:
        if min(pos) < 1 or len(set(pos)) != N:
            raise ValueError(f"{kind} sweep: positions {pos} do not fit L = {L}; need "
                             f"l0 <= L - 1 and N <= L.")
    repeats = int(repeats)
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}.")
    rows = []
    for k, (kind, N, l0, pos) in enumerate(cases):
        t0 = time.perf_counter()
        vals = []
        for r in range(repeats):
            s = seed + 17 * k + 7919 * r
            concept = random_n_variable(L, d, pos, psi, seed=s)
            concept, gamma = _centred_margin(concept, c_min=c_min, c_max=c_max,
                                             margin_q=margin_q, seed=s + 3000)
            data = sample_labelled(concept, n, gamma=gamma, c_min=c_min, c_max=c_max,
                                   seed=s + 4000)
            _, nb, nl, bound = _data_complexity(data.x, data.y_tilde, data.y, cfg, delta)
            cx = concept.scaled(1.0 / gamma).complexity(C0, C1=C1)
            vals.append((cx.kernel_branch, cx.shift_branch, nb.quad / n, nl.quad / n,
                         bound.value))
        v = np.asarray(vals)
        kern, shift = v[:, 0].mean(), v[:, 1].mean()
        rows.append({
            "sweep": kind, "N": N, "l0": l0, "positions": " ".join(map(str, pos)),
            "kernel_branch": kern, "shift_branch": shift, "C_eq12": min(kern, shift),
            "attained": "N" if kern <= shift else "l0",
            "quad_over_n": v[:, 2].mean(), "quad_std": v[:, 2].std(),
            "labels_quad_over_n": v[:, 3].mean(), "bound_eq19": v[:, 4].mean(),
            "seconds": time.perf_counter() - t0,
        })
        _tick(progress, k + 1, len(cases))
    return Table(
        title=(f"N-variable class (eq. 11), psi = {psi.name}, L = {L}: eq. 12 branches and "
               f"y~^T H^-1 y~ / n"),
        columns=["sweep", "N", "l0", "positions", "kernel_branch", "shift_branch", "C_eq12",
                 "attained", "quad_over_n", "quad_std", "labels_quad_over_n", "bound_eq19"],
        rows=rows,
        notes={"L": L, "n": n, "d": d, "C0": C0, "C1": C1, "margin_q": margin_q,
               "delta": delta, "seed": seed, "repeats": repeats},
    )


def sgd_vs_n(
    ns: Sequence[int] = (32, 64, 128, 256, 512),
    *,
    L: int = 6,
    d: int = 2,
    positions: Sequence[int] | None = None,
    psi: AnalyticFunction | None = None,
    m: int = 128,
    lrs: Sequence[float] = (1.0, 4.0),
    seeds: int = 8,
    n_test: int = 400,
    eval_every: int | None = None,
    c_min: float = 1.0,
    c_max: float = 2.0,
    margin_q: float = 0.1,
    delta: float = 0.05,
    cfg: RNNConfig = RNNConfig(),
    scaling: str = "paper",
    seed: int = 0,
    dtype: object | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Table, dict]:
    """Algorithm 1's 0-1 error vs n, the eq. 19 bound and the kernel predictors.

    One additive concept (terms at ``positions``, default the last two steps) with a
    fixed margin; for each n a training set of n samples and one held-out test set.
    SGD runs one pass (T = n steps) over ``seeds`` seeds and every learning rate in one
    vmapped program; the table reports the learning rate with the lowest mean average
    iterate error (the theorem's "there exists eta = O(1/m)").

    Columns: the average population 0-1 error of the iterates (eq. 17/19 left side;
    mean and std over seeds), the last iterate's test error, the online error, the
    eq. 19 bound with constants 1 (q/n + log(1/delta)/n, q = y~^T H^-1 y~), the test
    error of kernel regression with H^inf on the +-1 labels (gradient flow at t = inf)
    and of MSE gradient flow at t = c T (the same "time" as the SGD run; MSE instead of
    the logistic loss), ||W_T - W_0||_F and the empirical-NTK drift.

    Returns:
      (``Table``, curves) where curves holds, per n, the steps and the mean running
      error of the best learning rate (for ``plot_sgd``).
    """
    psi = exp_series() if psi is None else psi
    positions = (L - 1, L) if positions is None else tuple(positions)
    concept = random_additive(L, d, psi, positions=positions, seed=seed)
    concept, gamma = _centred_margin(concept, c_min=c_min, c_max=c_max, margin_q=margin_q,
                                     seed=seed + 1)
    test = sample_labelled(concept, n_test, gamma=gamma, c_min=c_min, c_max=c_max,
                           seed=seed + 2)
    total = int(sum(ns))
    done = 0
    ev = max(1, min(ns) // 2) if eval_every is None else int(eval_every)
    bad = [n for n in ns if n % ev]
    if bad:
        raise ValueError(f"eval_every = {ev} must divide every n, not {bad}.")
    x_probe = test.x[:8]
    rows, curves = [], {}
    for k, n in enumerate(ns):
        t0 = time.perf_counter()
        tr = sample_labelled(concept, n, gamma=gamma, c_min=c_min, c_max=c_max,
                             seed=seed + 100 + k)

        def on_progress(steps_done, steps_total, base=done):
            _tick(progress, base + steps_done, total)

        res = train(tr.x, tr.y, test.x, test.y, cfg, m=m, lrs=list(lrs), seeds=seeds,
                    steps=n, eval_every=ev, scaling=scaling, dtype=dtype, x_probe=x_probe,
                    capacity=max(ns), progress=on_progress)
        done += n
        avg = res.running_error[..., -1]  # (S, P)
        best = int(np.argmin(avg.mean(0)))
        K = np.asarray(ntk(tr.x, cfg=cfg))
        Ks = np.asarray(ntk(test.x, tr.x, cfg=cfg))
        nb = norm_bound(K, tr.y_tilde)
        bound = generalization_bound(nb.quad, n, delta=delta)
        ridge = 0.0 if nb.cond < 1e12 else 1e-10 * float(np.trace(K)) / n
        kr = np.asarray(kernel_regression(K, tr.y, Ks, ridge=ridge))
        gf = np.asarray(gradient_flow(K, tr.y, lrs[best] * n, Ks, ridge=ridge).test)
        rows.append({
            "n": n,
            "best_c": float(lrs[best]),
            "sgd_avg_iterate_err": float(avg[:, best].mean()),
            "sgd_avg_err_std": float(avg[:, best].std()),
            "sgd_final_err": float(res.test_error[:, best, -1].mean()),
            "online_err": float(res.online_error[:, best, -1].mean()),
            "bound_eq19": bound.value,
            "quad_over_n": nb.quad / n,
            "kernel_reg_err": float(np.mean(test.y * kr <= 0)),
            "grad_flow_err": float(np.mean(test.y * gf <= 0)),
            "w_dist": float(res.w_dist[:, best, -1].mean()),
            "ntk_drift": float(res.ntk_drift[:, best, -1].mean()),
            "init_err": float(res.initial_test_error.mean()),
            "seconds": time.perf_counter() - t0,
        })
        curves[int(n)] = {
            "steps": res.steps.tolist(),
            "running_error": res.running_error[:, best].mean(0).tolist(),
            "test_error": res.test_error[:, best].mean(0).tolist(),
        }
    table = Table(
        title=(f"Algorithm 1 (online SGD on W, one pass) vs n: additive psi = {psi.name} "
               f"at steps {positions}, L = {L}, m = {m}, {seeds} seeds"),
        columns=["n", "best_c", "sgd_avg_iterate_err", "sgd_avg_err_std", "sgd_final_err",
                 "online_err", "bound_eq19", "kernel_reg_err", "grad_flow_err", "w_dist",
                 "ntk_drift"],
        rows=rows,
        notes={"L": L, "d": d, "m": m, "lrs": list(lrs), "seeds": seeds, "n_test": n_test,
               "gamma": gamma, "C0": c_max / c_min, "margin_q": margin_q, "delta": delta,
               "scaling": scaling, "seed": seed,
               "bound": "eq. 19 with O~ constants 1: y~^T H^-1 y~ / n + log(1/delta) / n"},
    )
    return table, curves


# ----------------------------------------------------------------------------- plots


def _savefig(fig, path: str | os.PathLike) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp.png")
    os.close(fd)
    fig.savefig(tmp, dpi=120)
    os.replace(tmp, path)
    return path


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_additive(table: Table, path: str | os.PathLike) -> Path:
    """y~^T H^-1 y~ / n (and its +-1-label version) and C(F*) of eq. 10 against L."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 4.0))
    L = table.column("L").astype(float)
    ax = axes[0]
    ax.errorbar(L, table.column("quad_over_n"), yerr=table.column("quad_std"), fmt="o-",
                capsize=3, label="margin-rescaled F*:  y~' H^-1 y~ / n")
    ax.errorbar(L, table.column("labels_quad_over_n"), yerr=table.column("labels_std"),
                fmt="s--", capsize=3, label="+-1 labels:  y' H^-1 y / n")
    s1 = table.notes.get("loglog_slope_quad_over_n", math.nan)
    s2 = table.notes.get("loglog_slope_labels", math.nan)
    ax.set_title(f"data-dependent complexity (log-log slopes {s1:.2f}, {s2:.2f})", fontsize=9)
    ax.set_ylabel("per sample")
    ax = axes[1]
    c = np.asarray([float(v) for v in table.column("C_eq10")])
    ax.plot(L, np.where(np.isfinite(c), c, np.nan), "o-", color="tab:green",
            label="C(F*/gamma), eq. 10 (inf not drawn)")
    ax.set_title("the paper's complexity", fontsize=9)
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("sequence length L")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(table.title, fontsize=9)
    fig.tight_layout()
    out = _savefig(fig, path)
    plt.close(fig)
    return out


def plot_n_variable(table: Table, path: str | os.PathLike) -> Path:
    """Both eq. 12 branches and y~^T H^-1 y~ / n, against l0 (N = 2) and against N."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 4.0))
    for ax, kind, xname in ((axes[0], "l0", "l0"), (axes[1], "N", "N")):
        rows = [r for r in table.rows if r["sweep"] == kind]
        if not rows:
            continue
        x = np.asarray([r[xname] for r in rows], float)

        def col(name, rows=rows):
            v = np.asarray([r[name] for r in rows], float)
            return np.where(np.isfinite(v), v, np.nan)

        ax.semilogy(x, col("kernel_branch"), "o-", label=r"$L^2 C_N(\psi, C_0\sqrt{L})$")
        ax.semilogy(x, col("shift_branch"), "s-", label=r"$L^3 C(\psi, 2^{l_0} C_0\sqrt{L})$")
        ax.semilogy(x, col("C_eq12"), "k:", lw=2, label="eq. 12 (min)")
        ax2 = ax.twinx()
        ax2.plot(x, col("quad_over_n"), "^--", color="tab:red",
                 label="y~' H^-1 y~ / n (right axis)")
        ax2.set_ylabel("y~' H^-1 y~ / n", color="tab:red")
        ax2.set_ylim(bottom=0)
        ax.set_xlabel(xname + (" (N = 2)" if kind == "l0" else " (l0 = N - 1)"))
        ax.set_ylabel("complexity (inf not drawn)")
        ax.grid(True, which="both", alpha=0.3)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, fontsize=7)
    fig.suptitle(table.title, fontsize=9)
    fig.tight_layout()
    out = _savefig(fig, path)
    plt.close(fig)
    return out


def plot_sgd(table: Table, curves: dict, path: str | os.PathLike) -> Path:
    """Test 0-1 errors vs n (SGD, kernel predictors, bound) and the running-error curves."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 4.0))
    ax = axes[0]
    n = table.column("n").astype(float)
    ax.errorbar(n, table.column("sgd_avg_iterate_err"), yerr=table.column("sgd_avg_err_std"),
                fmt="o-", capsize=3, label="SGD: average iterate error (eq. 17 left)")
    ax.plot(n, table.column("sgd_final_err"), "s-", label="SGD: last iterate")
    ax.plot(n, table.column("kernel_reg_err"), "^--", label=r"kernel regression $H^\infty$")
    ax.plot(n, table.column("grad_flow_err"), "v--", label="MSE gradient flow, t = cT")
    ax.plot(n, np.minimum(table.column("bound_eq19"), 1.0), "k:", label="eq. 19 bound (min 1)")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("n (= SGD steps)")
    ax.set_ylabel("test 0-1 error")
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    ax = axes[1]
    for key, c in curves.items():
        ax.plot(c["steps"], c["running_error"], label=f"n = {key}")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("step t")
    ax.set_ylabel("running average of iterate errors")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.suptitle(table.title, fontsize=9)
    fig.tight_layout()
    out = _savefig(fig, path)
    plt.close(fig)
    return out
