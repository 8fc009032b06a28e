"""H^inf Gram speed and memory, as ratios against baselines measured in the same run.

    python -m benchmarks.bench_kernels [--quick]

Sections (float64, the paper's config, Gaussian inputs with d = 4):

- ``numpy``: rnn_ntk.ntk against the textbook recursion vectorised in numpy over all
  n^2 pairs (n = 2000, L = 64; goal >= 10x), with the max relative difference.
- ``floor``: against an XLA "arithmetic floor": the same tiles and threads, but each
  step only evaluates the transcendental core (``arccos_terms``) on a (T, T) array and
  accumulates it (an XLA program itself, so it cannot show what XLA leaves on the table).
- ``compiled``: float64 and float32, rnn_ntk (its default eager CPU path, the numba tile,
  and the XLA tile forced by ``RNN_NTK_COMPILED=0``) against a compiled reference loop of
  the same recursion (``benchmarks/_compiled_ref.py``, numba ``parallel=True``, upper
  triangle only; goal: rnn_ntk within 2x), each also as GFLOP/s (flops per pair-step
  counted from the formulas x n(n+1)/2 L pair-steps / time) and as a share of the
  machine's peak, measured as a numpy matmul's GFLOP/s in the same run. Rounds
  alternate the contenders; best-of times and the spread of the ratios over rounds.
- ``architectures``: each architecture of SPEC §7 (depth 2-3, erf, tanh, readout
  "mean", bidirectional) as a multiple of the paper kernel on the same data (n = 1000,
  L = 64), and per pair-step (``benchmarks/_arch_times.py``).
- ``scaling``: wall time over n (500 ... 20000, L = 100) and over L (8 ... 1024) with the
  peak RSS of a fresh process for each, which shows no L factor (memory is the output
  plus O(tile^2)).

The jax times exclude compilation (a warm-up call on the same tile shapes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

import rnn_ntk
from benchmarks._arch_times import architecture_rows
from benchmarks._common import best_time, print_table, write_result
from benchmarks._compiled_ref import FLOPS_PER_PAIR_STEP, flop_count, prepare, reference_hinf
from benchmarks._naive import naive_hinf
from rnn_ntk.infinite import arccos_terms, default_tile_size, default_workers

D = 4


def _inputs(n: int, L: int) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(n, L, D))


def _ntk_time(x: np.ndarray, repeat: int = 2) -> float:
    rnn_ntk.ntk(x[: min(len(x), default_tile_size() + 1)]).block_until_ready()  # compile
    return best_time(lambda: rnn_ntk.ntk(x).block_until_ready(), repeat=repeat)


@jax.jit
def _floor_tile(a, steps):
    """Per step: the transcendental core on a (T, T) tile, accumulated (no recursion)."""

    def body(l, acc):
        omr = a * (1.0 + 1e-3 * l)
        _, k0, k1 = arccos_terms(omr)
        return acc + k0 * k1

    return lax.fori_loop(0, steps.shape[0], body, jnp.zeros_like(a))


def _floor_time(n: int, L: int) -> float:
    """The floor for an n x n symmetric Gram: same tile count and thread pool as ntk."""
    T = min(default_tile_size(), n)
    nb = -(-n // T)
    tiles = nb * (nb + 1) // 2
    a = jnp.asarray(np.random.default_rng(1).uniform(1e-6, 1.0, size=(T, T)))
    steps = jnp.zeros(L)
    _floor_tile(a, steps).block_until_ready()

    def go():
        with ThreadPoolExecutor(min(default_workers(), tiles)) as pool:
            list(pool.map(lambda _: np.asarray(_floor_tile(a, steps)), range(tiles)))

    return best_time(go, repeat=2)


def _matmul_gflops(dt, n: int) -> float:
    """The machine's practical peak: GFLOP/s of an (n, n) numpy matmul (BLAS, all cores)."""
    a = np.random.default_rng(2).normal(size=(n, n)).astype(dt)
    t = best_time(lambda: a @ a, repeat=3)
    return 2 * n**3 / t / 1e9


