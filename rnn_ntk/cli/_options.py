"""Options shared by the sub-commands, each declared once (argparse parent parsers).

Each function returns a fresh parent parser (``add_help=False``), so a sub-command can
give its own defaults without touching another's; ``add`` writes the default into the
help text. Every option's value is checked as it is parsed (the ``type=`` converters of
``_checks``): a bad value ends in argparse's one-line error, before any work.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
from tqdm.auto import tqdm

import rnn_ntk.cli._checks as checks
from rnn_ntk._config import RNNConfig
from rnn_ntk.cli._process import check_interrupt

__all__ = [
    "Command",
    "Job",
    "Parser",
    "add",
    "check_concepts",
    "concept_options",
    "config_from",
    "folder_options",
    "json_option",
    "network_options",
    "parent",
    "precision_option",
    "progress_bar",
    "seed_option",
    "size_options",
    "updater",
    "use_precision",
]

_DEFAULT = RNNConfig()

#: The work of a sub-command, all its arguments checked: returns the exit status.
Job = Callable[[], int]


class Command(NamedTuple):
    """A sub-command: its name, one-line help, option parsers and what it prepares.

    Attributes:
      name: the sub-command's name.
      help: its one-line description.
      parents: returns fresh parent parsers holding all its options.
      prepare: checks everything the parsed arguments name that ``parents`` could not
        (options together, input and output paths), raising TypeError/ValueError/OSError
        in one line before any work; returns the ``Job`` that does the work.
    """

    name: str
    help: str
    parents: Callable[[], list[argparse.ArgumentParser]]
    prepare: Callable[[argparse.Namespace], Job]


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr (exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Prints ``PROG: error: MESSAGE (see PROG --help)`` and exits with status 2."""
        self.exit(2, f"{self.prog}: error: {message.rstrip('.')} (see '{self.prog} --help')\n")


def add(parser: Any, *flags: str, help: str, **kwargs: Any) -> argparse.Action:
    """``parser.add_argument`` whose help ends with the default (when there is one).

    Args:
      parser: a parser or an argument group.
      *flags: the option strings (or a positional name).
      help: the help text.
      **kwargs: the other arguments of ``add_argument``.
    Returns:
      The new action.
    """
    if kwargs.get("default") is not None and "action" not in kwargs:
        help += " (default: %(default)s)"
    return parser.add_argument(*flags, help=help, **kwargs)


def parent() -> argparse.ArgumentParser:
    """An empty parent parser (``add_help=False``) for a sub-command's own options."""
    return argparse.ArgumentParser(add_help=False)


def precision_option() -> argparse.ArgumentParser:
    """--dtype: the compute precision (float64 switches jax_enable_x64 on)."""
    p = parent()
    add(p, "--dtype", choices=("float64", "float32"), default="float64",
                   help="compute precision (float64 enables jax_enable_x64 for this process)")
    return p


def network_options() -> argparse.ArgumentParser:
    """--sw2 ... --h0, --depth, --activation, --readout, --bidirectional: the RNNConfig
    (SPEC §1, §7); defaults the paper's."""
    p = parent()
    g = p.add_argument_group("network (RNNConfig)")
    for name, what in (("sw2", "W"), ("sb2", "b"), ("s02", "M0"), ("sB2", "B")):
        add(g, f"--{name}", type=checks.variance(), default=getattr(_DEFAULT, name),
            metavar="V", help=f"variance scale of {what}")
    add(g, "--sa2", type=checks.variance(paper=True), default=_DEFAULT.sa2, metavar="V",
        help="variance scale of A, or 'paper' (2/L^3)")
    add(g, "--h0", choices=("random", "zero"), default=_DEFAULT.h0,
                   help="initial hidden state: phi(M0) or 0")
    add(g, "--depth", type=checks.integer(low=1), default=_DEFAULT.depth, metavar="D",
        help="stacked recurrent layers (SPEC §7)")
    add(g, "--activation", default=_DEFAULT.activation, metavar="NAME",
        help="relu, erf, tanh or any jax.nn / jax.numpy function name")
    add(g, "--readout", choices=("last", "mean"), default=_DEFAULT.readout,
        help="output at the last step or the mean over steps")
    g.add_argument("--bidirectional", action="store_true",
                   help="add the RNN on each sequence reversed in time")
    return p


