"""The one set of validators: TypeError for a wrong type, ValueError for a wrong value."""

import jax.numpy as jnp
import numpy as np
import pytest

from rnn_ntk._validate import (
    check_bool,
    check_choice,
    check_dtype,
    check_int,
    check_real,
    check_seeds,
)


def test_int_accepts_numpy_and_jax_scalars_not_bools():
    assert check_int("n", np.int64(3), low=1) == 3
    assert check_int("n", jnp.asarray(4)) == 4
    with pytest.raises(TypeError, match="n must be an int"):
        check_int("n", True)
    with pytest.raises(TypeError, match="n must be an int"):
        check_int("n", 2.0)
    with pytest.raises(ValueError, match=r"n must be an int >= 1, got 0"):
        check_int("n", 0, low=1)
    with pytest.raises(ValueError, match=r"in \[1, 3\]"):
        check_int("n", 4, low=1, high=3)


def test_real():
    assert check_real("x", np.float32(2.5)) == 2.5
    assert check_real("x", 3) == 3.0
    assert check_real("t", float("inf"), low=0, allow_inf=True) == float("inf")
    with pytest.raises(TypeError, match="x must be a real number"):
        check_real("x", "2")
    with pytest.raises(TypeError, match="x must be a real number"):
        check_real("x", False)
    for bad in (float("nan"), float("inf"), -1.0):
        with pytest.raises(ValueError, match="x must be a finite number >= 0"):
            check_real("x", bad, low=0.0)
    with pytest.raises(ValueError, match="> 0"):
        check_real("lr", 0.0, low=0.0, open_low=True)


def test_bool_choice_seeds_dtype():
    assert check_bool("steps", np.bool_(True)) is True
    with pytest.raises(TypeError, match="steps must be True or False"):
        check_bool("steps", "no")
    with pytest.raises(TypeError, match="steps must be True or False"):
        check_bool("steps", 1)
    assert check_choice("h0", "zero", ("random", "zero")) == "zero"
    with pytest.raises(ValueError, match=r"h0 must be one of \('random', 'zero'\)"):
        check_choice("h0", "ones", ("random", "zero"))
    with pytest.raises(TypeError, match="h0 must be one of"):
        check_choice("h0", 1, ("random", "zero"))
    assert check_seeds("seeds", 3) == (0, 1, 2)
    assert check_seeds("seeds", [5, np.int64(2)]) == (5, 2)
    with pytest.raises(ValueError, match=r"seeds\[0\] must be an int >= 0"):
        check_seeds("seeds", [-1])
    with pytest.raises(ValueError, match="distinct"):
        check_seeds("seeds", [1, 1])
    with pytest.raises(TypeError, match="seeds must be a count"):
        check_seeds("seeds", "01")
    with pytest.raises(ValueError, match=r"seeds must be an int >= 1"):
        check_seeds("seeds", 0)
    assert check_dtype("float32") == jnp.float32
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        check_dtype("banana")
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        check_dtype(jnp.float16)
