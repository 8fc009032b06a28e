"""A width sweep in a folder: cells reused, foreign sweeps refused, broken cells redone."""

import json

import numpy as np
import pytest

import rnn_ntk
from rnn_ntk.experiments import convergence_to_folder, open_sweep_folder

X, _ = rnn_ntk.toy_sequences(3, 3, 2, seed=0)
DATA = {"source": "rnn_ntk.toy_sequences", "n": 3, "L": 3, "d": 2, "seed": 0}


def test_cells_are_reused_and_the_table_matches_the_sweep(tmp_path):
    first = convergence_to_folder(X, tmp_path, widths=(8, 16), seeds=2, data=DATA)
    assert first.reused == [] and first.computed == [(8, 0), (8, 1), (16, 0), (16, 1)]
    ticks = []
    again = convergence_to_folder(X, tmp_path, widths=(8, 16, 32), seeds=(0, 1), data=DATA,
                                  progress=lambda done, total: ticks.append((done, total)))
    assert again.reused == first.computed and again.computed == [(32, 0), (32, 1)]
    assert ticks == [(4, 6), (5, 6), (6, 6)]
    direct = rnn_ntk.convergence(X, cfg=rnn_ntk.RNNConfig(), widths=(8, 16, 32), seeds=(0, 1))
    np.testing.assert_allclose(again.table.theta_err, direct.theta_err, rtol=1e-10)
    summary = json.loads((tmp_path / "table.json").read_text())
    assert summary["data"]["sha256"] == again.summary["data"]["sha256"]
    assert summary["reused_cells"] == 4 and summary["computed_cells"] == [[32, 0], [32, 1]]
    assert [p.name for p in again.written] == ["table.json", "table.csv"]


def test_foreign_sweeps_are_refused_and_broken_cells_recomputed(tmp_path):
    convergence_to_folder(X, tmp_path, widths=(8,), seeds=1, data=DATA)
    with pytest.raises(ValueError, match="holds a different sweep"):
        convergence_to_folder(X, tmp_path, cfg=rnn_ntk.RNNConfig(h0="zero"), widths=(8,),
                              seeds=1, data=DATA)
    (tmp_path / "cells" / "m8_s0.json").write_text("{not json")
    (tmp_path / "cells" / "m8_s0.json.abc.tmp").write_text("cut short")
    with pytest.warns(UserWarning, match="recomputing damaged cell"):
        run = convergence_to_folder(X, tmp_path, widths=(8,), seeds=1, data=DATA)
    assert run.computed == [(8, 0)]
    assert not list((tmp_path / "cells").glob("*.tmp"))


def test_cells_of_another_sweep_are_never_reused_without_sweep_json(tmp_path):
    """Issue 10: sweep.json deleted, then h0 = zero: the h0 = random cells are refused."""
    convergence_to_folder(X, tmp_path, widths=(8, 16), seeds=2, data=DATA)
    before = {p.name: p.read_text() for p in (tmp_path / "cells").iterdir()}
    (tmp_path / "sweep.json").unlink()
    with pytest.raises(ValueError, match="belongs to another sweep"):
        convergence_to_folder(X, tmp_path, cfg=rnn_ntk.RNNConfig(h0="zero"), widths=(8, 16),
                              seeds=2, data=DATA)
    assert {p.name: p.read_text() for p in (tmp_path / "cells").iterdir()} == before
    assert not (tmp_path / "sweep.json").exists()  # a refused run claims nothing
    # the same sweep, sweep.json deleted: its cells carry its fingerprint and are reused
    again = convergence_to_folder(X, tmp_path, widths=(8, 16), seeds=2, data=DATA)
    assert again.computed == [] and len(again.reused) == 4


@pytest.mark.parametrize("value", [123.0, float("nan")])
def test_an_edited_cell_is_recomputed_not_used(tmp_path, value):
    first = convergence_to_folder(X, tmp_path, widths=(8,), seeds=2, data=DATA)
    path = tmp_path / "cells" / "m8_s1.json"
    record = json.loads(path.read_text())
    record["cell"]["theta_err"] = value
    path.write_text(json.dumps(record))
    with pytest.warns(UserWarning, match="do not match their checksum"):
        run = convergence_to_folder(X, tmp_path, widths=(8,), seeds=2, data=DATA)
    assert run.computed == [(8, 1)] and run.reused == [(8, 0)]
    np.testing.assert_array_equal(run.table.theta_err, first.table.theta_err)


def test_damaged_or_misplaced_folder_entries(tmp_path):
    convergence_to_folder(X, tmp_path, widths=(8,), seeds=1, data=DATA)
    sweep = tmp_path / "sweep.json"
    sweep.write_text(sweep.read_text()[:20])  # truncated
    with pytest.warns(UserWarning, match="rewriting damaged"):
        run = convergence_to_folder(X, tmp_path, widths=(8,), seeds=1, data=DATA)
    assert run.reused == [(8, 0)] and json.loads(sweep.read_text())["dtype"]
    (tmp_path / "cells" / "m16_s0.json").mkdir()
    with pytest.raises(ValueError, match="m16_s0.json is not a cell file"):
        convergence_to_folder(X, tmp_path, widths=(8, 16), seeds=1, data=DATA)
    other = tmp_path / "other"
    (other / "sweep.json").mkdir(parents=True)
    with pytest.raises(ValueError, match="sweep.json is not a sweep manifest"):
        convergence_to_folder(X, other, widths=(8,), seeds=1, data=DATA)


def test_open_sweep_folder_computes_nothing(tmp_path, monkeypatch):
    convergence_to_folder(X, tmp_path, widths=(8,), seeds=2, data=DATA)

    def boom(*args, **kwargs):
        raise AssertionError("open_sweep_folder computed")

    monkeypatch.setattr(rnn_ntk.finite, "convergence", boom)
    folder = open_sweep_folder(X, tmp_path, widths=(8, 16), seeds=2, data=DATA)
    assert sorted(folder.cells) == [(8, 0), (8, 1)]
    assert folder.fingerprint(8, 0) == json.loads(
        (tmp_path / "cells" / "m8_s0.json").read_text())["fingerprint"]
