"""``rnn-ntk train``: the table and curves it writes."""

import json
import math

import pytest

from rnn_ntk.cli import main


def test_train_cli_writes_table_and_curves(tmp_path, capsys):
    out = tmp_path / "train"
    args = ["train", "--ns", "8", "16", "--L", "3", "--m", "8", "--seeds", "2",
            "--n-test", "16", "--lrs", "1", "--out", str(out), "--quiet", "--no-plot"]
    assert main(args) == 0
    assert "Algorithm 1" in capsys.readouterr().out
    res = json.loads((out / "train.json").read_text())
    rows = res["table"]["rows"]
    assert [r["n"] for r in rows] == [8, 16]
    for r in rows:
        assert 0 <= r["sgd_avg_iterate_err"] <= 1 and 0 <= r["kernel_reg_err"] <= 1
        assert r["bound_eq19"] == pytest.approx(r["quad_over_n"] + math.log(20) / r["n"])
    assert res["curves"]["16"]["steps"] == [4, 8, 12, 16]  # eval_every = min(ns) / 2


def test_train_cli_refuses_float64_sgd_in_float32(capsys):
    assert main(["train", "--sgd-dtype", "float64", "--dtype", "float32"]) == 2
    assert "--sgd-dtype float64 needs --dtype float64" in capsys.readouterr().err
