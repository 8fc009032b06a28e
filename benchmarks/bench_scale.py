"""Scale (SPEC §8): devices, n x M blocks, and a Gram on disk, as ratios in one run.

    python -m benchmarks.bench_scale [--quick]

Sections (float64 in fresh processes, the paper's config, Gaussian inputs with d = 4):

- ``devices``: the wall time of one symmetric Gram with ``devices=k`` for k = 1, 2, 4
  forced host devices (each k in a fresh process started with
  ``XLA_FLAGS=--xla_force_host_platform_device_count=k``; ``--quick``: one process with
  4), as a ratio to k = 1 in the same run, and the default path (``devices=None``). On a CPU the
  "devices" share the machine's cores, so this measures the executor's overhead, not a
  speed-up; on a machine with k accelerators the same code spreads the tiles over them.
- ``block``: the n x M rectangular block of Nystrom (``ntk(x, landmarks)``), in pair-steps
  (n M L) per second, on jax's default backend (the JSON records the device), by the
  default path and with ``devices=1`` (the XLA tile through the device executor).
- ``disk``: the peak RSS of a fresh process writing an n x n Gram to a zarr store with
  ``write_gram`` (n = 50,000 in the full run, 2,000 in the quick one) against the Gram's
  size in bytes and the process's RSS before the Gram (inputs, jax, compiled tiles);
  ``growth_over_gram`` = (peak - before) / Gram bytes stays far below 1 at n = 50,000
  (the quick run's 8 MB Gram is smaller than the process's own fixed buffers).
- ``nystrom``: if ``benchmarks/_nystrom_scale.py`` exists, its ``run_nystrom(quick)``.

The jax times exclude compilation (a warm-up call on the same tile shapes).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from benchmarks._common import print_table, write_result

ROOT = Path(__file__).resolve().parents[1]

_DEVICES = textwrap.dedent(
    """
    import json, sys, time
    import jax
    jax.config.update("jax_enable_x64", True)
    import numpy as np
    import rnn_ntk
    ks = [int(k) for k in sys.argv[1].split(",")]
    n, L, T = (int(a) for a in sys.argv[2:5])
    x = np.random.default_rng(0).normal(size=(n, L, 4))

    def best(devices, repeat=2):
        rnn_ntk.ntk(x, tile_size=T, devices=devices).block_until_ready()  # compile
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            rnn_ntk.ntk(x, tile_size=T, devices=devices).block_until_ready()
            times.append(time.perf_counter() - t0)
        return min(times)

    rows = [{"k": k, "devices_s": best(k), "platform": jax.devices()[0].platform,
             "process_devices": len(jax.devices())} for k in ks]
    if ks[0] == 1:
        rows[0]["default_s"] = best(None)
    block = []
    if sys.argv[5] != "-":  # the n x M block, on the default device and with devices=1
        nb, M, Lb = (int(a) for a in sys.argv[5].split(","))
        rng = np.random.default_rng(1)
        xb, z = rng.normal(size=(nb, Lb, 4)), rng.normal(size=(M, Lb, 4))
        for path, devices in (("default", None), ("devices=1", 1)):
            rnn_ntk.ntk(xb[:300], z, devices=devices).block_until_ready()  # compile
            rnn_ntk.ntk(xb, z, devices=devices).block_until_ready()
            t0 = time.perf_counter()
            rnn_ntk.ntk(xb, z, devices=devices).block_until_ready()
            s = time.perf_counter() - t0
            block.append({"path": path, "n": nb, "M": M, "L": Lb, "seconds": s,
                          "pair_steps_per_s": nb * M * Lb / s,
                          "device": jax.devices()[0].device_kind})
    print(json.dumps({"devices": rows, "block": block}))
    """
)

_DISK = textwrap.dedent(
    """
    import json, resource, sys, time
    import jax
    jax.config.update("jax_enable_x64", True)
    import numpy as np
    from rnn_ntk.experiments import write_gram
    n, L, T, store = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    x = np.random.default_rng(0).normal(size=(n, L, 4))
    write_gram(store + ".warm", x[: 2 * T], tile_size=T, progress=False)  # compile
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.perf_counter()
    g = write_gram(store, x, tile_size=T, progress=False)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "peak_rss_bytes": peak,
                      "rss_before_bytes": before, "gram_bytes": int(g.nbytes)}))
    """
)


def _child(script: str, args: list, env: dict | None = None, timeout: float = 3600):
    run = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)], cwd=ROOT, capture_output=True,
        text=True, timeout=timeout, env={**os.environ, **(env or {})},
    )
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-3000:])
    return json.loads(run.stdout.strip().splitlines()[-1])


def devices_section(quick: bool) -> tuple[list[dict], list[dict]]:
    """The devices rows and the n x M block rows (measured in the first process)."""
    n, L, T = (256, 8, 32) if quick else (2000, 64, 256)
    block = "1000,50,16" if quick else "20000,500,32"
    # full: one fresh process per k with k forced devices; quick: one process with 4
    runs = [["1,2,4", 4]] if quick else [[str(k), k] for k in (1, 2, 4)]
    rows, blocks = [], []
    for ks, count in runs:
        flags = f"{os.environ.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count="
        out = _child(_DEVICES, [ks, n, L, T, block if not blocks else "-"],
                     {"XLA_FLAGS": f"{flags}{count}".strip()})
        rows += out["devices"]
        blocks += out["block"]
    base = rows[0]["devices_s"]
    for r in rows:
        r.update(n=n, L=L, tile=T, ratio_to_1=r["devices_s"] / base)
    rows[0]["default_over_devices1"] = rows[0]["default_s"] / base
    return rows, blocks


def disk_section(quick: bool) -> dict:
    n, L, T = (1000, 8, 256) if quick else (50000, 8, 256)
    tmp = Path(tempfile.mkdtemp(prefix="bench_scale_"))
    try:
        r = _child(_DISK, [n, L, T, tmp / "gram.zarr"], timeout=7200)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    r.update(n=n, L=L, tile=T, peak_over_gram=r["peak_rss_bytes"] / r["gram_bytes"],
             growth_over_gram=(r["peak_rss_bytes"] - r["rss_before_bytes"]) / r["gram_bytes"],
             pair_steps_per_s=n * (n + 1) / 2 * L / r["seconds"])
    return r


def nystrom_section(quick: bool) -> dict | None:
    if importlib.util.find_spec("benchmarks._nystrom_scale") is None:
        return None
    from benchmarks._nystrom_scale import run_nystrom

    return run_nystrom(quick)


def run(quick: bool = False) -> dict:
    devices, block = devices_section(quick)
    print("Gram time vs forced host devices (ratio to devices=1, same run):")
    print_table(devices, ["k", "process_devices", "n", "L", "tile", "devices_s", "ratio_to_1",
                          "default_s"])
    print("\nn x M block throughput:")
    print_table(block, ["path", "n", "M", "L", "seconds", "pair_steps_per_s", "device"])
    disk = disk_section(quick)
    print("\nGram on disk (write_gram):")
    print_table([disk], ["n", "L", "seconds", "gram_bytes", "peak_rss_bytes",
                         "rss_before_bytes", "growth_over_gram"])
    result = {"devices": devices, "block": block, "disk": disk, "dtype": "float64",
              "physical_cores": os.cpu_count()}
    nystrom = nystrom_section(quick)
    if nystrom is not None:
        result["nystrom"] = nystrom
    write_result("bench_scale", result, quick)
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    run(quick=p.parse_args().quick)
