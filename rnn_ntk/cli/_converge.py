"""``rnn-ntk converge``: at what width does the empirical NTK reach the analytic one?

Runs a ``rnn_ntk.experiments.SweepFolder`` on the built-in toy data set, with a progress
bar, into ``--out`` (sweep.json, cells/, table.json, table.csv, convergence.png). An
interrupted sweep run again with the same ``--out`` reuses every finished cell; a folder
or cell of another sweep is refused before any work, a damaged cell recomputed.
"""

from __future__ import annotations

import argparse

import rnn_ntk.cli._checks as checks
import rnn_ntk.cli._options as opts
from rnn_ntk import finite
from rnn_ntk._toy import toy_sequences
from rnn_ntk._validate import check_seeds
from rnn_ntk.experiments import format_table, open_sweep_folder

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
                              plot_title=None if args.no_plot else title)
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


COMMAND = opts.Command(NAME, HELP, parents, prepare)
