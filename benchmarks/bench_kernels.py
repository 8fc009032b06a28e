"""H^inf Gram: rnn_ntk.ntk against the vectorised-numpy textbook recursion, in one run.

    python -m benchmarks.bench_kernels [--quick] [--n 2000] [--L 64]

Both compute the W block in float64 on the same inputs (Gaussian, d = 4, the paper's
config); the jax time excludes compilation (a warm-up call on the same tile shapes).
Reports absolute times, the speed ratio (goal >= 10x) and the max relative difference.
"""

from __future__ import annotations

import argparse

import jax

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402

import rnn_ntk  # noqa: E402
from benchmarks._common import best_time, print_table, write_result  # noqa: E402
from benchmarks._naive import naive_hinf  # noqa: E402
from rnn_ntk.kernels import default_tile_size  # noqa: E402


def run(quick: bool = False, n: int | None = None, L: int | None = None) -> dict:
    n = n or (400 if quick else 2000)
    L = L or (16 if quick else 64)
    cfg = rnn_ntk.RNNConfig()
    x = np.random.default_rng(0).normal(size=(n, L, 4))
    # Compile the tile program first (every tile has the same shape).
    rnn_ntk.ntk(x[: min(n, default_tile_size() + 1)]).block_until_ready()
    t_jax = best_time(lambda: rnn_ntk.ntk(x).block_until_ready(), repeat=2)
    t_np = best_time(lambda: naive_hinf(x, cfg), repeat=1)
    H = np.asarray(rnn_ntk.ntk(x))
    H_np = naive_hinf(x, cfg)
    row = {
        "n": n,
        "L": L,
        "dtype": "float64",
        "rnn_ntk_s": t_jax,
        "numpy_s": t_np,
        "speedup": t_np / t_jax,
        "max_rel_diff": float(np.max(np.abs(H - H_np)) / np.max(np.abs(H_np))),
    }
    print("H^inf Gram, rnn_ntk.ntk vs vectorised numpy (same run)")
    print_table([row], list(row))
    path = write_result("bench_kernels", {"rows": [row]}, quick)
    print(f"wrote {path}")
    return {"rows": [row]}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--n", type=int, default=None)
    p.add_argument("--L", type=int, default=None)
    a = p.parse_args()
    run(a.quick, a.n, a.L)
