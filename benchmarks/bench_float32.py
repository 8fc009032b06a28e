"""Float32 accuracy in the paper's degenerate regime: stable vs textbook vs float64.

    python -m benchmarks.bench_float32 [--quick]

For L = 16 ... 1024 (paper config, Gaussian inputs, d = 4, n = 48) it prints the max
relative entry error of H^inf against float64 for (a) rnn_ntk's defect-carrying float32
recursion and (b) the textbook float32 recursion (direct arccos, vectorised), and the
relative error of y^T H^-1 y (random labels; solved in float64 from each H).
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np

import rnn_ntk
from benchmarks._common import print_table, write_result
from benchmarks._naive import naive_hinf


def _quad(H, y):
    try:
        return rnn_ntk.inverse_quadratic_form(np.asarray(H, np.float64), y).quad
    except ValueError:  # not positive definite
        return float("nan")


def run(quick: bool = False) -> dict:
    jax.config.update("jax_enable_x64", True)  # the benchmark's own process: float64
    Ls = (16, 256) if quick else (16, 64, 256, 1024)
    n = 24 if quick else 48
    cfg = rnn_ntk.RNNConfig()
    naive32 = jax.jit(lambda x: naive_hinf(x, cfg, xp=jnp))
    rows = []
    for L in Ls:
        rng = np.random.default_rng(L)
        x = rng.normal(size=(n, L, 4))
        y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
        H64 = np.asarray(rnn_ntk.ntk(x))
        Hs = np.asarray(rnn_ntk.ntk(x, dtype=jnp.float32), np.float64)
        Hn = np.asarray(naive32(jnp.asarray(x, jnp.float32)), np.float64)
        q64, qs, qn = _quad(H64, y), _quad(Hs, y), _quad(Hn, y)
        scale = np.max(np.abs(H64))
        rows.append(
            {
                "L": L,
                "n": n,
                "stable_f32_max_rel": float(np.max(np.abs(Hs - H64)) / scale),
                "naive_f32_max_rel": float(np.max(np.abs(Hn - H64)) / scale),
                "stable_f32_quad_rel": abs(qs - q64) / q64,
                "naive_f32_quad_rel": abs(qn - q64) / q64 if np.isfinite(qn) else "singular",
                "cond_f64": rnn_ntk.inverse_quadratic_form(H64, y).cond,
            }
        )
    print("float32 vs float64, paper regime (max relative entry error; y^T H^-1 y error)")
    print_table(rows, list(rows[0]))
    path = write_result("bench_float32", {"rows": rows}, quick)
    print(f"wrote {path}")
    return {"rows": rows}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    run(p.parse_args().quick)
