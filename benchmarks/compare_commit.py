"""bench_kernels' headline Gram timed against another commit, in one run.

    python -m benchmarks.compare_commit [--rev REV] [--n 2000] [--L 64] [--rounds 5]

Checks out REV (default: the parent of HEAD) into a temporary git worktree and times
``rnn_ntk.ntk(x)`` (paper config, Gaussian x of shape (n, L, 4), float64 and float32)
in fresh processes that alternate between the two trees, ``rounds`` times each; each
process reports the best of three calls after a compiling warm-up. Prints the best
time per tree and the ratio old/new (>= 1 means this tree is no slower), and whether
the two Grams are bitwise equal.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

_CHILD = r"""
import json, sys, time
import numpy as np, jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import rnn_ntk
n, L, dtype, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
x = np.random.default_rng(0).normal(size=(n, L, 4))
dt = jnp.float64 if dtype == "float64" else jnp.float32
H = rnn_ntk.ntk(x, dtype=dt).block_until_ready()
best = float("inf")
for _ in range(3):
    t = time.perf_counter(); rnn_ntk.ntk(x, dtype=dt).block_until_ready()
    best = min(best, time.perf_counter() - t)
np.save(out, np.asarray(H))
print(json.dumps({"seconds": best}))
"""


def _time(tree: pathlib.Path, n: int, L: int, dtype: str, out: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(tree))
    res = subprocess.run(
        [sys.executable, "-c", _CHILD, str(n), str(L), dtype, out],
        cwd=tree, env=env, capture_output=True, text=True, check=True,
    )
    return json.loads(res.stdout.strip().splitlines()[-1])["seconds"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rev", default="HEAD~1")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--L", type=int, default=64)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args(argv)
    here = pathlib.Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        old = pathlib.Path(tmp) / "old"
        subprocess.run(["git", "worktree", "add", "--detach", str(old), args.rev],
                       cwd=here, check=True, capture_output=True)
        try:
            for dtype in ("float64", "float32"):
                best = {"old": float("inf"), "new": float("inf")}
                for _ in range(args.rounds):
                    for name, tree in (("old", old), ("new", here)):
                        t = _time(tree, args.n, args.L, dtype, f"{tmp}/{name}.npy")
                        best[name] = min(best[name], t)
                import numpy as np

                same = np.array_equal(np.load(f"{tmp}/old.npy"), np.load(f"{tmp}/new.npy"))
                print(json.dumps({
                    "dtype": dtype, "n": args.n, "L": args.L, "rev": args.rev,
                    "old_s": best["old"], "new_s": best["new"],
                    "ratio_old_over_new": best["old"] / best["new"], "bitwise_equal": same,
                }))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=here,
                           check=False, capture_output=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
