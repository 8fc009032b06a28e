"""The finite-width network and its empirical NTK on ragged batches (SPEC §6).

Sample i of a padded batch is x[i, :lengths[i]]; the scan right-aligns the samples and
holds h at h_0 until each starts. Checked against: the network run on each sequence
alone (unpadded), the autodiff empirical NTK, the numpy reference
``numpy_empirical_blocks_ragged`` (hand-written backward pass per sequence, all step
pairs summed), and, by Monte Carlo, the analytic ``rnn_ntk.ntk(..., lengths1=...)``.

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
import jax.numpy as jnp
import numpy as np
import pytest
from _reference import numpy_empirical_blocks_ragged
from conftest import random_sequences

import rnn_ntk
from rnn_ntk import RNNConfig
from rnn_ntk._inputs import right_align
from rnn_ntk.network import _apply

ALL = ("W", "A", "b", "B", "M0")
CFG = RNNConfig(sa2=0.6, sb2=0.3)  # every block non-trivial
LENGTHS = np.array([5, 2, 5, 1, 3])


def padded(lengths, L, d=2, seed=0, fill=np.nan):
    x = random_sequences(len(lengths), L, d, seed=seed)
    for i, n in enumerate(lengths):
        x[i, n:] = fill  # aeon-style NaN padding must be ignored
    return x


def as_numpy(p):
    return {k: np.asarray(v) for k, v in p.items()}


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


@pytest.fixture(scope="module")
def setup():
    p = rnn_ntk.init_params(jax.random.key(3), CFG, m=7, d=2, L=5)
    x1 = padded(LENGTHS, 5, seed=1)
    x2 = padded([7, 1, 4], 7, seed=2)  # a different padded length
    return p, x1, x2, np.array([7, 1, 4])


# ------------------------------------------------------------------------ the network


@pytest.mark.parametrize("h0, fill", [("random", np.nan), ("zero", np.nan), ("random", 1e300)])
def test_ragged_apply_equals_each_sequence_alone(h0, fill):
    cfg = RNNConfig(sa2=0.6, sb2=0.3, h0=h0)
    p = rnn_ntk.init_params(jax.random.key(0), cfg, m=9, d=2, L=5)
    x = padded(LENGTHS, 5, fill=fill)
    g = np.asarray(rnn_ntk.apply(p, x, cfg, lengths=LENGTHS))
    gl = np.asarray(rnn_ntk.apply(p, x, cfg, lengths=LENGTHS, steps=True))
    hs = np.asarray(rnn_ntk.hidden_states(p, x, cfg, lengths=LENGTHS))
    assert g.shape == (5,) and gl.shape == (5, 5) and hs.shape == (5, 6, 9)
    assert np.all(np.isfinite(gl)) and np.all(np.isfinite(hs))
    h0_vec = np.asarray(rnn_ntk.hidden_states(p, x[:1, :1], cfg))[0, 0]
    for i, n in enumerate(LENGTHS):
        xi = x[i : i + 1, :n]  # unpadded, alone
        np.testing.assert_allclose(g[i], rnn_ntk.apply(p, xi, cfg)[0], rtol=1e-12, atol=1e-15)
        # steps count from the end; before the start the output is B^T h_0
        np.testing.assert_allclose(
            gl[i, 5 - n :], rnn_ntk.apply(p, xi, cfg, steps=True)[0], rtol=1e-12, atol=1e-15
        )
        np.testing.assert_allclose(gl[i, : 5 - n], float(p["B"] @ h0_vec), rtol=1e-12, atol=0)
        np.testing.assert_allclose(
            hs[i, 5 - n :], rnn_ntk.hidden_states(p, xi, cfg)[0], rtol=1e-12, atol=1e-15
        )
        np.testing.assert_array_equal(hs[i, : 6 - n], np.broadcast_to(h0_vec, (6 - n, 9)))


def test_ragged_apply_full_lengths_jit_grad_and_unrolled():
    p = rnn_ntk.init_params(jax.random.key(1), CFG, m=8, d=2, L=5)
    x = padded(LENGTHS, 5, seed=4)
    full = random_sequences(5, 5, 2, seed=4)
    np.testing.assert_array_equal(
        rnn_ntk.apply(p, full, CFG, lengths=np.full(5, 5), steps=True),
        rnn_ntk.apply(p, full, CFG, steps=True),
    )
    want = rnn_ntk.apply(p, x, CFG, lengths=LENGTHS, steps=True)
    # traced lengths (and traced NaN-padded x) under jit
    jitted = jax.jit(lambda a, n: rnn_ntk.apply(p, a, CFG, lengths=n, steps=True))
    np.testing.assert_allclose(jitted(x, LENGTHS), want, rtol=1e-13)
    # the Python-loop form (used for neural-tangents' jaxpr) is the same function
    xa, act = right_align(jnp.asarray(np.nan_to_num(x)), LENGTHS, 5)
    np.testing.assert_allclose(_apply(p, xa, CFG, True, True, act), want, rtol=1e-13)
    # gradients through NaN padding stay finite (select, never NaN * 0)
    grad = jax.grad(lambda q: jnp.sum(rnn_ntk.apply(q, x, CFG, lengths=LENGTHS) ** 2))(p)
    assert all(bool(jnp.all(jnp.isfinite(v))) for v in grad.values())


# --------------------------------------------------------------- the empirical NTK


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
    kw = dict(cfg=CFG, steps=steps, parameterization=parameterization, lengths1=LENGTHS)
    for blocks in block_sets:
        for pair in pairs:
            # x1 against itself, or against x2 (another padded length, with lengths2)
            other = dict(x2=x2, lengths2=l2) if pair == "cross" else {}
            a = rnn_ntk.empirical_ntk(p, x1, blocks=blocks, method="autodiff", **other, **kw)
            s = rnn_ntk.empirical_ntk(p, x1, blocks=blocks, chunk_size=2, **other, **kw)
            n2, L = (3, 7) if other else (5, 5)
            assert s.shape == ((L, 5, n2) if steps else (5, n2))
            assert np.all(np.isfinite(s))
            assert _rel(s, a) <= 1e-10, (blocks, pair)


def test_ragged_matches_numpy_reference(setup):
    p, x1, x2, l2 = setup
    seqs = [x1[i, :n] for i, n in enumerate(LENGTHS)] + [x2[j, :n] for j, n in enumerate(l2)]
    ref = numpy_empirical_blocks_ragged(as_numpy(p), seqs, CFG)
    for b in ALL:
        got = rnn_ntk.empirical_ntk(p, x1, cfg=CFG, blocks=(b,), lengths1=LENGTHS)
        assert _rel(got, ref[b][:5, :5]) < 1e-10, b
        got = rnn_ntk.empirical_ntk(p, x1, x2, CFG, blocks=(b,), lengths1=LENGTHS, lengths2=l2)
        assert _rel(got, ref[b][:5, 5:]) < 1e-10, b
    ek = rnn_ntk.empirical_kernels(p, x1, x2, CFG, lengths1=LENGTHS, lengths2=l2)
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
    x = padded(lengths, 5, seed=4)
    emp = {b: [] for b in ALL + ("steps",)}
    for s in range(seeds):
        p = rnn_ntk.init_params(jax.random.key(s), cfg, m=m, d=2, L=5)
        for b in ALL:
            emp[b].append(rnn_ntk.empirical_ntk(p, x, cfg=cfg, blocks=(b,), lengths1=lengths))
        emp["steps"].append(
            rnn_ntk.empirical_ntk(p, x, cfg=cfg, blocks=ALL, lengths1=lengths, steps=True)
        )
    unequal = lengths[:, None] != lengths[None, :]
    for b in ALL:
        want = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=(b,), lengths1=lengths))
        got = np.mean(emp[b], axis=0)
        err = np.linalg.norm(got - want) / np.linalg.norm(want)
        assert err < tol, f"block {b}: relative error {err:.3f} >= {tol:.3f}"
        if b != "M0":  # the M0 block pairs only equal lengths (analytic 0 elsewhere)
            d = (got - want)[unequal]
            err = np.linalg.norm(d) / np.linalg.norm(want[unequal])
            assert err < tol, f"block {b}, unequal lengths: relative error {err:.3f}"
    # Per-step outputs, step l counted from the end: where both have started, and where one
    # output still reads B^T h_0 (only the B and M0 blocks survive there).
    want = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=ALL, lengths1=lengths, steps=True))
    got = np.mean(emp["steps"], axis=0)
    started = (np.arange(5)[:, None] >= 5 - lengths[None, :]).astype(bool)  # (L, n)
    both = started[:, :, None] & started[:, None, :]
    for mask, what in ((both, "both started"), (~both, "one held at h_0")):
        err = np.linalg.norm((got - want)[mask]) / np.linalg.norm(want[mask])
        assert err < tol, f"steps=True, {what}: relative error {err:.3f} >= {tol:.3f}"


# ------------------------------------------------------------------------ bad input


def test_bad_lengths(setup):
    p, x1, x2, l2 = setup
    x0 = np.nan_to_num(x1)
    for call, name in [
        (lambda n: rnn_ntk.apply(p, x0, CFG, lengths=n), "lengths"),
        (lambda n: rnn_ntk.hidden_states(p, x0, CFG, lengths=n), "lengths"),
        (lambda n: rnn_ntk.empirical_ntk(p, x0, cfg=CFG, lengths1=n), "lengths1"),
        (lambda n: rnn_ntk.empirical_ntk(p, x2, x0, CFG, lengths2=n), "lengths2"),
    ]:
        with pytest.raises(ValueError, match=rf"{name} must lie in \[1, 5\]"):
            call(np.array([5, 2, 6, 1, 3]))
        with pytest.raises(ValueError, match=rf"{name} must lie in \[1, 5\]"):
            call(np.array([5, 0, 5, 1, 3]))
        with pytest.raises(ValueError, match=rf"{name} must have shape \(5,\)"):
            call(np.array([5, 2]))
        with pytest.raises(ValueError, match=rf"{name} must have shape \(5,\)"):
            call(LENGTHS[None])
        with pytest.raises(TypeError, match=f"{name} must be integers"):
            call(LENGTHS.astype(float))
        with pytest.raises(TypeError, match=f"{name} must be integers"):
            call(LENGTHS > 2)
    with pytest.raises(ValueError, match="lengths2 was given without x2"):
        rnn_ntk.empirical_ntk(p, x1, cfg=CFG, lengths2=LENGTHS)
    with pytest.raises(NotImplementedError, match="neural_tangents"):
        rnn_ntk.empirical_ntk(p, x1, cfg=CFG, lengths1=LENGTHS, method="neural_tangents")
    # NaN inside a sequence is still an error; without lengths the padding is data.
    bad = x1.copy()
    bad[1, 1, 0] = np.nan
    with pytest.raises(ValueError, match="x contains 1 non-finite"):
        rnn_ntk.apply(p, bad, CFG, lengths=LENGTHS)
    with pytest.raises(ValueError, match="x1 contains 1 non-finite"):
        rnn_ntk.empirical_ntk(p, bad, cfg=CFG, lengths1=LENGTHS)
    with pytest.raises(ValueError, match="non-finite"):
        rnn_ntk.apply(p, x1, CFG)
    # different padded lengths need lengths
    with pytest.raises(ValueError, match="same sequence length"):
        rnn_ntk.empirical_ntk(p, x0, np.nan_to_num(x2), CFG)
