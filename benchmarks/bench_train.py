"""Algorithm 1 throughput: 32 seeds vmapped in one jitted program vs a Python loop.

    python -m benchmarks.bench_train [--quick]

Both sides call ``rnn_ntk.train`` (float32, the paper's network, one learning rate) with
the same data, width, steps and evaluation schedule. The loop calls it once per seed
(one compiled single-seed program, reused); the batched side calls it once with all 32
seeds (``jax.vmap`` over seeds inside one program). Compilation is excluded (each side
runs once before timing); each side takes the best of its repeats, in the same process,
so machine load affects both alike.

Throughput = SGD steps x seeds / second; ratio = vmapped / loop (goal >= 10x). Rows over
widths show where the gain comes from: vmapping amortises the per-call and per-step
dispatch cost, so it wins most for small widths and short runs, and on accelerators.
"""

from __future__ import annotations

import argparse

import jax.numpy as jnp
import numpy as np

import rnn_ntk
from benchmarks._common import best_time, print_table, write_result
from rnn_ntk import theory

SEEDS = 32


def _problem(L: int, d: int, n: int, seed: int = 0):
    c = theory.random_additive(L, d, theory.arctan_half(), positions=(L,), seed=seed)
    pilot = theory.sample_sequences(1000, L, d, seed=seed + 1)
    c = c.shifted(-float(np.median(np.asarray(c(pilot)))))
    gamma = theory.margin_quantile(c, 0.1, n=1000)
    tr = theory.sample_labelled(c, n, gamma=gamma, seed=seed + 2)
    te = theory.sample_labelled(c, 64, gamma=gamma, seed=seed + 3)
    return tr, te


def _row(m: int, L: int, steps: int, repeats: int) -> dict:
    tr, te = _problem(L, 2, steps)
    kw = dict(m=m, lrs=1.0, steps=steps, eval_every=steps, dtype=jnp.float32)

    def vmapped():
        np.asarray(rnn_ntk.train(tr.x, tr.y, te.x, te.y, seeds=SEEDS, **kw).test_error)

    def loop():
        for s in range(SEEDS):
            np.asarray(rnn_ntk.train(tr.x, tr.y, te.x, te.y, seeds=[s], **kw).test_error)

    vmapped()
    loop()  # compile both
    tv = best_time(vmapped, repeats)
    tl = best_time(loop, repeats)
    work = SEEDS * steps
    return {
        "m": m, "L": L, "steps": steps, "seeds": SEEDS,
        "vmapped_s": tv, "loop_s": tl,
        "vmapped_steps_per_s": work / tv, "loop_steps_per_s": work / tl,
        "ratio": tl / tv,
    }


def run(quick: bool = False) -> dict:
    """Runs the benchmark; returns {"rows", "ratio" (headline, m = 32), "goal", "met"}."""
    if quick:
        sizes, repeats = [(32, 8, 256)], 2
    else:
        sizes, repeats = [(16, 8, 512), (32, 8, 512), (64, 8, 512), (128, 8, 512)], 3
    rows = [_row(m, L, steps, repeats) for m, L, steps in sizes]
    head = next(r for r in rows if r["m"] == 32)
    out = {"rows": rows, "ratio": head["ratio"], "goal": 10.0, "met": head["ratio"] >= 10.0,
           "dtype": "float32"}
    print_table(rows, ["m", "L", "steps", "seeds", "vmapped_s", "loop_s",
                       "vmapped_steps_per_s", "loop_steps_per_s", "ratio"])
    print(f"headline ratio (m = 32): {out['ratio']:.1f}x; goal >= 10x: "
          f"{'met' if out['met'] else 'NOT met'}")
    path = write_result("bench_train", out, quick)
    print(f"wrote {path}")
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="one width (m = 32), 2 repeats")
    run(p.parse_args().quick)
