"""The numba kernel of ``_compiled`` (imported lazily: this module imports numba).

``kernel`` fills one tile: rows two at a time (two independent dependency chains per
column, which hides part of the latency of the 28-term Horner polynomial), columns in
chunks of ``_CH`` whose per-pair state (E, K, U, Kd) and per-step inputs (|z -/+ z'|^2,
G_l, |v_l|) live in one scratch buffer, all L steps inside, the innermost loop over the
chunk's columns. Every array the vectorised loop touches is a row of that one buffer at
a fixed offset, so LLVM sees no possible aliasing and vectorises it without runtime
checks (separate scratch arrays defeat it). ``step`` is one pair-step, exactly the XLA
program's operations (see ``_compiled``).

Module-level functions, so numba's on-disk cache (``cache=True``) finds them again in a
new process (closures over other jitted functions would miss it every time).
"""

from __future__ import annotations

import functools
import math

import numba
import numpy as np

__all__ = ["kernel"]

# The kernel's scratch: one buffer of rows of _CH columns (a column chunk's state and
# step inputs), so the vectoriser sees fixed offsets between the rows, not aliasing.
_CH = 256
_ROWS = 15
_E, _K, _U, _KD, _D2, _S2, _G, _E2, _K2, _U2, _KD2, _D22, _S22, _G2, _NC = (
    r * _CH for r in range(_ROWS)
)

jit = functools.partial(
    numba.njit, nogil=True, cache=True, fastmath={"contract"}, error_model="numpy"
)


@jit(inline="always")
def asin_poly(u2, a):  # _duals.arcsin's Horner polynomial in u^2
    p = a[27]
    p = p * u2 + a[26]
    p = p * u2 + a[25]
    p = p * u2 + a[24]
    p = p * u2 + a[23]
    p = p * u2 + a[22]
    p = p * u2 + a[21]
    p = p * u2 + a[20]
    p = p * u2 + a[19]
    p = p * u2 + a[18]
    p = p * u2 + a[17]
    p = p * u2 + a[16]
    p = p * u2 + a[15]
    p = p * u2 + a[14]
    p = p * u2 + a[13]
    p = p * u2 + a[12]
    p = p * u2 + a[11]
    p = p * u2 + a[10]
    p = p * u2 + a[9]
    p = p * u2 + a[8]
    p = p * u2 + a[7]
    p = p * u2 + a[6]
    p = p * u2 + a[5]
    p = p * u2 + a[4]
    p = p * u2 + a[3]
    p = p * u2 + a[2]
    p = p * u2 + a[1]
    p = p * u2 + a[0]
    return p

@jit(inline="always")
def step(nr, nc, E, K, U, kd, d2, s2, g, first, use_A, use_b, c, a, b):
    """One pair's step l: (E, K, U, Kd)^{l-1} -> (E, K, U, Kd)^l (see _recursion)."""
    zero, half, one, two, theta_s, inv_pi, half_pi, sw2, wW, wA, wb = c
    # _layer.layer_step
    sq = nr * nc
    den = sq if sq > zero else one
    defect = sw2 * E
    hs = half * sq
    omr = (hs * d2 + defect) / den
    opr = (hs * s2 - defect) / den
    # _duals.poles
    omr = min(max(omr, zero), two)
    opr = min(max(opr, zero), two)
    neg = opr < omr
    t = min(omr, opr)
    ht = half * t
    s = math.sqrt(ht)
    # _duals.arcsin(s)
    low = s <= half
    w = math.sqrt(half * (one - s))
    u = s if low else w
    pa = u * asin_poly(u * u, a)
    phi = two * (pa if low else half_pi - two * pa)
    direct = two * s * math.sqrt(one - ht) - phi * (one - t)
    # _duals._series(phi)
    p2 = phi * phi
    ps = ((((b[5] * p2 + b[4]) * p2 + b[3]) * p2 + b[2]) * p2 + b[1]) * p2 + b[0]
    smtc = phi * p2 * ps if phi < theta_s else direct
    qq = phi * inv_pi  # XLA turns x / pi into x * (1/pi); so does this
    k0 = qq if neg else one - qq
    om_k1 = (one if neg else omr) - smtc * inv_pi
    # ReLUDual.pair, then _readout.accumulate with the previous state
    E_new = hs * om_k1
    inc = wW * K
    if use_A:
        inc = inc + wA * g
    if use_b:
        inc = inc + wb
    U_new = U * (one if first else sw2 * kd) + inc
    return E_new, hs - E_new, U_new, half * k0 if sq > zero else zero


