"""Ctrl-C: the work stops, finished cells are kept, exit status 130, never a segfault; a
rerun resumes to the table of an uninterrupted run (issue 10, item 5)."""

import gc
import json
import signal
import subprocess
import sys
import time

import pytest

from rnn_ntk.cli import main
from rnn_ntk.cli._process import check_interrupt, session

ARGS = ["converge", "--n", "6", "--L", "3", "--widths", "8", "16", "32", "64", "128", "256",
        "--seeds", "0", "1", "--quiet", "--no-plot"]
KEYS = ("theta_err_mean", "theta_err_std", "K_err_all_mean", "F_err_all_mean", "cross_mean",
        "avg_err")


@pytest.fixture
def sigint_default():
    """Python's own SIGINT handler for the test, even if pytest runs with SIGINT ignored."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _interrupt_after_first_cell(out, delay):
    """Starts ``python -m rnn_ntk.cli converge``, sends SIGINT once a cell is saved."""
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN  # e.g. run in background
    proc = subprocess.Popen(  # SIGINT as in a terminal, even if this process ignores it
        [sys.executable, "-m", "rnn_ntk.cli", *ARGS, "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)) if ignored else None)
    deadline = time.monotonic() + 240
    while not list(out.glob("cells/*.json")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no cell was written in time"
        time.sleep(0.01)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=240)
    return proc.returncode, err


@pytest.mark.parametrize("delay", [0.0, 0.3])
def test_sigint_exits_130_keeps_cells_and_resumes(tmp_path, delay, capsys):
    out = tmp_path / "interrupted"
    code, err = _interrupt_after_first_cell(out, delay)
    assert code == 130, err  # a segfault would be -11
    assert "Segmentation fault" not in err and "Fatal Python error" not in err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert err.strip().splitlines()[-1] == (
        "rnn-ntk converge: interrupted; finished results are kept")
    kept = {p.name: p.read_text() for p in out.glob("cells/*.json")}
    assert 1 <= len(kept) < 12 and not (out / "table.json").exists()

    assert main([*ARGS, "--out", str(out)]) == 0
    resumed = json.loads((out / "table.json").read_text())
    assert resumed["reused_cells"] == len(kept)
    for name, text in kept.items():
        assert (out / "cells" / name).read_text() == text, f"{name} was recomputed"
    assert main([*ARGS, "--out", str(tmp_path / "fresh")]) == 0
    fresh = json.loads((tmp_path / "fresh" / "table.json").read_text())
    for a, b in zip(resumed["rows"], fresh["rows"], strict=True):
        assert {k: a[k] for k in KEYS} == {k: b[k] for k in KEYS}
    capsys.readouterr()


def test_in_process_interrupt_returns_130(monkeypatch, tmp_path, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("rnn_ntk.finite.convergence", interrupted)
    assert main([*ARGS, "--out", str(tmp_path)]) == 130
    assert capsys.readouterr().err.strip() == (
        "rnn-ntk converge: interrupted; finished results are kept")


def test_interrupt_that_surfaces_as_another_error_is_not_a_bad_argument(
        monkeypatch, tmp_path, capsys, sigint_default):
    """A SIGINT whose KeyboardInterrupt a library turned into a ValueError still ends in 130."""

    def wrapped(*args, **kwargs):
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            raise ValueError("something else") from None

    monkeypatch.setattr("rnn_ntk.finite.convergence", wrapped)
    assert main([*ARGS, "--out", str(tmp_path)]) == 130
    assert "something else" not in capsys.readouterr().err


def test_sigint_inside_a_gc_callback_is_sent_again_not_lost(sigint_default):
    """Python drops exceptions of gc callbacks ("Exception ignored"); the handler waits."""
    fired = []

    def callback(phase, info):
        if phase == "start" and not fired:
            fired.append(True)
            signal.raise_signal(signal.SIGINT)

    with session("rnn-ntk test"):
        gc.callbacks.append(callback)
        try:
            with pytest.raises(KeyboardInterrupt):
                gc.collect()
                assert fired
                time.sleep(5)  # the SIGINT sent again lands here, out of the callback
        finally:
            gc.callbacks.remove(callback)
    assert fired


def test_a_recorded_interrupt_is_raised_at_the_next_safe_point(sigint_default):
    with session("rnn-ntk test"):
        check_interrupt()  # nothing pending
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            pass  # lost on the way
        with pytest.raises(KeyboardInterrupt):
            check_interrupt()
    check_interrupt()  # the next session starts clean
