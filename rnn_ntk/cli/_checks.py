"""The command's checks of its own arguments, all made before any work starts.

Option values are checked as argparse parses them (``integer``, ``real``, ``variance``
are ``type=`` callables built on the library's validators of ``rnn_ntk._validate``), so
a bad value ends in argparse's one-line error with exit status 2. What needs several
options or the file system is checked by each sub-command's ``prepare`` with ``argument``
(a library check whose message is given the flag's name), ``writable_folder`` and
``writable_file``; their ValueError becomes the same one-line error.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rnn_ntk._validate import check_int, check_real
from rnn_ntk.experiments import TMP_SUFFIX

__all__ = ["argument", "integer", "real", "variance", "writable_file", "writable_folder"]

#: The name the validators give a value checked on its own (stripped from the message:
#: argparse prefixes "argument --flag: ").
_NAME = "value"


def _bare(error: Exception) -> str:
    """The validator's message without its leading argument name."""
    return str(error).removeprefix(_NAME + " ")


def _converter(
    name: str, parse: Callable[[str], Any], what: str, check: Callable[[Any], Any]
) -> Callable[[str], Any]:
    """An argparse ``type``: ``check(parse(text))``, each failure a one-line message."""

    def convert(text: str) -> Any:
        try:
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}.") from None
        try:
            return check(value)
        except (TypeError, ValueError) as e:
            raise argparse.ArgumentTypeError(_bare(e)) from None

    convert.__name__ = name  # argparse names the type in some messages
    return convert


def integer(*, low: int | None = None, high: int | None = None) -> Callable[[str], int]:
    """An argparse ``type``: the text as an int in [low, high] (``check_int``).

    Args:
      low, high: the allowed range (None: unbounded on that side).
    Returns:
      The converter; it raises ``argparse.ArgumentTypeError`` with the range in words.
    """
    return _converter("int", int, "an int", lambda v: check_int(_NAME, v, low=low, high=high))


def real(
    *,
    low: float | None = None,
    high: float | None = None,
    open_low: bool = False,
    open_high: bool = False,
    what: str = "number",
) -> Callable[[str], float]:
    """An argparse ``type``: the text as a finite float within its bounds (``check_real``).

    Args:
      low, high: the bounds (None: none on that side).
      open_low, open_high: exclude that bound itself.
      what: the value's name in the message ("variance", "probability").
    Returns:
      The converter; it raises ``argparse.ArgumentTypeError`` naming the range.
    """

    def check(value: float) -> float:
        v = check_real(_NAME, value, low=low, high=high, open_low=open_low, what=what)
        if open_high and v == high:
            raise ValueError(f"{_NAME} must be a {what} below {high:g}, got {v!r}.")
        return v

    return _converter("float", float, f"a {what}", check)


def variance(*, paper: bool = False) -> Callable[[str], float | str]:
    """An argparse ``type`` for a variance scale of ``RNNConfig`` (>= 0, finite).

    Args:
      paper: also accept the word "paper" (sa2 = 2/L^3, ``RNNConfig.sa2``).
    Returns:
      The converter.
    """
    number = real(low=0.0, what="variance")

    def convert(text: str) -> float | str:
        if not paper:
            return number(text)
        if text == "paper":
            return text
        try:
            return number(text)
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(
                f"must be a finite variance >= 0 or the word 'paper' (2/L^3), got {text!r}."
            ) from None

    convert.__name__ = "variance"
    return convert


def argument(flag: str, check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``check(*args, **kwargs)``, its TypeError or ValueError said about ``flag``.

    Args:
      flag: the option whose value is checked (e.g. "--widths").
      check: a library validator.
      *args, **kwargs: its arguments.
    Returns:
      What ``check`` returns.
    Raises:
      ValueError: "argument FLAG: <the validator's message>".
    """
    try:
        return check(*args, **kwargs)
    except (TypeError, ValueError) as e:
        raise ValueError(f"argument {flag}: {e}") from None


def _first_existing(path: Path) -> Path:
    for p in (path, *path.parents):
        if p.exists():
            return p
    return Path(".")


def writable_folder(flag: str, path: str | os.PathLike, files: Sequence[str] = ()) -> Path:
    """Makes the folder ``path`` (and its parents) and proves a file can be written in it.

    A probe file is created and deleted, so what is checked is the real permission (a
    read-only file system, a parent that is a regular file, a full quota), not mode bits.

    Args:
      flag: the option that named the folder, for the message.
      path: the folder.
      files: the names of the files the job will write there: none may be a folder.
    Returns:
      The folder.
    Raises:
      ValueError: in one line, naming the option, the path and what is wrong.
    """
    folder = Path(path)
    for name in files:
        if (folder / name).is_dir():
            raise ValueError(f"argument {flag}: {folder / name} is a folder, where the result "
                             f"file {name} goes; remove it or give another {flag}.")
    blocker = _first_existing(folder)
    if not blocker.is_dir():
        where = "it" if blocker == folder else f"its parent {blocker}"
        raise ValueError(
            f"argument {flag}: cannot make the folder {folder}: {where} is a file, not a "
            f"folder; give another path."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".rnn-ntk-probe.", suffix=TMP_SUFFIX)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        reason = e.strerror or e.__class__.__name__
        raise ValueError(
            f"argument {flag}: cannot write into {folder} ({reason}); give a writable folder."
        ) from None
    return folder


def writable_file(flag: str, path: str | os.PathLike) -> Path:
    """Checks that the file ``path`` can be written (its folder is made and probed).

    Args:
      flag: the option that named the file, for the message.
      path: the file (it may exist; it is replaced atomically when written).
    Returns:
      The path.
    Raises:
      ValueError: in one line, naming the option and the path.
    """
    file = Path(path)
    if file.is_dir():
        raise ValueError(f"argument {flag}: {file} is a folder; give a file path.")
    writable_folder(flag, file.parent)
    return file

