"""``rnn-ntk kernel`` (the default job): H^inf of the built-in toy data set, summarised."""

from __future__ import annotations

import argparse

import rnn_ntk.cli._checks as checks
import rnn_ntk.cli._options as opts
from rnn_ntk._toy import toy_sequences
from rnn_ntk.experiments import SUMMARY_KEYS, format_pairs, kernel_summary, write_json

NAME = "kernel"
HELP = "compute H^inf on the built-in toy data set (the default job)"


def parents() -> list[argparse.ArgumentParser]:
    """The job's options (also the top-level options: ``rnn-ntk`` alone runs this job)."""
    return [
        # n >= 2: the summary is about pairs of sequences (mean off-diagonal entry, mean
        # correlation rho_L of distinct pairs), which one sequence does not have; printing
        # NaN for them with exit 0 would pass a meaningless table for a result.
        opts.size_options(n=(32, 2), L=16, d=(2, 2)),
        opts.seed_option(),
        opts.network_options(),
        opts.precision_option(),
        opts.json_option("also write the summary to this JSON file"),
    ]


def prepare(args: argparse.Namespace) -> opts.Job:
    """Checks the config and the --json path; returns the job."""
    opts.use_precision(args.dtype)
    cfg = opts.config_from(args)
    if args.json:
        checks.writable_file("--json", args.json)

    def job() -> int:
        x, y = toy_sequences(args.n, args.L, args.d, seed=args.seed)
        s = kernel_summary(x, y, cfg=cfg, dtype=args.dtype)
        print(f"rnn-ntk: H^inf of the toy dataset (n={args.n}, L={args.L}, d={args.d}, "
              f"{args.dtype}, h0={cfg.h0}, sa2={s['config']['sa2']:.3g})")
        print(format_pairs({key: s[key] for key in SUMMARY_KEYS}, digits=6))
        if args.json:
            print(f"  wrote {write_json(args.json, s)}")
        return 0

    return job


COMMAND = opts.Command(NAME, HELP, parents, prepare)
