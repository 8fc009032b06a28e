"""The ``rnn-ntk`` command: the parser (sub-commands, shared options) and ``main``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from rnn_ntk.cli._bound import COMMAND as BOUND
from rnn_ntk.cli._converge import COMMAND as CONVERGE
from rnn_ntk.cli._gram import COMMAND as GRAM
from rnn_ntk.cli._kernel import COMMAND as KERNEL
from rnn_ntk.cli._options import Parser
from rnn_ntk.cli._process import check_interrupt, fail, interrupted, session
from rnn_ntk.cli._train import COMMAND as TRAIN
from rnn_ntk.cli._ucr import COMMAND as UCR

__all__ = ["build_parser", "main"]

#: The sub-commands, in help order; ``rnn-ntk`` without one runs the first.
COMMANDS = (KERNEL, GRAM, CONVERGE, UCR, BOUND, TRAIN)

#: Errors of a job that has passed its checks and then failed on its data (a concept
#: without margin, a kernel too large for the dtype, a full disk): one line, status 1.
#: Any other exception is a bug and keeps its traceback.
JOB_ERRORS = (ValueError, OSError, FloatingPointError, OverflowError)


def build_parser() -> argparse.ArgumentParser:
    """The parser: one sub-parser per command; the default job's options at the top level."""
    default = COMMANDS[0]
    parser = Parser(
        prog="rnn-ntk",
        description="Infinite-width kernels of ReLU RNNs (Wang, Shen, Hu & Cao, 2021). "
        f"Without a sub-command runs '{default.name}' with the options below.",
        parents=default.parents(),
    )
    parser.set_defaults(func=default.prepare, prog=f"rnn-ntk {default.name}")
    sub = parser.add_subparsers(dest="command", title="sub-commands")
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.help,
                           parents=command.parents())
        p.set_defaults(func=command.prepare, prog=p.prog)
    return parser


def _run(args: argparse.Namespace) -> int:
    """Checks the arguments (exit status 2 in one line), then does the work."""
    try:
        job = args.func(args)
    except (TypeError, ValueError, OSError) as e:
        check_interrupt()  # a Ctrl-C that surfaced as another error is still a Ctrl-C
        return fail(args.prog, e)
    try:
        status = job()
    except JOB_ERRORS as e:
        check_interrupt()
        return fail(args.prog, e, status=1)
    except Exception:
        check_interrupt()
        raise
    check_interrupt()  # a Ctrl-C swallowed on the way (a gc callback) still ends in 130
    return int(status or 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the ``rnn-ntk`` command line.

    Every argument, input and output path is checked before any work starts; a bad one
    is reported in one line on stderr with exit status 2 (no traceback). A job that then
    fails on its data says why in one line, status 1. Ctrl-C stops the work and keeps
    what is finished (every result file is written atomically): status 130.

    Args:
      argv: the arguments after the program name. None (the ``rnn-ntk`` program itself,
        or ``python -m rnn_ntk.cli``) reads ``sys.argv[1:]``, and an interrupt then ends
        the process at once with ``os._exit(130)`` (see ``_process.interrupted``); with a
        list, ``main`` runs in-process and returns 130. Without a sub-command the default
        job (``kernel``) runs with these options.
    Returns:
      The exit status: 0 on success, 1 if the job failed, 2 for bad arguments, 130 when
      interrupted.
    """
    program = argv is None
    try:
        args = build_parser().parse_args(None if argv is None else list(argv))
    except SystemExit as e:  # argparse: --help (0) or a bad option (2), said in one line
        return e.code if isinstance(e.code, int) else 2
    with session(args.prog):
        try:
            return _run(args)
        except KeyboardInterrupt:
            return interrupted(args.prog, program=program)
