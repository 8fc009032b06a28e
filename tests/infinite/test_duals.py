"""The stable 1 - kappa forms against high-precision (mpmath) values."""

import jax.numpy as jnp
import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_ntk.infinite import _duals as _arccos

mpmath.mp.dps = 50


def exact(omr):
    """(1 - kappa0, 1 - kappa1) at rho = 1 - omr in 50-digit arithmetic."""
    rho = 1 - mpmath.mpf(omr)
    th = mpmath.acos(rho)
    k1 = (mpmath.sqrt(1 - rho**2) + (mpmath.pi - th) * rho) / mpmath.pi
    return float(th / mpmath.pi), float(1 - k1)


OMR = np.concatenate([np.logspace(-14, 0, 57), np.linspace(1.0, 2.0, 11)])


@pytest.mark.parametrize("dtype, tol", [(jnp.float64, 1e-13), (jnp.float32, 4e-6)])
def test_one_minus_kappa_relative_accuracy(dtype, tol):
    if dtype == jnp.float32:
        omr = OMR[OMR > 1e-7]  # float32 cannot hold 1 - rho below its own ulp anyway
    else:
        omr = OMR
    x = jnp.asarray(omr, dtype)
    _, om_k0, om_k1 = _arccos.arccos_terms(x)
    got0 = np.asarray(om_k0, np.float64)
    got1 = np.asarray(om_k1, np.float64)
    want = np.array([exact(float(v)) for v in np.asarray(x, np.float64)])
    np.testing.assert_allclose(got0, want[:, 0], rtol=tol)
    np.testing.assert_allclose(got1, want[:, 1], rtol=tol)


def test_sin_minus_tcos_series_and_direct_agree_at_switch():
    t = jnp.asarray(np.linspace(0.2, 0.3, 101))
    want = np.array([float(mpmath.sin(v) - v * mpmath.cos(v)) for v in np.asarray(t)])
    np.testing.assert_allclose(_arccos.sin_minus_tcos(t), want, rtol=1e-14)


def test_direct_kappas_at_known_points():
    # kappa0(0) = 1/2, kappa0(1) = 1, kappa0(-1) = 0; kappa1(0) = 1/pi, kappa1(1) = 1.
    np.testing.assert_allclose(_arccos.kappa0(jnp.array([0.0, 1.0, -1.0])), [0.5, 1.0, 0.0])
    np.testing.assert_allclose(
        _arccos.kappa1(jnp.array([0.0, 1.0, -1.0])), [1 / np.pi, 1.0, 0.0], atol=1e-15
    )


def exact_poles(theta):
    """(kappa0, 1 - kappa0, 1 - kappa1, omr, opr) at angle theta in 50-digit arithmetic."""
    th = mpmath.mpf(theta)
    rho = mpmath.cos(th)
    k1 = (mpmath.sin(th) + (mpmath.pi - th) * rho) / mpmath.pi
    k0 = (mpmath.pi - th) / mpmath.pi
    omr, opr = 2 * mpmath.sin(th / 2) ** 2, 2 * mpmath.cos(th / 2) ** 2
    return [float(v) for v in (k0, 1 - k0, 1 - k1, omr, opr)]


@settings(max_examples=60, deadline=None)
@given(
    st.floats(1e-6, 1.0),  # the distance to a pole, in angle
    st.booleans(),  # which pole: rho -> 1 or rho -> -1
    st.sampled_from([jnp.float32, jnp.float64]),
)
def test_poles_are_accurate_at_both_ends(delta, near_minus_one, dtype):
    """kappa0, 1 - kappa0 and 1 - kappa1 keep their relative accuracy as rho -> +-1.

    Given 1 -/+ rho to the dtype's precision (as the recursion provides them), each
    output is within a few ulp of the 50-digit value: tolerance 64 eps (the arcsin
    polynomial, the series and a handful of roundings)."""
    theta = np.pi - delta if near_minus_one else delta
    k0, om_k0, om_k1, omr, opr = exact_poles(theta)
    th, got_k0, got_om_k0, got_om_k1 = (
        np.float64(v) for v in _arccos.poles(jnp.asarray(omr, dtype), jnp.asarray(opr, dtype))
    )
    tol = 64 * float(jnp.finfo(dtype).eps)
    np.testing.assert_allclose(got_k0, k0, rtol=tol)
    np.testing.assert_allclose(got_om_k0, om_k0, rtol=tol)
    np.testing.assert_allclose(got_om_k1, om_k1, rtol=tol)
    np.testing.assert_allclose(th, theta, rtol=tol)
