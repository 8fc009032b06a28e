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


def test_dtype_messages_name_the_argument_and_both_dtypes():
    import ml_dtypes

    for bad in ("banana", "int32", 3, True, jnp.bfloat16, np.float16, ml_dtypes.bfloat16):
        with pytest.raises(TypeError, match=r"dtype must be float32 or float64") as e:
            check_dtype(bad)
        assert "float32" in str(e.value) and "float64" in str(e.value)
    with pytest.raises(TypeError, match=r"half precision is accepted for inputs"):
        check_dtype(jnp.bfloat16)
    assert check_dtype(np.dtype("float64")) == jnp.float64
    assert check_dtype(jnp.float32) == jnp.float32


def test_input_dtypes_any_real_float_is_accepted_and_cast():
    """Compute dtypes are float32/float64; input arrays of every real float are cast."""
    from rnn_ntk._validate import check_real_array, is_real_dtype

    for dt in (np.float16, jnp.bfloat16, np.float32, np.float64):
        assert is_real_dtype(dt)
        arr = check_real_array("H", jnp.ones((2, 2), dt))
        assert arr.dtype == np.float64 and arr.shape == (2, 2)
    for dt in (bool, np.int32, np.complex64, object, "<U1"):
        assert not is_real_dtype(dt)
    assert is_real_dtype(np.int64, integers=True) and not is_real_dtype(bool, integers=True)
    with pytest.raises(TypeError, match=r"H must hold real numbers.*bool.*astype\(float\)"):
        check_real_array("H", np.ones(2, bool))
    with pytest.raises(TypeError, match="H must hold real numbers"):
        check_real_array("H", np.ones(2, complex))
    for bad in (None, "abc"):
        with pytest.raises(TypeError, match="H must be an array of real numbers"):
            check_real_array("H", bad)
    with pytest.raises(ValueError, match="H contains 1 non-finite"):
        check_real_array("H", [1.0, np.nan])
    with pytest.raises(ValueError, match="H must have 2 dimension"):
        check_real_array("H", [1.0], ndim=2)


def test_finite_results_raise_floating_point_error():
    import jax

    from rnn_ntk._validate import all_finite, check_finite_result

    assert all_finite(np.ones(3), None) and not all_finite(np.ones(3), np.array([np.inf]))
    check_finite_result("thing", {"a": jnp.ones(2), "b": np.arange(3)})
    with pytest.raises(FloatingPointError, match=r"thing is not finite in float32.*3.4e\+38"):
        check_finite_result("thing", (jnp.ones(2), jnp.array([1.0, jnp.inf], jnp.float32)))
    # under a trace nothing can be inspected: no error, no concretisation
    jax.jit(lambda a: check_finite_result("thing", a) or a)(jnp.array([jnp.nan]))
    seen = []
    jax.jit(lambda: seen.append(all_finite(jnp.array([jnp.nan]))) or 0.0)()
    assert seen == [True]


@pytest.mark.parametrize(
    "value", [np.int8(3), np.int16(3), np.int32(3), np.int64(3), np.uint8(3), np.uint16(3),
              np.uint32(3), np.uint64(3), jnp.int32(3), np.array(3), jnp.asarray(3)]
)
def test_every_integer_scalar_type_counts_as_an_int_and_a_real(value):
    assert check_int("m", value, low=1) == 3 and type(check_int("m", value)) is int
    assert check_real("sw2", value) == 3.0


@pytest.mark.parametrize("value", [True, False, np.bool_(True), jnp.asarray(True)])
def test_bools_are_never_numbers_and_numbers_never_bools(value):
    with pytest.raises(TypeError, match="m must be an int"):
        check_int("m", value)
    with pytest.raises(TypeError, match="sw2 must be a real number"):
        check_real("sw2", value)
    with pytest.raises(TypeError, match=r"seeds"):
        check_seeds("seeds", value)
    with pytest.raises(TypeError, match=r"seeds\[0\] must be an int"):
        check_seeds("seeds", [value])
    for not_bool in (1, 0, 1.0, "no", "yes", None, np.int64(1)):
        with pytest.raises(TypeError, match="steps must be True or False"):
            check_bool("steps", not_bool)
