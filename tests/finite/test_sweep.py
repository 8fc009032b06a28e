"""Width sweeps (SPEC §5): the cells, the table's arithmetic, resumption, bad input.

The ``rnn-ntk converge`` command around the sweep is tested in tests/cli/.
"""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import rnn_ntk
from rnn_ntk import Sequences
from rnn_ntk.finite import Cell, check_widths, convergence_cell

CFG = rnn_ntk.RNNConfig()
WIDTHS, SEEDS = (8, 16, 32), (0, 1)


@pytest.fixture(scope="module")
def sweep():
    x, _ = rnn_ntk.toy_sequences(3, 3, 2, seed=0)
    return x, rnn_ntk.convergence(x, cfg=CFG, widths=WIDTHS, seeds=SEEDS, tolerances=(1e6, 1e-9))


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
        ek = rnn_ntk.empirical_kernels(p, x, cfg=CFG)
        np.testing.assert_allclose(c.theta, ek.H, rtol=1e-10)
        assert c.theta_err == pytest.approx(_rel(ek.H, k.H), rel=1e-8)
        assert c.K_err_all == pytest.approx(_rel(ek.K, k.K), rel=1e-8)
        assert c.F_err_all == pytest.approx(_rel(ek.F, k.F), rel=1e-8)
        assert c.K_err[2] == pytest.approx(_rel(ek.K[2], k.K[2]), rel=1e-8)
        assert c.F_err[0] == pytest.approx(_rel(ek.F[0], k.F[0]), rel=1e-8)
        assert c.cross == pytest.approx(np.linalg.norm(ek.H_cross) / np.linalg.norm(k.H))


def test_seed_batches_and_single_cells_agree(sweep):
    # One seed per vmapped program, a count of seeds, and convergence_cell give the cells
    # of the sweep above.
    x, table = sweep
    again = rnn_ntk.convergence(x, cfg=CFG, widths=WIDTHS, seeds=len(SEEDS), seed_batch=1)
    np.testing.assert_allclose(again.theta_err, table.theta_err, rtol=1e-10)
    cell = convergence_cell(x, cfg=CFG, m=16, seed=1)
    np.testing.assert_allclose(cell.theta, table.cells[3].theta, rtol=1e-10)


def test_ragged_cells_are_the_empirical_kernels_of_init_params():
    x, _ = rnn_ntk.toy_sequences(3, 4, 2, seed=1)
    s = Sequences(x, np.array([4, 2, 3]))
    table = rnn_ntk.convergence(s, cfg=CFG, widths=(16,), seeds=(0,))
    k = rnn_ntk.kernels(s, cfg=CFG)
    ek = rnn_ntk.empirical_kernels(rnn_ntk.init_params(jax.random.key(0), CFG, m=16, d=2, L=4),
                                   s, cfg=CFG)  # fmt: skip
    np.testing.assert_allclose(table.cells[0].theta, ek.H, rtol=1e-10)
    assert table.cells[0].K_err_all == pytest.approx(_rel(ek.K, k.K), rel=1e-8)


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
    again = rnn_ntk.convergence(
        x, cfg=CFG, widths=WIDTHS, seeds=SEEDS, cells=cells, on_cell=seen.append
    )
    assert [(c.m, c.seed) for c in seen] == [(32, 0), (32, 1)]
    np.testing.assert_allclose(again.theta_err, table.theta_err, rtol=1e-10)
    np.testing.assert_allclose(again.avg_err, table.avg_err, rtol=1e-10)


@pytest.mark.parametrize(
    "widths, exc, words",
    [
        ((16, 8), ValueError, "strictly increasing"),
        ((8, 8), ValueError, "strictly increasing"),
        ((0, 8), ValueError, r"widths\[0\] \(a width m\) must be an int >= 1"),
        ((), ValueError, "at least one width"),
        ((8.5,), TypeError, r"widths\[0\] \(a width m\) must be an int"),
    ],
)
def test_bad_widths(widths, exc, words):
    with pytest.raises(exc, match=words):
        check_widths(widths)


