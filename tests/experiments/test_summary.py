"""kernel_summary: the default job's numbers are the library's."""

import numpy as np
import pytest

import rnn_ntk
from rnn_ntk.experiments import SUMMARY_KEYS, kernel_summary


def test_summary_matches_the_kernels():
    x, y = rnn_ntk.toy_sequences(6, 4, 2, seed=3)
    cfg = rnn_ntk.RNNConfig(h0="zero")
    s = kernel_summary(x, y, cfg=cfg)
    assert set(SUMMARY_KEYS) <= set(s) and s["dtype"] == "float64"
    H = np.asarray(rnn_ntk.ntk(x, cfg=cfg))
    eig = np.linalg.eigvalsh(H)
    assert s["H_min_eig"] == pytest.approx(eig[0], rel=1e-10)
    assert s["H_cond"] == pytest.approx(eig[-1] / eig[0], rel=1e-8)
    assert s["yT_Hinv_y"] == pytest.approx(y @ np.linalg.solve(H, y), rel=1e-8)
    assert s["config"]["sa2"] == 2.0 / 4**3 and s["config"]["h0"] == "zero"


def test_one_sequence_is_refused_not_summarised_as_nan():
    """Issue 10: n = 1 gave NaN off-diagonal statistics; they need a pair of sequences."""
    x, y = rnn_ntk.toy_sequences(1, 4, 2, seed=0)
    with pytest.raises(ValueError, match="at least 2 sequences"):
        kernel_summary(x, y)
