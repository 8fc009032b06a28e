"""The file of one finished (width, seed) cell of a sweep: fingerprinted and checksummed.

A cell file holds one JSON object (written atomically by ``_io``):

    {"fingerprint": F, "checksum": C, "cell": {... rnn_ntk.finite.Cell.to_dict() ...}}

F (``cell_fingerprint``) is the SHA-256 of what determines the cell's values: the
inputs' SHA-256, the RNNConfig, the dtype, how the parameters are drawn, the width m and
the seed. C is the SHA-256 of the values themselves (``digest`` of the "cell" object).
``read_cell`` trusts a file only when both match: a cell of another sweep is refused, a
damaged or edited one is recomputed (with a one-line warning), never mixed in.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping
from pathlib import Path

from rnn_ntk import finite
from rnn_ntk.experiments._io import write_json

__all__ = ["cell_fingerprint", "digest", "read_cell", "read_json", "write_cell"]


def digest(obj: object) -> str:
    """SHA-256 (hex) of the canonical JSON of ``obj`` (sorted keys, no spaces).

    Python writes every float as its shortest round-trip repr, so an object read back
    from its JSON has the digest it was written with.
    """
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def cell_fingerprint(manifest: Mapping, m: int, seed: int) -> str:
    """The fingerprint of the cell (m, seed) of the sweep ``manifest``.

    Args:
      manifest: the sweep's ``sweep_manifest`` (its data's sha256, config, dtype and
        parameter rule are used; the data's description is not).
      m: the width.
      seed: the parameter seed.
    Returns:
      A SHA-256 hex digest.
    """
    return digest({
        "inputs_sha256": manifest["data"]["sha256"],
        "config": manifest["config"],
        "dtype": manifest["dtype"],
        "params": manifest["params"],
        "m": int(m),
        "seed": int(seed),
    })


def write_cell(path: str | Path, cell: finite.Cell, fingerprint: str) -> Path:
    """Writes ``cell`` with its fingerprint and checksum to ``path`` atomically.

    Args:
      path: the cell file.
      cell: the finished cell.
      fingerprint: its ``cell_fingerprint``.
    Returns:
      The path written.
    """
    values = cell.to_dict()
    record = {"fingerprint": fingerprint, "checksum": digest(values), "cell": values}
    return write_json(path, record, indent=None)


def read_json(path: Path, what: str) -> tuple[bool, object, str | None]:
    """Reads the JSON file ``path`` of a results folder, telling absent, broken and good.

    Args:
      path: the file.
      what: what it is, for the message ("cell file").
    Returns:
      (present, the parsed content or None, why it is not valid JSON or None).
    Raises:
      ValueError: something other than a regular file is there (a folder), or it cannot
        be read; the message says to remove it or use another output folder.
    """
    if not path.exists() and not path.is_symlink():
        return False, None, None
    fix = "remove it, or use another output folder"
    if not path.is_file():
        raise ValueError(f"{path} is not a {what} (a folder?); {fix}.")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"cannot read the {what} {path} ({e}); {fix}.") from None
    try:
        return True, json.loads(text), None
    except ValueError as e:
        return True, None, f"not valid JSON ({e})"


def _damaged(path: Path, reason: object) -> None:
    warnings.warn(f"recomputing damaged cell {path}: {reason}", stacklevel=4)


def read_cell(path: str | Path, fingerprint: str, m: int, seed: int) -> finite.Cell | None:
    """The cell saved at ``path`` if it belongs to this sweep and is intact.

    Args:
      path: the cell file.
      fingerprint: the ``cell_fingerprint`` this run expects there.
      m, seed: the cell's width and seed.
    Returns:
      The ``Cell``; None when there is no file, or when the file is damaged (not JSON,
      not a cell record, written without a fingerprint by an older rnn-ntk, or values
      that fail their checksum): a one-line warning says so and the cell is recomputed.
    Raises:
      ValueError: the path is a folder (or another non-file) or cannot be read, or the
        file holds a cell of another sweep (other data, config, dtype, width or seed).
    """
    path = Path(path)
    present, record, broken = read_json(path, "cell file")
    if broken:
        return _damaged(path, broken)
    if not present:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("cell"), dict):
        old = isinstance(record, dict) and "theta" in record
        return _damaged(path, "it has no fingerprint (written by an older rnn-ntk)" if old
                        else "not a cell record")
    if record.get("fingerprint") != fingerprint:
        raise ValueError(
            f"{path} belongs to another sweep: its fingerprint differs from this run's "
            f"(data, config, dtype, width and seed); use another output folder, or delete "
            f"{path.parent} to start this one afresh."
        )
    if record.get("checksum") != digest(record["cell"]):
        return _damaged(path, "its values do not match their checksum (edited or damaged)")
    try:
        cell = finite.Cell.from_dict(record["cell"])
    except (ValueError, KeyError, TypeError) as e:
        return _damaged(path, e)
    if (cell.m, cell.seed) != (m, seed):
        return _damaged(path, f"it holds the cell (m, seed) = {(cell.m, cell.seed)}")
    return cell
