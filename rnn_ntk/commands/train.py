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

import sys
import time
from pathlib import Path

from rnn_ntk.commands._common import add_dtype_option, apply_dtype, write_json_atomic

NAME = "train"


def register(sub) -> None:
    p = sub.add_parser(
        NAME, help="Algorithm 1 (online SGD on W) test error vs n, bound and kernel predictors"
    )
    p.add_argument("--ns", type=int, nargs="+", default=[32, 64, 128, 256, 512],
                   help="training-set sizes = SGD steps (default 32 64 128 256 512)")
    p.add_argument("--L", type=int, default=6, help="sequence length (default 6)")
    p.add_argument("--d", type=int, default=2, help="features per step (default 2)")
    p.add_argument("--positions", type=int, nargs="+", default=None,
                   help="steps of the additive concept's terms (default the last two)")
    p.add_argument("--psi", choices=("exp", "arctan"), default="exp",
                   help="the analytic psi of the concept (default exp)")
    p.add_argument("--m", type=int, default=128, help="width (default 128)")
    p.add_argument("--lrs", type=float, nargs="+", default=[1.0, 4.0],
                   help="learning-rate constants c of eta = c/m (default 1 4)")
    p.add_argument("--seeds", type=int, default=8, help="seeds per setting (default 8)")
    p.add_argument("--n-test", type=int, default=400, help="held-out samples (default 400)")
    p.add_argument("--eval-every", type=int, default=None,
                   help="steps between evaluations (default min(ns) / 2)")
    p.add_argument("--scaling", choices=("paper", "standard"), default="paper",
                   help="paper: f = sqrt(m) g, eta = c/m (default); standard: f = g, eta = c")
    p.add_argument("--c-min", type=float, default=1.0)
    p.add_argument("--c-max", type=float, default=2.0)
    p.add_argument("--margin-q", type=float, default=0.1,
                   help="margin gamma = this quantile of |F*| (default 0.1)")
    p.add_argument("--delta", type=float, default=0.05, help="failure probability (eq. 19)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sgd-dtype", choices=("float32", "float64"), default="float32",
                   help="precision of the SGD runs (default float32)")
    p.add_argument("--out", default="train-results", help="output folder")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG plot")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_dtype_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if args.sgd_dtype == "float64" and args.dtype == "float32":
        print("rnn-ntk train: --sgd-dtype float64 needs --dtype float64", file=sys.stderr)
        return 2
    apply_dtype(args.dtype)
    import jax.numpy as jnp
    from tqdm.auto import tqdm

    from rnn_ntk import experiments as ex

    t0 = time.perf_counter()
    with tqdm(total=sum(args.ns), desc="SGD steps (all seeds, lrs)", unit="step",
              disable=args.quiet, file=sys.stderr) as bar:
        try:
            table, curves = ex.sgd_vs_n(
                args.ns, L=args.L, d=args.d, positions=args.positions,
                psi=ex.PSIS[args.psi](), m=args.m, lrs=args.lrs, seeds=args.seeds,
                n_test=args.n_test, eval_every=args.eval_every, c_min=args.c_min,
                c_max=args.c_max, margin_q=args.margin_q, delta=args.delta,
                scaling=args.scaling, seed=args.seed, dtype=jnp.dtype(args.sgd_dtype),
                progress=lambda k, _t: bar.update(k - bar.n),
            )
        except (TypeError, ValueError) as e:
            print(f"rnn-ntk train: {e}", file=sys.stderr)
            return 2
    payload = {"table": table.to_dict(), "curves": curves, "dtype": args.dtype,
               "sgd_dtype": args.sgd_dtype, "seconds": time.perf_counter() - t0}
    out = Path(args.out)
    written = [write_json_atomic(out / "train.json", payload)]
    print(table.format())
    if not args.no_plot:
        written.append(ex.plot_sgd(table, curves, out / "sgd_vs_n.png"))
    print(f"rnn-ntk train: {payload['seconds']:.1f} s; wrote " + ", ".join(map(str, written)))
    return 0
