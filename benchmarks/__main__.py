"""Runs every benchmark: ``python -m benchmarks run [--quick] [--only NAME ...]``.

Each benchmark module exposes ``run(quick: bool) -> dict``, prints its table and writes
``benchmarks/results/<name>[_quick].json`` with machine info. ``--quick`` is the CI
smoke mode (small sizes, a few minutes); the full run is what the README reports.
To run on a GPU, install jax with CUDA (``pip install "jax[cuda12]==0.10.2"``) and run
``python -m benchmarks run --device gpu`` there: every figure is a ratio against a
baseline measured in the same run, and the JSON records the device.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time

#: Benchmark modules, in running order.
SUITE = (
    "bench_kernels",
    "bench_float32",
    "bench_empirical",
    "bench_convergence",
    "bench_matrix_free",
    "bench_train",
    "bench_ucr",
    "bench_scale",
)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run the suite")
    r.add_argument("--quick", action="store_true", help="CI smoke sizes")
    r.add_argument("--only", nargs="+", choices=SUITE, help="run just these benchmarks")
    r.add_argument(
        "--device",
        choices=("auto", "cpu", "gpu", "tpu"),
        default="auto",
        help="jax platform to run on (auto: jax's default; gpu needs jax[cuda12])",
    )
    args = p.parse_args(argv)
    if args.device != "auto":  # before the first import of jax (benchmarks import lazily)
        os.environ["JAX_PLATFORMS"] = {"gpu": "cuda"}.get(args.device, args.device)
    summary = {}
    for name in args.only or SUITE:
        print(f"\n=== {name} ({'quick' if args.quick else 'full'}) ===", flush=True)
        t0 = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        module.run(quick=args.quick)
        summary[name] = round(time.perf_counter() - t0, 1)
    print("\nwall seconds per benchmark:", json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
