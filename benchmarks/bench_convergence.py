"""Convergence sweep cost: wall time per (m, seed) cell, vmapped seeds vs one at a time.

    python -m benchmarks.bench_convergence [--quick]

The toy dataset (n = 16, L = 8, float64) is swept over widths with 4 seeds, once with
``rnn_ntk.convergence`` (seeds vmapped in memory-bounded groups) and once cell by cell
(``convergence_cell`` in a Python loop), after a warm-up that compiles both. Reports
seconds per cell for each, their ratio, and the measured error and slope for context.
"""

from __future__ import annotations

import argparse
import time

import jax

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402

import rnn_ntk  # noqa: E402
from benchmarks._common import print_table, write_result  # noqa: E402
from rnn_ntk.convergence import convergence_cell  # noqa: E402


def run(quick: bool = False) -> dict:
    widths = (64, 256, 1024) if quick else (64, 256, 1024, 4096, 8192)
    seeds = (0, 1, 2, 3)
    x, _ = rnn_ntk.toy_sequences(16, 8, 2, seed=0)
    cfg = rnn_ntk.RNNConfig()
    rows = []
    for m in widths:
        rnn_ntk.convergence(x, cfg, widths=(m,), seeds=seeds)  # compile
        convergence_cell(x, cfg, m, 0)
        t0 = time.perf_counter()
        table = rnn_ntk.convergence(x, cfg, widths=(m,), seeds=seeds)
        t_vmap = (time.perf_counter() - t0) / len(seeds)
        t0 = time.perf_counter()
        for s in seeds:
            convergence_cell(x, cfg, m, s)
        t_loop = (time.perf_counter() - t0) / len(seeds)
        rows.append(
            {
                "m": m,
                "seeds": len(seeds),
                "s_per_cell_vmapped": t_vmap,
                "s_per_cell_loop": t_loop,
                "loop_over_vmapped": t_loop / t_vmap,
                "theta_err_mean": float(np.mean(table.theta_err)),
            }
        )
        print(f"  m={m}: {t_vmap:.3f} s/cell vmapped, {t_loop:.3f} s/cell looped", flush=True)
    print("convergence sweep cost per (m, seed) cell (n=16, L=8, float64)")
    print_table(rows, list(rows[0]))
    errs = np.array([r["theta_err_mean"] for r in rows])
    slope = float(np.polyfit(np.log(widths), np.log(errs), 1)[0])
    print(f"log-log slope of the mean Theta_W error: {slope:.2f}")
    result = {"rows": rows, "slope": slope}
    path = write_result("bench_convergence", result, quick)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    run(p.parse_args().quick)
