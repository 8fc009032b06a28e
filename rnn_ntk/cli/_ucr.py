"""``rnn-ntk ucr NAME``: one row of the UCR table, printed and saved as JSON.

Needs the ``data`` extra (aeon, scikit-learn). NAME is one of the classification sets
bundled with aeon (``rnn-ntk ucr --list`` prints them), including the ones with sequences
of different lengths (JapaneseVowels, PickupGestureWiimoteZ; see
``rnn_ntk.experiments.evaluate_ucr`` for how the baselines take them).
"""

from __future__ import annotations

import argparse

import rnn_ntk.cli._checks as checks
import rnn_ntk.cli._options as opts
from rnn_ntk.experiments import format_pairs, write_json

NAME = "ucr"
HELP = "RNN-NTK SVMs vs 1-NN and RBF SVM on a UCR/UEA set bundled with aeon"


def parents() -> list[argparse.ArgumentParser]:
    """The sub-command's options."""
    p = opts.parent()
    opts.add(p, "name", nargs="?", default=None,
             help="bundled classification set, e.g. GunPoint (see --list)")
    opts.add(p, "--list", action="store_true", help="list the bundled sets and exit")
    opts.add(p, "--dtype", choices=("both", "float64", "float32"), default="both",
             help="kernel precision(s) of the RNN-NTK columns")
    opts.add(p, "--quick", action="store_true", help="small CV grid (3 folds)")
    opts.add(p, "--arch", action="store_true",
             help="add the rnn_arch column: architecture (depth, activation, readout, "
                  "bidirectional, h0) chosen by CV; minutes per set, readout 'mean' costs "
                  "O(L^2) per pair")
    opts.add(p, "--max-train", type=checks.integer(low=2), default=None,
             help="use a stratified random subset of at most this many training sequences")
    opts.add(p, "--max-test", type=checks.integer(low=2), default=None,
             help="score a random subset of at most this many test sequences")
    return [p, opts.seed_option(),
            opts.json_option("output JSON path (default: ucr-results/<NAME>.json)")]


def _list(data) -> int:
    rows = []
    for name in data.bundled_datasets():
        info = data.BUNDLED[name]
        length = info.length if info.equal_length else "{}..{}".format(*info.length)
        rows.append((name, f"{info.task}  {info.n_train}/{info.n_test}  L={length} "
                           f"d={info.channels}  {info.note}"))
    print(format_pairs(rows, indent=""))
    return 0


def prepare(args: argparse.Namespace) -> opts.Job:
    """Checks the extra, the set's name and files (it is read here) and the JSON path."""
    try:
        from rnn_ntk import data
    except ImportError as e:  # pragma: no cover - without the extra
        raise ValueError(e) from None
    if args.list:
        return lambda: _list(data)
    if args.name is None:
        raise ValueError("give a data set NAME (see rnn-ntk ucr --list).")
    info = checks.argument("NAME", data.dataset_info, args.name)
    if info.task != "classification":
        raise ValueError(f"argument NAME: {info.name!r} is a regression set; the UCR table "
                         f"is for classification sets (see rnn-ntk ucr --list).")
    try:
        from rnn_ntk.experiments._ucr import (
            UCR_FULL_ARCH_GRID,
            UCR_FULL_GRID,
            UCR_QUICK_ARCH_GRID,
            UCR_QUICK_GRID,
            evaluate_ucr,
            ucr_table_row,
        )
    except ImportError as e:  # pragma: no cover - without scikit-learn
        raise ValueError(e) from None
    path = checks.writable_file("--json", args.json or f"ucr-results/{info.name}.json")
    dtypes = ("float64", "float32") if args.dtype == "both" else (args.dtype,)
    opts.use_precision("float64" if "float64" in dtypes else "float32")
    try:
        ds = data.load_dataset(info.name)
    except (ImportError, OSError) as e:
        raise ValueError(f"cannot read the data set {info.name}: {e}") from None

    def job() -> int:
        grids = ((UCR_FULL_GRID, UCR_QUICK_GRID), (UCR_FULL_ARCH_GRID, UCR_QUICK_ARCH_GRID))
        row = evaluate_ucr(ds, dtypes=dtypes, grid=grids[args.arch][args.quick],
                           max_train=args.max_train, max_test=args.max_test,
                           seed=args.seed).to_dict()
        print(f"rnn-ntk ucr {row['name']}: test accuracy (selection on the training split "
              f"only{'; subsampled' if row['subsampled'] else ''})")
        lines = list(ucr_table_row(row).items())
        if row["lengths"]:
            lines.append(("lengths", "{}..{} steps; 1-NN and RBF on {}".format(
                *row["lengths"], row["baseline_input"])))
        lines += [(f"chosen {method}", by) for method, by in row["chosen"].items()]
        for key, rec in (row["arch"] or {}).items():
            if key == "mcnemar":
                lines += [(f"rnn_arch {vs}", "{a_only}/{b_only} test sequences right only "
                           "by rnn_arch/the other; McNemar p = {p:.3g}".format(**m))
                          for vs, m in rec.items()]
            else:
                lines.append((f"rnn_arch {key}", f"{rec['label']} (CV over "
                              f"{len(rec['cv_by_arch'])} architectures, {rec['seconds']:.0f} s)"))
        print(format_pairs(lines))
        print(f"  wrote {write_json(path, row)}")
        return 0

    return job


COMMAND = opts.Command(NAME, HELP, parents, prepare)
