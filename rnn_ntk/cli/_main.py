"""The ``rnn-ntk`` command: the parser (sub-commands, shared options) and ``main``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rnn_ntk.cli._bound import COMMAND as BOUND
from rnn_ntk.cli._converge import COMMAND as CONVERGE
from rnn_ntk.cli._kernel import COMMAND as KERNEL
from rnn_ntk.cli._train import COMMAND as TRAIN
from rnn_ntk.cli._ucr import COMMAND as UCR

__all__ = ["build_parser", "main"]

#: The sub-commands, in help order; ``rnn-ntk`` without one runs the first.
COMMANDS = (KERNEL, CONVERGE, UCR, BOUND, TRAIN)


def build_parser() -> argparse.ArgumentParser:
    """The parser: one sub-parser per command; the default job's options at the top level."""
    default = COMMANDS[0]
    parser = argparse.ArgumentParser(
        prog="rnn-ntk",
        description="Infinite-width kernels of ReLU RNNs (Wang, Shen, Hu & Cao, 2021). "
        f"Without a sub-command runs '{default.name}' with the options below.",
        parents=default.parents(),
    )
    parser.set_defaults(func=default.run)
    sub = parser.add_subparsers(dest="command", title="sub-commands")
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.help,
                           parents=command.parents())
        p.set_defaults(func=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the ``rnn-ntk`` command line.

    Args:
      argv: the arguments after the program name (default ``sys.argv[1:]``); without a
        sub-command the default job (``kernel``) runs with these options.
    Returns:
      The exit status: 0 on success, 2 for bad arguments, 130 when interrupted.
    """
    args = build_parser().parse_args(None if argv is None else list(argv))
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
