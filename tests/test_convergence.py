"""Width sweeps (SPEC §5): the table's arithmetic, resumption, the CLI, bad input."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import jax
import numpy as np
import pytest

import rnn_ntk
from rnn_ntk.cli import main
from rnn_ntk.convergence import Cell, check_widths

CFG = rnn_ntk.RNNConfig()
WIDTHS, SEEDS = (8, 16, 32), (0, 1)


@pytest.fixture(scope="module")
def sweep():
    x, _ = rnn_ntk.toy_sequences(3, 3, 2, seed=0)
    return x, rnn_ntk.convergence(x, CFG, WIDTHS, SEEDS, tolerances=(1e6, 1e-9))


def _rel(a, b):
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(b))


def test_cells_are_the_empirical_kernels_of_init_params(sweep):
    # Seeds are vmapped inside the sweep; each cell must be exactly the network
    # init_params(jax.random.key(seed)) and its errors those of empirical_kernels.
    x, table = sweep
    k = rnn_ntk.kernels(x, cfg=CFG)
    assert [(c.m, c.seed) for c in table.cells] == [(m, s) for m in WIDTHS for s in SEEDS]
    for c in table.cells:
        p = rnn_ntk.init_params(jax.random.key(c.seed), CFG, m=c.m, d=2, L=3)
        ek = rnn_ntk.empirical_kernels(p, x, None, CFG)
        np.testing.assert_allclose(c.theta, ek.H, rtol=1e-10)
        assert c.theta_err == pytest.approx(_rel(ek.H, k.H), rel=1e-8)
        assert c.K_err_all == pytest.approx(_rel(ek.K, k.K), rel=1e-8)
        assert c.F_err_all == pytest.approx(_rel(ek.F, k.F), rel=1e-8)
        assert c.K_err[2] == pytest.approx(_rel(ek.K[2], k.K[2]), rel=1e-8)
        assert c.F_err[0] == pytest.approx(_rel(ek.F[0], k.F[0]), rel=1e-8)
        assert c.cross == pytest.approx(np.linalg.norm(ek.H_cross) / np.linalg.norm(k.H))


def test_table_summaries(sweep):
    x, table = sweep
    H = np.asarray(rnn_ntk.kernels(x, cfg=CFG).H)
    assert table.theta_err.shape == (3, 2) and table.K_err.shape == (3, 2, 4)
    for i in range(3):
        avg = np.mean([c.theta for c in table.cells[2 * i : 2 * i + 2]], axis=0)
        assert table.avg_err[i] == pytest.approx(_rel(avg, H), rel=1e-10)
    w = np.log(np.asarray(WIDTHS, float))
    assert table.slope == pytest.approx(np.polyfit(w, np.log(table.theta_err.mean(1)), 1)[0])
    assert table.smallest_m == (8, None)  # every mean error <= 1e6, none <= 1e-9
    rows = table.rows()
    assert [r["m"] for r in rows] == list(WIDTHS)
    assert rows[1]["theta_err_mean"] == pytest.approx(table.theta_err[1].mean())
    assert rows[1]["theta_err_std"] == pytest.approx(np.std(table.theta_err[1], ddof=1))
    d = json.loads(json.dumps(table.to_dict()))
    assert d["smallest_m"][0]["m"] == 8 and d["smallest_m"][1]["m"] is None


def test_given_cells_are_reused_not_recomputed(sweep):
    x, table = sweep
    cells = {
        (c.m, c.seed): Cell.from_dict(json.loads(json.dumps(c.to_dict())))
        for c in table.cells
        if c.m != 32
    }
    seen = []
    again = rnn_ntk.convergence(x, CFG, WIDTHS, SEEDS, cells=cells, on_cell=seen.append)
    assert [(c.m, c.seed) for c in seen] == [(32, 0), (32, 1)]
    np.testing.assert_allclose(again.theta_err, table.theta_err, rtol=1e-10)
    np.testing.assert_allclose(again.avg_err, table.avg_err, rtol=1e-10)


@pytest.mark.parametrize(
    "widths, exc, words",
    [
        ((16, 8), ValueError, "strictly increasing"),
        ((8, 8), ValueError, "strictly increasing"),
        ((0, 8), ValueError, "width m must be >= 1"),
        ((), ValueError, "at least one width"),
        ((8.5,), TypeError, "widths must be ints"),
    ],
)
def test_bad_widths(widths, exc, words):
    with pytest.raises(exc, match=words):
        check_widths(widths)


def test_bad_sweep_arguments(sweep):
    x, table = sweep
    with pytest.raises(ValueError, match="strictly increasing"):
        rnn_ntk.convergence(x, CFG, (32, 16), SEEDS)
    with pytest.raises(ValueError, match="seeds must be distinct"):
        rnn_ntk.convergence(x, CFG, (8,), (1, 1))
    with pytest.raises(TypeError, match="seeds must be a sequence"):
        rnn_ntk.convergence(x, CFG, (8,), 4)
    with pytest.raises(ValueError, match="tolerances must be finite and > 0"):
        rnn_ntk.convergence(x, CFG, (8,), SEEDS, tolerances=(-0.1,))
    with pytest.raises(ValueError, match="x contains 1 non-finite"):
        bad = x.copy()
        bad[0, 0, 0] = np.nan
        rnn_ntk.convergence(bad, CFG, (8,), SEEDS)
    wrong = {(8, 0): table.cells[0], (8, 1): table.cells[0]}
    with pytest.raises(ValueError, match=r"cells\[\(8, 1\)\] must be the Cell"):
        rnn_ntk.convergence(x, CFG, (8,), SEEDS, cells=wrong)
    with pytest.raises(ValueError, match="belongs to another sweep"):
        rnn_ntk.convergence(x[:2], CFG, (8,), SEEDS, cells={(8, 0): table.cells[0]})


# ------------------------------------------------------------------------- the CLI

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
    import rnn_ntk.convergence
    c = sys.modules["rnn_ntk.convergence"]  # rnn_ntk.convergence is also the function
    original = c._cells_for_width
    def slow(*args, **kwargs):
        for cell in original(*args, **kwargs):
            yield cell
            time.sleep(1.0)
    c._cells_for_width = slow
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
