"""Convergence sweep cost: wall time per (m, seed) cell, vmapped seeds vs one at a time.

    python -m benchmarks.bench_convergence [--quick]

The toy dataset (n = 16, L = 8, float64) is swept over widths with 4 seeds, once with
``rnn_ntk.convergence`` (seeds vmapped, ``seed_batch`` sized by memory) and once cell by
cell (``rnn_ntk.finite.convergence_cell`` in a Python loop), after a warm-up that compiles
both. Reports seconds per cell for each, their ratio, and the measured error and slope
for context.
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np

import rnn_ntk
from benchmarks._common import print_table, write_result
from rnn_ntk.finite import convergence_cell


def _per_cell(fn, seeds) -> tuple[float, object]:
    """Seconds per cell of ``fn()``, and what it returned."""
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) / len(seeds), out


def run(quick: bool = False) -> dict:
    """Runs the benchmark, prints its table and writes its JSON; returns the results."""
    jax.config.update("jax_enable_x64", True)  # the benchmark's own process: float64
    widths = (64, 256, 1024) if quick else (64, 256, 1024, 4096, 8192)
    seeds = (0, 1, 2, 3)
    x, _ = rnn_ntk.toy_sequences(16, 8, 2, seed=0)
    cfg = rnn_ntk.RNNConfig()
    rows = []
    for m in widths:

        def vmapped(m=m):
            return rnn_ntk.convergence(x, cfg=cfg, widths=(m,), seeds=seeds)

        def looped(m=m):
            return [convergence_cell(x, cfg=cfg, m=m, seed=s) for s in seeds]

        vmapped(), convergence_cell(x, cfg=cfg, m=m, seed=0)  # compile
        t_vmap, table = _per_cell(vmapped, seeds)
        t_loop, _ = _per_cell(looped, seeds)
        rows.append({
            "m": m,
            "seeds": len(seeds),
            "s_per_cell_vmapped": t_vmap,
            "s_per_cell_loop": t_loop,
            "loop_over_vmapped": t_loop / t_vmap,
            "theta_err_mean": float(np.mean(table.theta_err)),
        })  # fmt: skip
        print(f"  m={m}: {t_vmap:.3f} s/cell vmapped, {t_loop:.3f} s/cell looped", flush=True)
    print("convergence sweep cost per (m, seed) cell (n=16, L=8, float64)")
    print_table(rows, list(rows[0]))
    errs = np.array([r["theta_err_mean"] for r in rows])
    slope = float(np.polyfit(np.log(widths), np.log(errs), 1)[0])
    print(f"log-log slope of the mean Theta_W error: {slope:.2f}")
    result = {"rows": rows, "slope": slope}
    print(f"wrote {write_result('bench_convergence', result, quick)}")
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    run(ap.parse_args(argv).quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
