"""``rnn-ntk gram INPUT [--x2 OTHER] --out STORE``: the kernel of a user's own data on disk.

Reads the sequences (``rnn_ntk.data.read_sequences``: .npy, .npz, .csv or aeon's .ts)
and writes their Gram, tile by tile, into the zarr store ``--out`` with
``rnn_ntk.experiments.write_gram`` (SPEC §8): a run stopped part-way and started again
with the same arguments resumes at the first missing tile; a store written for another
computation is refused. Every file and option is checked before any work.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import jax
import numpy as np

import rnn_ntk.cli._checks as checks
import rnn_ntk.cli._options as opts
from rnn_ntk._config import BLOCKS, PARAMETERIZATIONS, layer_weights
from rnn_ntk._sequences import Sequences
from rnn_ntk.data import SEQUENCE_FORMATS, read_sequences
from rnn_ntk.experiments import write_gram

NAME = "gram"
HELP = "the NTK or NNGP Gram of your own sequences (.npy/.npz/.csv/.ts) into a zarr store"

#: The kernels ``--kernel`` names, and what the summary calls them.
KERNELS = {"ntk": "NTK", "nngp": "NNGP"}


def parents() -> list[argparse.ArgumentParser]:
    """The sub-command's options."""
    p = opts.parent()
    formats = "; ".join(f"{ext}: {what}" for ext, what in SEQUENCE_FORMATS.items())
    opts.add(p, "input", metavar="INPUT",
             help=f"the sequences (rows of the Gram). {formats}. Sequences of different "
             "lengths: NaN end padding (.npy/.npz/.ts) or shorter rows (.csv)")
    opts.add(p, "--x2", default=None, metavar="OTHER",
             help="other sequences, same formats (columns of a rectangular Gram); without "
             "it the symmetric Gram of INPUT")
    opts.add(p, "--key", default=None, metavar="NAME",
             help="the array of an INPUT .npz holding several")
    opts.add(p, "--x2-key", default=None, metavar="NAME",
             help="the array of an --x2 .npz holding several")
    opts.add(p, "--out", required=True, metavar="STORE",
             help="the zarr store (a folder) the Gram is written to; an existing store of "
             "the same computation is resumed. Read it with zarr.open(STORE)[...]")
    opts.add(p, "--kernel", choices=tuple(KERNELS), default="ntk",
             help="ntk: H^inf (the NTK, SPEC §2, §7); nngp: K^L, the NNGP of the last "
             "hidden state")
    opts.add(p, "--blocks", nargs="+", default=None, metavar="BLOCK",
             help=f"with --kernel ntk: the trained blocks, from {', '.join(BLOCKS)} or one "
             "layer's block (W_2, ...) (default: W)")
    opts.add(p, "--parameterization", choices=PARAMETERIZATIONS, default=None,
             help="with --kernel ntk: standard (the paper's) or ntk (default: standard)")
    opts.add(p, "--tile-size", type=checks.integer(low=1), default=None, metavar="T",
             help="pairs per tile side, one zarr chunk per tile (default: the library's, "
             "256 on CPU, 2048 on accelerators)")
    opts.add(p, "--devices", type=checks.integer(low=1), default=None, metavar="N",
             help="shard the tiles over the first N of jax.devices() (default: jax's "
             "default device, host threads)")
    opts.add(p, "--no-resume", action="store_true",
             help="start afresh: overwrite an existing store at --out")
    opts.add(p, "--quiet", action="store_true", help="no progress bar")
    return [p, opts.network_options(), opts.precision_option()]


def _store(path: str) -> Path:
    """The store's path, checked writable (its parent folders are made) before any work.

    An existing folder must be empty or a Gram store written by rnn_ntk (resumed, or with
    --no-resume replaced): any other folder is refused, never overwritten. Whether a store
    holds this very computation is checked by ``write_gram``.
    """
    store = Path(path)
    if not store.exists():
        checks.writable_folder("--out", store.parent)
        return store
    if not store.is_dir():
        raise ValueError(f"argument --out: {store} is a file; a zarr store is a folder: "
                         f"give a new path or an existing store.")
    if any(store.iterdir()) and not _is_gram_store(store):
        raise ValueError(f"argument --out: {store} is a folder that is not a Gram store "
                         f"written by rnn-ntk gram; give a new or empty folder (its files "
                         f"are never overwritten).")
    return checks.writable_folder("--out", store)


