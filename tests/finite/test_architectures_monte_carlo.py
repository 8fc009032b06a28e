"""Monte Carlo: the finite networks of SPEC §7 approach the analytic ``rnn_ntk.ntk``.

For each architecture a width sweep (``rnn_ntk.convergence``, which measures the W block
summed over layers and directions against ``rnn_ntk.ntk(x, cfg=cfg)``; NTK
parameterisation for erf and tanh, whose O(1)-pre-activation network has no standard
limit) runs S = 32 fixed seeds at m = 128 and m = 512 (n = 4, L = 4).

Tolerances, from the m^-1/2 rate with constants measured (64 seeds at m = 32, 128, 512,
16 seeds at m = 64..4096 and 32 seeds at m = 128, 512, several seed sets): the median
over seeds of one network's relative Frobenius error is c / sqrt(m) with c = 3.3-4.8
(depth 2), 2.3-2.8 (erf), 2.1-2.5 (tanh), 3.0-4.2 (mean), 2.5-3.2 (bidirectional),
without a trend in m. The
error itself is heavy-tailed (a random overall scale of the hidden chain), so the median
is the statistic; over 32 seeds it is within ~15% of its limit. We assert
  1. median error at m = 512 <= 1.5 c_max / sqrt(512), c_max the largest c measured for
     that architecture;
  2. the median error falls by at least 1.4x from m = 128 to 512 (m^-1/2: 2x; measured
     1.6-2.9);
  3. the seed-averaged kernel (fluctuations averaged out, bias O(1/m)) is within
     3 * 4.5 / sqrt(512 * 32) = 0.105 of the analytic one (4.5: the typical c of the
     seed average; measured 0.005-0.026 with 64 seeds, 0.010-0.056 with 32).
A kernel off by the usual mistakes fails 3 by far (computed with an independent numpy
recursion of SPEC §7): bidirectional read as one direction 0.50, the mean readout read
at the last step 3.0, the depth-2 network read as its first layer alone 0.45, tanh's
kernel taken for erf's 0.61, erf or tanh in the standard parameterisation 0.33. Seeds
are fixed; nothing retries.
"""

import numpy as np
import pytest

import rnn_ntk
from rnn_ntk import RNNConfig

M_SMALL, M, SEEDS = 128, 512, 32
CASES = {  # config, c_max
    "depth 2": (RNNConfig(depth=2, sw2=(2.0, 1.5), sa2=(0.6, 1.0), sb2=0.1), 4.8),
    "erf": (RNNConfig(activation="erf", sw2=1.5, sa2=0.6, sb2=0.1, s02=1.0), 2.8),
    "tanh": (RNNConfig(activation="tanh", sw2=1.5, sa2=0.6, sb2=0.1, s02=1.0), 2.5),
    "mean": (RNNConfig(readout="mean", sa2=0.6, sb2=0.1), 4.2),
    "bidirectional": (RNNConfig(bidirectional=True, sa2=0.6, sb2=0.1), 3.2),
}


@pytest.mark.parametrize("name", list(CASES))
def test_empirical_ntk_approaches_the_analytic_kernel(name):
    cfg, c_max = CASES[name]
    x, _ = rnn_ntk.toy_sequences(4, 4, 2, seed=0)
    table = rnn_ntk.convergence(x, cfg=cfg, widths=(M_SMALL, M), seeds=SEEDS)
    par = "standard" if cfg.activation == "relu" else "ntk"
    want = np.asarray(rnn_ntk.ntk(x, cfg=cfg, parameterization=par))
    np.testing.assert_allclose(table.cells[-1].theta_err,
                               np.linalg.norm(table.cells[-1].theta - want)
                               / np.linalg.norm(want), rtol=1e-10)  # the sweep's reference
    small, large = np.median(table.theta_err, axis=1)
    tol = 1.5 * c_max / np.sqrt(M)
    assert large <= tol, f"{name}: median error {large:.3f} at m = {M} > {tol:.3f}"
    assert small / large >= 1.4, f"{name}: error fell only {small / large:.2f}x (m^-1/2: 2x)"
    tol_avg = 3 * 4.5 / np.sqrt(M * SEEDS)
    assert table.avg_err[-1] <= tol_avg, (
        f"{name}: seed-averaged error {table.avg_err[-1]:.3f} > {tol_avg:.3f}")
