"""The experiments' options are checked before any concept is drawn or SGD step run."""

import pytest

from rnn_ntk.experiments import Sampling, additive_vs_L, n_variable_sweep, sgd_vs_n
from rnn_ntk.experiments._draws import check_counts, check_quantile


@pytest.mark.parametrize("options, message", [
    ({"n": 0}, "n must be an int >= 1"),
    ({"d": 0}, "d must be an int >= 1"),
    ({"repeats": 0}, "repeats"),
    ({"c_min": 0.0}, "c_min"),
    ({"c_min": 3.0}, "c_max must be a finite norm"),
    ({"margin_q": 1.0}, "margin_q must be a quantile in"),
    ({"delta": 0.5}, "delta"),
    ({"seed": -1}, "seed must be an int >= 0"),
])
def test_sampling_checks_every_option(options, message):
    with pytest.raises(ValueError, match=message):
        Sampling(**options)


def test_checks_come_before_any_work(monkeypatch):
    import rnn_ntk.experiments._learning as learning

    def boom(*args, **kwargs):
        raise AssertionError("work started")

    monkeypatch.setattr(learning, "random_additive", boom)
    monkeypatch.setattr(learning, "random_n_variable", boom)
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        additive_vs_L((2,), n=0)  # numpy's "need at least one array to concatenate" before
    with pytest.raises(ValueError, match=r"Ls\[0\]"):
        additive_vs_L((0,))
    with pytest.raises(ValueError, match="L must be an int >= 2"):
        n_variable_sweep(L=1)
    with pytest.raises(ValueError, match=r"ns\[0\] must be an int >= 1"):
        sgd_vs_n((0,))
    with pytest.raises(ValueError, match="eval_every must be an int >= 1"):
        sgd_vs_n((8,), eval_every=0)  # ZeroDivisionError before
    with pytest.raises(ValueError, match="must divide every n"):
        sgd_vs_n((8,), eval_every=3)


def test_count_and_quantile_checks():
    assert check_counts("ns", [1, 2]) == (1, 2) and check_counts("x", (), empty=True) == ()
    with pytest.raises(ValueError, match="at least one"):
        check_counts("ns", [])
    with pytest.raises(TypeError, match="sequence of ints"):
        check_counts("ns", 3)
    assert check_quantile("q", 0.0) == 0.0
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        check_quantile("q", 1)
