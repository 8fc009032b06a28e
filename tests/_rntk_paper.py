"""The RNTK of a stacked ReLU RNN, written from its paper (a cross-check of the reference).

Alemohammad, Wang, Balestriero, Baraniuk, "The Recurrent Neural Tangent Kernel", ICLR
2021 (arXiv:2006.10246), Theorem 1 and its L-layer appendix. Network (NTK
parameterisation, h^(l,0) = 0, all of W, U, b, v trained, output read at the last step):

    g^(l,t) = sigma_w/sqrt(n) W^(l) h^(l,t-1) + sigma_u/sqrt(m_l) U^(l) h^(l-1,t) + sigma_b b^(l)
    h^(l,t) = phi(g^(l,t)),  h^(0,t) = x_t (m_1 = m, the input dimension; m_l = n for l > 1)
    f(x) = sigma_v/sqrt(n) v^T h^(L,T)

For x of length T and x' of length T' = T + tau (tau >= 0; pairs meet at their last
step), with V_phi the dual (K) and V_phi' the derivative dual (K'):

    Sigma^(1,t,t') = sigma_w^2 K^(1,t-1,t'-1) + sigma_u^2/m <x_t, x'_t'> + sigma_b^2
    Sigma^(l,t,t') = sigma_w^2 K^(l,t-1,t'-1) + sigma_u^2 K^(l-1,t,t') + sigma_b^2
    K^(l,t,t') = V_phi[Sigma],  K'^(l,t,t') = V_phi'[Sigma],  K^(l,0,t') = K^(l,t,0) = 0
    Pi^(L,T,T') = sigma_v^2 K'^(L,T,T')
    Pi^(l,t,t+tau) = sigma_w^2 K'^(l,t,t+tau) Pi^(l,t+1,t+1+tau)
                     + sigma_u^2 K'^(l,t,t+tau) Pi^(l+1,t,t+tau)      (Pi^(L+1) = 0, Pi^(l,T+1) = 0)
    RNTK = sum_l sum_{t=1..T} Pi^(l,t,t+tau) Sigma^(l,t,t+tau) + sigma_v^2 K^(L,T,T')

``rntk_forward`` is the same kernel by the forward ("Algorithm 1") accumulation of the
authors' public GPU code (github.com/moonlightlane/RNTK_UCI, RNTK_avg.py: ``rntk_new[l] =
gp_new[l] + sw^2 rntk_old[l] D_old + su^2 rntk_new[l-1] D_new``), here without its
initial-state term (h0 = 0):

    Theta^(l,t) = Sigma^(l,t) + sigma_w^2 K'^(l,t-1) Theta^(l,t-1)
                  + sigma_u^2 K'^(l-1,t) Theta^(l-1,t)
    RNTK = sigma_v^2 (K^(L,T) + K'^(L,T) Theta^(L,T))

V_phi for ReLU is the arc-cosine kernel as the authors' code writes it (``VT``):
F = (c (pi - arccos c) + sqrt(1 - c^2)) sqrt(ab) / (2 pi), G = (pi - arccos c) / (2 pi).
"""

from __future__ import annotations

import numpy as np


def _vt(sxx, syy, sxy):
    """(V_relu, V_relu') of the 2x2 covariance [[sxx, sxy], [sxy, syy]]."""
    c = np.sqrt(sxx * syy)
    e = np.clip(sxy / c, -1.0, 1.0)
    # not in the authors' code (which clips only): snap |e| within 4 ulps of 1 to 1, as
    # the arccos of e = 1 - 1 ulp (x = x') errs by ~1e-8 in V_relu' (infinite slope)
    e = np.where(np.abs(e) > 1.0 - 4.0 * np.finfo(float).eps, np.sign(e), e)
    F = (e * (np.pi - np.arccos(e)) + np.sqrt(1.0 - e * e)) * c / (2.0 * np.pi)
    G = (np.pi - np.arccos(e)) / (2.0 * np.pi)
    return F, G


