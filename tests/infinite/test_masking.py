"""Sequences of different lengths (SPEC §6): aligned at the last step.

Checked three ways: equal lengths through the ragged path equal the plain path; a
per-pair numpy reference written from the definition; and Monte Carlo with a
finite-width numpy RNN run on each sequence's own length, whose empirical NTK sums over
all step pairs (the non-aligned ones vanish as m grows). The Monte Carlo tolerance is
derived as in test_monte_carlo.py: 3 c / sqrt(m S) with c = 8.
"""

import numpy as np
import pytest
from _reference import naive_pair_ragged, numpy_empirical_blocks_ragged, numpy_params
from conftest import random_sequences

import rnn_ntk
from rnn_ntk import RNNConfig, Sequences

ALL = ("W", "A", "b", "B", "M0")
LENGTHS = np.array([6, 3, 6, 1, 4])


def padded(seed=0, fill=np.nan):
    x = random_sequences(len(LENGTHS), LENGTHS.max(), 2, seed=seed)
    for i, n in enumerate(LENGTHS):
        x[i, n:] = fill  # aeon-style NaN padding is ignored
    return x


@pytest.mark.parametrize(
    "cfg", [RNNConfig(sa2=0.7, sb2=0.1), RNNConfig(sw2=1.3, sa2=0.5, sb2=0.2, h0="zero")]
)
def test_ragged_matches_reference(cfg):
    x = padded()
    blocks = ALL if cfg.h0 == "random" else ALL[:4]
    seqs = [x[i, :n] for i, n in enumerate(LENGTHS)]
    for b in blocks:
        got = np.asarray(rnn_ntk.ntk(Sequences(x, LENGTHS), cfg=cfg, blocks=(b,)))
        want = np.array([[naive_pair_ragged(s, t, cfg, cfg.sa2)[b] for t in seqs] for s in seqs])
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-14, err_msg=b)
        assert np.all(np.isfinite(got))
    # x1 against a different, differently padded x2.
    y = random_sequences(3, 9, 2, seed=5)
    ly = np.array([9, 2, 5])
    got = np.asarray(rnn_ntk.ntk(Sequences(x, LENGTHS), Sequences(y, ly), cfg=cfg, blocks=blocks))
    want = np.array(
        [
            [
                sum(naive_pair_ragged(s, y[j, :m], cfg, cfg.sa2)[b] for b in blocks)
                for j, m in enumerate(ly)
            ]
            for s in seqs
        ]
    )
    np.testing.assert_allclose(got, want, rtol=1e-11)


def test_equal_lengths_through_ragged_path():
    x = random_sequences(4, 5, 3, seed=2)
    full = np.full(4, 5)
    for cfg in (RNNConfig(), RNNConfig(h0="zero", sa2=1.0)):
        blocks = ALL if cfg.h0 == "random" else ALL[:4]
        np.testing.assert_allclose(
            rnn_ntk.ntk(Sequences(x, full), cfg=cfg, blocks=blocks),
            rnn_ntk.ntk(x, cfg=cfg, blocks=blocks),
            rtol=1e-13,
        )


def test_ragged_symmetric_tiled_jitted_and_float32():
    import jax
    import jax.numpy as jnp

    x = padded(fill=0.0)
    cfg = RNNConfig(sa2=0.7)
    H = np.asarray(rnn_ntk.ntk(Sequences(x, LENGTHS), cfg=cfg))
    np.testing.assert_array_equal(H, H.T)
    assert np.linalg.eigvalsh(H)[0] > 0
    np.testing.assert_allclose(
        rnn_ntk.ntk(Sequences(x, LENGTHS), cfg=cfg, tile_size=2), H, rtol=1e-14
    )
    jitted = jax.jit(lambda a, n: rnn_ntk.ntk(Sequences(a, n), cfg=cfg, tile_size=2))
    np.testing.assert_allclose(jitted(x, LENGTHS), H, rtol=1e-14)
    H32 = np.asarray(rnn_ntk.ntk(Sequences(x, LENGTHS), cfg=cfg, dtype=jnp.float32), np.float64)
    assert np.max(np.abs(H32 - H)) / np.max(H) < 1e-5


def test_ragged_matches_monte_carlo():
    """h0='random', where the boundary term sqrt(s02 S_k) / (2 pi) is non-zero."""
    cfg = RNNConfig(sa2=0.7, sb2=0.1)
    m, seeds = 4096, 8
    tol = 3 * 8.0 / np.sqrt(m * seeds)
    x = padded(seed=3)
    seqs = [x[i, :n] for i, n in enumerate(LENGTHS)]
    emp = [
        numpy_empirical_blocks_ragged(numpy_params(s, cfg, m, 2, 6), seqs, cfg)
        for s in range(seeds)
    ]
    for b in ALL:
        want = np.asarray(rnn_ntk.ntk(Sequences(x, LENGTHS), cfg=cfg, blocks=(b,)))
        got = np.mean([e[b] for e in emp], axis=0)
        err = np.linalg.norm(got - want) / np.linalg.norm(want)
        assert err < tol, f"block {b}: relative error {err:.3f} >= {tol:.3f}"


def test_bad_lengths():
    x = padded(fill=0.0)
    with pytest.raises(ValueError, match=r"x1.lengths must lie in \[1, 6\]"):
        rnn_ntk.ntk(Sequences(x, np.array([6, 3, 7, 1, 4])))
    with pytest.raises(ValueError, match=r"x1.lengths must lie in \[1, 6\]"):
        rnn_ntk.ntk(Sequences(x, np.array([6, 0, 6, 1, 4])))
    with pytest.raises(ValueError, match=r"x1.lengths must have shape \(5,\)"):
        rnn_ntk.ntk(Sequences(x, np.array([6, 3])))
    with pytest.raises(TypeError, match="x1.lengths must be integers"):
        rnn_ntk.ntk(Sequences(x, LENGTHS.astype(float)))
    with pytest.raises(ValueError, match=r"x2.lengths must lie in \[1, 6\]"):
        rnn_ntk.ntk(x, Sequences(x, np.array([6, 3, 7, 1, 4])))
    bad = padded()
    bad[0, 0, 0] = np.nan  # inside a sequence: still an error
    with pytest.raises(ValueError, match="non-finite"):
        rnn_ntk.ntk(Sequences(bad, LENGTHS))
