"""RNNKernelRegressor agrees exactly with closed-form kernel ridge on rnn_ntk.ntk."""

import numpy as np
import pytest

pytest.importorskip("sklearn")

from _labelled import drift_sequences, ragged_sequences  # noqa: E402

import rnn_ntk  # noqa: E402
from rnn_ntk import Sequences  # noqa: E402
from rnn_ntk.learn import RNNKernelRegressor, kernel_scale  # noqa: E402


def test_regressor_equals_closed_form_ridge():
    x, _ = drift_sequences()
    y = np.sin(x[:, -3:, 0].sum(axis=1)) + 0.1 * np.cos(x[:, 0, 1])
    Y = np.stack([y, -2.0 * y + 1.0], axis=1)  # two outputs
    reg = RNNKernelRegressor(alpha=0.05).fit(x[:28], Y[:28])
    H = np.asarray(rnn_ntk.ntk(x[:28]))
    s = kernel_scale(H)
    want = np.asarray(rnn_ntk.ntk(x[28:], x[:28])) @ np.linalg.solve(
        H + 0.05 * s * np.eye(28), Y[:28]
    )
    np.testing.assert_allclose(reg.predict(x[28:]), want, rtol=1e-8, atol=1e-10)
    assert reg.predict(x[28:]).shape == (12, 2)


def test_regressor_on_ragged_input_equals_closed_form_ridge():
    xn, lengths, _, x = ragged_sequences()
    y = np.sin(x[:, 0, 0] + x[:, 3, 1])
    reg = RNNKernelRegressor(alpha=0.05, sa2=0.5).fit(xn[:28], y[:28])
    G = np.asarray(rnn_ntk.ntk(Sequences(xn, lengths), cfg=rnn_ntk.RNNConfig(sa2=0.5)))
    H, H_te = G[:28, :28], G[28:, :28]
    want = H_te @ np.linalg.solve(H + 0.05 * kernel_scale(H) * np.eye(28), y[:28])
    np.testing.assert_allclose(reg.predict(xn[28:]), want, rtol=1e-8, atol=1e-10)
