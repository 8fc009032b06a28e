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

import rnn_ntk.cli._checks as checks
import rnn_ntk.cli._options as opts
from rnn_ntk.experiments import (
    PSIS,
    default_eval_every,
    plot_sgd,
    save_figure,
    sgd_vs_n,
    write_json,
)

NAME = "train"
HELP = "Algorithm 1 (online SGD on W) test error vs n, bound and kernel predictors"

#: A size, step or count: an int >= 1.
COUNT = checks.integer(low=1)


def parents() -> list[argparse.ArgumentParser]:
    """The sub-command's options."""
    p = opts.parent()
    opts.add(p, "--ns", type=COUNT, nargs="+", default=[32, 64, 128, 256, 512],
             help="training-set sizes = SGD steps")
    opts.add(p, "--positions", type=COUNT, nargs="+", default=None,
             help="steps (1..L) of the additive concept's terms (default the last two)")
    opts.add(p, "--m", type=COUNT, default=128, help="width")
    opts.add(p, "--lrs", type=checks.real(low=0.0, open_low=True), nargs="+", default=[1.0, 4.0],
             help="learning-rate constants c of eta = c/m")
    opts.add(p, "--seeds", type=COUNT, default=8, help="seeds per setting")
    opts.add(p, "--n-test", type=COUNT, default=400, help="held-out samples")
    opts.add(p, "--eval-every", type=COUNT, default=None,
             help="steps between evaluations, dividing every n (default min(ns) / 2)")
    opts.add(p, "--scaling", choices=("paper", "standard"), default="paper",
             help="paper: f = sqrt(m) g, eta = c/m; standard: f = g, eta = c")
    opts.add(p, "--sgd-dtype", choices=("float32", "float64"), default="float32",
             help="precision of the SGD runs")
    return [p, opts.size_options(L=6, d=2), opts.concept_options(), opts.seed_option(),
            opts.network_options(), opts.precision_option(), opts.folder_options("train-results")]


def _check(args: argparse.Namespace) -> None:
    """The options together (ValueError naming the flag)."""
    if args.sgd_dtype == "float64" and args.dtype == "float32":
        raise ValueError("--sgd-dtype float64 needs --dtype float64")
    opts.check_concepts(args)
    if args.positions is not None:
        if max(args.positions) > args.L:
            raise ValueError(f"argument --positions: must be steps in 1..--L = 1..{args.L}, "
                             f"got {args.positions}.")
    elif args.L < 2:
        raise ValueError("argument --L: the default --positions (the last two steps) need "
                         "--L >= 2; give --positions for --L 1.")
    every = default_eval_every(args.ns) if args.eval_every is None else args.eval_every
    bad = [n for n in args.ns if n % every]
    if bad:
        raise ValueError(f"argument --eval-every: {every} must divide every n of --ns, not "
                         f"{bad}.")


def prepare(args: argparse.Namespace) -> opts.Job:
    """Checks the options together and --out; returns the job."""
    _check(args)
    opts.use_precision(args.dtype)
    cfg = opts.config_from(args)
    out = checks.writable_folder("--out", args.out, ("train.json", "sgd_vs_n.png"))

    def job() -> int:
        t0 = time.perf_counter()
        with opts.progress_bar(args, "SGD steps (all seeds, lrs)", "step") as bar:
            table, curves = sgd_vs_n(
                args.ns, L=args.L, d=args.d, positions=args.positions,
                psi=PSIS[args.psi](), m=args.m, lrs=args.lrs, seeds=args.seeds,
                n_test=args.n_test, eval_every=args.eval_every, c_min=args.c_min,
                c_max=args.c_max, margin_q=args.margin_q, delta=args.delta,
                scaling=args.scaling, seed=args.seed, cfg=cfg,
                dtype=args.sgd_dtype, progress=opts.updater(bar),
            )
        payload = {"table": table.to_dict(), "curves": curves, "dtype": args.dtype,
                   "sgd_dtype": args.sgd_dtype, "seconds": time.perf_counter() - t0}
        written = [write_json(out / "train.json", payload)]
        print(table.format())
        if not args.no_plot:
            written.append(save_figure(plot_sgd(table, curves), out / "sgd_vs_n.png"))
        print(f"rnn-ntk train: {payload['seconds']:.1f} s; wrote "
              + ", ".join(map(str, written)))
        return 0

    return job


COMMAND = opts.Command(NAME, HELP, parents, prepare)
