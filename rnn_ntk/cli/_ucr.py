"""``rnn-ntk ucr NAME``: one row of the UCR table, printed and saved as JSON.

Needs the ``data`` extra (aeon, scikit-learn). NAME is one of the classification sets
bundled with aeon (``rnn-ntk ucr --list`` prints them), including the ones with sequences
of different lengths (JapaneseVowels, PickupGestureWiimoteZ; see
``rnn_ntk.experiments.evaluate_ucr`` for how the baselines take them).
"""

from __future__ import annotations

import argparse

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
    opts.add(p, "--max-train", type=int, default=None,
                   help="use a stratified random subset of at most this many training sequences")
    opts.add(p, "--max-test", type=int, default=None,
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


def run(args: argparse.Namespace) -> int:
    """Runs the protocol on one set (or lists the sets) and prints the row."""
    try:
        from rnn_ntk import data
    except ImportError as e:  # pragma: no cover - without the extra
        return opts.fail(NAME, e)
    if args.list:
        return _list(data)
    if args.name is None:
        return opts.fail(NAME, "give a data set NAME (see rnn-ntk ucr --list).")
    for flag in ("max_train", "max_test"):
        v = getattr(args, flag)
        if v is not None and v < 2:
            return opts.fail(NAME, f"--{flag.replace('_', '-')} must be >= 2, got {v}.")
    dtypes = ("float64", "float32") if args.dtype == "both" else (args.dtype,)
    opts.use_precision("float64" if "float64" in dtypes else "float32")
    try:
        from rnn_ntk.experiments import UCR_FULL_GRID, UCR_QUICK_GRID, evaluate_ucr, ucr_table_row

        row = evaluate_ucr(args.name, dtypes=dtypes,
                           grid=UCR_QUICK_GRID if args.quick else UCR_FULL_GRID,
                           max_train=args.max_train, max_test=args.max_test,
                           seed=args.seed).to_dict()
    except (ValueError, ImportError, FileNotFoundError) as e:
        return opts.fail(NAME, e)
    print(f"rnn-ntk ucr {row['name']}: test accuracy (selection on the training split only"
          f"{'; subsampled' if row['subsampled'] else ''})")
    lines = list(ucr_table_row(row).items())
    if row["lengths"]:
        lines.append(("lengths", "{}..{} steps; 1-NN and RBF on {}".format(
            *row["lengths"], row["baseline_input"])))
    lines += [(f"chosen {method}", by) for method, by in row["chosen"].items()]
    print(format_pairs(lines))
    path = args.json or f"ucr-results/{row['name']}.json"
    print(f"  wrote {write_json(path, row)}")
    return 0


COMMAND = opts.Command(NAME, HELP, parents, run)
