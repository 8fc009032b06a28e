"""The empirical NTK on ragged batches ``Sequences(x, lengths)`` (SPEC §6).

Sample i of a padded batch is x[i, :lengths[i]]; the scan right-aligns the samples and
holds h at h_0 until each starts. Checked against: the autodiff empirical NTK, the numpy
reference ``numpy_empirical_blocks_ragged`` (hand-written backward pass per sequence, all
step pairs summed), and, by Monte Carlo, the analytic ``rnn_ntk.ntk`` of the same
Sequences.

Monte Carlo tolerance, as in test_monte_carlo.py: one seed's relative Frobenius error at
width m is about c / sqrt(m), the mean of S seeds about c / sqrt(m S); we assert
3 c / sqrt(m S) with c = 8 (0.188 at m = 2048, S = 8). Measured here: c_rms <= 8.1 over
the blocks, seed-mean errors 0.04-0.08 (0.03-0.06 on the pairs of unequal length, 0.047
for steps=True). The test has teeth for the h0="random" boundary term
sqrt(s02 S_k) / (2 pi): on the pairs of unequal length the W block is within 0.051 of the
analytic kernel, while a boundary of 0 would be off by 0.42 and one of K^0 by 0.76
(computed with the reference's boundary swapped). Seeds are fixed; nothing retries.
"""

import jax
import numpy as np
import pytest
from _reference import numpy_empirical_blocks_ragged
from conftest import random_sequences

import rnn_ntk
from rnn_ntk import RNNConfig, Sequences

ALL = ("W", "A", "b", "B", "M0")
CFG = RNNConfig(sa2=0.6, sb2=0.3)  # every block non-trivial
LENGTHS = np.array([5, 2, 5, 1, 3])


def padded(lengths, L, d=2, seed=0, fill=np.nan):
    x = random_sequences(len(lengths), L, d, seed=seed)
    x[np.arange(L)[None, :] >= np.asarray(lengths)[:, None]] = fill  # aeon-style padding
    return x


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


@pytest.fixture(scope="module")
def setup():
    p = rnn_ntk.init_params(jax.random.key(3), CFG, m=7, d=2, L=5)
    x1 = padded(LENGTHS, 5, seed=1)
    x2 = padded([7, 1, 4], 7, seed=2)  # a different padded length
    return p, x1, x2, np.array([7, 1, 4])


@pytest.mark.parametrize(
    "steps, parameterization, block_sets, pairs",
    [
        (False, "standard", [(b,) for b in ALL] + [ALL], ("self", "cross")),
        (True, "standard", [ALL, ("B",), ("M0",)], ("cross",)),  # each variant compiles:
        (False, "ntk", [ALL], ("cross",)),  # the cross Gram covers both inputs
    ],
)
def test_ragged_structured_matches_autodiff(setup, steps, parameterization, block_sets, pairs):
    p, x1, x2, l2 = setup
    s1 = Sequences(x1, LENGTHS)
    kw = dict(cfg=CFG, steps=steps, parameterization=parameterization)
    for blocks in block_sets:
        for pair in pairs:
            # x1 against itself, or against x2 (another padded length, with its lengths)
            other = (Sequences(x2, l2),) if pair == "cross" else ()
            a = rnn_ntk.empirical_ntk(p, s1, *other, blocks=blocks, method="autodiff", **kw)
            s = rnn_ntk.empirical_ntk(p, s1, *other, blocks=blocks, tile_size=2, **kw)
            n2, L = (3, 7) if other else (5, 5)
            assert s.shape == ((L, 5, n2) if steps else (5, n2))
            assert np.all(np.isfinite(s))
            assert _rel(s, a) <= 1e-10, (blocks, pair)


def test_ragged_matches_numpy_reference(setup):
    p, x1, x2, l2 = setup
    s1, s2 = Sequences(x1, LENGTHS), Sequences(x2, l2)
    seqs = [x1[i, :n] for i, n in enumerate(LENGTHS)] + [x2[j, :n] for j, n in enumerate(l2)]
    ref = numpy_empirical_blocks_ragged({k: np.asarray(v) for k, v in p.items()}, seqs, CFG)
    for b in ALL:
        got = rnn_ntk.empirical_ntk(p, s1, cfg=CFG, blocks=(b,))
        assert _rel(got, ref[b][:5, :5]) < 1e-10, b
        got = rnn_ntk.empirical_ntk(p, s1, s2, cfg=CFG, blocks=(b,))
        assert _rel(got, ref[b][:5, 5:]) < 1e-10, b
    ek = rnn_ntk.empirical_kernels(p, s1, s2, cfg=CFG)
    assert ek.K.shape == (8, 5, 3) and ek.F.shape == (7, 5, 3)
    assert _rel(ek.H, ref["W"][:5, 5:]) < 1e-10
    assert _rel(ek.K[-1], ref["B"][:5, 5:]) < 1e-10
    np.testing.assert_allclose(ek.H_diag + ek.H_cross, ek.H, rtol=1e-12)