def _per_layer(v, L):
    return list(v) if isinstance(v, (list, tuple)) else [v] * L


def _sigmas(x, xp, sw2, su2, sb2, L):
    """Sigma (L, T) on the aligned diagonal, with the self-variances along it, and K, K'."""
    if len(x) > len(xp):
        x, xp = xp, x
    T, tau, m = len(x), len(xp) - len(x), x.shape[1]
    sw2, su2, sb2 = (_per_layer(v, L) for v in (sw2, su2, sb2))

    def own(z):  # Sigma^(l,t,t)(z, z) and K^(l,t,t)(z, z), t = 1..len(z)
        S = np.zeros((L, len(z) + 1))
        Kz = np.zeros((L, len(z) + 1))
        for l in range(L):
            for t in range(1, len(z) + 1):
                inp = su2[l] / m * (z[t - 1] @ z[t - 1]) if l == 0 else su2[l] * Kz[l - 1, t]
                S[l, t] = sw2[l] * Kz[l, t - 1] + inp + sb2[l]
                Kz[l, t] = S[l, t] / 2.0
        return S

    Sx, Sy = own(x), own(xp)
    Sig = np.zeros((L, T + 1))
    K = np.zeros((L, T + 1))  # K[l, 0] = K^(l,0,tau) = 0 (h0 = 0)
    Kp = np.zeros((L, T + 1))
    for l in range(L):
        for t in range(1, T + 1):
            inp = su2[l] / m * (x[t - 1] @ xp[t - 1 + tau]) if l == 0 else su2[l] * K[l - 1, t]
            Sig[l, t] = sw2[l] * K[l, t - 1] + inp + sb2[l]
            K[l, t], Kp[l, t] = _vt(Sx[l, t], Sy[l, t + tau], Sig[l, t])
    return Sig, K, Kp, sw2, su2


def rntk(x, xp, *, sw2, su2, sb2, sv2, L):
    """RNTK(x, x') of an L-layer ReLU RNN, the paper's Theorem (backward Pi form).

    Args:
      x, xp: sequences of shapes (T, m), (T', m) (any lengths; they meet at the end).
      sw2, su2, sb2: sigma_w^2, sigma_u^2, sigma_b^2, a number or one per layer.
      sv2: sigma_v^2.
      L: the number of layers.
    Returns:
      The RNTK, a float.
    """
    Sig, K, Kp, sw2, su2 = _sigmas(x, xp, sw2, su2, sb2, L)
    T = Sig.shape[1] - 1
    Pi = np.zeros((L + 1, T + 2))
    for t in range(T, 0, -1):
        for l in range(L - 1, -1, -1):
            if l == L - 1 and t == T:
                Pi[l, t] = sv2 * Kp[l, t]
                continue
            down = sw2[l] * Kp[l, t] * Pi[l, t + 1]
            up = su2[l + 1] * Kp[l, t] * Pi[l + 1, t] if l < L - 1 else 0.0
            Pi[l, t] = down + up
    return float(np.sum(Pi[:L, 1 : T + 1] * Sig[:, 1:]) + sv2 * K[L - 1, T])


def rntk_forward(x, xp, *, sw2, su2, sb2, sv2, L):
    """The same RNTK by forward accumulation of Theta^(l,t) (the authors' code's form)."""
    Sig, K, Kp, sw2, su2 = _sigmas(x, xp, sw2, su2, sb2, L)
    T = Sig.shape[1] - 1
    Th = np.zeros((L, T + 1))
    for t in range(1, T + 1):
        for l in range(L):
            Th[l, t] = Sig[l, t] + sw2[l] * Kp[l, t - 1] * Th[l, t - 1]
            if l > 0:
                Th[l, t] += su2[l] * Kp[l - 1, t] * Th[l - 1, t]
    return float(sv2 * (K[L - 1, T] + Kp[L - 1, T] * Th[L - 1, T]))