def _timed(fn) -> tuple[float, float, object]:
    """(wall seconds, process CPU seconds, result) of one call."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t, time.process_time() - c, out


def _compiled_rows(quick: bool) -> list[dict]:
    """rnn_ntk (numba tile, XLA tile) vs the compiled reference loop, float64 and float32."""
    n, L = (300, 16) if quick else (2000, 64)
    rounds = 2 if quick else 3
    cfg = rnn_ntk.RNNConfig()
    pair_steps = n * (n + 1) / 2 * L
    rows = []
    for dt in (np.float64, np.float32):
        x = _inputs(n, L).astype(dt)
        zT, nT = prepare(x, cfg)

        def ntk(flag, x=x, dt=dt):
            os.environ["RNN_NTK_COMPILED"] = flag
            try:
                return np.asarray(rnn_ntk.ntk(x, dtype=dt))
            finally:
                os.environ.pop("RNN_NTK_COMPILED", None)

        runs = {
            "rnn_ntk_compiled": lambda ntk=ntk: ntk("1"),
            "rnn_ntk_xla": lambda ntk=ntk: ntk("0"),
            "reference": lambda zT=zT, nT=nT: reference_hinf(zT, nT, cfg),
        }
        if not quick:  # IEEE mul-then-add (numba fastmath=False), compiled without cache
            runs["reference_ieee"] = lambda zT=zT, nT=nT: reference_hinf(zT, nT, cfg,
                                                                          contract=False)
        outs, compile_s = {}, {}
        for name, fn in runs.items():  # first call: compiles (or loads numba's cache)
            compile_s[name], _, outs[name] = _timed(fn)
        wall = {k: [] for k in runs}
        cpu = {k: [] for k in runs}
        for _ in range(rounds):
            for name, fn in runs.items():
                w, c, _ = _timed(fn)
                wall[name].append(w)
                cpu[name].append(c)
        peak = _matmul_gflops(dt, 1000 if quick else 2000)
        ref = outs["reference"]
        scale = np.max(np.abs(ref))
        ratios = [a / b for a, b in zip(wall["rnn_ntk_compiled"], wall["reference"],
                                        strict=True)]
        ratios_xla = [a / b for a, b in zip(wall["rnn_ntk_xla"], wall["reference"],
                                            strict=True)]
        row = {"dtype": np.dtype(dt).name, "n": n, "L": L, "rounds": rounds,
               "matmul_gflops": peak, "flops_per_pair_step": FLOPS_PER_PAIR_STEP}
        for name in runs:
            t = min(wall[name])
            row[f"{name}_s"] = t
            row[f"{name}_cpu_s"] = min(cpu[name])
            row[f"{name}_gflops"] = FLOPS_PER_PAIR_STEP * pair_steps / t / 1e9
            row[f"{name}_pct_peak"] = 100 * row[f"{name}_gflops"] / peak
            row[f"{name}_first_call_s"] = compile_s[name]
            row[f"{name}_max_rel_diff_vs_reference"] = float(
                np.max(np.abs(outs[name] - ref)) / scale)
        row["compiled_over_reference"] = min(ratios)
        row["compiled_over_reference_spread"] = [min(ratios), max(ratios)]
        row["xla_over_reference"] = min(ratios_xla)
        row["xla_over_reference_spread"] = [min(ratios_xla), max(ratios_xla)]
        row["compiled_vs_xla_max_rel_diff"] = float(
            np.max(np.abs(outs["rnn_ntk_compiled"] - outs["rnn_ntk_xla"]))
            / np.max(np.abs(outs["rnn_ntk_xla"])))
        rows.append(row)
    return rows


def _peak_rss(n: int, L: int) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of a fresh process computing the n x n Gram at length L."""
    code = (
        "import jax, time, numpy as np\n"
        "jax.config.update('jax_enable_x64', True)\n"
        "import rnn_ntk\n"
        f"x = np.random.default_rng(0).normal(size=({n}, {L}, {D}))\n"
        "t = time.perf_counter(); H = rnn_ntk.ntk(x); H.block_until_ready()\n"
        "t = time.perf_counter() - t\n"
        # VmHWM, not ru_maxrss: a child's ru_maxrss starts at its parent's (this process's)
        # RSS at fork, so it would report this benchmark's memory, not the child's
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(t, int(hwm.split()[1]) / 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    t, rss = out.stdout.split()
    return float(t), float(rss)


def run(quick: bool = False) -> dict:
    jax.config.update("jax_enable_x64", True)  # the benchmark's own process: float64
    cfg = rnn_ntk.RNNConfig()
    result: dict = {}

    n, L = (400, 16) if quick else (2000, 64)
    x = _inputs(n, L)
    t_jax = _ntk_time(x)
    t0 = time.perf_counter()
    H_np = naive_hinf(x, cfg)
    t_np = time.perf_counter() - t0
    H = np.asarray(rnn_ntk.ntk(x))
    t_floor = _floor_time(n, L)
    row = {
        "n": n,
        "L": L,
        "rnn_ntk_s": t_jax,
        "numpy_s": t_np,
        "floor_s": t_floor,
        "speedup_vs_numpy": t_np / t_jax,
        "ratio_to_floor": t_jax / t_floor,
        "max_rel_diff": float(np.max(np.abs(H - H_np)) / np.max(np.abs(H_np))),
    }
    result["headline"] = row
    print("H^inf Gram (float64): rnn_ntk.ntk vs vectorised numpy and the arithmetic floor")
    print_table([row], list(row))

    rows = _compiled_rows(quick)
    result["compiled"] = {"rows": rows, "flops": flop_count()}
    print("rnn_ntk vs the compiled reference loop (wall: best of rounds; GFLOP/s and % of "
          "the numpy matmul peak)")
    print_table(rows, ["dtype", "n", "L", "rnn_ntk_compiled_s", "rnn_ntk_xla_s", "reference_s",
                       "compiled_over_reference", "xla_over_reference",
                       "rnn_ntk_compiled_gflops", "reference_gflops", "matmul_gflops",
                       "rnn_ntk_compiled_pct_peak", "compiled_vs_xla_max_rel_diff"])

    na, La = (200, 16) if quick else (1000, 64)
    rows = architecture_rows(_inputs(na, La))
    result["architectures"] = {"n": na, "L": La, "rows": rows}
    print(f"architectures (n={na}, L={La}): time as a multiple of the paper kernel's")
    print_table(rows, ["architecture", "seconds", "x_paper", "per_pair_step_vs_last",
                       "vs_depth_x_paper"])

    n_grid = (300, 600) if quick else (500, 1000, 2000, 5000, 10000, 20000)
    L_grid = (8, 32) if quick else (8, 64, 256, 1024)
    n_fixed, L_fixed = (300, 16) if quick else (1000, 100)
    grid = [(n_, L_fixed) for n_ in n_grid] + [(n_fixed, L_) for L_ in L_grid]
    rows = []
    for n_, L_ in grid:
        t, rss = _peak_rss(n_, L_)
        rows.append(
            {"n": n_, "L": L_, "seconds": t, "peak_rss_mb": rss, "output_mb": n_ * n_ * 8 / 2**20}
        )
        print(f"  n={n_:>6} L={L_:>5}: {t:8.2f} s, peak RSS {rss:8.0f} MB", flush=True)
    result["scaling"] = rows
    print("scaling (fresh process each; seconds include compilation)")
    print_table(rows, list(rows[0]))
    path = write_result("bench_kernels", result, quick)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    print(json.dumps(run(args.quick)["headline"], indent=1))
