"""NTK parameterisation, h0='zero', all blocks == the RNTK of a one-layer ReLU RNN.

The RNTK (Alemohammad et al., ICLR 2021, Theorem 1 for one layer, equal lengths) is
written here from its definition, as the NTK of an unrolled network with shared weights:
with Sigma_t the NNGP of the pre-activation u_t and Theta_t its tangent kernel,

    Sigma_t = sw2 V[Sigma_{t-1}] + su2 <x_t, x'_t> + sb2        (V = relu's dual, K_{t-1})
    Theta_t = Sigma_t + sw2 V'[Sigma_{t-1}] Theta_{t-1}          (Theta_0 = 0 for h_0 = 0)
    RNTK    = sv2 (V[Sigma_T] + V'[Sigma_T] Theta_T)

with V[S] = E[relu(u) relu(u')], V'[S] = E[relu'(u) relu'(u')] for (u, u') ~ N(0, S),
evaluated here by quadrature in polar coordinates, not by the arc-cosine closed forms.
"""

import numpy as np
import pytest
from conftest import random_sequences

import rnn_ntk
from rnn_ntk import RNNConfig

GL_T, GL_W = np.polynomial.legendre.leggauss(24)


def dual(sxx, sxy, syy):
    """(E[relu u relu u'], E[step u step u']) for (u, u') ~ N(0, [[sxx, sxy], [sxy, syy]]).

    In polar coordinates g = r (cos p, sin p) with (u, u') = C g, C C^T = S, the radial
    integrals are exact (int r^3 e^(-r^2/2) dr = 2, int r e^(-r^2/2) dr = 1); the angular
    integrand is smooth between the angles where u or u' changes sign, so Gauss-Legendre
    on each of those arcs is exact to rounding.
    """
    if sxy * sxy >= sxx * syy * (1 - 1e-14) and sxy > 0:  # u' = a u, a > 0: E relu^2 = S/2
        return np.sqrt(sxx * syy) / 2, 0.5
    lam, vec = np.linalg.eigh(np.array([[sxx, sxy], [sxy, syy]]))
    c = vec * np.sqrt(np.maximum(lam, 0.0))  # c c^T = S, also when S is singular
    kinks = [np.arctan2(-row[0], row[1]) % np.pi for row in c]
    cuts = np.sort(
        np.concatenate([[0.0, 2 * np.pi], np.mod(kinks, np.pi), np.mod(kinks, np.pi) + np.pi])
    )
    v = vp = 0.0
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        if hi - lo < 1e-15:
            continue
        p = lo + (hi - lo) * (GL_T + 1) / 2
        w = GL_W * (hi - lo) / 2 / (2 * np.pi)
        e = np.stack([np.cos(p), np.sin(p)])
        u1, u2 = c @ e
        v += np.sum(w * 2 * np.maximum(u1, 0) * np.maximum(u2, 0))
        vp += np.sum(w * (u1 > 0) * (u2 > 0))
    return v, vp


def rntk_pair(x, xp, sw2, su2, sb2, sv2):
    kxx = kyy = kxy = 0.0  # h_0 = 0
    theta = 0.0
    dprime = 0.0
    for t in range(x.shape[0]):
        sxx = sw2 * kxx + su2 * x[t] @ x[t] + sb2
        syy = sw2 * kyy + su2 * xp[t] @ xp[t] + sb2
        sxy = sw2 * kxy + su2 * x[t] @ xp[t] + sb2
        theta = sxy + sw2 * dprime * theta
        kxy, dprime = dual(sxx, sxy, syy)
        kxx, kyy = sxx / 2, syy / 2
    return sv2 * (kxy + dprime * theta)


@pytest.mark.parametrize("sw2,su2,sb2,sv2", [(2.0, 1.0, 0.1, 1.0), (1.3, 0.5, 0.4, 2.0)])
def test_ntk_parameterisation_equals_rntk(sw2, su2, sb2, sv2):
    cfg = RNNConfig(sw2=sw2, sa2=su2, sb2=sb2, sB2=sv2, h0="zero")
    x = random_sequences(4, 5, 2, seed=3)
    got = np.asarray(rnn_ntk.ntk(x, cfg=cfg, blocks=("W", "A", "b", "B"), parameterization="ntk"))
    want = np.array([[rntk_pair(a, b, sw2, su2, sb2, sv2) for b in x] for a in x])
    np.testing.assert_allclose(got, want, rtol=1e-10)
