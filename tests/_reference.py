"""Independent plain-numpy references: per pair, per step, straight from SPEC §1-2.

Nothing here imports rnn_ntk's kernel code; the formulas use the direct arccos forms
(fine in float64 away from the degenerate limit) and explicit Python loops.
"""

from __future__ import annotations

import math

import numpy as np


def resolve(cfg, L):
    sa2 = 2.0 / L**3 if cfg.sa2 == "paper" else float(cfg.sa2)
    k0 = cfg.s02 / 2.0 if cfg.h0 == "random" else 0.0
    return sa2, k0


def k1(r):
    r = min(1.0, max(-1.0, r))
    return (math.sqrt(1.0 - r * r) + (math.pi - math.acos(r)) * r) / math.pi


def k0(r):
    r = min(1.0, max(-1.0, r))
    return (math.pi - math.acos(r)) / math.pi


def naive_pair(x, xp, cfg):
    """Per-step K^l (l=0..L), F^l, rho_l, and every NTK block for one pair of sequences.

    Args:
      x, xp: arrays of shape (L, d).
    Returns:
      dict with lists K (L+1), F (L), rho (L), and the standard-parameterisation blocks
      'W', 'A', 'b', 'B', 'M0' (floats).
    """
    L = x.shape[0]
    sa2, K0 = resolve(cfg, L)
    Kxx, Kyy, Kxy = K0, K0, K0
    K, rho, c0 = [Kxy], [], []
    for l in range(L):
        gxx = float(x[l] @ x[l])
        gyy = float(xp[l] @ xp[l])
        gxy = float(x[l] @ xp[l])
        sxx = cfg.sw2 * Kxx + sa2 * gxx + cfg.sb2
        syy = cfg.sw2 * Kyy + sa2 * gyy + cfg.sb2
        sxy = cfg.sw2 * Kxy + sa2 * gxy + cfg.sb2
        if sxx == 0.0 or syy == 0.0:  # u_l = 0 exactly: h = 0 and relu'(0) = 0
            r, kap1, kap0 = 0.0, 0.0, 0.0
            q = 0.0
        else:
            q = math.sqrt(sxx * syy)
            r = sxy / q
            kap1, kap0 = k1(r), k0(r)
        Kxx, Kyy, Kxy = sxx / 2.0, syy / 2.0, 0.5 * q * kap1
        K.append(Kxy)
        rho.append(r)
        c0.append(kap0)
    F = [0.0] * L
    F[L - 1] = cfg.sB2 / 2.0 * c0[L - 1]
    for l in range(L - 2, -1, -1):
        F[l] = F[l + 1] * cfg.sw2 / 2.0 * c0[l]
    blocks = {
        "W": sum(F[l] * K[l] for l in range(L)),
        "A": sum(F[l] * float(x[l] @ xp[l]) for l in range(L)),
        "b": sum(F),
        "B": K[L],
        "M0": F[0] * cfg.sw2 / 2.0 if cfg.h0 == "random" else 0.0,
    }
    return {"K": K, "F": F, "rho": rho, **blocks}


def naive_ntk(x1, x2, cfg, blocks=("W",), parameterization="standard"):
    """Gram of summed NTK blocks from ``naive_pair``, looping over every pair."""
    L = x1.shape[1]
    sa2, _ = resolve(cfg, L)
    sig = {"W": cfg.sw2, "A": sa2, "b": cfg.sb2, "B": cfg.sB2, "M0": cfg.s02}
    out = np.zeros((len(x1), len(x2)))
    for i in range(len(x1)):
        for j in range(len(x2)):
            p = naive_pair(x1[i], x2[j], cfg)
            out[i, j] = sum(p[b] * (sig[b] if parameterization == "ntk" else 1.0) for b in blocks)
    return out


# ---------------------------------------------------------------- finite-width network


def numpy_params(seed, cfg, m, d, L):
    """Parameters of SPEC §1 at width m (numpy draws, independent of jax's PRNG)."""
    sa2, _ = resolve(cfg, L)
    rng = np.random.default_rng(seed)
    s = 1.0 / math.sqrt(m)
    return {
        "W": rng.standard_normal((m, m)) * math.sqrt(cfg.sw2) * s,
        "A": rng.standard_normal((m, d)) * math.sqrt(sa2) * s,
        "b": rng.standard_normal(m) * math.sqrt(cfg.sb2) * s,
        "M0": rng.standard_normal(m) * math.sqrt(cfg.s02) * s,
        "B": rng.standard_normal(m) * math.sqrt(cfg.sB2) * s,
    }


def numpy_forward_backward(params, x, cfg):
    """Forward pass and hand-written backward pass of g(x) = B^T h_L for one sequence.

    Args:
      x: one sequence, shape (L, d).
    Returns:
      dict with h (L+1, m) = h_0..h_L, u (L, m), delta (L, m) = dg/du_l, g (float) and
      gM0 (m,) = dg/dM0 (zeros for h0='zero').
    """
    W, A, b, M0, B = (params[k] for k in ("W", "A", "b", "M0", "B"))
    L = x.shape[0]
    m = W.shape[0]
    h = np.zeros((L + 1, m))
    u = np.zeros((L, m))
    h[0] = np.maximum(M0, 0.0) if cfg.h0 == "random" else 0.0
    for l in range(L):
        u[l] = W @ h[l] + A @ x[l] + b
        h[l + 1] = np.maximum(u[l], 0.0)
    delta = np.zeros((L, m))
    delta[L - 1] = B * (u[L - 1] > 0)
    for l in range(L - 2, -1, -1):
        delta[l] = (W.T @ delta[l + 1]) * (u[l] > 0)
    gM0 = (W.T @ delta[0]) * (M0 > 0) if cfg.h0 == "random" else np.zeros(m)
    return {"h": h, "u": u, "delta": delta, "g": float(B @ h[L]), "gM0": gM0}


