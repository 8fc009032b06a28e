"""Sub-commands of the ``rnn-ntk`` CLI: one module each, each with ``register(subparsers)``."""

from rnn_ntk.commands import bound, converge, kernel, train, ucr

#: Registered in this order; the first is the default job when no sub-command is given.
MODULES = [kernel, converge, ucr, bound, train]
