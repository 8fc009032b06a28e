"""Plots of the experiments, drawn on ``matplotlib.figure.Figure`` objects.

No pyplot and no backend switch: each function returns a new ``Figure`` (a notebook shows
it, ``save_figure`` writes it) and leaves matplotlib's global state alone. matplotlib is
imported on the first plot, not with the package.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from rnn_ntk.experiments._mstar_records import MStarStudy
    from rnn_ntk.experiments._tables import Table
    from rnn_ntk.finite import ConvergenceTable

__all__ = ["plot_additive", "plot_convergence", "plot_error_vs_m", "plot_mstar_vs_L",
           "plot_n_variable", "plot_sgd"]


def _figure(title: str | None, ncols: int, figsize: tuple[float, float]) -> tuple[Figure, list]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="tight")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    if title is not None:
        fig.suptitle(title, fontsize=9)
    return fig, list(axes)


def _finite(values: object) -> np.ndarray:
    """Floats with inf (and "inf" strings from JSON) as NaN: not drawn."""
    v = np.asarray([float(u) for u in np.ravel(values)])
    return np.where(np.isfinite(v), v, np.nan)


def _decorate(ax: Axes, xlabel: str, ylabel: str | None = None, *, which="major") -> None:
    ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    ax.grid(True, which=which, alpha=0.3)


def plot_additive(table: Table) -> Figure:
    """y~^T H^-1 y~ / n (and its +-1-label version) and C(F*) of eq. 10 against L.

    Args:
      table: the result of ``additive_vs_L``.
    Returns:
      A figure with two log-log panels.
    """
    fig, (ax, bx) = _figure(table.title, 2, (10.0, 4.0))
    L = table.column("L").astype(float)
    ax.errorbar(L, table.column("quad_over_n"), yerr=table.column("quad_std"), fmt="o-",
                capsize=3, label="margin-rescaled F*:  y~' H^-1 y~ / n")
    ax.errorbar(L, table.column("labels_quad_over_n"), yerr=table.column("labels_std"),
                fmt="s--", capsize=3, label="+-1 labels:  y' H^-1 y / n")
    s1 = float(table.notes.get("loglog_slope_quad_over_n", math.nan))
    s2 = float(table.notes.get("loglog_slope_labels", math.nan))
    ax.set_title(f"data-dependent complexity (log-log slopes {s1:.2f}, {s2:.2f})", fontsize=9)
    ax.set_ylabel("per sample")
    bx.plot(L, _finite(table.column("C_eq10")), "o-", color="tab:green",
            label="C(F*/gamma), eq. 10 (inf not drawn)")
    bx.set_title("the paper's complexity", fontsize=9)
    for a in (ax, bx):
        a.set_xscale("log", base=2)
        a.set_yscale("log")
        _decorate(a, "sequence length L", which="both")
        a.legend(fontsize=8)
    return fig


def plot_n_variable(table: Table) -> Figure:
    """Both eq. 12 branches and y~^T H^-1 y~ / n, against l0 (N = 2) and against N.

    Args:
      table: the result of ``n_variable_sweep``.
    Returns:
      A figure with one panel per sweep (complexities on a log axis, the data-dependent
      complexity on a linear right axis).
    """
    fig, axes = _figure(table.title, 2, (10.0, 4.0))
    for ax, kind in zip(axes, ("l0", "N"), strict=True):
        rows = [r for r in table.rows if r["sweep"] == kind]
        if not rows:
            continue
        x = np.asarray([r[kind] for r in rows], float)

        def col(name: str, rows: list = rows) -> np.ndarray:
            return _finite([r[name] for r in rows])

        ax.semilogy(x, col("kernel_branch"), "o-", label=r"$L^2 C_N(\psi, C_0\sqrt{L})$")
        ax.semilogy(x, col("shift_branch"), "s-", label=r"$L^3 C(\psi, 2^{l_0} C_0\sqrt{L})$")
        ax.semilogy(x, col("C_eq12"), "k:", lw=2, label="eq. 12 (min)")
        ax2 = ax.twinx()
        ax2.plot(x, col("quad_over_n"), "^--", color="tab:red",
                 label="y~' H^-1 y~ / n (right axis)")
        ax2.set_ylabel("y~' H^-1 y~ / n", color="tab:red")
        ax2.set_ylim(bottom=0)
        _decorate(ax, kind + (" (N = 2)" if kind == "l0" else " (l0 = N - 1)"),
                  "complexity (inf not drawn)", which="both")
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, fontsize=7)
    return fig


def plot_sgd(table: Table, curves: dict) -> Figure:
    """Test 0-1 errors vs n (SGD, kernel predictors, bound) and the running-error curves.

    Args:
      table: the table of ``sgd_vs_n``.
      curves: its curves (per n: "steps", "running_error").
    Returns:
      A figure with two panels.
    """
    fig, (ax, bx) = _figure(table.title, 2, (10.0, 4.0))
    n = table.column("n").astype(float)
    ax.errorbar(n, table.column("sgd_avg_iterate_err"), yerr=table.column("sgd_avg_err_std"),
                fmt="o-", capsize=3, label="SGD: average iterate error (eq. 17 left)")
    ax.plot(n, table.column("sgd_final_err"), "s-", label="SGD: last iterate")
    ax.plot(n, table.column("kernel_reg_err"), "^--", label=r"kernel regression $H^\infty$")
    ax.plot(n, table.column("grad_flow_err"), "v--", label="MSE gradient flow, t = cT")
    ax.plot(n, np.minimum(table.column("bound_eq19"), 1.0), "k:", label="eq. 19 bound (min 1)")
    ax.set_ylim(0, 1.02)
    _decorate(ax, "n (= SGD steps)", "test 0-1 error")
    for key, c in curves.items():
        bx.plot(c["steps"], c["running_error"], label=f"n = {key}")
    _decorate(bx, "step t", "running average of iterate errors")
    for a in (ax, bx):
        a.set_xscale("log", base=2)
        a.legend(fontsize=7)
    return fig


def plot_convergence(table: ConvergenceTable, title: str) -> Figure:
    """Log-log errors of a width sweep against m, with an m^-1/2 reference line.

    Args:
      table: the result of ``rnn_ntk.finite.convergence``.
      title: the first title line (the fitted slope is added below it).
    Returns:
      A figure: mean errors with min-max bars over seeds for Theta_W, K^l, F^l and the
      cross-step part, and the error of the seed-averaged Theta_W.
    """
    fig, (ax,) = _figure(None, 1, (6.4, 4.6))
    m = np.asarray(table.widths, float)
    for name, label in (
        ("theta_err", r"$\Theta_W$ vs $H^\infty$"),
        ("K_err_all", r"$K^l$ (all l)"),
        ("F_err_all", r"$F^l$ (all l)"),
        ("cross", r"cross-step part / $\|H^\infty\|$"),
    ):
        v = np.asarray(getattr(table, name))
        mean = v.mean(axis=1)
        spread = [mean - v.min(axis=1), v.max(axis=1) - mean]
        ax.errorbar(m, mean, yerr=spread, marker="o", ms=4, capsize=3, label=label)
    ax.plot(m, table.avg_err, "k^--", ms=4, label=r"seed-averaged $\Theta_W$")
    # m^-1/2 through the geometric centre of the Theta_W means
    c = np.exp(np.mean(np.log(np.asarray(table.theta_err).mean(axis=1)) + 0.5 * np.log(m)))
    ax.plot(m, c / np.sqrt(m), color="gray", ls=":", label=r"$\propto m^{-1/2}$")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    _decorate(ax, "width m", "relative Frobenius error (mean; bars: min-max over seeds)",
              which="both")
    ax.set_title(f"{title}\nslope of $\\Theta_W$ error: {table.slope:.3f}", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def plot_error_vs_m(study: MStarStudy, title: str) -> Figure:
    """Log-log mean error of Theta_W against m, one line per L, min-max over seeds shaded.

    Args:
      study: the result of ``mstar_study``.
      title: the figure's title.
    Returns:
      A figure: per L the mean relative error (markers), its fitted line over the fitted
      widths (dashed, slope and 95% bootstrap CI in the legend), with a fixed
      ``mstar_slope`` the line m* is read from (dotted, extended to the largest m*), the
      seeds' range (shaded) and the tolerances (gray dotted horizontals).
    """
    fig, (ax,) = _figure(None, 1, (6.4, 4.8))
    for c in study.curves:
        m = np.asarray(c.widths, float)
        (line,) = ax.plot(m, _finite(c.mean), "o-", ms=4, lw=1.2,
                          label=f"L = {c.L}: slope {c.slope.value:.2f} "
                                f"[{c.slope.low:.2f}, {c.slope.high:.2f}]")
        ax.fill_between(m, _finite(c.low), _finite(c.high), color=line.get_color(), alpha=0.15)
        fit = m[m >= (study.fit_min_m or 0)]
        if math.isfinite(c.slope.value):
            ax.plot(fit, np.exp(c.intercept) * fit**c.slope.value, "--", lw=0.8,
                    color=line.get_color())
        b, a = c.mstar_line
        if study.mstar_slope is not None and math.isfinite(a):  # the line m* is read from
            mm = np.geomspace(fit[0], max(fit[-1], *(ms.fitted.value for ms in c.mstar
                                                      if math.isfinite(ms.fitted.value))))
            ax.plot(mm, np.exp(a) * mm**b, ":", lw=1.0, color=line.get_color())
    for t in study.tolerances:
        ax.axhline(t, color="gray", ls=":", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    _decorate(ax, "width m", r"$\|\Theta_W - H^\infty\|_F / \|H^\infty\|_F$ (mean; shaded: "
              "min-max over seeds)", which="both")
    ax.set_title(f"{title}\nslopes with {study.level:.0%} bootstrap CI over seeds "
                 f"({study.n_boot} resamples); dotted: tolerances", fontsize=9)
    ax.legend(fontsize=7)
    return fig


def plot_mstar_vs_L(study: MStarStudy, title: str) -> Figure:
    """Log-log m*(L) per tolerance with the fitted power law c L^p.

    Args:
      study: the result of ``mstar_study``.
      title: the figure's title.
    Returns:
      A figure: per tolerance the fitted m* (filled markers, bootstrap CI bars; inside
      the swept widths interpolated, outside extrapolated), the smallest swept width
      reaching the tolerance (open markers) and the line c L^p (p with its CI in the
      legend).
    """
    fig, (ax,) = _figure(None, 1, (6.4, 4.8))
    L = np.asarray([c.L for c in study.curves], float)
    for k, t in enumerate(study.tolerances):
        fitted = np.asarray([c.mstar[k].fitted for c in study.curves], float)  # (nL, 3)
        v = _finite(fitted[:, 0])
        lo = np.where(np.isfinite(fitted[:, 1]), fitted[:, 1], v)
        hi = np.where(np.isfinite(fitted[:, 2]), fitted[:, 2], v)
        bar = ax.errorbar(L, v, yerr=[np.maximum(v - lo, 0), np.maximum(hi - v, 0)],
                          fmt="o", capsize=3, label=f"tol {t:g}: fitted m* (95% CI)")
        color = bar[0].get_color()
        swept = np.asarray([np.nan if c.mstar[k].swept is None else c.mstar[k].swept
                            for c in study.curves], float)
        ax.plot(L, swept, "s", mfc="none", color=color, ms=7, label=f"tol {t:g}: swept m*")
        p = study.exponents[k]
        if math.isfinite(p.value):
            ax.plot(L, study.coefficients[k] * L**p.value, "-", color=color, lw=1,
                    label=f"tol {t:g}: $m^* \\propto L^{{{p.value:.2f}}}$ "
                          f"[{p.low:.2f}, {p.high:.2f}]")
    widest = max(int(c.widths[-1]) for c in study.curves)
    ax.axhline(widest, color="gray", ls=":", lw=0.8, label=f"widest swept m = {widest}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    _decorate(ax, "sequence length L", "m* (smallest width with mean error <= tol)",
              which="both")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    return fig
