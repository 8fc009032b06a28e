"""``rnn-ntk bound``: complexities and y~^T (H^inf)^-1 y~ of the paper's concept classes.

Runs ``additive_vs_L`` and ``n_variable_sweep`` of ``rnn_ntk.experiments`` with a
progress bar and writes into ``--out``:

    bound.json                 both tables (additive vs L; N-variable vs l0 and vs N)
    additive_vs_L.png          y~^T H^-1 y~ / n against L (log-log)
    n_variable.png             both branches of eq. 12 and y~^T H^-1 y~ / n
"""

from __future__ import annotations

import argparse
import time

import rnn_ntk.cli._checks as checks
import rnn_ntk.cli._options as opts
from rnn_ntk.experiments import (
    PSIS,
    Sampling,
    additive_vs_L,
    n_variable_sweep,
    plot_additive,
    plot_n_variable,
    save_figure,
    write_json,
)

NAME = "bound"
HELP = "concept-class complexities (eqs. 6-12) and y~^T H^-1 y~ / n vs L, l0 and N"


def parents() -> list[argparse.ArgumentParser]:
    """The sub-command's options."""
    p = opts.parent()
    length = checks.integer(low=1)
    opts.add(p, "--Ls", type=length, nargs="+", default=[2, 4, 8, 16, 32, 64, 128],
             help="sequence lengths of the additive sweep")
    opts.add(p, "--L-nvar", type=checks.integer(low=2), default=16,
             help="sequence length of the N-variable sweeps")
    opts.add(p, "--l0s", type=length, nargs="+", default=[1, 2, 4, 8, 15],
             help="l0 values at N = 2 (each <= --L-nvar - 1)")
    opts.add(p, "--Ns", type=length, nargs="+", default=[1, 2, 3, 4, 6],
             help="N values at l0 = N - 1 (each <= --L-nvar)")
    opts.add(p, "--C1", type=checks.real(low=0.0, open_low=True), default=100.0,
             help="the constant of eq. 7")
    opts.add(p, "--repeats", type=checks.integer(low=1), default=3,
             help="concept draws averaged per row")
    return [p, opts.size_options(n=128, d=2), opts.concept_options(), opts.seed_option(),
            opts.network_options(), opts.precision_option(), opts.folder_options("bound-results")]


def prepare(args: argparse.Namespace) -> opts.Job:
    """Checks the sweeps' options together and --out; returns the job."""
    opts.use_precision(args.dtype)
    opts.check_concepts(args)
    for flag, values, top in (("--l0s", args.l0s, args.L_nvar - 1), ("--Ns", args.Ns, args.L_nvar)):
        if max(values) > top:
            raise ValueError(f"argument {flag}: each must be <= {top} at --L-nvar "
                             f"{args.L_nvar}, got {max(values)}.")
    common = dict(n=args.n, d=args.d, psi=PSIS[args.psi](), c_min=args.c_min,
                  c_max=args.c_max, margin_q=args.margin_q, delta=args.delta,
                  seed=args.seed, repeats=args.repeats, cfg=opts.config_from(args))
    Sampling(**common)  # the library's own checks of these options
    out = checks.writable_folder("--out", args.out,
                                 ("bound.json", "additive_vs_L.png", "n_variable.png"))

    def job() -> int:
        t0 = time.perf_counter()
        tables = {}
        with opts.progress_bar(args, "additive vs L", "L") as bar:
            tables["additive"] = additive_vs_L(args.Ls, progress=opts.updater(bar), **common)
        with opts.progress_bar(args, "N-variable", "case") as bar:
            tables["n_variable"] = n_variable_sweep(
                L=args.L_nvar, l0s=args.l0s, Ns=args.Ns, C1=args.C1,
                progress=opts.updater(bar), **common
            )
        payload = {k: t.to_dict() for k, t in tables.items()}
        payload["dtype"] = args.dtype
        payload["seconds"] = time.perf_counter() - t0
        written = [write_json(out / "bound.json", payload)]
        for t in tables.values():
            print(t.format())
            print()
        if not args.no_plot:
            written.append(save_figure(plot_additive(tables["additive"]),
                                       out / "additive_vs_L.png"))
            written.append(save_figure(plot_n_variable(tables["n_variable"]),
                                       out / "n_variable.png"))
        print(f"rnn-ntk bound: {payload['seconds']:.1f} s; wrote " + ", ".join(map(str, written)))
        return 0

    return job


COMMAND = opts.Command(NAME, HELP, parents, prepare)
