"""UCR table: RNN-NTK SVMs vs 1-NN Euclidean and a tuned RBF SVM on aeon's bundled sets.

    python -m benchmarks.bench_ucr [--quick] [--sets NAME ...]

For every classification set bundled with aeon 1.6.0 (``rnn_ntk.data``), test accuracy of
(a) the RNN-NTK SVM with the paper's kernel (C by CV), (b) the RNN-NTK SVM with
(sw2, sa2, C) chosen by CV, (c) 1-NN Euclidean and (d) an RBF SVM with (gamma, C) chosen by
CV (all selection on the training split only, see ``rnn_ntk.experiments.evaluate_ucr``),
with the RNN-NTK columns for float64 and float32 kernels side by side, and the time of the
paper kernel (training Gram + test kernel, compiled already). The sets of different lengths
(JapaneseVowels, PickupGestureWiimoteZ) run ragged: the RNN-NTK SVMs on the sequences as
they are (aligned at their last step, SPEC §6), 1-NN and RBF on every sequence resampled
to the longest training length; their equal-length ``_eq`` versions are rows too.

``--quick`` runs four small sets (one ragged), subsampled to at most 40 training and 100
test sequences, on a small grid (about a minute on 2 cores); the full run took about 3
minutes there. ``--sets A B`` runs only those sets (full grid) and merges their rows into
the existing full results, replacing rows of the same name. Writes
``benchmarks/results/bench_ucr[_quick].json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json

from benchmarks._common import RESULTS, write_result

QUICK_SETS = ("ItalyPowerDemand", "GunPoint", "BasicMotions", "JapaneseVowels")
QUICK_CAPS = {"max_train": 40, "max_test": 100}
SKIPPED: dict[str, str] = {}  # every bundled classification set runs


def summarise(rows: list[dict]) -> dict:
    """Counts behind the acceptance criteria (RNN-NTK CV SVM vs 1-NN; f32 vs f64)."""
    f64 = [r["accuracy"]["rnn_cv"]["float64"] for r in rows]
    nn1 = [r["accuracy"]["nn1"] for r in rows]
    same = [
        r["accuracy"][m]["float32"] == r["accuracy"][m]["float64"]
        for r in rows for m in ("rnn_paper", "rnn_cv")
    ]
    return {
        "n_sets": len(rows),
        "rnn_cv_f64_at_least_nn1": int(sum(a >= b for a, b in zip(f64, nn1, strict=True))),
        "f32_equals_f64_accuracy": f"{sum(same)}/{len(same)}",
        "max_abs_acc_diff_f32_f64": max(
            (abs(r["accuracy"][m]["float32"] - r["accuracy"][m]["float64"])
             for r in rows for m in ("rnn_paper", "rnn_cv")), default=0.0),
    }


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
    grid = experiments.UCR_QUICK_GRID if quick else experiments.UCR_FULL_GRID
    caps = QUICK_CAPS if quick else {"max_train": None, "max_test": None}
    rows = []
    for name in names:
        row = experiments.evaluate_ucr(name, grid=grid, **caps).to_dict()
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
        rows = sorted(kept + rows, key=lambda r: r["name"].lower())
        if kept:  # provenance: the kept rows were measured by an earlier run
            merged = {"merged": {"rows": [r["name"] for r in kept],
                                 "machine": before.get("machine")}}
    payload = {
        "grid": dataclasses.asdict(grid),
        "caps": caps,
        "rows": rows,
        "skipped": SKIPPED,
        "summary": summarise(rows),
        **merged,
    }
    print(experiments.format_table(
        [experiments.ucr_table_row(r) for r in rows], digits=3,
        title="UCR test accuracy (selection on the training split only; * = subsampled)"))
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
