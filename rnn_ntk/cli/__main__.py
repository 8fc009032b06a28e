"""``python -m rnn_ntk.cli``: the same as the ``rnn-ntk`` command."""

from rnn_ntk.cli import main

raise SystemExit(main())
