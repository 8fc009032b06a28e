"""The paper's literal Hermite-series form of K^l (eq. 25) against the closed form.

mu_r = E[sqrt(2) relu(g) h_r(g)], g ~ N(0,1), h_r the normalised probabilists' Hermite
polynomials, is computed by numerical quadrature; sum_r mu_r^2 rho^r = kappa1(rho).
Truncation bound: with sum_r mu_r^2 = kappa1(1) = 1, the tail after R terms is at most
|rho|^(R+1) (1 - sum_{r<=R} mu_r^2).
"""

import math

import numpy as np
import pytest
from conftest import random_sequences

import rnn_ntk
from rnn_ntk.infinite._duals import kappa1

R = 200


def mu_by_quadrature(r_max, nodes=800, upper=40.0):
    """mu_r = int_0^inf sqrt(2) x h_r(x) phi(x) dx by Gauss-Legendre on [0, upper].

    h_r is evaluated by the stable recurrence h_{r+1} = (x h_r - sqrt(r) h_{r-1}) / sqrt(r+1);
    the integrand is smooth on [0, inf) and below 1e-300 beyond x = 40.
    """
    t, w = np.polynomial.legendre.leggauss(nodes)
    x = 0.5 * upper * (t + 1.0)
    w = 0.5 * upper * w * math.sqrt(2.0) * x * np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    out = np.zeros(r_max + 1)
    h_prev, h = np.zeros_like(x), np.ones_like(x)
    for r in range(r_max + 1):
        out[r] = w @ h
        h_prev, h = h, (x * h - math.sqrt(r) * h_prev) / math.sqrt(r + 1)
    return out


@pytest.fixture(scope="module")
def mu():
    return mu_by_quadrature(R)


def test_mu_low_orders_closed_form(mu):
    # mu_0 = sqrt(2) E[relu(g)] = sqrt(2)/sqrt(2 pi); mu_1 = sqrt(2) E[g relu(g)] = sqrt(2)/2;
    # odd r >= 3 vanish (relu(g) - g/2 = |g|/2 is even).
    np.testing.assert_allclose(mu[0], 1 / math.sqrt(math.pi), rtol=1e-10)
    np.testing.assert_allclose(mu[1], math.sqrt(2) / 2, rtol=1e-10)
    np.testing.assert_allclose(mu[3::2], 0.0, atol=1e-10)


def test_series_equals_kappa1(mu):
    rho = np.linspace(-0.9, 0.9, 19)
    series = np.array([np.sum(mu**2 * r ** np.arange(R + 1)) for r in rho])
    bound = np.abs(rho) ** (R + 1) * (1 - np.sum(mu**2)) + 1e-10
    assert np.all(np.abs(series - np.asarray(kappa1(rho))) <= bound)


def test_eq25_recursion_matches_kernels(mu):
    """K^l = Q_l sum_r mu_r^2 ((K^{l-1} + G_l/L^3) / Q_l)^r with the paper's config.

    Inputs of norm ~ 10 L^1.5 make G/L^3 dominate so |rho| stays < 0.98 and the series
    converges quickly; each step's truncation error is bounded as in the module docstring
    and passes to the next step with a factor <= 1 (d kappa1 / d rho = kappa0 <= 1).
    """
    L, n = 3, 5
    x = random_sequences(n, L, 2, seed=2, scale=10 * L**1.5)
    K = np.asarray(rnn_ntk.kernels(x).K)
    tail_mass = 1 - np.sum(mu**2)
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            kij, kii, kjj, err = 1.0, 1.0, 1.0, 0.0
            for l in range(L):
                kii += x[i, l] @ x[i, l] / L**3
                kjj += x[j, l] @ x[j, l] / L**3
                q = math.sqrt(kii * kjj)
                ratio = (kij + x[i, l] @ x[j, l] / L**3) / q
                assert abs(ratio) < 0.98
                kij = q * np.sum(mu**2 * ratio ** np.arange(R + 1))
                err += q * abs(ratio) ** (R + 1) * tail_mass + 1e-9 * q
                assert abs(kij - K[l + 1, i, j]) <= err
