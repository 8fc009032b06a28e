"""Empirical NTK: rnn_ntk's structured method vs neural-tangents and vs autodiff.

    python -m benchmarks.bench_empirical            # m = 256, 1024, 2048; L = 16, n = 64
    python -m benchmarks.bench_empirical --quick    # small sizes, a smoke test

Theta_W (the paper's H, standard parameterisation) of the paper's RNN on the toy dataset
in float32, by

    structured   rnn_ntk.empirical_ntk(method="structured"): forward states and backward
                 deltas, two (nL x m) Gram contractions (paper eq. 23)
    nt_jacobian  nt.empirical_ntk_fn, NtkImplementation.JACOBIAN_CONTRACTION
    nt_vector    NtkImplementation.NTK_VECTOR_PRODUCTS
    nt_struct    NtkImplementation.STRUCTURED_DERIVATIVES
    autodiff     rnn_ntk.empirical_ntk(method="autodiff"): jax.jacrev Jacobians, J J^T

Every nt function is jitted (as nt recommends) and given the lax.scan network, except
STRUCTURED_DERIVATIVES, which gets the same network with the loop unrolled so its
per-matmul rules apply. Each (method, m) runs in its own process: "first" is the first
call (compilation included), "time" the best of up to 3 further calls, "peak MB" the
growth of the process's peak resident memory over its state just before the first call
(inputs and parameters already built). The kernels are checked against the structured
one (max relative difference). A method that runs past the time limit at some m is not
run at larger m. The CPU may be shared: the load average is recorded with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._common import write_result

METHODS = ("structured", "nt_jacobian", "nt_vector", "nt_struct", "autodiff")
FULL = {"widths": (256, 1024, 2048), "n": 64, "L": 16, "d": 2, "timeout": 480}
QUICK = {"widths": (64, 128), "n": 16, "L": 8, "d": 2, "timeout": 240}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def _child(method: str, m: int, n: int, L: int, d: int, save: str) -> dict:
    """Runs one (method, m) measurement in this process; returns its record."""
    import jax
    import jax.numpy as jnp

    import rnn_ntk

    cfg = rnn_ntk.RNNConfig()
    x, _ = rnn_ntk.toy_sequences(n, L, d, seed=0)
    x = jnp.asarray(x, jnp.float32)
    p = rnn_ntk.init_params(jax.random.key(0), cfg, m=m, d=d, L=L, dtype=jnp.float32)
    if method == "structured":

        def call():
            return rnn_ntk.empirical_ntk(p, x, cfg=cfg)
    elif method == "autodiff":

        def call():
            return rnn_ntk.empirical_ntk(p, x, cfg=cfg, method="autodiff")
    else:
        from rnn_ntk import interop

        impl = {
            "nt_jacobian": "jacobian_contraction",
            "nt_vector": "ntk_vector_products",
            "nt_struct": "structured_derivatives",
        }[method]
        fn, theta = interop.ntk_fn_nt(
            p, cfg, L=L, implementation=impl, unroll=method == "nt_struct"
        )

        def call():
            return fn(x, None, theta)

    jax.block_until_ready((x, p))
    base = _rss_mb()
    t0 = time.perf_counter()
    k = jax.block_until_ready(call())
    first = time.perf_counter() - t0
    times = []
    for _ in range(3 if first < 20 else 1):
        t0 = time.perf_counter()
        k = jax.block_until_ready(call())
        times.append(time.perf_counter() - t0)
    np.save(save, np.asarray(k, np.float64))
    return {
        "first_s": first,
        "time_s": min(times),
        "peak_mb": _rss_mb() - base,
        "rss_before_mb": base,
    }


def _run_child(method, m, cfg, tmp) -> dict:
    save = os.path.join(tmp, f"{method}_{m}.npy")
    cmd = [
        sys.executable, "-m", "benchmarks.bench_empirical", "--child", method,
        str(m), str(cfg["n"]), str(cfg["L"]), str(cfg["d"]), save,
    ]  # fmt: skip
    root = Path(__file__).resolve().parent.parent
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=cfg["timeout"], cwd=root)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout (> {cfg['timeout']} s)"}
    if r.returncode != 0:
        tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["?"]
        return {"status": f"failed (exit {r.returncode}): {tail[0][:200]}"}
    rec = json.loads(r.stdout.strip().splitlines()[-1])
    rec["status"] = "ok"
    rec["kernel"] = save
    return rec


def run(quick: bool = False, write: bool = True) -> dict:
    """Runs the benchmark, prints its table and writes its JSON; returns the results.

    Args:
      quick: small sizes (a smoke test) instead of m = 256, 1024, 2048, L = 16, n = 64.
      write: write ``benchmarks/results/bench_empirical[_quick].json`` (with machine info).
    Returns:
      A dict with the settings, one record per (method, m) (times, peak memory, status,
      ratio to structured, max relative difference to structured) and the speed-up of
      structured over nt's fastest implementation per m.
    """
    cfg = QUICK if quick else FULL
    records: list[dict] = []
    given_up: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for m in cfg["widths"]:
            ref = None
            for method in METHODS:
                if method in given_up:
                    rec = {"status": f"skipped (too slow at m={given_up[method]})"}
                else:
                    rec = _run_child(method, m, cfg, tmp)
                    if rec["status"].startswith("timeout"):
                        given_up[method] = m
                rec.update(method=method, m=m)
                if rec["status"] == "ok":
                    k = np.load(rec.pop("kernel"))
                    if method == "structured":
                        ref = k
                    elif ref is not None:
                        rec["max_rel_diff"] = float(np.max(np.abs(k - ref)) / np.max(np.abs(ref)))
                records.append(rec)
                print(f"  m={m:<5} {method:<12} {rec['status']}", file=sys.stderr, flush=True)
    for m in cfg["widths"]:
        rows = [r for r in records if r["m"] == m]
        base = next((r for r in rows if r["method"] == "structured" and r["status"] == "ok"), None)
        for r in rows:
            if base is not None and r["status"] == "ok":
                r["ratio"] = r["time_s"] / base["time_s"]
    speedup = {}
    for m in cfg["widths"]:
        nt_ok = [r for r in records if r["m"] == m and r["method"].startswith("nt_")
                 and r["status"] == "ok"]  # fmt: skip
        base = [r for r in records if r["m"] == m and r["method"] == "structured"
                and r["status"] == "ok"]  # fmt: skip
        if nt_ok and base:
            fastest = min(nt_ok, key=lambda r: r["time_s"])
            speedup[str(m)] = {
                "nt_fastest": fastest["method"],
                "speedup": fastest["time_s"] / base[0]["time_s"],
                "complete": len(nt_ok) == 3,
            }
    res = {
        "settings": {**cfg, "dtype": "float32", "blocks": ["W"], "config": "RNNConfig()"},
        "load_average_at_end": list(os.getloadavg()),
        "cpu_count": os.cpu_count(),
        "records": records,
        "speedup_vs_nt_fastest": speedup,
    }
    print(_table(res))
    if write:
        print(f"wrote {write_result('bench_empirical', res, quick)}")
    return res


def _table(res: dict) -> str:
    s = res["settings"]
    lines = [
        f"Empirical NTK Theta_W, L={s['L']}, n={s['n']}, float32 "
        f"(load average at end {res['load_average_at_end'][0]:.1f} on "
        f"{res['cpu_count']} CPUs)",
        f"{'m':>6} {'method':<12} {'time s':>9} {'first s':>9} {'x struct':>9} "
        f"{'peak MB':>9} {'rel diff':>9}  status",
    ]
    for r in res["records"]:
        if r["status"] == "ok":
            lines.append(
                f"{r['m']:>6} {r['method']:<12} {r['time_s']:>9.3f} {r['first_s']:>9.2f} "
                f"{r.get('ratio', 1.0):>9.1f} {r['peak_mb']:>9.0f} "
                f"{r.get('max_rel_diff', 0.0):>9.1e}  ok"
            )
        else:
            lines.append(f"{r['m']:>6} {r['method']:<12} {'-':>9} {'-':>9} {'-':>9} "
                         f"{'-':>9} {'-':>9}  {r['status']}")  # fmt: skip
    for m, v in sorted(res["speedup_vs_nt_fastest"].items(), key=lambda kv: int(kv[0])):
        note = "" if v["complete"] else " (not every nt implementation finished)"
        lines.append(
            f"m={m}: nt's fastest ({v['nt_fastest']}) takes {v['speedup']:.1f}x the time of "
            f"structured{note}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--out", default=None, help="JSON path (default: benchmarks/results/)")
    ap.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        method, m, n, L, d, save = args.child
        print(json.dumps(_child(method, int(m), int(n), int(L), int(d), save)))
        return 0
    res = run(args.quick, write=args.out is None)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(res, indent=2) + "\n")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
