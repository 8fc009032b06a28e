"""Writes each notebook from the cells of its ``nb_<name>.py`` (outputs stripped).

    python notebooks/_build.py

Keeping the sources here makes diffs readable; CI executes the .ipynb files (nbmake).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).resolve().parent


def sources():
    """(notebook name, cells) for every ``nb_*.py`` module beside this file."""
    sys.path.insert(0, str(HERE))
    for path in sorted(HERE.glob("nb_*.py")):
        module = importlib.import_module(path.stem)
        yield path.stem[3:] + ".ipynb", module.CELLS


def build(name: str, cells) -> None:
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src)
        for kind, src in cells
    ]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"  # deterministic ids: rebuilding changes nothing
    nbf.write(nb, HERE / name)


if __name__ == "__main__":
    for name, cells in sources():
        build(name, cells)
        print("wrote", HERE / name)