def numpy_empirical_blocks(params, x1, x2, cfg):
    """Empirical NTK blocks <dg(x)/dP, dg(x')/dP> (standard parameterisation, SPEC §2).

    Theta_W = sum_{l,l'} <delta_l, delta'_l'> <h_{l-1}, h'_{l'-1}>   (paper eq. 23)

    Returns:
      dict block -> (n1, n2) array, plus 'W_diag' (the l = l' part of Theta_W),
      'K' (L+1, n1, n2) = <h_l, h'_l> and 'F' (L, n1, n2) = <delta_l, delta'_l>.
    """
    f1 = [numpy_forward_backward(params, xi, cfg) for xi in x1]
    f2 = [numpy_forward_backward(params, xj, cfg) for xj in x2]
    L = x1.shape[1]
    n1, n2 = len(x1), len(x2)
    out = {k: np.zeros((n1, n2)) for k in ("W", "A", "b", "B", "M0", "W_diag")}
    out["K"] = np.zeros((L + 1, n1, n2))
    out["F"] = np.zeros((L, n1, n2))
    for i, a in enumerate(f1):
        for j, c in enumerate(f2):
            dd = a["delta"] @ c["delta"].T  # (L, L): <delta_l, delta'_l'>
            hh = a["h"][:-1] @ c["h"][:-1].T  # <h_{l-1}, h'_{l'-1}>
            xx = x1[i] @ x2[j].T
            out["W"][i, j] = np.sum(dd * hh)
            out["W_diag"][i, j] = np.trace(dd * hh)
            out["A"][i, j] = np.sum(dd * xx)
            out["b"][i, j] = np.sum(dd)
            out["B"][i, j] = a["h"][-1] @ c["h"][-1]
            out["M0"][i, j] = a["gM0"] @ c["gM0"]
            out["K"][:, i, j] = np.sum(a["h"] * c["h"], axis=1)
            out["F"][:, i, j] = np.diag(dd)
    return out


def naive_pair_ragged(x, xp, cfg, sa2):
    """Blocks for sequences of different lengths, aligned at the last step (SPEC §6).

    The longer sequence runs alone for k = |L' - L| steps; the pair then starts from the
    boundary <h_0(short), h_k(long)>: K^0 if k = 0, 0 for h0='zero', and for h0='random'
    sqrt(s02) sqrt(S_k(long)) / (2 pi) (E relu(a) E relu(b) for independent Gaussians).

    Args:
      x, xp: arrays of shape (L, d) and (L', d).
      sa2: the input variance scale (not resolved from a length here).
    Returns:
      dict of standard-parameterisation blocks 'W', 'A', 'b', 'B', 'M0'.
    """
    if x.shape[0] > xp.shape[0]:
        x, xp = xp, x
    L, k = x.shape[0], xp.shape[0] - x.shape[0]
    K0 = cfg.s02 / 2.0 if cfg.h0 == "random" else 0.0
    Kyy, S_k = K0, None
    for l in range(k):
        S_k = cfg.sw2 * Kyy + sa2 * float(xp[l] @ xp[l]) + cfg.sb2
        Kyy = S_k / 2.0
    if k == 0:
        Kxy = K0
    elif cfg.h0 == "random":
        Kxy = math.sqrt(cfg.s02 * S_k) / (2 * math.pi)
    else:
        Kxy = 0.0
    Kxx = K0
    K, c0, G = [Kxy], [], []
    for l in range(L):
        y = xp[k + l]
        sxx = cfg.sw2 * Kxx + sa2 * float(x[l] @ x[l]) + cfg.sb2
        syy = cfg.sw2 * Kyy + sa2 * float(y @ y) + cfg.sb2
        sxy = cfg.sw2 * Kxy + sa2 * float(x[l] @ y) + cfg.sb2
        q = math.sqrt(sxx * syy)
        r = sxy / q
        Kxx, Kyy, Kxy = sxx / 2.0, syy / 2.0, 0.5 * q * k1(r)
        K.append(Kxy)
        c0.append(k0(r))
        G.append(float(x[l] @ y))
    F = [0.0] * L
    F[L - 1] = cfg.sB2 / 2.0 * c0[L - 1]
    for l in range(L - 2, -1, -1):
        F[l] = F[l + 1] * cfg.sw2 / 2.0 * c0[l]
    return {
        "W": sum(F[l] * K[l] for l in range(L)),
        "A": sum(F[l] * G[l] for l in range(L)),
        "b": sum(F),
        "B": K[L],
        "M0": F[0] * cfg.sw2 / 2.0 if (cfg.h0 == "random" and k == 0) else 0.0,
    }


def numpy_empirical_blocks_ragged(params, xs, cfg):
    """Empirical blocks for a list of sequences of any lengths (all step pairs summed)."""
    f = [numpy_forward_backward(params, x, cfg) for x in xs]
    n = len(xs)
    out = {b: np.zeros((n, n)) for b in ("W", "A", "b", "B", "M0")}
    for i, a in enumerate(f):
        for j, c in enumerate(f):
            dd = a["delta"] @ c["delta"].T
            out["W"][i, j] = np.sum(dd * (a["h"][:-1] @ c["h"][:-1].T))
            out["A"][i, j] = np.sum(dd * (xs[i] @ xs[j].T))
            out["b"][i, j] = np.sum(dd)
            out["B"][i, j] = a["h"][-1] @ c["h"][-1]
            out["M0"][i, j] = a["gM0"] @ c["gM0"]
    return out
