r"""The learning-theory experiments of SPEC §4: tables of complexities, bounds and SGD.

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

Functions return ``Table``s (plain data, JSON-ready); ``plot_*`` draw them. The
``progress`` arguments take a callable ``progress(done, total)`` (the CLI's tqdm bar).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
from jax.typing import DTypeLike

from rnn_ntk._config import RNNConfig
from rnn_ntk._fit import loglog_slope
from rnn_ntk._validate import check_int, check_real, check_seeds
from rnn_ntk.experiments._draws import Sampling, check_counts
from rnn_ntk.experiments._tables import Table
from rnn_ntk.infinite import ntk
from rnn_ntk.theory import (
    AnalyticFunction,
    arctan_half,
    exp_series,
    generalization_bound,
    gradient_flow,
    kernel_regression,
    norm_bound,
    random_additive,
    random_n_variable,
    train,
)

__all__ = ["PSIS", "additive_vs_L", "default_eval_every", "n_variable_sweep", "sgd_vs_n"]

#: Built-in psi by name (for the CLI).
PSIS: dict[str, Callable[[], AnalyticFunction]] = {
    "exp": exp_series,
    "arctan": arctan_half,
}

Progress = Callable[[int, int], None] | None


def _tick(progress: Progress, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def additive_vs_L(
    Ls: Sequence[int] = (2, 4, 8, 16, 32, 64, 128), *, progress: Progress = None, **options
) -> Table:
    """y~^T (H^inf)^-1 y~ / n against L for the additive class (eqs. 9-10, 19).

    For each L and each of ``repeats`` concept draws: F*(x) = sum_{l=1}^L
    psi(beta_l^T X_l / ||X_l||) with unit beta_l drawn at random, centred and
    margin-conditioned (module docstring); n inputs; H^inf of the paper's network.

    Args:
      Ls: sequence lengths.
      progress: called as ``progress(done, len(Ls))`` after each L.
      **options: the fields of ``Sampling`` (n, d, psi, repeats, c_min, c_max, margin_q,
        delta, cfg, seed).
    Returns:
      A ``Table`` with, per L (mean and std over the draws): y~^T H^-1 y~ / n
      (``quad_over_n``), the same for the +-1 labels, cond(H), the eq. 19 bound (O~
      constants 1) and the eq. 10 complexity C(F*/gamma) (mean; inf when psi's series
      diverges at C0 sqrt(L)); the notes hold the log-log slopes in L (polynomial growth:
      a finite slope).
    """
    Ls = check_counts("Ls", Ls)
    sm = Sampling(**options)
    rows = []
    for k, L in enumerate(Ls):
        t0 = time.perf_counter()
        vals = []
        for r in range(sm.repeats):
            s = sm.seed + 7919 * r + L
            concept, gamma, v = sm.measure(random_additive(L, sm.d, sm.psi, seed=s), s + 1000)
            vals.append((*v, concept.scaled(1.0 / gamma).complexity(sm.C0)))
        v = np.asarray(vals)
        rows.append({
            "L": L,
            "quad_over_n": v[:, 0].mean(), "quad_std": v[:, 0].std(),
            "labels_quad_over_n": v[:, 1].mean(), "labels_std": v[:, 1].std(),
            "cond_H": v[:, 2].mean(), "bound_eq19": v[:, 3].mean(), "C_eq10": v[:, 4].mean(),
            "seconds": time.perf_counter() - t0,
        })
        _tick(progress, k + 1, len(Ls))
    Ls_ = [r["L"] for r in rows]
    return Table(
        title=(f"additive class (eq. 9), psi = {sm.psi.name} at every step: "
               f"y~^T H^-1 y~ / n vs L ({sm.repeats} concept draws)"),
        columns=["L", "quad_over_n", "quad_std", "labels_quad_over_n", "labels_std", "cond_H",
                 "bound_eq19", "C_eq10"],
        rows=rows,
        notes={
            **sm.notes(),
            "loglog_slope_quad_over_n": loglog_slope(Ls_, [r["quad_over_n"] for r in rows]),
            "loglog_slope_labels": loglog_slope(Ls_, [r["labels_quad_over_n"] for r in rows]),
        },
    )


def n_variable_sweep(
    *,
    L: int = 16,
    l0s: Sequence[int] = (1, 2, 4, 8, 15),
    Ns: Sequence[int] = (1, 2, 3, 4, 6),
    C1: float = 100.0,
    progress: Progress = None,
    **options,
) -> Table:
    """The N-variable class (eq. 11) vs l0 at N = 2 and vs N at l0 = N - 1 (eq. 12).

    Positions end at the last step: (L - l0, L) for the l0 sweep, (L-N+1, ..., L) for
    the N sweep. Per row: both branches of eq. 12 for the rescaled F*/gamma
    (L^2 C_N(psi, C0 sqrt L) and L^3 C(psi, 2^l0 C0 sqrt L)), their minimum and which
    one attains it, and the data-dependent y~^T H^-1 y~ / n; means (and the std of the
    latter) over ``repeats`` concept draws.

    Args:
      L: sequence length.
      l0s: l0 values of the sweep at N = 2 (each <= L - 1).
      Ns: N values of the sweep at l0 = N - 1 (each <= L).
      C1: the constant of eq. 7.
      progress: called as ``progress(done, total)`` after each row.
      **options: the fields of ``Sampling``, as in ``additive_vs_L``.
    Returns:
      A ``Table`` with a ``sweep`` column ("l0" or "N").
    """
    L = check_int("L", L, low=2)
    l0s, Ns = check_counts("l0s", l0s, empty=True), check_counts("Ns", Ns, empty=True)
    C1 = check_real("C1", C1, low=0.0, open_low=True, what="constant")
    sm = Sampling(**options)
    cases = [("l0", 2, l0, (L - l0, L)) for l0 in l0s]
    cases += [("N", N, N - 1, tuple(range(L - N + 1, L + 1))) for N in Ns]
    for kind, N, _, pos in cases:
        if min(pos) < 1 or len(set(pos)) != N:
            raise ValueError(f"{kind} sweep: positions {pos} do not fit L = {L}; need "
                             f"l0 <= L - 1 and N <= L.")
    rows = []
    for k, (kind, N, l0, pos) in enumerate(cases):
        t0 = time.perf_counter()
        vals = []
        for r in range(sm.repeats):
            s = sm.seed + 17 * k + 7919 * r
            concept = random_n_variable(L, sm.d, pos, sm.psi, seed=s)
            concept, gamma, v = sm.measure(concept, s + 3000)
            cx = concept.scaled(1.0 / gamma).complexity(sm.C0, C1=C1)
            vals.append((cx.kernel_branch, cx.shift_branch, v[0], v[1], v[3]))
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
        title=(f"N-variable class (eq. 11), psi = {sm.psi.name}, L = {L}: eq. 12 branches and "
               f"y~^T H^-1 y~ / n"),
        columns=["sweep", "N", "l0", "positions", "kernel_branch", "shift_branch", "C_eq12",
                 "attained", "quad_over_n", "quad_std", "labels_quad_over_n", "bound_eq19"],
        rows=rows,
        notes={"L": L, **sm.notes(), "C1": C1},
    )


def default_eval_every(ns: Sequence[int]) -> int:
    """Steps between evaluations when none is given: half the smallest n (at least 1)."""
    return max(1, min(ns) // 2)


def sgd_vs_n(
    ns: Sequence[int] = (32, 64, 128, 256, 512),
    *,
    L: int = 6,
    d: int = 2,
    positions: Sequence[int] | None = None,
    psi: AnalyticFunction | None = None,
    m: int = 128,
    lrs: Sequence[float] = (1.0, 4.0),
    seeds: int | Sequence[int] = 8,
    n_test: int = 400,
    eval_every: int | None = None,
    scaling: str = "paper",
    c_min: float = 1.0,
    c_max: float = 2.0,
    margin_q: float = 0.1,
    delta: float = 0.05,
    cfg: RNNConfig = RNNConfig(),
    seed: int = 0,
    dtype: DTypeLike | None = None,
    progress: Progress = None,
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

    Args:
      ns: training-set sizes (= SGD steps).
      L, d: sequence length and features per step.
      positions: steps of the concept's terms (default the last two).
      psi: the analytic psi (default ``exp_series()``).
      m: width of the trained network.
      lrs: learning-rate constants c of eta = c/m.
      seeds: a count S (seeds 0..S-1) or the seeds.
      n_test: held-out samples.
      eval_every: steps between evaluations (default ``default_eval_every(ns)``); must
        divide every n.
      scaling: "paper" (f = sqrt(m) g, eta = c/m) or "standard" (f = g, eta = c).
      c_min, c_max, margin_q, delta, cfg, seed: as in ``additive_vs_L``.
      dtype: precision of the SGD runs (None: jax's default float).
      progress: called as ``progress(steps_done, sum(ns))``.
    Returns:
      (``Table``, curves) where curves holds, per n, the steps and the mean running
      error of the best learning rate (for ``plot_sgd``).
    """
    ns = check_counts("ns", ns)
    draws = Sampling(n=n_test, d=d, psi=psi, c_min=c_min, c_max=c_max, margin_q=margin_q,
                     delta=delta, cfg=cfg, seed=seed)
    psi = draws.psi
    positions = (L - 1, L) if positions is None else tuple(positions)
    n_seeds = len(check_seeds("seeds", seeds))
    ev = default_eval_every(ns) if eval_every is None else check_int("eval_every", eval_every,
                                                                     low=1)
    bad = [n for n in ns if n % ev]
    if bad:
        raise ValueError(f"eval_every = {ev} must divide every n, not {bad}.")
    concept, gamma = draws.centre(random_additive(L, d, psi, positions=positions, seed=seed),
                                  seed + 1)
    test = draws.sample(concept, gamma, n_test, seed + 2)
    total, done = int(sum(ns)), 0
    rows, curves = [], {}
    for k, n in enumerate(ns):
        t0 = time.perf_counter()
        tr = draws.sample(concept, gamma, n, seed + 100 + k)

        def on_progress(steps_done: int, _total: int, base: int = done) -> None:
            _tick(progress, base + steps_done, total)

        res = train(tr.x, tr.y, test.x, test.y, cfg=cfg, m=m, lrs=list(lrs), seeds=seeds,
                    n_steps=n, eval_every=ev, scaling=scaling, dtype=dtype,
                    x_probe=test.x[:8], capacity=max(ns), progress=on_progress)
        done += n
        avg = res.running_error[..., -1]  # (S, P)
        best = int(np.argmin(avg.mean(0)))
        rows.append({
            "n": n,
            "best_c": float(lrs[best]),
            "sgd_avg_iterate_err": float(avg[:, best].mean()),
            "sgd_avg_err_std": float(avg[:, best].std()),
            "sgd_final_err": float(res.test_error[:, best, -1].mean()),
            "online_err": float(res.online_error[:, best, -1].mean()),
            **_kernel_columns(tr, test, lrs[best] * n, draws),
            "w_dist": float(res.w_dist[:, best, -1].mean()),
            "ntk_drift": float(res.ntk_drift[:, best, -1].mean()),
            "init_err": float(res.initial_test_error.mean()),
            "seconds": time.perf_counter() - t0,
        })
        curves[int(n)] = {
            "steps": res.n_steps.tolist(),
            "running_error": res.running_error[:, best].mean(0).tolist(),
            "test_error": res.test_error[:, best].mean(0).tolist(),
        }
    table = Table(
        title=(f"Algorithm 1 (online SGD on W, one pass) vs n: additive psi = {psi.name} "
               f"at steps {positions}, L = {L}, m = {m}, {n_seeds} seeds"),
        columns=["n", "best_c", "sgd_avg_iterate_err", "sgd_avg_err_std", "sgd_final_err",
                 "online_err", "bound_eq19", "kernel_reg_err", "grad_flow_err", "w_dist",
                 "ntk_drift"],
        rows=rows,
        notes={"L": L, "d": d, "m": m, "lrs": list(lrs), "seeds": seeds,
               "n_test": n_test, "gamma": gamma, "C0": draws.C0, "margin_q": margin_q,
               "delta": delta, "scaling": scaling, "seed": seed,
               "bound": "eq. 19 with O~ constants 1: y~^T H^-1 y~ / n + log(1/delta) / n"},
    )
    return table, curves


def _kernel_columns(tr, test, t: float, draws: Sampling) -> dict:
    """The eq. 19 bound and the H^inf predictors' test errors for one training set."""
    n = len(tr.y)
    K = np.asarray(ntk(tr.x, cfg=draws.cfg))
    Ks = np.asarray(ntk(test.x, tr.x, cfg=draws.cfg))
    nb = norm_bound(K, tr.y_tilde)
    ridge = 0.0 if nb.cond < 1e12 else 1e-10 * float(np.trace(K)) / n
    kr = np.asarray(kernel_regression(K, tr.y, Ks, ridge=ridge))
    gf = np.asarray(gradient_flow(K, tr.y, t, Ks, ridge=ridge).test)
    return {
        "bound_eq19": generalization_bound(nb.quad, n, delta=draws.delta).value,
        "kernel_reg_err": float(np.mean(test.y * kr <= 0)),
        "grad_flow_err": float(np.mean(test.y * gf <= 0)),
        "quad_over_n": nb.quad / n,
    }
