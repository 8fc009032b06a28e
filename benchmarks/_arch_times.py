"""The ``architectures`` section of bench_kernels: each architecture's Gram time as a
multiple of the paper kernel's on the same data, and per pair-step.

Per pair, readout "last" does L pair-steps per layer and readout "mean" L^2 (its (t, s)
grid), so the per-pair-step ratio of "mean" is t_mean / (L t_last) (goal <= 1.5); depth D
is compared with D times the depth-1 time, t_D / (D t_1) (goal <= 1.2). All times exclude
compilation (a warm-up call on the same tile shapes) and come from one run.
"""

from __future__ import annotations

import numpy as np

import rnn_ntk
from benchmarks._common import best_time

#: (name, config) of every architecture timed; the first is the baseline.
ARCHITECTURES = (
    ("paper", rnn_ntk.RNNConfig(sa2=0.25)),
    ("depth 2", rnn_ntk.RNNConfig(sa2=0.25, depth=2)),
    ("depth 3", rnn_ntk.RNNConfig(sa2=0.25, depth=3)),
    ("erf", rnn_ntk.RNNConfig(sa2=0.25, sw2=1.0, activation="erf")),
    ("tanh", rnn_ntk.RNNConfig(sa2=0.25, sw2=1.0, activation="tanh")),
    ("mean", rnn_ntk.RNNConfig(sa2=0.25, readout="mean")),
    ("bidirectional", rnn_ntk.RNNConfig(sa2=0.25, bidirectional=True)),
)


def _time(x: np.ndarray, cfg, repeat: int) -> float:
    rnn_ntk.ntk(x, cfg=cfg).block_until_ready()  # compile on the same tile shapes
    return best_time(lambda: rnn_ntk.ntk(x, cfg=cfg).block_until_ready(), repeat=repeat)


def architecture_rows(x: np.ndarray, repeat: int = 2) -> list[dict]:
    """One row per architecture: seconds, multiple of the paper kernel, per-step ratio."""
    L = x.shape[1]
    times = {name: _time(x, cfg, repeat) for name, cfg in ARCHITECTURES}
    base = times["paper"]
    rows = []
    for name, cfg in ARCHITECTURES:
        t = times[name]
        row = {"architecture": name, "seconds": t, "x_paper": t / base}
        if cfg.readout == "mean":
            row["per_pair_step_vs_last"] = t / (L * base)
        if cfg.depth > 1:
            row["vs_depth_x_paper"] = t / (cfg.depth * base)
        rows.append(row)
    return rows
