"""The one atomic file writer: text, JSON, CSV and figures.

Every file is written to a temporary file in its target folder and moved into place with
``os.replace``, so a reader (or a resumed sweep) sees either the whole file or none: an
interruption leaves at most a ``*.tmp`` file behind, never a truncated result.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["TMP_SUFFIX", "save_figure", "write_csv", "write_json", "write_text"]

#: Suffix of the temporary files (a resumable folder deletes those left by an interruption).
TMP_SUFFIX = ".tmp"


def _atomic(path: str | os.PathLike, write: Callable[[IO], None], *, binary: bool) -> Path:
    """Calls ``write(file)`` on a temporary file beside ``path``, then renames it to path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb" if binary else "w") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Writes ``text`` to ``path`` atomically (parent folders are created).

    Args:
      path: the file.
      text: its whole content.
    Returns:
      The path written.
    """
    return _atomic(path, lambda f: f.write(text), binary=False)


def write_json(path: str | os.PathLike, payload: object, *, indent: int | None = 2) -> Path:
    """Writes ``payload`` as JSON (sorted keys, a final newline) to ``path`` atomically.

    Args:
      path: the file.
      payload: anything ``json.dumps`` takes.
      indent: JSON indentation; None for one line.
    Returns:
      The path written.
    """
    return write_text(path, json.dumps(payload, indent=indent, sort_keys=True) + "\n")


def write_csv(path: str | os.PathLike, rows: Sequence[Mapping[str, object]]) -> Path:
    """Writes ``rows`` (dicts with the same keys) as CSV with a header line, atomically.

    Args:
      path: the file.
      rows: at least one row; the columns are the first row's keys, in order.
    Returns:
      The path written.
    """
    if not rows:
        raise ValueError("rows must hold at least one row (its keys are the CSV header).")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return write_text(path, buf.getvalue())


def save_figure(fig: Figure, path: str | os.PathLike, *, dpi: int = 120) -> Path:
    """Saves a ``matplotlib.figure.Figure`` to ``path`` atomically.

    The format comes from the path's suffix (``.png`` if it has none); no pyplot state
    and no backend is touched.

    Args:
      fig: the figure.
      path: the file.
      dpi: resolution of raster formats.
    Returns:
      The path written.
    """
    fmt = Path(path).suffix.lstrip(".") or "png"
    return _atomic(path, lambda f: fig.savefig(f, format=fmt, dpi=dpi), binary=True)
