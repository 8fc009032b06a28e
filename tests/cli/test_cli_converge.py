"""``rnn-ntk converge``: an interrupted sweep resumes; a folder holds one sweep only."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from rnn_ntk.cli import main

WIDTHS, SEEDS = (8, 16, 32), (0, 1)

ARGS = [
    "converge",
    "--n",
    "3",
    "--L",
    "3",
    "--widths",
    *map(str, WIDTHS),
    "--seeds",
    "0",
    "1",
    "--dtype",
    "float64",
    "--quiet",
]

# Runs the CLI with a 1 s pause after each saved cell, so the parent can kill it
# between cells; the pause lives only in this test's subprocess.
SLOW_CLI = textwrap.dedent(
    """
    import sys, time
    import rnn_ntk.finite
    original = rnn_ntk.finite.convergence
    def slow(*args, on_cell, **kwargs):
        def paused(cell):
            on_cell(cell)
            time.sleep(1.0)
        return original(*args, on_cell=paused, **kwargs)
    rnn_ntk.finite.convergence = slow
    from rnn_ntk.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def _cells(out):
    d = out / "cells"
    if not d.exists():
        return {}
    return {p.name: (p.stat().st_mtime_ns, p.read_text()) for p in d.glob("*.json")}


def test_cli_resumes_an_interrupted_sweep(tmp_path):
    out = tmp_path / "interrupted"
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_CLI, *ARGS, "--out", str(out), "--no-plot"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 150
        while len(_cells(out)) < 2:
            assert proc.poll() is None, "the sweep ended before it could be interrupted"
            assert time.monotonic() < deadline, "no cell was written in time"
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    before = _cells(out)
    assert 2 <= len(before) < len(WIDTHS) * len(SEEDS)
    assert not (out / "table.json").exists()

    assert main([*ARGS, "--out", str(out), "--no-plot"]) == 0
    summary = json.loads((out / "table.json").read_text())
    assert summary["reused_cells"] == len(before)
    assert len(summary["computed_cells"]) == len(WIDTHS) * len(SEEDS) - len(before)
    after = _cells(out)
    for name, stamp in before.items():
        assert after[name] == stamp, f"{name} was recomputed"

    fresh = tmp_path / "fresh"
    assert main([*ARGS, "--out", str(fresh)]) == 0
    ref = json.loads((fresh / "table.json").read_text())
    assert (fresh / "convergence.png").stat().st_size > 1000
    assert (fresh / "table.csv").read_text().splitlines()[0].startswith("m,seeds,theta_err_mean")
    for a, b in zip(summary["rows"], ref["rows"], strict=True):
        for key in ("theta_err_mean", "theta_err_std", "K_err_all_mean", "cross_mean", "avg_err"):
            assert a[key] == pytest.approx(b[key], rel=1e-10), key
    assert summary["slope"] == pytest.approx(ref["slope"], rel=1e-10)

    # a third run with the same output recomputes nothing
    assert main([*ARGS, "--out", str(out), "--no-plot"]) == 0
    assert json.loads((out / "table.json").read_text())["computed_cells"] == []


def test_cli_refuses_to_mix_sweeps(tmp_path, capsys):
    out = tmp_path / "s"
    assert main([*ARGS[:6], "8", "--seeds", "0", "--quiet", "--no-plot", "--out", str(out)]) == 0
    code = main(
        [*ARGS[:6], "8", "--seeds", "0", "--quiet", "--no-plot", "--out", str(out), "--h0", "zero"]
    )
    assert code == 2
    assert "holds a different sweep" in capsys.readouterr().err
    assert main(["converge", "--widths", "16", "8", "--out", str(out)]) == 2
    assert "strictly increasing" in capsys.readouterr().err


SMALL = [*ARGS[:6], "8", "--seeds", "0", "1", "--quiet", "--no-plot"]


def test_cli_never_mixes_in_cells_of_another_sweep(tmp_path, capsys):
    """Issue 10: sweep.json deleted, then --h0 zero: refused before any work, in one line."""
    out = tmp_path / "s"
    assert main([*SMALL, "--out", str(out)]) == 0
    (out / "sweep.json").unlink()
    capsys.readouterr()
    assert main([*SMALL, "--out", str(out), "--h0", "zero"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "belongs to another sweep" in err and "argument --out" in err


def test_cli_recomputes_an_edited_cell_and_warns_in_one_line(tmp_path, capsys):
    out = tmp_path / "s"
    assert main([*SMALL, "--out", str(out)]) == 0
    ref = json.loads((out / "table.json").read_text())["rows"]
    path = out / "cells" / "m8_s0.json"
    record = json.loads(path.read_text())
    record["cell"]["theta_err"] = 123.0
    path.write_text(json.dumps(record))
    sweep = out / "sweep.json"
    sweep.write_text(sweep.read_text()[:30])  # and a truncated manifest
    capsys.readouterr()
    assert main([*SMALL, "--out", str(out)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith("rnn-ntk converge: warning: ") for line in err)
    assert "rewriting damaged" in err[0] and "m8_s0.json" in err[1]
    summary = json.loads((out / "table.json").read_text())
    assert summary["computed_cells"] == [[8, 0]]
    for key in ("theta_err_mean", "theta_err_std", "avg_err"):
        assert summary["rows"][0][key] == ref[0][key]


def test_cli_reports_a_folder_where_a_cell_belongs(tmp_path, capsys):
    out = tmp_path / "s"
    (out / "cells" / "m8_s1.json").mkdir(parents=True)
    assert main([*SMALL, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "m8_s1.json is not a cell file" in err
