"""``rnn-ntk converge``: at what width does the empirical NTK reach the analytic one?

Runs a ``rnn_ntk.experiments.SweepFolder`` on the built-in toy data set, with a progress
bar, into ``--out`` (sweep.json, cells/, table.json, table.csv, convergence.png). An
interrupted sweep run again with the same ``--out`` reuses every finished cell; a folder
or cell of another sweep is refused before any work, a damaged cell recomputed.

With ``--Ls L1 L2 ...`` it sweeps the length too: one such folder per L under
``--out/L{L}/`` (each resumable cell by cell), then m*(L) (``rnn_ntk.experiments.
mstar_study``: error curves, log-log slopes and m* per tolerance with bootstrap CIs over
seeds, the power law m* = c L^p) into study.json, mstar.csv, curves.csv,
error_vs_m.png and mstar_vs_L.png.
"""

from __future__ import annotations

import argparse

import rnn_ntk.cli._checks as checks
import rnn_ntk.cli._options as opts
from rnn_ntk import finite
from rnn_ntk._toy import toy_sequences
from rnn_ntk._validate import check_seeds
from rnn_ntk.experiments import (
    format_table,
    mstar_study,
    open_sweep_folder,
    plot_error_vs_m,
    plot_mstar_vs_L,
    save_figure,
    write_csv,
    write_json,
)

NAME = "converge"
HELP = "empirical NTK of finite-width RNNs vs the analytic H^inf over widths (resumable)"


def parents() -> list[argparse.ArgumentParser]:
    """The sub-command's options."""
    p = opts.parent()
    opts.add(p, "--data-seed", type=checks.integer(low=0), default=0,
             help="seed of the toy data set")
    opts.add(p, "--widths", type=checks.integer(low=1), nargs="+",
             default=[64, 128, 256, 512, 1024, 2048, 4096, 8192],
             help="strictly increasing widths")
    opts.add(p, "--seeds", type=checks.integer(low=0), nargs="+", default=[0, 1, 2, 3],
             help="parameter seeds per width (distinct)")
    opts.add(p, "--tol", type=checks.real(low=0.0, open_low=True), nargs="+",
             default=[0.2, 0.1, 0.05],
             help="report the smallest width whose mean relative error is below each")
    p.add_argument("--tols", dest="tol", type=checks.real(low=0.0, open_low=True), nargs="+",
                   default=argparse.SUPPRESS, metavar="TOL", help="the same as --tol")
    opts.add(p, "--Ls", type=checks.integer(low=1), nargs="+", default=None,
             help="sweep these strictly increasing lengths too (then --L is not used): "
             "one resumable sweep per L in --out/L{L}/, and m*(L) with bootstrap CIs")
    opts.add(p, "--seed-batch", type=checks.integer(low=1), default=None,
             help="seeds per vmapped program (default: sized to about 1 GiB)")
    opts.add(p, "--n-boot", type=checks.integer(low=1), default=2000,
             help="with --Ls: bootstrap resamples of the seeds per L")
    opts.add(p, "--mstar-slope", type=checks.real(high=0.0, open_high=True), default=None,
             help="with --Ls: read m* from lines of this fixed log-log slope (e.g. -0.5, "
             "the m^-1/2 law) through the fitted widths (default: the fitted slope)")
    opts.add(p, "--fit-min-m", type=checks.integer(low=1), default=None,
             help="with --Ls: fit slopes and m* on the widths >= this only (default: all)")
    return [opts.size_options(n=16, L=8, d=(2, 2)), p, opts.network_options(),
            opts.precision_option(), opts.folder_options("converge-results")]


def _rows(rows: list[dict]) -> list[dict]:
    return [{
        "m": r["m"],
        "Theta_W err": f"{r['theta_err_mean']:.4f} ± {r['theta_err_std']:.4f}",
        "K^l err": f"{r['K_err_all_mean']:.4f}",
        "F^l err": f"{r['F_err_all_mean']:.4f}",
        "cross": f"{r['cross_mean']:.4f}",
        "avg-seed": f"{r['avg_err']:.4f}",
        "sec": f"{r['seconds']:.1f}",
    } for r in rows]


