"""``rnn-ntk bound``: complexities and y~^T (H^inf)^-1 y~ of the paper's concept classes.

Runs the two kernel-side experiments of ``rnn_ntk.experiments`` with a progress bar and
writes into ``--out``:

    bound.json                 both tables (additive vs L; N-variable vs l0 and vs N)
    additive_vs_L.png          y~^T H^-1 y~ / n against L (log-log)
    n_variable.png             both branches of eq. 12 and y~^T H^-1 y~ / n
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from rnn_ntk.commands._common import add_dtype_option, apply_dtype, write_json_atomic

NAME = "bound"


def register(sub) -> None:
    p = sub.add_parser(
        NAME,
        help="concept-class complexities (eqs. 6-12) and y~^T H^-1 y~ / n vs L, l0 and N",
    )
    p.add_argument("--Ls", type=int, nargs="+", default=[2, 4, 8, 16, 32, 64, 128],
                   help="sequence lengths of the additive sweep (default 2 4 ... 128)")
    p.add_argument("--n", type=int, default=128, help="samples per data set (default 128)")
    p.add_argument("--d", type=int, default=2, help="features per step (default 2)")
    p.add_argument("--psi", choices=("exp", "arctan"), default="exp",
                   help="the analytic psi of the concepts (default exp; arctan = arctan(z/2))")
    p.add_argument("--L-nvar", type=int, default=16,
                   help="sequence length of the N-variable sweeps (default 16)")
    p.add_argument("--l0s", type=int, nargs="+", default=[1, 2, 4, 8, 15],
                   help="l0 values at N = 2 (default 1 2 4 8 15)")
    p.add_argument("--Ns", type=int, nargs="+", default=[1, 2, 3, 4, 6],
                   help="N values at l0 = N - 1 (default 1 2 3 4 6)")
    p.add_argument("--c-min", type=float, default=1.0, help="C_min of the inputs (default 1)")
    p.add_argument("--c-max", type=float, default=2.0, help="C_max of the inputs (default 2)")
    p.add_argument("--C1", type=float, default=100.0, help="the constant of eq. 7 (default 100)")
    p.add_argument("--margin-q", type=float, default=0.1,
                   help="margin gamma = this quantile of |F*| (default 0.1)")
    p.add_argument("--delta", type=float, default=0.05, help="failure probability (eq. 19)")
    p.add_argument("--repeats", type=int, default=3,
                   help="concept draws averaged per row (default 3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="bound-results", help="output folder")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG plots")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_dtype_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    apply_dtype(args.dtype)
    from tqdm.auto import tqdm

    from rnn_ntk import experiments as ex

    psi = ex.PSIS[args.psi]()
    out = Path(args.out)
    common = dict(n=args.n, d=args.d, psi=psi, c_min=args.c_min, c_max=args.c_max,
                  margin_q=args.margin_q, delta=args.delta, seed=args.seed,
                  repeats=args.repeats)
    t0 = time.perf_counter()
    tables = {}
    try:
        with tqdm(total=len(args.Ls), desc="additive vs L", unit="L", disable=args.quiet,
                  file=sys.stderr) as bar:
            tables["additive"] = ex.additive_vs_L(
                args.Ls, progress=lambda k, _t: bar.update(k - bar.n), **common
            )
        total = len(args.l0s) + len(args.Ns)
        with tqdm(total=total, desc="N-variable", unit="case", disable=args.quiet,
                  file=sys.stderr) as bar:
            tables["n_variable"] = ex.n_variable_sweep(
                L=args.L_nvar, l0s=args.l0s, Ns=args.Ns, C1=args.C1,
                progress=lambda k, _t: bar.update(k - bar.n), **common
            )
    except (TypeError, ValueError) as e:
        print(f"rnn-ntk bound: {e}", file=sys.stderr)
        return 2
    payload = {k: t.to_dict() for k, t in tables.items()}
    payload["dtype"] = args.dtype
    payload["seconds"] = time.perf_counter() - t0
    path = write_json_atomic(out / "bound.json", payload)
    for t in tables.values():
        print(t.format())
        print()
    written = [path]
    if not args.no_plot:
        written.append(ex.plot_additive(tables["additive"], out / "additive_vs_L.png"))
        written.append(ex.plot_n_variable(tables["n_variable"], out / "n_variable.png"))
    print(f"rnn-ntk bound: {payload['seconds']:.1f} s; wrote " + ", ".join(map(str, written)))
    return 0
