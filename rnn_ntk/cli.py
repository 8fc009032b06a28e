"""The ``rnn-ntk`` command: parsing and dispatch only (sub-commands live in ``commands/``)."""

from __future__ import annotations

import argparse
import sys

from rnn_ntk.commands import MODULES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnn-ntk",
        description="Infinite-width kernels of ReLU RNNs (Wang, Shen, Hu & Cao, 2021). "
        f"Without a sub-command runs '{MODULES[0].NAME}'.",
    )
    sub = parser.add_subparsers(dest="command")
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    names = {m.NAME for m in MODULES}
    if not argv or (argv[0] not in names and argv[0] not in ("-h", "--help")):
        argv = [MODULES[0].NAME, *argv]
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
