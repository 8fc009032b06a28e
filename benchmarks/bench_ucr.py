"""UCR table: RNN-NTK SVMs vs 1-NN Euclidean and a tuned RBF SVM on aeon's bundled sets.

    python -m benchmarks.bench_ucr [--quick]

For every equal-length classification set bundled with aeon 1.6.0 (``rnn_ntk.data``),
test accuracy of (a) the RNN-NTK SVM with the paper's kernel (C by CV), (b) the RNN-NTK SVM
with (sw2, sa2, C) chosen by CV, (c) 1-NN Euclidean and (d) an RBF SVM with (gamma, C)
chosen by CV — all selection on the training split only, see ``rnn_ntk.ucr`` — with the
RNN-NTK columns for float64 and float32 kernels side by side, and the time of the paper
kernel (training Gram + test kernel, compiled already). The ragged sets JapaneseVowels and
PickupGestureWiimoteZ are skipped (sequences of different lengths are pending, SPEC §6);
their equal-length ``_eq`` versions are in the table.

``--quick`` runs three small sets, subsampled to at most 40 training and 100 test
sequences, on a small grid (about a minute on 2 cores). Writes
``benchmarks/results/bench_ucr[_quick].json``.
"""

from __future__ import annotations

import argparse
import dataclasses

from rnn_ntk.commands._common import apply_dtype

apply_dtype("float64")  # an application: float64 kernels need x64; float32 is passed explicitly

from benchmarks._common import print_table, write_result  # noqa: E402
from rnn_ntk import ucr  # noqa: E402
from rnn_ntk.data import bundled_datasets  # noqa: E402

QUICK_SETS = ("ItalyPowerDemand", "GunPoint", "BasicMotions")
QUICK_CAPS = {"max_train": 40, "max_test": 100}
SKIPPED = {
    name: "sequences of different lengths (pending, SPEC §6); see its _eq version"
    for name in bundled_datasets("classification", equal_length=False)
}


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


def run(quick: bool = False) -> dict:
    """Runs the UCR table and writes its JSON.

    Args:
      quick: three small sets, subsampled, small grid (a smoke run).
    Returns:
      The JSON payload: grid, caps, rows (``UCRRow.to_dict()`` each), skipped sets,
      summary.
    """
    names = QUICK_SETS if quick else bundled_datasets("classification", equal_length=True)
    grid = ucr.QUICK_GRID if quick else ucr.FULL_GRID
    caps = QUICK_CAPS if quick else {"max_train": None, "max_test": None}
    rows = []
    for name in names:
        row = ucr.evaluate(name, grid=grid, **caps).to_dict()
        rows.append(row)
        print(f"  {name}: done in {row['seconds']:.0f} s", flush=True)
    payload = {
        "grid": dataclasses.asdict(grid),
        "caps": caps,
        "rows": rows,
        "skipped": SKIPPED,
        "summary": summarise(rows),
    }
    print("UCR test accuracy (selection on the training split only; * = subsampled)")
    table = [ucr.table_row(r) for r in rows]
    print_table(table, list(table[0]))
    print(f"summary: {payload['summary']}")
    print(f"wrote {write_result('bench_ucr', payload, quick)}")
    return payload


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="three small subsampled sets")
    run(p.parse_args().quick)