@jit
def kernel(zR, nR, XR, zC, nC, XC, vals, cst, use_A, use_b, diag, out):
    """Rows two at a time (two independent chains per column hide the latency of the
    polynomial), columns in chunks of _CH with their state in ``buf``.

    zR (k, T1, L), nR (T1, L), XR (d, T1, L); zC (k, L, T2), nC (L, T2), XC (d, L, T2).
    """
    k, T1, L = zR.shape
    T2 = nC.shape[1]
    d = XR.shape[0]
    zero = cst[0]
    sw2, wW, wA, wb, sB2, wB, K0, U0 = (vals[0], vals[1], vals[2], vals[3], vals[4],
                                        vals[5], vals[6], vals[7])
    c = (cst[0], cst[1], cst[2], cst[3], cst[4], cst[5], cst[6], sw2, wW, wA, wb)
    a = (
        cst[7], cst[8], cst[9], cst[10], cst[11], cst[12], cst[13],
        cst[14], cst[15], cst[16], cst[17], cst[18], cst[19], cst[20],
        cst[21], cst[22], cst[23], cst[24], cst[25], cst[26], cst[27],
        cst[28], cst[29], cst[30], cst[31], cst[32], cst[33], cst[34],
    )
    b = (cst[35], cst[36], cst[37], cst[38], cst[39], cst[40])
    buf = np.zeros(_ROWS * _CH, zR.dtype)
    for i in range(0, T1, 2):
        i2 = min(i + 1, T1 - 1)
        for c0 in range(i if diag else 0, T2, _CH):
            m = min(_CH, T2 - c0)
            for jj in range(m):
                buf[_E + jj] = zero
                buf[_K + jj] = K0
                buf[_U + jj] = U0
                buf[_KD + jj] = zero
                buf[_E2 + jj] = zero
                buf[_K2 + jj] = K0
                buf[_U2 + jj] = U0
                buf[_KD2 + jj] = zero
            for l in range(L):
                for jj in range(m):
                    buf[_NC + jj] = nC[l, c0 + jj]
                    buf[_D2 + jj] = zero
                    buf[_S2 + jj] = zero
                    buf[_D22 + jj] = zero
                    buf[_S22 + jj] = zero
                for q in range(k):
                    zr, zr2 = zR[q, i, l], zR[q, i2, l]
                    for jj in range(m):
                        zc = zC[q, l, c0 + jj]
                        buf[_D2 + jj] = buf[_D2 + jj] + (zr - zc) * (zr - zc)
                        buf[_S2 + jj] = buf[_S2 + jj] + (zr + zc) * (zr + zc)
                        buf[_D22 + jj] = buf[_D22 + jj] + (zr2 - zc) * (zr2 - zc)
                        buf[_S22 + jj] = buf[_S22 + jj] + (zr2 + zc) * (zr2 + zc)
                if use_A:
                    xr, xr2 = XR[0, i, l], XR[0, i2, l]
                    for jj in range(m):
                        buf[_G + jj] = xr * XC[0, l, c0 + jj]
                        buf[_G2 + jj] = xr2 * XC[0, l, c0 + jj]
                    for q in range(1, d):
                        xr, xr2 = XR[q, i, l], XR[q, i2, l]
                        for jj in range(m):
                            xc = XC[q, l, c0 + jj]
                            buf[_G + jj] = buf[_G + jj] + xr * xc
                            buf[_G2 + jj] = buf[_G2 + jj] + xr2 * xc
                nr, nr2 = nR[i, l], nR[i2, l]
                first = l == 0
                for jj in range(m):
                    nc = buf[_NC + jj]
                    E, K, U, kd = step(
                        nr, nc, buf[_E + jj], buf[_K + jj], buf[_U + jj], buf[_KD + jj],
                        buf[_D2 + jj], buf[_S2 + jj], buf[_G + jj], first, use_A, use_b,
                        c, a, b,
                    )
                    E2, K2, U2, kd2 = step(
                        nr2, nc, buf[_E2 + jj], buf[_K2 + jj], buf[_U2 + jj],
                        buf[_KD2 + jj], buf[_D22 + jj], buf[_S22 + jj], buf[_G2 + jj],
                        first, use_A, use_b, c, a, b,
                    )
                    buf[_E + jj] = E
                    buf[_K + jj] = K
                    buf[_U + jj] = U
                    buf[_KD + jj] = kd
                    buf[_E2 + jj] = E2
                    buf[_K2 + jj] = K2
                    buf[_U2 + jj] = U2
                    buf[_KD2 + jj] = kd2
            for jj in range(m):  # FinalNTK.finish
                j = c0 + jj
                h = sB2 * buf[_KD + jj] * buf[_U + jj] + wB * buf[_K + jj]
                h2 = sB2 * buf[_KD2 + jj] * buf[_U2 + jj] + wB * buf[_K2 + jj]
                out[i, j] = h
                out[i2, j] = h2
                if diag:  # pair(x, x') == pair(x', x) bitwise
                    out[j, i] = h
                    out[j, i2] = h2
