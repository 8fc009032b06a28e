"""A compiled reference loop of the H^inf recursion: the machine's floor for bench_kernels.

The paper's network (depth 1, ReLU, read at step L, W block, standard parameterisation):
the cancellation-free pair recursion of SPEC §3 with the one-pass accumulator of SPEC §2,
the same formulas as ``rnn_ntk.infinite`` (polynomial arcsin, series of sin t - t cos t,
defect E^l and 1 -/+ rho from |z -/+ z'|^2), written independently as one numba loop:
``prange`` over the rows i, the upper triangle j >= i only, columns in chunks whose state
stays in a small per-row buffer, the L steps inside, the innermost loop over the columns
(branch-free, so it vectorises). No jax, no tiler.

``FLOPS_PER_PAIR_STEP`` counts the arithmetic of one pair-step of that loop honestly
(see ``flop_count``).
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import numba
import numpy as np

_ASIN = tuple(float(Fraction(math.comb(2 * k, k), 4**k * (2 * k + 1))) for k in range(28))
_SER = tuple((-1) ** (k + 1) * (2 * k) / math.factorial(2 * k + 1) for k in range(1, 7))
_CH = 256  # column chunk; the buffer's rows are _CH apart (fixed offsets vectorise)


def flop_count(components: int = 5) -> dict:
    """Floating-point operations of one pair-step, by part (+, -, *, /, sqrt count 1; an
    FMA counts 2; compares, min/max and selects count 0; both arms of every select are
    evaluated, as in the vectorised loop).

    Args:
      components: entries of the per-sample vector z_l (paper config: 1 + d, d = 4).
    Returns:
      {part: flops} and "total".
    """
    parts = {
        "sq = nr nc": 1,
        "|z - z'|^2, |z + z'|^2": 6 * components,
        "1 -/+ rho (defect, 2 divisions)": 8,
        "t/2, sqrt": 2,
        "arcsin (28-term Horner, sqrt, reflection)": 5 + 2 * (len(_ASIN) - 1) + 3,
        "sin - t cos, direct": 7,
        "sin - t cos, series": 3 + 2 * (len(_SER) - 1),
        "kappa0, 1 - kappa1": 4,
        "E, K, Kd": 3,
        "U accumulator": 4,
    }
    parts["total"] = sum(parts.values())
    return parts


#: Flops per pair-step of the paper config with d = 4 (z_l has 1 + d components).
FLOPS_PER_PAIR_STEP = flop_count(5)["total"]


def _row(i, zT, nT, vals, cst, buf, out):
    """Row i of the upper triangle, column chunks of _CH, the L steps inside."""
    # zT (k, L, n): the unit vectors z_l, contiguous over samples; nT (L, n): |v_l|
    k, L, n = zT.shape
    zero, half, one, two, th, inv_pi, half_pi = (cst[0], cst[1], cst[2], cst[3],
                                                  cst[4], cst[5], cst[6])
    sw2, sB2, K0, U0 = vals[0], vals[1], vals[2], vals[3]
    a = cst[7:35]
    b = cst[35:41]
    for c0 in range(i, n, _CH):
        m = min(_CH, n - c0)
        for jj in range(m):
            buf[jj] = zero
            buf[_CH + jj] = K0
            buf[2 * _CH + jj] = U0
            buf[3 * _CH + jj] = zero
        for l in range(L):
            for jj in range(m):
                buf[4 * _CH + jj] = zero
                buf[5 * _CH + jj] = zero
                buf[6 * _CH + jj] = nT[l, c0 + jj]
            for q in range(k):
                zr = zT[q, l, i]
                for jj in range(m):
                    zc = zT[q, l, c0 + jj]
                    buf[4 * _CH + jj] += (zr - zc) * (zr - zc)
                    buf[5 * _CH + jj] += (zr + zc) * (zr + zc)
            nr = nT[l, i]
            for jj in range(m):
                E, K = buf[jj], buf[_CH + jj]
                U, kd = buf[2 * _CH + jj], buf[3 * _CH + jj]
                sq = nr * buf[6 * _CH + jj]
                den = sq if sq > zero else one
                hs = half * sq
                omr = min(max((hs * buf[4 * _CH + jj] + sw2 * E) / den, zero), two)
                opr = min(max((hs * buf[5 * _CH + jj] - sw2 * E) / den, zero), two)
                t = min(omr, opr)
                ht = half * t
                s = math.sqrt(ht)
                low = s <= half
                w = math.sqrt(half * (one - s))
                u = s if low else w
                u2 = u * u
                p = a[27]
                for c in range(26, -1, -1):
                    p = p * u2 + a[c]
                p = u * p
                phi = two * (p if low else half_pi - two * p)
                direct = two * s * math.sqrt(one - ht) - phi * (one - t)
                f2 = phi * phi
                ps = b[5]
                for c in range(4, -1, -1):
                    ps = ps * f2 + b[c]
                smtc = phi * f2 * ps if phi < th else direct
                q0 = phi * inv_pi
                neg = opr < omr
                k0 = q0 if neg else one - q0
                om_k1 = (one if neg else omr) - smtc * inv_pi
                E_new = hs * om_k1
                buf[2 * _CH + jj] = U * (one if l == 0 else sw2 * kd) + K
                buf[jj] = E_new
                buf[_CH + jj] = hs - E_new
                buf[3 * _CH + jj] = half * k0 if sq > zero else zero
        for jj in range(m):
            h = sB2 * buf[3 * _CH + jj] * buf[2 * _CH + jj]
            out[i, c0 + jj] = h
            out[c0 + jj, i] = h


_row_fma = numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")(_row)


@numba.njit(parallel=True, cache=True, fastmath={"contract"}, error_model="numpy")
def _rows_fma(zT, nT, vals, cst, out):
    n = zT.shape[2]
    for r in numba.prange((n + 1) // 2):  # rows r and n-1-r: equal work per iteration
        buf = np.zeros(7 * _CH, zT.dtype)  # E, K, U, kd, d2, s2, nc
        _row_fma(r, zT, nT, vals, cst, buf, out)
        if n - 1 - r != r:
            _row_fma(n - 1 - r, zT, nT, vals, cst, buf, out)


@functools.cache
def _rows_ieee():
    """The same loop without FMA contraction (numba ``fastmath=False``; not cached on
    disk: numba's cache is keyed by the source, which both variants share)."""
    row = numba.njit(fastmath=False, error_model="numpy")(_row)

    @numba.njit(parallel=True, fastmath=False, error_model="numpy")
    def rows(zT, nT, vals, cst, out):
        n = zT.shape[2]
        for r in numba.prange((n + 1) // 2):
            buf = np.zeros(7 * _CH, zT.dtype)
            row(r, zT, nT, vals, cst, buf, out)
            if n - 1 - r != r:
                row(n - 1 - r, zT, nT, vals, cst, buf, out)

    return rows


def prepare(x: np.ndarray, cfg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-sample chain of the paper config (sb2 = 0): z_l (k, L, n) and |v_l| (L, n).

    S_l(x,x) = sw2 K^{l-1}(x,x) + sa2 |X_l|^2, K^l(x,x) = S_l / 2, K^0 = s02 / 2;
    z_l = (sqrt(sw2 K^{l-1}), sqrt(sa2) X_l) / sqrt(S_l).
    """
    n, L, d = x.shape
    dt = x.dtype
    sa2 = cfg.resolve_sa2(L)
    xa = np.sqrt(np.asarray(sa2, dt)) * x
    sq = np.sum(xa * xa, axis=-1)
    dprev = np.empty((n, L), dt)
    S = np.empty((n, L), dt)
    dk = np.full(n, cfg.s02 / 2.0, dt)
    for l in range(L):
        dprev[:, l] = dk
        S[:, l] = np.asarray(cfg.sw2, dt) * dk + sq[:, l]
        dk = S[:, l] / 2
    nv = np.sqrt(S)
    comps = [np.sqrt(np.asarray(cfg.sw2, dt) * dprev)] + [xa[..., c] for c in range(d)]
    zT = np.stack([np.ascontiguousarray((c / nv).T) for c in comps])
    return zT, np.ascontiguousarray(nv.T)


def reference_hinf(zT, nT, cfg, *, contract: bool = True) -> np.ndarray:
    """H^inf (n, n) of prepared data (``prepare``) by the compiled reference loop.

    Args:
      zT, nT: from ``prepare`` (their dtype is the compute dtype).
      cfg: the paper-family ``RNNConfig`` (sb2 = 0, h0 random).
      contract: allow FMA contraction (as XLA:CPU and C compilers do); False is IEEE
        mul-then-add (numba ``fastmath=False``).
    Returns:
      The symmetric Gram, float of zT's dtype.
    """
    dt = zT.dtype
    cst = np.asarray((0.0, 0.5, 1.0, 2.0, 0.25, 1.0 / math.pi, 0.5 * math.pi) + _ASIN + _SER,
                     dt)
    vals = np.asarray((cfg.sw2, cfg.sB2, cfg.s02 / 2.0, 0.0), dt)
    n = zT.shape[2]
    out = np.empty((n, n), dt)
    (_rows_fma if contract else _rows_ieee())(zT, nT, vals, cst, out)
    return out
