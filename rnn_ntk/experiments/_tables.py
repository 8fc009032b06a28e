"""The one text-table printer (``tabulate``) and ``Table``, the experiments' result type."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from tabulate import tabulate

__all__ = ["Table", "format_pairs", "format_table", "format_value", "json_ready"]


def format_value(value: object, *, digits: int = 4) -> str:
    """A cell's text: numbers with ``digits`` significant digits, None as "", else str."""
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return str(v) if not math.isfinite(v) else f"{v:.{digits}g}"
    return str(value)


def format_table(
    rows: Sequence[Mapping[str, object]],
    columns: Sequence[str] | None = None,
    *,
    title: str | None = None,
    notes: Mapping[str, object] | None = None,
    digits: int = 4,
    indent: str = "",
) -> str:
    """Rows of dicts as an aligned plain-text table (right-aligned columns).

    Args:
      rows: one mapping per row (column -> value; a missing column prints empty).
      columns: the columns in display order (default: the first row's keys).
      title: a line above the table.
      notes: "name: value" lines below the table (settings, fitted slopes).
      digits: significant digits of floats.
      indent: prefix of every table line.
    Returns:
      The table as one string, without a final newline.
    """
    columns = list(rows[0]) if columns is None and rows else list(columns or [])
    cells = [[format_value(r.get(c), digits=digits) for c in columns] for r in rows]
    body = tabulate(cells, headers=columns, tablefmt="plain", disable_numparse=True,
                    stralign="right")
    lines = [] if title is None else [title]
    lines += [indent + line for line in body.splitlines()]
    for k, v in (notes or {}).items():
        text = v if isinstance(v, (list, tuple)) else format_value(v, digits=digits)
        lines.append(f"  {k}: {text}")
    return "\n".join(lines)


def format_pairs(
    pairs: Mapping[str, object] | Iterable[tuple[str, object]],
    *,
    digits: int = 4,
    indent: str = "  ",
) -> str:
    """"name value" lines, names left-aligned in one column (a summary or a table row).

    Args:
      pairs: a mapping or (name, value) pairs; None values are left out.
      digits: significant digits of floats.
      indent: prefix of every line.
    Returns:
      The lines as one string.
    """
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    cells = [[k, format_value(v, digits=digits)] for k, v in items if v is not None]
    body = tabulate(cells, tablefmt="plain", disable_numparse=True)
    return "\n".join(indent + line for line in body.splitlines())


def json_ready(value: object) -> object:
    """numpy scalars as Python numbers, non-finite floats as strings ("inf", "nan")."""
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else str(v)
    if isinstance(value, np.integer):
        return int(value)
    return value


@dataclasses.dataclass
class Table:
    """A result table: named columns, one dict per row, and notes.

    Attributes:
      title: what the table shows.
      columns: column names in display order.
      rows: one dict per row (column -> number or string).
      notes: settings and remarks (printed under the table, saved in JSON).
    """

    title: str
    columns: list[str]
    rows: list[dict]
    notes: dict = dataclasses.field(default_factory=dict)

    def column(self, name: str) -> np.ndarray:
        """The values of one column, shape (rows,)."""
        return np.asarray([r[name] for r in self.rows])

    def to_dict(self) -> dict:
        """The table as JSON-ready data (non-finite numbers as "inf"/"nan" strings)."""
        return {
            "title": self.title,
            "columns": list(self.columns),
            "rows": [{k: json_ready(v) for k, v in r.items()} for r in self.rows],
            "notes": {k: json_ready(v) for k, v in self.notes.items()},
        }

    def format(self) -> str:
        """The table as text: title, aligned columns, notes."""
        return format_table(self.rows, self.columns, title=self.title, notes=self.notes)
