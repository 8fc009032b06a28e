"""``rnn-ntk ucr NAME``: one row of the UCR table (``rnn_ntk.ucr``), printed and saved as JSON.

Needs the ``data`` extra (aeon, scikit-learn). NAME is one of the classification sets
bundled with aeon (``rnn-ntk ucr --list`` prints them), including the ones with sequences of
different lengths (JapaneseVowels, PickupGestureWiimoteZ; see ``rnn_ntk.ucr`` for how the
baselines take them).
"""

from __future__ import annotations

import sys

from rnn_ntk.commands._common import apply_dtype, write_json_atomic

NAME = "ucr"


def register(sub) -> None:
    p = sub.add_parser(
        NAME,
        help="RNN-NTK SVMs vs 1-NN and RBF SVM on a UCR/UEA set bundled with aeon",
    )
    p.add_argument("name", nargs="?", default=None,
                   help="bundled classification set, e.g. GunPoint (see --list)")
    p.add_argument("--list", action="store_true", help="list the bundled sets and exit")
    p.add_argument("--dtype", choices=("both", "float64", "float32"), default="both",
                   help="kernel precision(s) of the RNN-NTK columns (default: both)")
    p.add_argument("--quick", action="store_true", help="small CV grid (3 folds)")
    p.add_argument("--max-train", type=int, default=None,
                   help="use a stratified random subset of at most this many training sequences")
    p.add_argument("--max-test", type=int, default=None,
                   help="score a random subset of at most this many test sequences")
    p.add_argument("--seed", type=int, default=0, help="seed of CV folds and subsampling")
    p.add_argument("--json", default=None,
                   help="output JSON path (default: ucr-results/<NAME>.json)")
    p.set_defaults(func=run)


def _fail(message: str) -> int:
    print(f"rnn-ntk ucr: error: {message}", file=sys.stderr)
    return 2


def run(args) -> int:
    try:
        from rnn_ntk import data
    except ImportError as e:  # pragma: no cover - without the extra
        return _fail(str(e))
    if args.list:
        for name in data.bundled_datasets():
            info = data.BUNDLED[name]
            length = info.length if info.equal_length else "{}..{}".format(*info.length)
            print(f"{name:<26} {info.task:<15} {info.n_train}/{info.n_test}  L={length} "
                  f"d={info.channels}  {info.note}")
        return 0
    if args.name is None:
        return _fail("give a data set NAME (see rnn-ntk ucr --list).")
    for flag in ("max_train", "max_test"):
        v = getattr(args, flag)
        if v is not None and v < 2:
            return _fail(f"--{flag.replace('_', '-')} must be >= 2, got {v}.")
    dtypes = ("float64", "float32") if args.dtype == "both" else (args.dtype,)
    apply_dtype("float64" if "float64" in dtypes else "float32")
    try:
        from rnn_ntk import ucr

        grid = ucr.QUICK_GRID if args.quick else ucr.FULL_GRID
        row = ucr.evaluate(args.name, dtypes=dtypes, grid=grid, max_train=args.max_train,
                           max_test=args.max_test, seed=args.seed).to_dict()
    except (ValueError, ImportError, FileNotFoundError) as e:
        return _fail(str(e))
    cols = ucr.table_row(row)
    print(f"rnn-ntk ucr {row['name']}: test accuracy (selection on the training split only"
          f"{'; subsampled' if row['subsampled'] else ''})")
    for key, value in cols.items():
        if value is not None:
            print(f"  {key:<14} {value}")
    if row["lengths"]:
        print("  lengths        {}..{} steps; 1-NN and RBF on {}".format(
            *row["lengths"], row["baseline_input"]))
    for method, by in row["chosen"].items():
        print(f"  chosen {method:<8} {by}")
    path = args.json or f"ucr-results/{row['name']}.json"
    print(f"  wrote {write_json_atomic(path, row)}")
    return 0
