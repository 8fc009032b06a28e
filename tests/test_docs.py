"""The API reference (mkdocs) and the notebooks (jupytext pairs, committed with outputs)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FLOORS = ("infinite", "finite", "theory", "learn", "data", "experiments", "interop")


def test_four_notebooks_each_with_a_percent_source():
    assert [p.name for p in NOTEBOOKS] == [
        "01_kernels.ipynb",
        "02_convergence.ipynb",
        "03_generalization.ipynb",
        "04_architectures.ipynb",
    ]
    for nb in NOTEBOOKS:
        assert nb.with_suffix(".py").is_file(), nb
    # the pairs' text halves must not look like tests to pytest (only the .ipynb run)
    assert not list((ROOT / "notebooks").glob("test_*.py"))
    assert not list((ROOT / "notebooks").glob("*_test.py"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_pair_in_sync(path):
    jupytext = pytest.importorskip("jupytext")
    nb = jupytext.read(path)
    text = jupytext.read(path.with_suffix(".py"))
    assert nb.metadata["jupytext"]["formats"] == "ipynb,py:percent"

    def cells(notebook):
        return [(c.cell_type, c.source.strip()) for c in notebook.cells]

    assert cells(nb) == cells(text), (
        f"{path.name} and its .py differ: run `jupytext --sync notebooks/*.ipynb`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_committed_with_outputs(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["execution_count"] is not None for c in code), (
        f"{path.name} is not executed: see notebooks/README.md (re-executing)"
    )
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))
    assert any("image/png" in out.get("data", {}) for c in code for out in c["outputs"]), (
        f"{path.name} carries no plot"
    )
    for c in code:
        assert not any(out["output_type"] == "error" for out in c["outputs"]), path.name
        assert "execution" not in c["metadata"], "timing metadata: record_timing=False"


def test_every_floor_has_an_api_page():
    pages = {p.stem: p.read_text() for p in (ROOT / "docs" / "api").glob("*.md")}
    for floor in FLOORS:
        assert f"::: rnn_ntk.{floor}" in pages.get(floor, ""), floor
    root = pages["root"]
    for name in ("rnn_ntk", "rnn_ntk.RNNConfig", "rnn_ntk.Sequences", "rnn_ntk.toy_sequences"):
        assert f"::: {name}\n" in root, name


def test_docs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings_handlers.python")
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "site" / "api" / "infinite.html").is_file()
