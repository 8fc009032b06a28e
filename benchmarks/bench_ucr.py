"""UCR table: RNN-NTK SVMs vs 1-NN Euclidean and a tuned RBF SVM on aeon's bundled sets.

    python -m benchmarks.bench_ucr [--quick] [--sets NAME ...]

For every classification set bundled with aeon 1.6.0 (``rnn_ntk.data``), test accuracy of
(a) the RNN-NTK SVM with the paper's kernel (C by CV), (b) the RNN-NTK SVM with
(sw2, sa2, C) chosen by CV, (c) 1-NN Euclidean and (d) an RBF SVM with (gamma, C) chosen by
CV (all selection on the training split only, see ``rnn_ntk.experiments.evaluate_ucr``),
with the RNN-NTK columns for float64 and float32 kernels side by side, and the time of the
paper kernel (training Gram + test kernel, compiled already). On ``ARCH_SETS`` (GunPoint,
JapaneseVowels) also (e) ``rnn_arch``, the RNN-NTK SVM whose architecture (depth,
activation, readout, bidirectional, h0), variances and C are chosen by the same CV
(``rnn_ntk.experiments._ucr_arch``; float64), with McNemar tests of its test predictions
against the paper's kernel, rnn_cv and the RBF SVM. The sets of different lengths
(JapaneseVowels, PickupGestureWiimoteZ) run ragged: the RNN-NTK SVMs on the sequences as
they are (aligned at their last step, SPEC §6), 1-NN and RBF on every sequence resampled
to the longest training length; their equal-length ``_eq`` versions are rows too.

``--quick`` runs four small sets (one ragged), subsampled to at most 40 training and 100
test sequences, on a small grid, with a four-architecture search (activation x h0) on the
``ARCH_SETS`` (about a minute and a half on 2 cores); the full run takes about 3 minutes
there plus the architecture search (24 architectures; see the README for its time).
``--sets A B`` runs only those sets (full grid) and merges their rows into the existing
full results, replacing rows of the same name. Writes
``benchmarks/results/bench_ucr[_quick].json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json

from benchmarks._common import RESULTS, write_result

QUICK_SETS = ("ItalyPowerDemand", "GunPoint", "BasicMotions", "JapaneseVowels")
QUICK_CAPS = {"max_train": 40, "max_test": 100}
# The rnn_arch column (architecture chosen by CV) runs on these sets only: its search
# scores 24 architectures, and readout "mean" costs O(L^2) per pair (ACSF1, L = 1460,
# would take hours). One equal-length univariate set and one ragged multivariate set.
ARCH_SETS = ("GunPoint", "JapaneseVowels")
SKIPPED: dict[str, str] = {}  # every bundled classification set runs


def summarise(rows: list[dict]) -> dict:
    """Counts behind the acceptance criteria (RNN-NTK CV SVM vs 1-NN; f32 vs f64)."""
    f64 = [r["accuracy"]["rnn_cv"]["float64"] for r in rows]
    nn1 = [r["accuracy"]["nn1"] for r in rows]
    same = [
        r["accuracy"][m]["float32"] == r["accuracy"][m]["float64"]
        for r in rows for m in ("rnn_paper", "rnn_cv")
    ]
    arch = [r for r in rows if r.get("arch")]
    return {
        "n_sets": len(rows),
        "rnn_arch_sets": len(arch),
        "rnn_arch_above_paper": int(sum(r["accuracy"]["rnn_arch"]["float64"]
                                        > r["accuracy"]["rnn_paper"]["float64"] for r in arch)),
        "rnn_arch_above_rbf": int(sum(r["accuracy"]["rnn_arch"]["float64"]
                                      > r["accuracy"]["rbf_cv"] for r in arch)),
        "rnn_arch_mcnemar_p_below_0.05": int(sum(
            m["p"] < 0.05 for r in arch for m in r["arch"]["mcnemar"].values())),
        "rnn_cv_f64_at_least_nn1": int(sum(a >= b for a, b in zip(f64, nn1, strict=True))),
        "f32_equals_f64_accuracy": f"{sum(same)}/{len(same)}",
        "max_abs_acc_diff_f32_f64": max(
            (abs(r["accuracy"][m]["float32"] - r["accuracy"][m]["float64"])
             for r in rows for m in ("rnn_paper", "rnn_cv")), default=0.0),
    }


def arch_table_row(row: dict) -> dict:
    """The columns of the rnn_arch table (README) from ``UCRRow.to_dict()`` (float64)."""
    a, arch = row["accuracy"], row["arch"]
    dt = "float64" if "float64" in arch else next(k for k in arch if k != "mcnemar")
    chosen = row["chosen"]["rnn_arch"][dt]
    sa2 = chosen["sa2"]
    sa2 = "/".join(v if isinstance(v, str) else f"{v:.3g}" for v in
                   (sa2 if isinstance(sa2, (list, tuple)) else [sa2]))
    cols = {
        "dataset": row["name"] + ("*" if row["subsampled"] else ""),
        "n_te": row["n_test"],
        "paper": round(a["rnn_paper"][dt], 3),
        "cv": round(a["rnn_cv"][dt], 3),
        "arch": round(a["rnn_arch"][dt], 3),
        "RBF cv": round(a["rbf_cv"], 3),
        "chosen (CV acc)": f"{arch[dt]['label']}, sw2={chosen['sw2']:g}, sa2={sa2}, "
                           f"C={chosen['C']:g} ({row['cv_accuracy']['rnn_arch'][dt]:.3f})",
        "paper CV acc": round(row["cv_accuracy"]["rnn_paper"][dt], 3),
    }
    for vs in ("rnn_paper", "rbf_cv"):
        m = arch["mcnemar"][f"vs {vs}"]
        cols[f"vs {vs}"] = f"{m['a_only']}/{m['b_only']}, p={m['p']:.2g}"
    cols["archs"] = len(arch[dt]["cv_by_arch"])
    cols["search s"] = float(f"{arch[dt]['seconds']:.3g}")
    return cols


def run(quick: bool = False, sets: list[str] | None = None) -> dict:
    """Runs the UCR table and writes its JSON.

    Args:
      quick: four small sets, subsampled, small grid (a smoke run).
      sets: run only these sets (full grid, no caps) and merge their rows into the
        existing ``bench_ucr.json`` (rows of other sets are kept as they were measured).
    Returns:
      The JSON payload: grid, caps, rows (``UCRRow.to_dict()`` each), skipped sets,
      summary; or {"skipped": reason} without the data extra.
    """
    import importlib.util

    import jax

    # The benchmark's own process (here and under ``python -m benchmarks run``): float64
    # kernels need x64; float32 is passed explicitly.
    jax.config.update("jax_enable_x64", True)
    if importlib.util.find_spec("aeon") is None or importlib.util.find_spec("sklearn") is None:
        reason = "needs the data extra (scikit-learn, aeon); see pyproject.toml"
        print(f"bench_ucr skipped: {reason}")
        return {"skipped": reason}
    from rnn_ntk import data, experiments  # scikit-learn

    if sets and quick:
        raise SystemExit("bench_ucr: --sets runs the full grid; drop --quick.")
    all_names = data.bundled_datasets("classification")
    names = QUICK_SETS if quick else tuple(
        data.dataset_info(s).name for s in sets) if sets else all_names
    from rnn_ntk.experiments import _ucr

    grid = _ucr.UCR_QUICK_GRID if quick else _ucr.UCR_FULL_GRID
    arch_grid = _ucr.UCR_QUICK_ARCH_GRID if quick else _ucr.UCR_FULL_ARCH_GRID
    caps = QUICK_CAPS if quick else {"max_train": None, "max_test": None}
    rows = []
    for name in names:
        row = experiments.evaluate_ucr(name, grid=arch_grid if name in ARCH_SETS else grid,
                                       **caps).to_dict()
        rows.append(row)
        print(f"  {name}: done in {row['seconds']:.0f} s", flush=True)
    merged = {}
    if sets:
        path = RESULTS / "bench_ucr.json"
        before = json.loads(path.read_text()) if path.exists() else {}
        old = before.get("rows", [])
        new = {r["name"]: r for r in rows}
        kept = [r for r in old if r["name"] not in new]
        for r in kept:  # rows written before ragged sets ran: equal lengths, flattened
            r.setdefault("lengths", None)
            r.setdefault("baseline_input", "flattened sequences")
            r.setdefault("arch", None)  # and before the rnn_arch column
        rows = sorted(kept + rows, key=lambda r: r["name"].lower())
        if kept:  # provenance: the kept rows were measured by an earlier run
            merged = {"merged": {"rows": [r["name"] for r in kept],
                                 "machine": before.get("machine")}}
    payload = {
        "grid": dataclasses.asdict(grid),
        "arch_grid": dataclasses.asdict(arch_grid.arch),
        "arch_sets": [n for n in names if n in ARCH_SETS],
        "caps": caps,
        "rows": rows,
        "skipped": SKIPPED,
        "summary": summarise(rows),
        **merged,
    }
    print(experiments.format_table(
        [experiments.ucr_table_row(r) for r in rows], digits=3,
        title="UCR test accuracy (selection on the training split only; * = subsampled)"))
    arch_rows = [r for r in rows if r.get("arch")]
    if arch_rows:
        print(experiments.format_table(
            [arch_table_row(r) for r in arch_rows], digits=3,
            title="rnn_arch: the architecture chosen by CV (McNemar: test sequences right "
                  "only by rnn_arch / only by the other, exact p)"))
    print(f"summary: {payload['summary']}")
    print(f"wrote {write_result('bench_ucr', payload, quick)}")
    return payload


def main(argv: list[str] | None = None) -> None:
    """The command line: ``python -m benchmarks.bench_ucr [--quick] [--sets NAME ...]``."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="four small subsampled sets")
    p.add_argument("--sets", nargs="+", default=None,
                   help="run only these sets and merge them into bench_ucr.json")
    a = p.parse_args(argv)
    run(a.quick, a.sets)


if __name__ == "__main__":
    main()
