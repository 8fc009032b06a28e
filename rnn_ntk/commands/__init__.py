"""Sub-commands of the ``rnn-ntk`` CLI: one module each, each with ``register(subparsers)``."""

from rnn_ntk.commands import kernel

#: Registered in this order; the first is the default job when no sub-command is given.
MODULES = [kernel]
