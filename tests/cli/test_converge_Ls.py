"""``rnn-ntk converge --Ls``: one resumable sweep per L, then m*(L) files and plots."""

import csv
import json

import numpy as np
import pytest

import rnn_ntk.finite
from rnn_ntk.cli import main

LS, WIDTHS, SEEDS = (2, 3), (16, 32), (0, 1)


def _args(Ls=LS):
    return ["converge", "--n", "4", "--d", "2", "--Ls", *map(str, Ls), "--widths",
            *map(str, WIDTHS), "--seeds", *map(str, SEEDS), "--tols", "0.5", "0.3",
            "--n-boot", "50", "--dtype", "float64", "--quiet"]


ARGS = _args()
TOTAL = len(LS) * len(WIDTHS) * len(SEEDS)


def _counting(monkeypatch, stop_after=None):
    """Wraps rnn_ntk.finite.convergence: records each computed (L, m, seed); optionally
    raises KeyboardInterrupt (Ctrl-C) once ``stop_after`` cells are saved."""
    original = rnn_ntk.finite.convergence
    computed = []

    def wrapped(x, *args, on_cell, **kwargs):
        def saved(cell):
            on_cell(cell)  # the cell file is written here
            computed.append((x.shape[1], cell.m, cell.seed))
            if stop_after is not None and len(computed) >= stop_after:
                raise KeyboardInterrupt

        return original(x, *args, on_cell=saved, **kwargs)

    monkeypatch.setattr(rnn_ntk.finite, "convergence", wrapped)
    return computed


def _files(out):
    return sorted(p.relative_to(out).as_posix() for p in out.glob("L*/cells/*.json"))


def test_an_interrupted_Ls_sweep_resumes_with_only_the_missing_cells(tmp_path, monkeypatch,
                                                                       capsys):
    out = tmp_path / "study"
    first = _counting(monkeypatch, stop_after=5)  # all of L = 2, one cell of L = 3
    assert main([*ARGS, "--out", str(out)]) == 130
    assert len(first) == 5 and len(_files(out)) == 5
    assert not (out / "study.json").exists()
    mtimes = {p: (out / p).stat().st_mtime_ns for p in _files(out)}

    monkeypatch.undo()
    again = _counting(monkeypatch)
    assert main([*ARGS, "--out", str(out)]) == 0
    every = {(L, m, s) for L in LS for m in WIDTHS for s in SEEDS}
    assert len(again) == TOTAL - 5 and set(again) == every - set(first)
    assert all((out / p).stat().st_mtime_ns == t for p, t in mtimes.items())  # not rewritten
    assert len(_files(out)) == TOTAL
    text = capsys.readouterr().out
    assert "reused 5 cell(s), computed 3" in text and "fitted m* ~ L^" in text

    for name in ("study.json", "mstar.csv", "curves.csv", "error_vs_m.png", "mstar_vs_L.png"):
        assert (out / name).stat().st_size > 0, name
    study = json.loads((out / "study.json").read_text())
    assert study["Ls"] == list(LS) and study["n_boot"] == 50
    for curve in study["curves"]:
        # the curve is the per-L sweep's own table (written by its SweepFolder)
        table = json.loads((out / f"L{curve['L']}" / "table.json").read_text())
        want = [r["theta_err_mean"] for r in table["rows"]]
        np.testing.assert_allclose(curve["mean"], want, rtol=1e-12)
        slope = np.polyfit(np.log(WIDTHS), np.log(want), 1)[0]
        assert curve["slope"]["value"] == pytest.approx(slope, rel=1e-9)
    with open(out / "mstar.csv") as f:
        rows = list(csv.DictReader(f))
    assert [(int(r["L"]), float(r["tol"])) for r in rows] == [
        (L, t) for L in LS for t in (0.5, 0.3)]

    # a third run computes nothing
    monkeypatch.undo()
    assert main([*ARGS, "--out", str(out), "--no-plot"]) == 0 and not _counting(monkeypatch)


def test_bad_Ls_arguments_are_refused_before_any_work(tmp_path, capsys):
    assert main([*_args(Ls=(3, 2)), "--out", str(tmp_path / "a")]) == 2
    assert "argument --Ls" in capsys.readouterr().err
    single = tmp_path / "single"
    single.mkdir()
    (single / "sweep.json").write_text("{}")
    assert main([*ARGS, "--out", str(single)]) == 2
    assert "single-L sweep" in capsys.readouterr().err
    assert main([*ARGS, "--fit-min-m", "32", "--out", str(tmp_path / "b")]) == 2
    assert "argument --fit-min-m" in capsys.readouterr().err
