"""``rnn-ntk converge``: at what width does the empirical NTK reach the analytic one?

Runs ``rnn_ntk.convergence`` on the built-in toy dataset, with a progress bar, and
writes into ``--out``:

    sweep.json          what was swept (data, config, dtype): a re-run must match it
    cells/m{m}_s{seed}.json   one file per finished (width, seed) cell, written atomically
    table.json, table.csv     the per-width table, slopes and smallest widths
    convergence.png           log-log errors against m with an m^-1/2 reference line

An interrupted sweep re-run with the same ``--out`` reuses every finished cell (a cell
file is complete or absent: temp file + os.replace) and computes only the rest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from rnn_ntk.commands._common import add_dtype_option, apply_dtype, write_json_atomic

NAME = "converge"

DEFAULT_WIDTHS = (64, 128, 256, 512, 1024, 2048, 4096, 8192)


def register(sub) -> None:
    p = sub.add_parser(
        NAME,
        help="empirical NTK of finite-width RNNs vs the analytic H^inf over widths (resumable)",
    )
    p.add_argument("--n", type=int, default=16, help="number of sequences (default 16)")
    p.add_argument("--L", type=int, default=8, help="sequence length (default 8)")
    p.add_argument("--d", type=int, default=2, help="features per step (default 2)")
    p.add_argument("--data-seed", type=int, default=0, help="seed of the toy dataset")
    p.add_argument(
        "--widths",
        type=int,
        nargs="+",
        default=list(DEFAULT_WIDTHS),
        help="strictly increasing widths (default 64 128 ... 8192)",
    )
    p.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=[0, 1, 2, 3],
        help="parameter seeds per width (default 0 1 2 3)",
    )
    p.add_argument(
        "--tol",
        type=float,
        nargs="+",
        default=[0.2, 0.1, 0.05],
        help="report the smallest width whose mean relative error is below each",
    )
    p.add_argument("--h0", choices=("random", "zero"), default="random")
    p.add_argument("--sa2", default="paper", help="input variance scale or 'paper' (2/L^3)")
    p.add_argument("--out", default="converge-results", help="output folder (resumable)")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG plot")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_dtype_option(p)
    p.set_defaults(func=run)


def _cell_path(out: Path, m: int, seed: int) -> Path:
    return out / "cells" / f"m{m}_s{seed}.json"


def _write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _manifest(args, cfg, x) -> dict:
    return {
        "data": {
            "source": "rnn_ntk.toy_sequences",
            "n": args.n,
            "L": args.L,
            "d": args.d,
            "seed": args.data_seed,
            "sha256": hashlib.sha256(np.ascontiguousarray(x, np.float64).tobytes()).hexdigest(),
        },
        "config": {
            "sw2": cfg.sw2,
            "sa2": cfg.sa2,
            "sb2": cfg.sb2,
            "s02": cfg.s02,
            "sB2": cfg.sB2,
            "h0": cfg.h0,
        },
        "dtype": args.dtype,
        "params": "rnn_ntk.init_params(jax.random.key(seed), cfg, m=m, d=d, L=L)",
    }


def _load_cells(out: Path, widths, seeds, Cell) -> dict:
    cells = {}
    for m in widths:
        for s in seeds:
            path = _cell_path(out, m, s)
            if not path.exists():
                continue
            try:
                cell = Cell.from_dict(json.loads(path.read_text()))
            except (ValueError, KeyError, TypeError) as e:
                print(f"rnn-ntk converge: recomputing unreadable {path}: {e}", file=sys.stderr)
                continue
            if (cell.m, cell.seed) == (m, s):
                cells[(m, s)] = cell
    return cells


def _csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def _plot(table, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = table.widths.astype(float)
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    for name, label in (
        ("theta_err", r"$\Theta_W$ vs $H^\infty$"),
        ("K_err_all", r"$K^l$ (all l)"),
        ("F_err_all", r"$F^l$ (all l)"),
        ("cross", r"cross-step part / $\|H^\infty\|$"),
    ):
        v = getattr(table, name)
        mean = v.mean(axis=1)
        spread = [mean - v.min(axis=1), v.max(axis=1) - mean]  # min..max over seeds
        ax.errorbar(m, mean, yerr=spread, marker="o", ms=4, capsize=3, label=label)
    ax.plot(m, table.avg_err, "k^--", ms=4, label=r"seed-averaged $\Theta_W$")
    # m^-1/2 through the geometric centre of the Theta_W means
    c = np.exp(np.mean(np.log(table.theta_err.mean(axis=1)) + 0.5 * np.log(m)))
    ax.plot(m, c / np.sqrt(m), color="gray", ls=":", label=r"$\propto m^{-1/2}$")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("width m")
    ax.set_ylabel("relative Frobenius error (mean; bars: min-max over seeds)")
    ax.set_title(f"{title}\nslope of $\\Theta_W$ error: {table.slope:.3f}", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp.png")
    os.close(fd)
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    os.replace(tmp, path)


def run(args) -> int:
    apply_dtype(args.dtype)
    import rnn_ntk  # after the precision is set
    from rnn_ntk.convergence import Cell, check_widths, convergence

    try:
        widths = check_widths(args.widths)
    except (TypeError, ValueError) as e:
        print(f"rnn-ntk converge: --widths: {e}", file=sys.stderr)
        return 2
    sa2 = args.sa2 if args.sa2 == "paper" else float(args.sa2)
    cfg = rnn_ntk.RNNConfig(sa2=sa2, h0=args.h0)
    x, _ = rnn_ntk.toy_sequences(args.n, args.L, args.d, seed=args.data_seed)
    out = Path(args.out)
    manifest = _manifest(args, cfg, x)
    mpath = out / "sweep.json"
    if mpath.exists():
        old = json.loads(mpath.read_text())
        if old != manifest:
            print(
                f"rnn-ntk converge: {out} holds a different sweep ({mpath} differs: other "
                f"data, config or dtype); use another --out or delete that folder.",
                file=sys.stderr,
            )
            return 2
    else:
        write_json_atomic(mpath, manifest)

    for stale in (out / "cells").glob("*.tmp"):  # a write cut short by an interruption
        stale.unlink(missing_ok=True)
    cells = _load_cells(out, widths, args.seeds, Cell)
    total = len(widths) * len(set(args.seeds))
    computed: list[tuple[int, int]] = []

    from tqdm.auto import tqdm

    bar = tqdm(
        total=total,
        initial=len(cells),
        desc="cells (m, seed)",
        unit="cell",
        disable=args.quiet,
        file=sys.stderr,
    )

    def on_cell(cell) -> None:
        _write_text_atomic(_cell_path(out, cell.m, cell.seed), json.dumps(cell.to_dict()))
        computed.append((cell.m, cell.seed))
        bar.set_postfix(m=cell.m, seed=cell.seed, err=f"{cell.theta_err:.3g}")
        bar.update(1)

    try:
        table = convergence(
            x, cfg, widths, args.seeds, tolerances=args.tol, cells=cells, on_cell=on_cell
        )
    except (TypeError, ValueError) as e:
        bar.close()
        print(f"rnn-ntk converge: {e}", file=sys.stderr)
        return 2
    bar.close()

    summary = {
        **manifest,
        "widths": list(widths),
        "seeds": list(args.seeds),
        "reused_cells": len(cells),
        "computed_cells": [list(c) for c in computed],
        **table.to_dict(),
    }
    write_json_atomic(out / "table.json", summary)
    rows = table.rows()
    _write_text_atomic(out / "table.csv", _csv(rows))
    if not args.no_plot:
        _plot(
            table,
            out / "convergence.png",
            f"rnn-ntk converge: n={args.n}, L={args.L}, {len(args.seeds)} seeds, {args.dtype}",
        )

    print(
        f"rnn-ntk converge: n={args.n}, L={args.L}, d={args.d}, seeds={list(args.seeds)}, "
        f"{args.dtype}; reused {len(cells)} cell(s), computed {len(computed)}"
    )
    print(
        f"  {'m':>6} {'Theta_W err':>17} {'K^l err':>8} {'F^l err':>8} {'cross':>8} "
        f"{'avg-seed':>8} {'sec':>6}"
    )
    for r in rows:
        print(
            f"  {r['m']:>6} {r['theta_err_mean']:>8.4f} ± {r['theta_err_std']:<6.4f} "
            f"{r['K_err_all_mean']:>8.4f} {r['F_err_all_mean']:>8.4f} "
            f"{r['cross_mean']:>8.4f} {r['avg_err']:>8.4f} {r['seconds']:>6.1f}"
        )
    print(
        f"  log-log slope: Theta_W {table.slope:.3f}, seed-averaged {table.slope_avg:.3f}, "
        f"cross-step {table.slope_cross:.3f}  (m^-1/2: -0.5)"
    )
    for t, m in zip(table.tolerances, table.smallest_m, strict=True):
        print(f"  smallest m with mean error <= {t:g}: {m if m is not None else 'none swept'}")
    print(f"  wrote {out}/table.json, table.csv" + ("" if args.no_plot else ", convergence.png"))
    return 0
