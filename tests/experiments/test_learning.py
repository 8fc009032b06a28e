"""The learning-theory experiments: their tables obey eqs. 12 and 19 and report progress."""

import math

import pytest

from rnn_ntk._fit import loglog_slope
from rnn_ntk.experiments import additive_vs_L, n_variable_sweep


def test_additive_rows_bound_and_slopes():
    seen = []
    t = additive_vs_L((2, 4), n=10, repeats=1, delta=0.05, progress=lambda k, n: seen.append(k))
    assert seen == [1, 2] and [r["L"] for r in t.rows] == [2, 4]
    for r in t.rows:  # eq. 19 with constants 1: q/n + log(1/delta)/n
        assert r["bound_eq19"] == pytest.approx(r["quad_over_n"] + math.log(20) / 10)
        assert r["quad_std"] == 0.0  # one draw
    assert t.notes["loglog_slope_quad_over_n"] == loglog_slope(
        [2, 4], [r["quad_over_n"] for r in t.rows])
    with pytest.raises(ValueError, match="repeats"):
        additive_vs_L((2,), n=10, repeats=0)


def test_n_variable_positions_must_fit():
    with pytest.raises(ValueError, match="do not fit L = 4"):
        n_variable_sweep(L=4, l0s=(4,), Ns=(), n=10, repeats=1)
    t = n_variable_sweep(L=4, l0s=(1,), Ns=(2,), n=10, repeats=1)
    assert [(r["sweep"], r["positions"]) for r in t.rows] == [("l0", "3 4"), ("N", "3 4")]
    for r in t.rows:
        assert r["C_eq12"] == min(r["kernel_branch"], r["shift_branch"])