def prepare(args: argparse.Namespace) -> opts.Job:
    """Checks the sweep and claims --out (refusing another sweep's); returns the job."""
    opts.use_precision(args.dtype)
    cfg = opts.config_from(args)
    widths = checks.argument("--widths", finite.check_widths, args.widths)
    seeds = checks.argument("--seeds", check_seeds, "seeds", args.seeds)
    if args.Ls is not None:
        return _prepare_Ls(args, cfg, widths, seeds)
    out = checks.writable_folder("--out", args.out)
    x, _ = toy_sequences(args.n, args.L, args.d, seed=args.data_seed)
    data = {"source": "rnn_ntk.toy_sequences", "n": args.n, "L": args.L, "d": args.d,
            "seed": args.data_seed}
    try:
        folder = open_sweep_folder(x, out, cfg=cfg, widths=widths, seeds=seeds,
                                   dtype=args.dtype, data=data)
    except ValueError as e:
        raise ValueError(f"argument --out: {e}") from None
    title = f"rnn-ntk converge: n={args.n}, L={args.L}, {len(seeds)} seeds, {args.dtype}"

    def job() -> int:
        with opts.progress_bar(args, "cells (m, seed)", "cell") as bar:
            done = folder.run(tolerances=args.tol, progress=opts.updater(bar),
                              plot_title=None if args.no_plot else title,
                              seed_batch=args.seed_batch)
        table = done.table
        print(f"rnn-ntk converge: n={args.n}, L={args.L}, d={args.d}, seeds={list(seeds)}, "
              f"{args.dtype}; reused {len(done.reused)} cell(s), computed {len(done.computed)}")
        print(format_table(_rows(table.rows()), indent="  "))
        print(f"  log-log slope: Theta_W {table.slope:.3f}, seed-averaged "
              f"{table.slope_avg:.3f}, cross-step {table.slope_cross:.3f}  (m^-1/2: -0.5)")
        for t, m in zip(table.tolerances, table.smallest_m, strict=True):
            print(f"  smallest m with mean error <= {t:g}: "
                  f"{m if m is not None else 'none swept'}")
        print("  wrote " + ", ".join(map(str, done.written)))
        return 0

    return job


#: The files of an --Ls study, beside its L{L}/ sweep folders.
STUDY_FILES = ("study.json", "mstar.csv", "curves.csv", "error_vs_m.png", "mstar_vs_L.png")


