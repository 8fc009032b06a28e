"""Algorithm 1 throughput: 32 seeds vmapped in one jitted program vs a Python loop.

    python -m benchmarks.bench_train [--quick]

Both sides call ``rnn_ntk.train`` (float32, the paper's network, one learning rate) with
the same data, width, steps and evaluation schedule. The loop calls it once per seed
(one compiled single-seed program, reused: the same per-seed program, not a per-step
Python loop); the batched side calls it once with all 32 seeds (``jax.vmap`` over seeds
inside one program). Compilation is excluded (each side runs once before timing); the
two sides alternate within every repeat and each keeps its best time, so machine load
affects both alike.

Throughput = SGD steps x seeds / second; ratio = vmapped / loop (goal >= 10x).

Where the ratio comes from: at the headline width each side is timed at several run
lengths T and fitted as time(T) = fixed + T * per_step. ``fixed`` is the per-call work
(input checks, the initial and evaluation programs, dispatch), ``per_step`` the SGD
loop. Then ratio(T) = 32 (F_1 + T t_1) / (F_32 + T t_32): it tends to the *per-call
ratio* 32 F_1 / F_32 for short runs and to the *per-step ratio* 32 t_1 / t_32 for long
ones. On XLA:CPU a vmapped matrix-vector product runs as one small product per seed, so
t_32 is close to 32 t_1 minus the per-op launch overhead that vmapping shares, and the
per-step ratio stays far below 10x; on accelerators the batched products run in parallel.
"""

from __future__ import annotations

import argparse
import time

import jax.numpy as jnp
import numpy as np

import rnn_ntk
from benchmarks._common import print_table, write_result
from rnn_ntk import theory

SEEDS = 32
HEAD_M = 32


def _problem(L: int, d: int, n: int, seed: int = 0):
    c = theory.random_additive(L, d, theory.arctan_half(), positions=(L,), seed=seed)
    pilot = theory.sample_sequences(1000, L, d, seed=seed + 1)
    c = c.shifted(-float(np.median(np.asarray(c(pilot)))))
    gamma = theory.margin_quantile(c, 0.1, n=1000)
    tr = theory.sample_labelled(c, n, gamma=gamma, seed=seed + 2)
    te = theory.sample_labelled(c, 64, gamma=gamma, seed=seed + 3)
    return tr, te


def _times(m: int, L: int, n_steps: int, repeats: int) -> tuple[float, float]:
    """Best wall times (vmapped, loop) of 32 seeds x ``n_steps`` SGD steps, alternating."""
    tr, te = _problem(L, 2, n_steps)
    kw = dict(m=m, lrs=1.0, n_steps=n_steps, eval_every=n_steps, dtype=jnp.float32)

    def vmapped():
        np.asarray(rnn_ntk.train(tr.x, tr.y, te.x, te.y, seeds=SEEDS, **kw).test_error)

    def loop():
        for s in range(SEEDS):
            np.asarray(rnn_ntk.train(tr.x, tr.y, te.x, te.y, seeds=[s], **kw).test_error)

    vmapped()
    loop()  # compile both
    tv = tl = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        vmapped()
        tv = min(tv, time.perf_counter() - t0)
        t0 = time.perf_counter()
        loop()
        tl = min(tl, time.perf_counter() - t0)
    return tv, tl


def _row(m: int, L: int, steps: int, repeats: int) -> dict:
    tv, tl = _times(m, L, steps, repeats)
    work = SEEDS * steps
    return {
        "m": m, "L": L, "steps": steps, "seeds": SEEDS,
        "vmapped_s": tv, "loop_s": tl,
        "vmapped_steps_per_s": work / tv, "loop_steps_per_s": work / tl,
        "vmapped_us_per_seed_step": 1e6 * tv / work, "loop_us_per_seed_step": 1e6 * tl / work,
        "ratio": tl / tv,
    }


def _decompose(rows: list[dict]) -> dict:
    """Least-squares fit time(T) = fixed + T * per_step on each side (rows of one width)."""
    T = np.asarray([r["steps"] for r in rows], float)
    out = {"m": rows[0]["m"], "steps": T.astype(int).tolist()}
    for side, calls in (("vmapped", 1), ("loop", SEEDS)):
        t = np.asarray([r[f"{side}_s"] for r in rows])
        per_step, fixed = np.polyfit(T, t, 1)
        # per call of train: the loop makes SEEDS calls of one seed each
        out[f"{side}_fixed_ms_per_call"] = 1e3 * fixed / calls
        out[f"{side}_per_step_us"] = 1e6 * per_step / calls
    out["per_call_ratio"] = SEEDS * out["loop_fixed_ms_per_call"] / out["vmapped_fixed_ms_per_call"]
    out["per_step_ratio"] = SEEDS * out["loop_per_step_us"] / out["vmapped_per_step_us"]
    return out


def run(quick: bool = False) -> dict:
    """Runs the benchmark; returns {"rows", "ratio" (headline, m = 32), "goal", "met", ...}."""
    if quick:
        widths, head_steps, lengths, repeats = [HEAD_M], 256, [64, 256], 2
    else:
        widths, head_steps, lengths, repeats = [16, 32, 64, 128], 512, [64, 512, 2048], 3
    L = 8
    rows = [_row(m, L, head_steps, repeats) for m in widths]
    head = next(r for r in rows if r["m"] == HEAD_M)
    runs = {head_steps: head}
    for T in lengths:
        if T not in runs:
            runs[T] = _row(HEAD_M, L, T, repeats)
    lengths_rows = [runs[T] for T in sorted(runs)]
    dec = _decompose(lengths_rows)
    out = {
        "rows": rows, "lengths": lengths_rows, "decomposition": dec,
        "ratio": head["ratio"], "goal": 10.0, "met": head["ratio"] >= 10.0, "dtype": "float32",
    }
    cols = ["m", "L", "steps", "seeds", "vmapped_s", "loop_s", "vmapped_us_per_seed_step",
            "loop_us_per_seed_step", "ratio"]
    print("widths:")
    print_table(rows, cols)
    print(f"run lengths at m = {HEAD_M}:")
    print_table(lengths_rows, cols)
    print(f"fit time(T) = fixed + T * per_step at m = {HEAD_M}:")
    print(f"  one seed per call: fixed {dec['loop_fixed_ms_per_call']:.2f} ms, "
          f"per step {dec['loop_per_step_us']:.1f} us")
    print(f"  32 seeds vmapped:  fixed {dec['vmapped_fixed_ms_per_call']:.2f} ms, "
          f"per step {dec['vmapped_per_step_us']:.1f} us")
    print(f"  per-call ratio 32 F_1/F_32 = {dec['per_call_ratio']:.1f}x, per-step ratio "
          f"32 t_1/t_32 = {dec['per_step_ratio']:.1f}x (the limit for long runs)")
    print(f"headline ratio (m = {HEAD_M}, {head_steps} steps): {out['ratio']:.1f}x; goal >= 10x: "
          f"{'met' if out['met'] else 'NOT met'}")
    path = write_result("bench_train", out, quick)
    print(f"wrote {path}")
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="one width (m = 32), 2 repeats")
    run(p.parse_args().quick)
