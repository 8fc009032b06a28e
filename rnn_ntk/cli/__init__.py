"""The ``rnn-ntk`` command: parsing, progress bars and files; no maths.

One private module per sub-command (``_kernel``, the default job; ``_converge``, ``_ucr``,
``_bound``, ``_train``), the options they share declared once in ``_options`` (argparse
parent parsers), the parser and ``main`` in ``_main``. The command may switch
``jax_enable_x64`` for its own process (``--dtype``); the library never does.
"""

from rnn_ntk.cli._main import build_parser as build_parser
from rnn_ntk.cli._main import main as main

__all__ = ["build_parser", "main"]
