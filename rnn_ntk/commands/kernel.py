"""``rnn-ntk kernel`` (the default job): H^inf of a built-in toy dataset, summarised."""

from __future__ import annotations

import time

import numpy as np

from rnn_ntk.commands._common import add_dtype_option, apply_dtype, write_json_atomic

NAME = "kernel"


def register(sub) -> None:
    p = sub.add_parser(NAME, help="compute H^inf on the built-in toy dataset (default job)")
    p.add_argument("--n", type=int, default=32, help="number of sequences (default 32)")
    p.add_argument("--L", type=int, default=16, help="sequence length (default 16)")
    p.add_argument("--d", type=int, default=2, help="features per step (default 2)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--h0", choices=("random", "zero"), default="random")
    p.add_argument("--sa2", default="paper", help="input variance scale or 'paper' (2/L^3)")
    p.add_argument("--json", default=None, help="also write the summary to this JSON file")
    add_dtype_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    apply_dtype(args.dtype)
    import rnn_ntk  # after the precision is set
    from rnn_ntk.linalg import inverse_quadratic_form

    sa2 = args.sa2 if args.sa2 == "paper" else float(args.sa2)
    cfg = rnn_ntk.RNNConfig(sa2=sa2, h0=args.h0)
    x, y = rnn_ntk.toy_sequences(args.n, args.L, args.d, seed=args.seed)
    t0 = time.perf_counter()
    H = np.asarray(rnn_ntk.ntk(x, cfg=cfg))
    seconds = time.perf_counter() - t0
    k = rnn_ntk.kernels(x, cfg=cfg)
    eig = np.linalg.eigvalsh(H)
    quad, cond, _ = inverse_quadratic_form(H, y)
    corr_last = float(np.mean(np.asarray(k.rho[-1])[~np.eye(args.n, dtype=bool)]))
    summary = {
        "config": {
            "sw2": cfg.sw2,
            "sa2": cfg.resolve_sa2(args.L),
            "sb2": cfg.sb2,
            "s02": cfg.s02,
            "sB2": cfg.sB2,
            "h0": cfg.h0,
        },
        "n": args.n,
        "L": args.L,
        "d": args.d,
        "dtype": args.dtype,
        "seconds": seconds,
        "H_diag_mean": float(np.mean(np.diag(H))),
        "H_offdiag_mean": float(np.mean(H[~np.eye(args.n, dtype=bool)])),
        "H_min_eig": float(eig[0]),
        "H_max_eig": float(eig[-1]),
        "H_cond": cond,
        "yT_Hinv_y": quad,
        "yT_Hinv_y_over_n": quad / args.n,
        "mean_offdiag_rho_L": corr_last,
        "F1_over_FL_mean": float(np.mean(np.asarray(k.F[0]) / np.asarray(k.F[-1]))),
    }
    print(
        f"rnn-ntk: H^inf of the toy dataset (n={args.n}, L={args.L}, d={args.d}, "
        f"{args.dtype}, h0={cfg.h0}, sa2={summary['config']['sa2']:.3g})"
    )
    for key in (
        "seconds",
        "H_diag_mean",
        "H_offdiag_mean",
        "H_min_eig",
        "H_max_eig",
        "H_cond",
        "yT_Hinv_y",
        "yT_Hinv_y_over_n",
        "mean_offdiag_rho_L",
        "F1_over_FL_mean",
    ):
        print(f"  {key:<20} {summary[key]:.6g}")
    if args.json:
        print(f"  wrote {write_json_atomic(args.json, summary)}")
    return 0