def test_ragged_empirical_ntk_matches_analytic_monte_carlo():
    """h0='random': the boundary term sqrt(s02 S_k) / (2 pi) decides the unequal pairs."""
    cfg = RNNConfig(sa2=0.5, sb2=0.1)
    lengths = np.array([5, 1, 2, 5, 3])
    m, seeds = 2048, 8
    tol = 3 * 8.0 / np.sqrt(m * seeds)
    x = Sequences(padded(lengths, 5, seed=4), lengths)
    emp = {b: [] for b in ALL + ("steps",)}
    for s in range(seeds):
        p = rnn_ntk.init_params(jax.random.key(s), cfg, m=m, d=2, L=5)
        for b in ALL:
            emp[b].append(rnn_ntk.empirical_ntk(p, x, cfg=cfg, blocks=(b,)))
        emp["steps"].append(rnn_ntk.empirical_ntk(p, x, cfg=cfg, blocks=ALL, steps=True))
    unequal = lengths[:, None] != lengths[None, :]
    for b in ALL:
        want = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=(b,)))
        got = np.mean(emp[b], axis=0)
        err = np.linalg.norm(got - want) / np.linalg.norm(want)
        assert err < tol, f"block {b}: relative error {err:.3f} >= {tol:.3f}"
        if b != "M0":  # the M0 block pairs only equal lengths (analytic 0 elsewhere)
            d = (got - want)[unequal]
            err = np.linalg.norm(d) / np.linalg.norm(want[unequal])
            assert err < tol, f"block {b}, unequal lengths: relative error {err:.3f}"
    # Per-step outputs, step l counted from the end: where both have started, and where one
    # output still reads B^T h_0 (only the B and M0 blocks survive there).
    want = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=ALL, steps=True))
    got = np.mean(emp["steps"], axis=0)
    started = (np.arange(5)[:, None] >= 5 - lengths[None, :]).astype(bool)  # (L, n)
    both = started[:, :, None] & started[:, None, :]
    for mask, what in ((both, "both started"), (~both, "one held at h_0")):
        err = np.linalg.norm((got - want)[mask]) / np.linalg.norm(want[mask])
        assert err < tol, f"steps=True, {what}: relative error {err:.3f} >= {tol:.3f}"


def test_bad_lengths(setup):
    p, x1, x2, l2 = setup
    x0 = np.nan_to_num(x1)
    s2 = Sequences(x2, l2)
    for call, name in [
        (lambda n: rnn_ntk.empirical_ntk(p, Sequences(x0, n), cfg=CFG), "x1"),
        (lambda n: rnn_ntk.empirical_ntk(p, s2, Sequences(x0, n), cfg=CFG), "x2"),
    ]:
        with pytest.raises(ValueError, match=rf"{name}.lengths must lie in \[1, 5\]"):
            call(np.array([5, 2, 6, 1, 3]))
        with pytest.raises(ValueError, match=rf"{name}.lengths must lie in \[1, 5\]"):
            call(np.array([5, 0, 5, 1, 3]))
        with pytest.raises(ValueError, match=rf"{name}.lengths must have shape \(5,\)"):
            call(np.array([5, 2]))
        with pytest.raises(ValueError, match=rf"{name}.lengths must have shape \(5,\)"):
            call(LENGTHS[None])
        with pytest.raises(TypeError, match=f"{name}.lengths must be integers"):
            call(LENGTHS.astype(float))
        with pytest.raises(TypeError, match=f"{name}.lengths must be integers"):
            call(LENGTHS > 2)
    with pytest.raises(NotImplementedError, match="neural_tangents"):
        rnn_ntk.empirical_ntk(p, Sequences(x1, LENGTHS), cfg=CFG, method="neural_tangents")
    # NaN inside a sequence is still an error; without lengths the padding is data.
    bad = x1.copy()
    bad[1, 1, 0] = np.nan
    with pytest.raises(ValueError, match="x1.x contains 1 non-finite"):
        rnn_ntk.empirical_ntk(p, Sequences(bad, LENGTHS), cfg=CFG)
    with pytest.raises(ValueError, match="x1 contains .* non-finite"):
        rnn_ntk.empirical_ntk(p, x1, cfg=CFG)
    # different padded lengths need lengths
    with pytest.raises(ValueError, match="same sequence length"):
        rnn_ntk.empirical_ntk(p, x0, np.nan_to_num(x2), cfg=CFG)