def _prepare_Ls(args: argparse.Namespace, cfg, widths, seeds) -> opts.Job:
    """--Ls: claims --out/L{L}/ for each L (all checked before any work); the study job."""
    Ls = tuple(args.Ls)
    if len(Ls) < 2 or any(b <= a for a, b in zip(Ls, Ls[1:], strict=False)):
        raise ValueError(f"argument --Ls: give at least two strictly increasing lengths (m* "
                         f"is fitted across them; for one L use --L), got {list(Ls)}.")
    if args.fit_min_m is not None and sum(w >= args.fit_min_m for w in widths) < 2:
        raise ValueError(f"argument --fit-min-m: {args.fit_min_m} leaves fewer than two of "
                         f"--widths {list(widths)} to fit; lower it.")
    out = checks.writable_folder("--out", args.out, STUDY_FILES)
    if (out / "sweep.json").exists():
        raise ValueError(f"argument --out: {out} holds a single-L sweep (sweep.json); an --Ls "
                         f"study needs its own folder.")
    folders = {}
    for L in Ls:
        x, _ = toy_sequences(args.n, L, args.d, seed=args.data_seed)
        data = {"source": "rnn_ntk.toy_sequences", "n": args.n, "L": L, "d": args.d,
                "seed": args.data_seed}
        try:
            folders[L] = open_sweep_folder(x, out / f"L{L}", cfg=cfg, widths=widths,
                                           seeds=seeds, dtype=args.dtype, data=data)
        except ValueError as e:
            raise ValueError(f"argument --out: {e}") from None
    total = len(Ls) * len(widths) * len(seeds)
    head = (f"n={args.n}, d={args.d}, sa2={cfg.sa2}, {len(seeds)} seeds, {args.dtype}")

    def job() -> int:
        tables, reused, computed = {}, 0, 0
        with opts.progress_bar(args, "cells (L, m, seed)", "cell") as bar:
            tick = opts.updater(bar)
            for i, (L, folder) in enumerate(folders.items()):
                offset = i * len(widths) * len(seeds)
                done = folder.run(
                    tolerances=args.tol, seed_batch=args.seed_batch,
                    progress=lambda d, _t, o=offset: tick(o + d, total),
                    plot_title=None if args.no_plot else f"rnn-ntk converge: L={L}, {head}")
                tables[L] = done.table
                reused += len(done.reused)
                computed += len(done.computed)
        study = mstar_study(Ls, widths, [tables[L].theta_err for L in Ls],
                            [tables[L].cross for L in Ls], tolerances=args.tol,
                            n_boot=args.n_boot, fit_min_m=args.fit_min_m,
                            mstar_slope=args.mstar_slope)
        written = [
            write_json(out / "study.json", {"n": args.n, "d": args.d, "data_seed":
                       args.data_seed, "Ls": list(Ls), "widths": list(widths),
                       "seeds": list(seeds), "dtype": args.dtype,
                       "config": folders[Ls[0]].manifest["config"],
                       "params": folders[Ls[0]].manifest["params"], **study.to_dict()}),
            write_csv(out / "mstar.csv", study.rows()),
            write_csv(out / "curves.csv", _curve_rows(study)),
        ]
        fit = "all widths" if args.fit_min_m is None else f"widths >= {args.fit_min_m}"
        how = ("its fitted line" if args.mstar_slope is None else
               f"the line of slope {args.mstar_slope:g} through them")
        if not args.no_plot:
            written.append(save_figure(plot_error_vs_m(study, f"rnn-ntk converge --Ls: {head}"),
                                       out / "error_vs_m.png"))
            written.append(save_figure(plot_mstar_vs_L(study, f"m*(L): {head}\nfits on {fit}; "
                                                       f"m* where {how} crosses tol"),
                                       out / "mstar_vs_L.png"))
        print(f"rnn-ntk converge --Ls {' '.join(map(str, Ls))}: {head}; reused {reused} "
              f"cell(s), computed {computed}")
        print(format_table(_study_rows(study), indent="  "))
        print(f"  slopes fitted on {fit}; m* fit: where {how} crosses tol")
        for t, p in zip(study.tolerances, study.exponents, strict=True):
            print(f"  tol {t:g}: fitted m* ~ L^{p.value:.2f}, {study.level:.0%} CI "
                  f"[{p.low:.2f}, {p.high:.2f}] ({study.n_boot} bootstrap resamples of the "
                  f"seeds per L)")
        print("  wrote " + ", ".join(map(str, written)))
        return 0

    return job


def _ci(e) -> str:
    return f"{e.value:.3g} [{e.low:.3g}, {e.high:.3g}]"


def _study_rows(study) -> list[dict]:
    rows = []
    for c in study.curves:
        row = {"L": c.L, f"err @ m={c.widths[-1]}": f"{c.mean[-1]:.3f} ± {c.std[-1]:.3f}",
               "slope [95% CI]": _ci(c.slope), "cross slope": _ci(c.cross_slope)}
        for ms in c.mstar:
            row[f"m*({ms.tol:g}) swept"] = "-" if ms.swept is None else ms.swept
            row[f"m*({ms.tol:g}) fit [CI]"] = _ci(ms.fitted) + (
                " (extrapolated)" if ms.kind == "extrapolated" else "")
        rows.append(row)
    return rows


def _curve_rows(study) -> list[dict]:
    return [{"L": c.L, "m": int(m), "seeds": c.seeds, "theta_err_mean": float(c.mean[i]),
             "theta_err_std": float(c.std[i]), "theta_err_min": float(c.low[i]),
             "theta_err_max": float(c.high[i]), "cross_mean": float(c.cross_mean[i])}
            for c in study.curves for i, m in enumerate(c.widths)]


COMMAND = opts.Command(NAME, HELP, parents, prepare)
