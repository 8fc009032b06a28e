"""Matrix-free widths: W regenerated tile by tile instead of stored (issue 13, item 2).

    python -m benchmarks.bench_matrix_free            # generators, m = 4096 / 8192, m = 2^16
    python -m benchmarks.bench_matrix_free --quick    # m = 1024, a smoke test

Three measurements, each a ratio against a baseline of the same run:

    generators   standard normals per second (wall and per CPU-second of the process) of
                 W tiles feeding a product, as ``rnn_ntk.finite._matfree`` uses them: the
                 library's hash + Box-Muller, the same hash + ``lax.erf_inv`` (inverse
                 CDF), ``jax.random.normal`` (threefry-2x32 per entry)
    equal m      ``empirical_ntk`` Theta_W (paper config, n = 16, L = 8, float64) of the
                 same key, stored W against matrix-free W: times (first call, compilation
                 included; then the best of 2), their ratio and the kernels' relative
                 difference
    2^16         (full mode only) Theta_W at m = 65536, n = 16, L = 8, float64, matrix-free,
                 in a child process: wall and CPU seconds, peak RSS of the child, and the
                 relative Frobenius error against ``rnn_ntk.ntk`` (H^inf)

The CPU may be shared (other processes): the load average is recorded; CPU seconds are
what the process itself used.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

from benchmarks._common import print_table, write_result

FULL = {"gen_m": 8192, "widths": (4096, 8192), "big": 65536, "n": 16, "L": 8}
QUICK = {"gen_m": 1024, "widths": (1024,), "big": None, "n": 16, "L": 8}


def _clock(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of ``fn()`` (which blocks until done)."""
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def _generators(m: int, rows: int = 32, n: int = 16) -> list[dict]:
    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax import lax

    from rnn_ntk.finite import _matfree as mf

    tiles = max(1, (1 << 24) // (rows * m))  # 2^24 normals per call
    words = jnp.asarray([12345, 678910], jnp.uint32)
    key = jax.random.key(0)

    def hashed(t):
        return mf.standard_normal_rows(words, t * rows, rows, m)

    def erfinv(t):  # the same hash, inverse-CDF transform
        i = t * rows + jnp.arange(rows, dtype=jnp.uint32)
        bits = mf.hash_bits(words, i[:, None], jnp.arange(m, dtype=jnp.uint32)[None, :])
        u24 = (bits >> 8).astype(jnp.int32).astype(jnp.float32)
        u = u24 * np.float32(2.0**-23) + np.float32(2.0**-24 - 1)  # (-1, 1)
        return np.float32(np.sqrt(2.0)) * lax.erf_inv(u)

    def threefry(t):
        return jax.random.normal(jax.random.fold_in(key, t), (rows, m), jnp.float32)

    h = jnp.ones((n, m), jnp.float32)
    out = []
    for name, gen in [("hash+box-muller", hashed), ("hash+erf_inv", erfinv),
                      ("threefry normal", threefry)]:  # fmt: skip
        run = jax.jit(
            lambda h, gen=gen: lax.fori_loop(
                0, tiles, lambda t, acc: acc + h @ gen(t.astype(jnp.uint32)).T,
                jnp.zeros((n, rows), jnp.float32),
            )
        )  # fmt: skip
        run(h).block_until_ready()
        wall, cpu = min(_clock(lambda run=run: run(h).block_until_ready()) for _ in range(2))
        count = tiles * rows * m
        out.append({"generator": name, "M/s": count / wall / 1e6, "M/cpu-s": count / cpu / 1e6})
    base = out[-1]["M/s"]
    for r in out:
        r["vs threefry"] = r["M/s"] / base
    return out


def _equal_m(m: int, n: int, L: int) -> dict:
    import jax
    import numpy as np

    import rnn_ntk

    cfg = rnn_ntk.RNNConfig()
    x, _ = rnn_ntk.toy_sequences(n, L, 2, seed=0)
    rec = {"m": m}
    got = {}
    for mode in ("stored", "matrix-free"):
        key = jax.random.key(0)

        def call(mode=mode, key=key):
            p = rnn_ntk.init_params(key, cfg, m=m, d=2, L=L, matrix_free=mode == "matrix-free")
            got[mode] = rnn_ntk.empirical_ntk(p, x, cfg=cfg).block_until_ready()

        rec[f"{mode} first s"] = _clock(call)[0]
        rec[f"{mode} s"] = min(_clock(call)[0] for _ in range(2))
    rec["ratio"] = rec["matrix-free s"] / rec["stored s"]
    a, b = (np.asarray(got[k]) for k in ("matrix-free", "stored"))
    rec["rel diff"] = float(np.linalg.norm(a - b) / np.linalg.norm(b))
    return rec


def _child(m: int, n: int, L: int) -> dict:
    """Theta_W at width m, matrix-free, in this process (run as a child: its own RSS)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    import numpy as np

    import rnn_ntk

    cfg = rnn_ntk.RNNConfig()
    x, _ = rnn_ntk.toy_sequences(n, L, 2, seed=0)
    ref = np.asarray(rnn_ntk.ntk(x, cfg=cfg), np.float64)
    w, c = time.perf_counter(), time.process_time()
    p = rnn_ntk.init_params(jax.random.key(0), cfg, m=m, d=2, L=L, matrix_free=True)
    H = np.asarray(rnn_ntk.empirical_ntk(p, x, cfg=cfg), np.float64)
    return {
        "m": m, "n": n, "L": L, "dtype": "float64",
        "wall s": time.perf_counter() - w, "cpu s": time.process_time() - c,
        "theta_err": float(np.linalg.norm(H - ref) / np.linalg.norm(ref)),
        "peak RSS MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }  # fmt: skip


def _big(m: int, n: int, L: int) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.bench_matrix_free", "--child", str(m), str(n), str(L)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    rec = json.loads(out.stdout.strip().splitlines()[-1])
    rec["load average (1 min) after"] = os.getloadavg()[0]
    return rec


def run(quick: bool) -> dict:
    import jax

    jax.config.update("jax_enable_x64", True)
    cfg = QUICK if quick else FULL
    load = os.getloadavg()[0]
    gens = _generators(cfg["gen_m"])
    print(f"normals per second of W tiles feeding h @ W^T (m = {cfg['gen_m']}, float32):")
    print_table(gens, ["generator", "M/s", "M/cpu-s", "vs threefry"])
    eq = [_equal_m(m, cfg["n"], cfg["L"]) for m in cfg["widths"]]
    print(f"\nTheta_W, stored vs matrix-free W (n = {cfg['n']}, L = {cfg['L']}, float64):")
    print_table(eq, ["m", "stored s", "matrix-free s", "ratio", "rel diff",
                     "stored first s", "matrix-free first s"])  # fmt: skip
    big = None
    if cfg["big"]:
        big = _big(cfg["big"], cfg["n"], cfg["L"])
        print(f"\nm = {cfg['big']}: {json.dumps(big)}")
    payload = {"config": cfg, "load_average_1min_before": load, "generators": gens,
               "equal_m": eq, "big": big}  # fmt: skip
    write_result("bench_matrix_free", payload, quick)
    return payload


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--child", nargs=3, type=int, metavar=("M", "N", "L"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0
    run(args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