def _is_gram_store(store: Path) -> bool:
    """True if ``store`` holds a zarr array written by rnn_ntk (its zarr.json says so)."""
    try:
        meta = json.loads((store / "zarr.json").read_text())
    except (OSError, ValueError):
        return False
    return (isinstance(meta, dict) and meta.get("node_type") == "array"
            and "rnn_ntk" in (meta.get("attributes") or {}))


def _read(flag: str, path: str, key: str | None, key_flag: str) -> Sequences:
    """The sequences of one file; every problem with it is a one-line ValueError."""
    if key is not None and not path.lower().endswith(".npz"):
        raise ValueError(f"argument {key_flag}: only for a .npz file, got {flag} {path}.")
    try:
        return read_sequences(path, key=key)
    except (ValueError, TypeError, ImportError) as e:
        raise ValueError(f"argument {flag}: {e}") from None


def _pair(x1: Sequences, x2: Sequences | None) -> tuple[Sequences, Sequences | None]:
    """Checks that the two files go together; sequences of different lengths get lengths
    (pairs then meet at their last step, SPEC §6)."""
    if x2 is None:
        return x1, None
    (_, L1, d1), (_, L2, d2) = x1.x.shape, x2.x.shape
    if d1 != d2:
        raise ValueError(f"argument --x2: its sequences have d = {d2} features a step, those "
                         f"of INPUT d = {d1}; both files must have the same d.")
    if L1 != L2 and not (x1.ragged or x2.ragged):
        x1, x2 = (Sequences(s.x, np.full(s.x.shape[0], s.x.shape[1], dtype=np.int64))
                  for s in (x1, x2))
    return x1, x2


def _ntk_options(args: argparse.Namespace, cfg, L: int) -> tuple[tuple[str, ...], str]:
    """--blocks and --parameterization, checked against the network (ntk only)."""
    if args.kernel != "ntk":
        for flag, value in (("--blocks", args.blocks), ("--parameterization",
                                                         args.parameterization)):
            if value is not None:
                raise ValueError(f"argument {flag}: only for --kernel ntk (the NNGP K^L has "
                                 f"no blocks); drop it or use --kernel ntk.")
    blocks = tuple(args.blocks or ("W",))
    parameterization = args.parameterization or "standard"
    if args.kernel == "ntk":
        checks.argument("--blocks", layer_weights, cfg, L, blocks, parameterization)
    return blocks, parameterization


def _in_flags(message: str) -> str:
    """``write_gram``'s refusal of a store, in the command's words."""
    if message.startswith("out: "):
        message = "argument --out: " + message.removeprefix("out: ")
    return message.replace("resume=False", "--no-resume")


def prepare(args: argparse.Namespace) -> opts.Job:
    """Checks the options, the input files and the store; returns the job."""
    opts.use_precision(args.dtype)
    cfg = opts.config_from(args)
    if cfg.bidirectional:
        raise ValueError("argument --bidirectional: the Gram store does not take "
                         "bidirectional networks yet (their kernel sums two passes); "
                         "compute it in memory with rnn_ntk.ntk and save the array.")
    out = _store(args.out)
    if args.devices is not None and args.devices > jax.device_count():
        raise ValueError(f"argument --devices: {args.devices} asked, but jax sees "
                         f"{jax.device_count()} device(s) ({jax.default_backend()}); give "
                         f"--devices <= {jax.device_count()}.")
    x1 = _read("INPUT", args.input, args.key, "--key")
    x2 = None if args.x2 is None else _read("--x2", args.x2, args.x2_key, "--x2-key")
    x1, x2 = _pair(x1, x2)
    L = max(x1.x.shape[1], 0 if x2 is None else x2.x.shape[1])
    blocks, parameterization = _ntk_options(args, cfg, L)

    def job() -> int:
        start = time.perf_counter()
        with opts.progress_bar(args, f"{args.kernel} Gram tiles", "tile") as bar:
            try:
                gram = write_gram(
                    str(out), x1, x2, kernel=args.kernel, cfg=cfg, blocks=blocks,
                    parameterization=parameterization, tile_size=args.tile_size,
                    devices=args.devices, dtype=args.dtype, progress=opts.updater(bar),
                    resume=not args.no_resume)
            except ValueError as e:  # a store of another computation: say it in flags
                raise ValueError(_in_flags(str(e))) from None
        seconds = time.perf_counter() - start
        rows, cols = gram.shape
        print(f"rnn-ntk gram: {KERNELS[args.kernel]} Gram {rows} x {cols} {gram.dtype} in "
              f"{seconds:.2f} s, in {out}; read it with zarr.open({str(out)!r})[...]")
        return 0

    return job


COMMAND = opts.Command(NAME, HELP, parents, prepare)
