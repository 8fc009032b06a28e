"""The built-in toy data set."""

import numpy as np

import rnn_ntk


def test_toy_sequences_shapes_and_norms():
    x, y = rnn_ntk.toy_sequences(10, 7, 3, seed=1)
    assert x.shape == (10, 7, 3) and set(np.unique(y)) == {-1.0, 1.0}
    norms = np.linalg.norm(x, axis=-1)
    assert 0.5 < norms.min() and norms.max() < 1.6  # unit circle plus 0.1 noise
