"""The mean-pooled RNN NTK of Greg Yang's Tensor Programs II / NTK4A (a cross-check).

G. Yang, "Tensor Programs II: Neural Tangent Kernel for Any Architecture" (arXiv:
2006.14548), and its notebook github.com/thegregyang/NTK4A, ``RNN-NTK.ipynb``
(``rnnntk_batch(..., avgpool=True)``). The network of the notebook (torch parameters
W, U, b, v with entries N(0, var); the NTK is the gradient inner product with respect to
those raw parameters):

    g^t = W s^{t-1} / sqrt(n) + U xi^t / sqrt(d) + b,   s^t = phi(g^t),   s^0 = 0
    out = v^T (1/T sum_{t=1..T} s^t) / sqrt(n)

Its infinite-width NTK by the Tensor-Programs derivation (C: forward covariances n^-1
s^T s-bar; D: backward ones n^-1 dg^T dg-bar with dg = sqrt(n) d out / d g), for x of
length T and x' of length T' (each averaged over its own steps):

    C^{g^t, g'^r} = varw C^{s^{t-1}, s'^{r-1}} + varu <xi^t, xi'^r>/d + varb,  C^{s^0, .} = 0
    C^{s^t, s'^r} = V_phi(C^g),     (V_phi: E[phi(u) phi(v)] under the 2x2 covariance)
    D^{s^t, s'^r} = varv / (T T') + varw D^{g^{t+1}, g'^{r+1}}   (D^g = 0 past the end)
    D^{g^t, g'^r} = V_phi'(C^g) D^{s^t, s'^r}
    NTK = sum_{t,r} D^{g^t, g'^r} (C^{s^{t-1}, s'^{r-1}} + <xi^t, xi'^r>/d + 1)
          + sum_{t,r} C^{s^t, s'^r} / (T T')

(the last sum is the v-gradient; the three terms in brackets are the W-, U- and
b-gradients). The V-transforms are those of NTK4A's ``utils.py`` (VErf3, VDerErf3, J1 for
ReLU), without their eps regularisers. Written from these equations on (T, T') arrays (forward
by anti-diagonals, backward from the end), not from the reference's code.

In SPEC §7 terms (standard blocks of the reference, readout "mean", h0 "zero"): sw2 =
varw, sa2 = varu/d, sb2 = varb, sB2 = varv, and NTK = W + A/d + b + B (each raw-
parameter block is the NTK-parameterisation one, sigma^2 times the standard block, divided
by the raw parameter's variance: varw, varu, varb, varv).
"""

from __future__ import annotations

import numpy as np


def _v_erf(c, v1, v2):
    return 2.0 / np.pi * np.arcsin(c / np.sqrt((v1 + 0.5) * (v2 + 0.5)))


def _vder_erf(c, v1, v2):
    return 4.0 / np.pi * ((1.0 + 2.0 * v1) * (1.0 + 2.0 * v2) - 4.0 * c**2) ** -0.5


def _corr(c, v1, v2):
    """c / sqrt(v1 v2) clipped, and snapped to +-1 within 4 ulps (not in NTK4A, whose J1
    clips to 1 - 1e-10 instead: arccos has an infinite slope at 1, so a 1-ulp error of
    r = 1 (x = x') would cost ~1e-8 in V_relu')."""
    r = np.clip(c / np.sqrt(v1 * v2), -1.0, 1.0)
    return np.where(np.abs(r) > 1.0 - 4.0 * np.finfo(float).eps, np.sign(r), r)


def _v_relu(c, v1, v2):
    d = np.sqrt(v1 * v2)
    r = _corr(c, v1, v2)
    return 0.5 * d * (np.sqrt(1.0 - r**2) + (np.pi - np.arccos(r)) * r) / np.pi


def _vder_relu(c, v1, v2):
    r = _corr(c, v1, v2)
    return (np.pi - np.arccos(r)) / (2.0 * np.pi)


V = {"erf": (_v_erf, _vder_erf), "relu": (_v_relu, _vder_relu)}


def _self_cov(x, varw, varu, varb, vphi):
    """C^{g^t, g^t}(x, x) for t = 1..T (index t-1)."""
    d = x.shape[1]
    out, cs = [], 0.0
    for t in range(len(x)):
        cg = varw * cs + varu * (x[t] @ x[t]) / d + varb
        out.append(cg)
        cs = vphi(cg, cg, cg)
    return np.array(out)


def ntk4a_mean(x, xp, *, phi, varw=1.0, varu=1.0, varb=0.0, varv=1.0):
    """The NTK4A mean-pooled RNN NTK of one pair of sequences (shapes (T, d), (T', d)).

    Args:
      phi: "erf" or "relu".
    Returns:
      The NTK (raw-parameter gradients of W, U, b and v), a float.
    """
    vphi, vder = V[phi]
    T, Tp, d = len(x), len(xp), x.shape[1]
    ingram = x @ xp.T / d  # (T, T'): <xi^t, xi'^r> / d
    v1 = _self_cov(x, varw, varu, varb, vphi)[:, None] * np.ones((1, Tp))
    v2 = np.ones((T, 1)) * _self_cov(xp, varw, varu, varb, vphi)[None, :]
    cg = np.zeros((T, Tp))  # C^{g^t, g'^r}, t, r = 1..T, T' at index t-1, r-1
    cs = np.zeros((T + 1, Tp + 1))  # C^{s^t, s'^r}, t, r = 0..; row/column 0 = s^0 = 0
    # C^g at (t, r) needs C^s at (t-1, r-1): sweep the grid by anti-diagonals t + r
    for diag in range(T + Tp - 1):
        for t in range(max(0, diag - Tp + 1), min(T, diag + 1)):
            r = diag - t
            cg[t, r] = varw * cs[t, r] + varu * ingram[t, r] + varb
            cs[t + 1, r + 1] = vphi(cg[t, r], v1[t, r], v2[t, r])
    kd = vder(cg, v1, v2)
    ds = np.zeros((T + 1, Tp + 1))  # D^{s^t, s'^r} at [t-1, r-1]; row/column T, T' = 0 pad
    dg = np.zeros((T + 1, Tp + 1))
    for t in range(T - 1, -1, -1):
        for r in range(Tp - 1, -1, -1):
            ds[t, r] = varv / (T * Tp) + varw * dg[t + 1, r + 1]
            dg[t, r] = kd[t, r] * ds[t, r]
    buf = cs[:T, :Tp] + ingram + 1.0  # C^{s^{t-1}, s'^{r-1}} + <xi, xi'>/d + 1
    return float(np.sum(dg[:T, :Tp] * buf) + np.sum(cs[1:, 1:]) / (T * Tp))
