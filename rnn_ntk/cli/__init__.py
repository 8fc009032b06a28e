"""The ``rnn-ntk`` command: parsing, progress bars and files; no maths.

One private module per sub-command (``_kernel``, the default job; ``_gram``, ``_converge``,
``_ucr``, ``_bound``, ``_train``), each a set of options and a ``prepare`` that checks everything
before returning the job; the options they share declared once in ``_options`` (argparse
parent parsers) with their value checks from ``_checks``; one-line errors and warnings
and Ctrl-C in ``_process``; the parser and ``main`` in ``_main``. Exit status: 0 done,
1 the job failed on its data, 2 a bad argument (before any work), 130 interrupted. The
command may switch ``jax_enable_x64`` for its own process (``--dtype``); the library
never does.
"""

from rnn_ntk.cli._main import build_parser as build_parser
from rnn_ntk.cli._main import main as main

__all__ = ["build_parser", "main"]
