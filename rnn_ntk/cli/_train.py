"""``rnn-ntk train``: Algorithm 1 (online SGD on W) vs n, against the bound and kernels.

Runs ``rnn_ntk.experiments.sgd_vs_n`` with a progress bar over SGD steps and writes into
``--out``:

    train.json        the table (per n: SGD errors, eq. 19 bound, kernel predictors,
                      ||W_T - W_0||_F, NTK drift) and the running-error curves
    sgd_vs_n.png      test 0-1 errors against n, and the running averages against t

The SGD runs in ``--sgd-dtype`` (float32 by default, for speed); the kernels, the bound
and the predictors in ``--dtype`` (float64 by default).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import rnn_ntk.cli._options as opts
from rnn_ntk.experiments import PSIS, plot_sgd, save_figure, sgd_vs_n, write_json

NAME = "train"
HELP = "Algorithm 1 (online SGD on W) test error vs n, bound and kernel predictors"


def parents() -> list[argparse.ArgumentParser]:
    """The sub-command's options."""
    p = opts.parent()
    opts.add(p, "--ns", type=int, nargs="+", default=[32, 64, 128, 256, 512],
                   help="training-set sizes = SGD steps")
    opts.add(p, "--positions", type=int, nargs="+", default=None,
                   help="steps of the additive concept's terms (default the last two)")
    opts.add(p, "--m", type=int, default=128, help="width")
    opts.add(p, "--lrs", type=float, nargs="+", default=[1.0, 4.0],
                   help="learning-rate constants c of eta = c/m")
    opts.add(p, "--seeds", type=int, default=8, help="seeds per setting")
    opts.add(p, "--n-test", type=int, default=400, help="held-out samples")
    opts.add(p, "--eval-every", type=int, default=None,
                   help="steps between evaluations (default min(ns) / 2)")
    opts.add(p, "--scaling", choices=("paper", "standard"), default="paper",
                   help="paper: f = sqrt(m) g, eta = c/m; standard: f = g, eta = c")
    opts.add(p, "--sgd-dtype", choices=("float32", "float64"), default="float32",
                   help="precision of the SGD runs")
    return [p, opts.size_options(L=6, d=2), opts.concept_options(), opts.seed_option(),
            opts.network_options(), opts.precision_option(), opts.folder_options("train-results")]


def run(args: argparse.Namespace) -> int:
    """Runs the sweep over n, prints the table, writes JSON and the plot."""
    if args.sgd_dtype == "float64" and args.dtype == "float32":
        return opts.fail(NAME, "--sgd-dtype float64 needs --dtype float64")
    opts.use_precision(args.dtype)
    t0 = time.perf_counter()
    try:
        with opts.progress_bar(args, "SGD steps (all seeds, lrs)", "step") as bar:
            table, curves = sgd_vs_n(
                args.ns, L=args.L, d=args.d, positions=args.positions,
                psi=PSIS[args.psi](), m=args.m, lrs=args.lrs, seeds=args.seeds,
                n_test=args.n_test, eval_every=args.eval_every, c_min=args.c_min,
                c_max=args.c_max, margin_q=args.margin_q, delta=args.delta,
                scaling=args.scaling, seed=args.seed, cfg=opts.config_from(args),
                dtype=args.sgd_dtype, progress=opts.updater(bar),
            )
    except (TypeError, ValueError) as e:
        return opts.fail(NAME, e)
    payload = {"table": table.to_dict(), "curves": curves, "dtype": args.dtype,
               "sgd_dtype": args.sgd_dtype, "seconds": time.perf_counter() - t0}
    out = Path(args.out)
    written = [write_json(out / "train.json", payload)]
    print(table.format())
    if not args.no_plot:
        written.append(save_figure(plot_sgd(table, curves), out / "sgd_vs_n.png"))
    print(f"rnn-ntk train: {payload['seconds']:.1f} s; wrote " + ", ".join(map(str, written)))
    return 0


COMMAND = opts.Command(NAME, HELP, parents, run)