def test_bad_sweep_arguments(sweep):
    x, table = sweep

    def run(*, x=x, widths=(8,), seeds=SEEDS, **kw):
        return rnn_ntk.convergence(x, cfg=CFG, widths=widths, seeds=seeds, **kw)

    with pytest.raises(ValueError, match="strictly increasing"):
        run(widths=(32, 16))
    with pytest.raises(ValueError, match="seeds must be distinct"):
        run(seeds=(1, 1))
    with pytest.raises(TypeError, match="seeds must be a count"):
        run(seeds="01")
    with pytest.raises(ValueError, match=r"tolerances\[0\] must be a finite number > 0"):
        run(tolerances=(-0.1,))
    with pytest.raises(ValueError, match="seed_batch must be an int >= 1"):
        run(seed_batch=0)
    with pytest.raises(TypeError, match="cfg must be an RNNConfig"):
        rnn_ntk.convergence(x, cfg="paper")
    with pytest.raises(ValueError, match="x contains 1 non-finite"):
        bad = x.copy()
        bad[0, 0, 0] = np.nan
        run(x=bad)
    wrong = {(8, 0): table.cells[0], (8, 1): table.cells[0]}
    with pytest.raises(ValueError, match=r"cells\[\(8, 1\)\] must be the Cell"):
        run(cells=wrong)
    with pytest.raises(ValueError, match="belongs to another sweep"):
        run(x=x[:2], cells={(8, 0): table.cells[0]})


def test_one_width_may_be_any_integer_scalar():
    for w in (8, np.int64(8), jnp.int32(8), np.array(8), [jnp.int32(8)]):
        assert check_widths(w) == (8,)
    for bad in (True, 8.0, None):
        with pytest.raises(TypeError, match=r"widths\[0\] \(a width m\) must be an int"):
            check_widths(bad)


def test_no_sequences_is_refused_by_the_sweep():
    with pytest.raises(ValueError, match=r"x holds no sequences \(n = 0\)"):
        rnn_ntk.convergence(np.zeros((0, 3, 2)), cfg=CFG, widths=(8,), seeds=1)


def test_cells_of_another_configuration_or_edited_are_refused(sweep):
    """A cell is used only if its theta_err is the error of its Theta against this H^inf."""
    x, table = sweep
    cells = {(c.m, c.seed): c for c in table.cells if c.m == 8}
    again = rnn_ntk.convergence(x, cfg=CFG, widths=(8,), seeds=SEEDS, cells=cells)
    np.testing.assert_array_equal(again.theta_err, table.theta_err[:1])
    zero = rnn_ntk.RNNConfig(h0="zero")  # the mixed-up resume: h0="random" cells, h0="zero"
    with pytest.raises(ValueError, match=r"cells\[\(8, 0\)\] does not belong to this sweep"):
        rnn_ntk.convergence(x, cfg=zero, widths=(8,), seeds=SEEDS, cells=cells)
    for edit in (123.0, float("nan")):
        c = cells[(8, 0)]
        bad = {**cells, (8, 0): Cell(**{**c.__dict__, "theta_err": edit})}
        with pytest.raises(ValueError, match="does not belong to this sweep"):
            rnn_ntk.convergence(x, cfg=CFG, widths=(8,), seeds=SEEDS, cells=bad)


def test_vanishing_reference_gives_no_nan():
    """sB2 = 0: H^inf = 0 and Theta_W = 0; every error is 0, the cross part 0 (not NaN)."""
    x, _ = rnn_ntk.toy_sequences(3, 3, 2, seed=0)
    table = rnn_ntk.convergence(x, cfg=rnn_ntk.RNNConfig(sB2=0.0), widths=(8,), seeds=1)
    for name in ("theta_err", "cross", "avg_err"):
        assert np.all(getattr(table, name) == 0), name


def test_overflowing_cells_raise_instead_of_nan():
    """float32 kernels beyond float32's range (finite inputs) are an error, not NaN errors."""
    x, _ = rnn_ntk.toy_sequences(3, 3, 2, seed=0)
    big = (x * 1e20).astype(np.float32)
    with pytest.raises(FloatingPointError, match="not finite in float32"):
        rnn_ntk.convergence(big, cfg=rnn_ntk.RNNConfig(sa2=1.0), widths=(8,), seeds=1,
                            dtype=jnp.float32)
