"""Helpers shared by CLI sub-commands: precision, JSON output (written atomically)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import jax


def add_dtype_option(parser) -> None:
    parser.add_argument(
        "--dtype",
        choices=("float64", "float32"),
        default="float64",
        help="compute precision (float64 enables jax_enable_x64 for this process)",
    )


def apply_dtype(name: str) -> None:
    """The CLI, an application, may set jax's global precision; the library never does."""
    jax.config.update("jax_enable_x64", name == "float64")


def write_json_atomic(path: str | os.PathLike, payload: object) -> Path:
    """Writes JSON to ``path`` via a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(payload, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)
    return path
