"""The duals of smooth activations against 2-D Gauss-Hermite quadrature in numpy."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import erf as np_erf

from rnn_ntk._activations import activation_fn, check_activation, derivative_fn
from rnn_ntk.infinite._duals import RELU
from rnn_ntk.infinite._duals_smooth import ErfDual, HermiteDual, dual_for

# 2-D Gauss-Hermite with 120 nodes a side integrates these smooth integrands to ~1e-14
# (checked: 120 vs 160 nodes agree to < 1e-13 for every case below).
NODES = 120


def quad2(f, g, S1, S2, rho, nodes=NODES):
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    Z1, Z2 = np.meshgrid(z, z, indexing="ij")
    u = math.sqrt(S1) * Z1
    v = math.sqrt(S2) * (rho * Z1 + math.sqrt(1.0 - rho * rho) * Z2)
    return float(np.sum(np.outer(w, w) * f(u) * g(v)))


def np_tanh_d(u):
    return 1.0 / np.cosh(u) ** 2


def np_erf_d(u):
    return 2.0 / math.sqrt(math.pi) * np.exp(-u * u)


CASES = [(0.7, 1.3, 0.6), (0.2, 0.9, -0.8), (1.5, 1.5, 0.999), (0.5, 2.0, 0.0)]


def _pair(dual, S1, S2, rho):
    sq = math.sqrt(S1 * S2)
    out = dual.pair(
        jnp.asarray(sq), jnp.asarray(1.0 - rho), jnp.asarray(1.0 + rho),
        dual.sample(jnp.asarray(S1)), dual.sample(jnp.asarray(S2)),
    )
    return [float(a) for a in out]


@pytest.mark.parametrize("S1, S2, rho", CASES)
def test_erf_closed_form_matches_quadrature(S1, S2, rho):
    kd, K, E = _pair(ErfDual(), S1, S2, rho)
    assert K == pytest.approx(quad2(np_erf, np_erf, S1, S2, rho), abs=1e-13)
    assert kd == pytest.approx(quad2(np_erf_d, np_erf_d, S1, S2, rho), abs=1e-13)
    diag = math.sqrt(quad2(np_erf, np_erf, S1, S1, 1.0 - 1e-16) *
                     quad2(np_erf, np_erf, S2, S2, 1.0 - 1e-16))
    assert E == pytest.approx(diag - K, abs=1e-12)


@pytest.mark.parametrize("S1, S2, rho", CASES)
def test_hermite_series_matches_quadrature_for_tanh(S1, S2, rho):
    # the truncation tail at S <= 2 is below 1e-9 for Kd (module doc); K converges faster
    kd, K, _ = _pair(dual_for("tanh"), S1, S2, rho)
    assert K == pytest.approx(quad2(np.tanh, np.tanh, S1, S2, rho), abs=1e-9)
    assert kd == pytest.approx(quad2(np_tanh_d, np_tanh_d, S1, S2, rho), abs=1e-7)


def test_hermite_series_of_erf_agrees_with_the_closed_form():
    series = HermiteDual(activation_fn("erf"))
    for S1, S2, rho in CASES:
        a, b = _pair(series, S1, S2, rho), _pair(ErfDual(), S1, S2, rho)
        np.testing.assert_allclose(a, b, atol=1e-9)


def test_self_pair_has_zero_defect_and_matches_the_diagonal():
    for dual in (ErfDual(), dual_for("tanh"), dual_for("gelu")):
        S = jnp.asarray(1.1)
        kd, K, E = dual.pair(S, jnp.asarray(0.0), jnp.asarray(2.0), dual.sample(S),
                             dual.sample(S))
        assert abs(float(E)) < 1e-15 and float(K) == pytest.approx(float(dual.diagonal(S)))


@pytest.mark.parametrize("name", ["relu", "erf", "tanh", "gelu"])
def test_moments_against_one_dimensional_quadrature(name):
    s = 0.8
    z, w = np.polynomial.hermite_e.hermegauss(200)
    w = w / w.sum()
    phi = activation_fn(name)
    dphi = derivative_fn(name)
    u = math.sqrt(s) * z
    f = np.asarray(phi(jnp.asarray(u)))
    d = np.asarray(dphi(jnp.asarray(u)))
    want = (w @ f, w @ f**2, w @ d**2)
    got = [float(a) for a in dual_for(name).moments(jnp.asarray(s))]
    # relu has a kink: 200 nodes are only ~1e-4 accurate there, the closed form is exact
    tol = 1e-3 if name == "relu" else 1e-12
    np.testing.assert_allclose(got, want, atol=tol)
    if name == "relu":
        np.testing.assert_allclose(got, (math.sqrt(s / (2 * math.pi)), s / 2, 0.5), atol=1e-15)


def test_dual_for_and_activation_checks():
    assert dual_for("relu") is RELU and isinstance(dual_for("erf"), ErfDual)
    assert isinstance(dual_for(jnp.sin), HermiteDual)
    with pytest.raises(ValueError, match="not an elementwise function"):
        check_activation("activation", "swishy")
    with pytest.raises(TypeError, match="activation name"):
        check_activation("activation", 3)
    assert float(derivative_fn("relu")(jnp.asarray(0.0))) == 0.0  # relu'(0) = 0
    assert jax.grad(lambda u: activation_fn("tanh")(u))(0.0) == 1.0
