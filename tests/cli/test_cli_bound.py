"""``rnn-ntk bound``: the tables it writes are consistent (eq. 12, eq. 19)."""

import json
import math

import pytest

from rnn_ntk.cli import main


def test_bound_cli_writes_consistent_tables(tmp_path, capsys):
    out = tmp_path / "bound"
    args = ["bound", "--Ls", "4", "--n", "12", "--L-nvar", "4", "--l0s", "1", "3",
            "--Ns", "1", "2", "--repeats", "1", "--out", str(out), "--quiet", "--no-plot"]
    assert main(args) == 0
    assert "additive class" in capsys.readouterr().out
    res = json.loads((out / "bound.json").read_text())
    rows = res["additive"]["rows"]
    assert [r["L"] for r in rows] == [4]
    for r in rows:  # eq. 19 with constants 1: q/n + log(1/delta)/n
        assert r["bound_eq19"] == pytest.approx(r["quad_over_n"] + math.log(20) / 12)
    for r in res["n_variable"]["rows"]:
        br = [float(r["kernel_branch"]), float(r["shift_branch"])]
        assert float(r["C_eq12"]) == min(br)
        assert r["attained"] == ("N" if br[0] <= br[1] else "l0")
    assert [r["l0"] for r in res["n_variable"]["rows"]] == [1, 3, 0, 1]


def test_bound_cli_reports_bad_arguments(tmp_path, capsys):
    args = ["bound", "--Ls", "4", "--n", "12", "--repeats", "0", "--out", str(tmp_path),
            "--quiet", "--no-plot"]
    assert main(args) == 2
    assert "repeats" in capsys.readouterr().err


def test_a_job_that_fails_on_its_data_says_why_in_one_line(tmp_path, capsys):
    """d = 1 at L = 2: the centred concept has no margin; status 1 (the arguments were
    valid), one line, no traceback."""
    args = ["bound", "--Ls", "2", "--n", "4", "--d", "1", "--repeats", "1",
            "--out", str(tmp_path), "--quiet", "--no-plot"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("rnn-ntk bound: error: the margin gamma")
