"""The rnn-ntk command: the default job's printed summary agrees with the library."""

import json

import numpy as np

import rnn_ntk
from rnn_ntk.cli import build_parser, main


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


def test_no_sub_command_is_the_kernel_job_with_its_defaults():
    parser = build_parser()
    bare, kernel = parser.parse_args([]), parser.parse_args(["kernel"])
    assert bare.command is None and kernel.command == "kernel"
    assert bare.func is kernel.func
    assert {k: v for k, v in vars(bare).items() if k != "command"} == {
        k: v for k, v in vars(kernel).items() if k != "command"}
    assert (bare.n, bare.L, bare.d, bare.dtype, bare.sa2) == (32, 16, 2, "float64", "paper")


def test_shared_options_keep_each_commands_defaults():
    parser = build_parser()
    assert parser.parse_args(["converge"]).n == 16
    assert parser.parse_args(["bound"]).n == 128
    assert parser.parse_args(["converge"]).out == "converge-results"
    assert parser.parse_args(["train"]).out == "train-results"
    assert parser.parse_args(["train", "--sw2", "1.5"]).sw2 == 1.5
