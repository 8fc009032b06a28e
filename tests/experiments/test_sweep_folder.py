"""A width sweep in a folder: cells reused, foreign sweeps refused, broken cells redone."""

import json

import numpy as np
import pytest

import rnn_ntk
from rnn_ntk.experiments import convergence_to_folder

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
    with pytest.warns(UserWarning, match="recomputing unreadable"):
        run = convergence_to_folder(X, tmp_path, widths=(8,), seeds=1, data=DATA)
    assert run.computed == [(8, 0)]
    assert not list((tmp_path / "cells").glob("*.tmp"))