def config_from(args: argparse.Namespace) -> RNNConfig:
    """The RNNConfig of the ``network_options`` (its own checks: ValueError, TypeError)."""
    return RNNConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(RNNConfig)})


def size_options(**sizes: int | tuple[int, int]) -> argparse.ArgumentParser:
    """--n, --L, --d (those given): samples, steps, features.

    Args:
      **sizes: per option its default, or (default, smallest allowed value); the
        smallest is 1 unless given.
    Returns:
      The parent parser.
    """
    what = {"n": "number of sequences", "L": "sequence length", "d": "features per step"}
    p = parent()
    for name, spec in sizes.items():
        default, low = spec if isinstance(spec, tuple) else (spec, 1)
        add(p, f"--{name}", type=checks.integer(low=low), default=default, help=what[name])
    return p


def seed_option() -> argparse.ArgumentParser:
    """--seed: the base seed (>= 0) of the data, concepts or CV folds."""
    p = parent()
    add(p, "--seed", type=checks.integer(low=0), default=0, help="random seed")
    return p


def concept_options() -> argparse.ArgumentParser:
    """--psi, --c-min, --c-max, --margin-q, --delta: concepts and inputs of SPEC §4."""
    p = parent()
    g = p.add_argument_group("concepts and inputs (SPEC §4)")
    add(g, "--psi", choices=("exp", "arctan"), default="exp",
                   help="the analytic psi of the concepts (arctan = arctan(z/2))")
    positive = checks.real(low=0.0, open_low=True, what="norm")
    add(g, "--c-min", type=positive, default=1.0, help="C_min <= ||X_l|| of the inputs")
    add(g, "--c-max", type=positive, default=2.0, help="||X_l|| <= C_max of the inputs")
    add(g, "--margin-q", type=checks.real(low=0.0, high=1.0, open_high=True, what="quantile"),
        default=0.1, help="margin gamma = this quantile of |F*|, in [0, 1)")
    add(g, "--delta", type=checks.real(low=0.0, high=math.exp(-1), open_low=True,
                                       what="probability (Theorem 2)"),
        default=0.05, help="failure probability of eq. 19, in (0, 1/e]")
    return p


def check_concepts(args: argparse.Namespace) -> None:
    """The ``concept_options`` together: C_min <= C_max (ValueError)."""
    if args.c_min > args.c_max:
        raise ValueError(f"argument --c-max: must be >= --c-min = {args.c_min:g}, got "
                         f"{args.c_max:g}.")


def folder_options(default: str) -> argparse.ArgumentParser:
    """--out, --no-plot, --quiet: the output folder, its plots, the progress bar."""
    p = parent()
    add(p, "--out", default=default, help="output folder")
    add(p, "--no-plot", action="store_true", help="skip the PNG plots")
    add(p, "--quiet", action="store_true", help="no progress bar")
    return p


def json_option(text: str) -> argparse.ArgumentParser:
    """--json PATH: where a summary is written."""
    p = parent()
    add(p, "--json", default=None, metavar="PATH", help=text)
    return p


def use_precision(dtype: str) -> None:
    """Sets jax's precision for this process: the CLI is an application, the library never
    switches it."""
    jax.config.update("jax_enable_x64", dtype == "float64")


def progress_bar(args: argparse.Namespace, desc: str, unit: str) -> tqdm:
    """A tqdm bar on stderr (silent with --quiet); ``updater`` makes its callback."""
    return tqdm(desc=desc, unit=unit, disable=getattr(args, "quiet", False), file=sys.stderr,
                delay=0.1)


def updater(bar: tqdm) -> Callable[[int, int], None]:
    """The ``progress(done, total)`` callback of the experiments, drawn on ``bar``.

    It is also a safe point for Ctrl-C: a SIGINT whose KeyboardInterrupt was lost
    (``check_interrupt``) stops the work here, after the finished part is saved.
    """

    def progress(done: int, total: int) -> None:
        check_interrupt()
        if bar.total != total:
            bar.reset(total=total)
        bar.update(done - bar.n)

    return progress

