"""The rnn-ntk default job: its printed summary agrees with the library."""

import json

import numpy as np

import rnn_ntk
from rnn_ntk.cli import main


def test_default_job_summary_matches_library(tmp_path, capsys):
    out = tmp_path / "summary.json"
    assert main(["--n", "8", "--L", "5", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "yT_Hinv_y" in printed
    s = json.loads(out.read_text())
    x, y = rnn_ntk.toy_sequences(8, 5, 2, seed=0)
    H = np.asarray(rnn_ntk.ntk(x))
    assert s["config"]["sa2"] == 2.0 / 5**3
    np.testing.assert_allclose(s["H_diag_mean"], np.mean(np.diag(H)), rtol=1e-12)
    q = y @ np.linalg.solve(H, y)
    np.testing.assert_allclose(s["yT_Hinv_y"], q, rtol=1e-8)


def test_toy_sequences_shapes_and_norms():
    x, y = rnn_ntk.toy_sequences(10, 7, 3, seed=1)
    assert x.shape == (10, 7, 3) and set(np.unique(y)) == {-1.0, 1.0}
    norms = np.linalg.norm(x, axis=-1)
    assert 0.5 < norms.min() and norms.max() < 1.6  # unit circle plus 0.1 noise
