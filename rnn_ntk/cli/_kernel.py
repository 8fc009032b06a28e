"""``rnn-ntk kernel`` (the default job): H^inf of the built-in toy data set, summarised."""

from __future__ import annotations

import argparse

import rnn_ntk.cli._options as opts
from rnn_ntk._toy import toy_sequences
from rnn_ntk.experiments import SUMMARY_KEYS, format_pairs, kernel_summary, write_json

NAME = "kernel"
HELP = "compute H^inf on the built-in toy data set (the default job)"


def parents() -> list[argparse.ArgumentParser]:
    """The job's options (also the top-level options: ``rnn-ntk`` alone runs this job)."""
    return [
        opts.size_options(n=32, L=16, d=2),
        opts.seed_option(),
        opts.network_options(),
        opts.precision_option(),
        opts.json_option("also write the summary to this JSON file"),
    ]


def run(args: argparse.Namespace) -> int:
    """Computes and prints the summary; writes it to --json if given."""
    opts.use_precision(args.dtype)
    try:
        cfg = opts.config_from(args)
        x, y = toy_sequences(args.n, args.L, args.d, seed=args.seed)
        s = kernel_summary(x, y, cfg=cfg, dtype=args.dtype)
    except (TypeError, ValueError) as e:
        return opts.fail(NAME, e)
    print(f"rnn-ntk: H^inf of the toy dataset (n={args.n}, L={args.L}, d={args.d}, "
          f"{args.dtype}, h0={cfg.h0}, sa2={s['config']['sa2']:.3g})")
    print(format_pairs({key: s[key] for key in SUMMARY_KEYS}, digits=6))
    if args.json:
        print(f"  wrote {write_json(args.json, s)}")
    return 0


COMMAND = opts.Command(NAME, HELP, parents, run)
