"""Independent plain-numpy reference of SPEC §7: every architecture, per pair, per step.

Nothing here imports rnn_ntk's kernel code; only the fields of an ``RNNConfig`` are read.
The recursions are explicit Python loops over pairs, layers and steps (t, s) of the
SPEC §7 grid, written from its equations:

    S^k_{t,s} = sw2[k] K^k_{t-1,s-1} + sa2[k] I^k_{t,s} + sb2[k]
    I^1_{t,s} = <X_t, X'_s>,  I^k_{t,s} = K^{k-1}_{t,s} (k > 1)
    K^k_{t,s} = E[phi(u) phi(v)],  Kd^k_{t,s} = E[phi'(u) phi'(v)],
                (u, v) ~ N(0, [[S^k_{t,t}(x,x), S^k_{t,s}], [S^k_{t,s}, S^k_{s,s}(x',x')]])
    K^k_{0,0} = E[phi(M)^2], K^k_{0,s} = E[phi(M)] E[phi(v)], M ~ N(0, s02[k]) (0: h0 zero)
    P^k_{t,s} = Kd^k_{t,s} (sw2[k] P^k_{t+1,s+1} + [k=D] a_t a'_s sB2
                            + [k<D] sa2[k+1] P^{k+1}_{t,s})

    W_k = sum P^k_{t,s} K^k_{t-1,s-1}   A_k = sum P^k_{t,s} I^k_{t,s}   b_k = sum P^k_{t,s}
    M0_k = E[phi'(M_k)^2] (sw2[k] P^k_{1,1} + [k=D] a_0 a'_0 sB2)   B = sum a_t a'_s K^D_{t,s}

Each sequence runs over its OWN steps t = 1..T_x (t = 0 is h_0). Readout "last":
a_t = [t = T_x], and only the diagonal s - t = T_x' - T_x of the grid is filled (it is
closed under the recursion; the pair meets at its last step, SPEC §6). Readout "mean":
a_t = 1/T_x for t = 1..T_x, the full (T_x + 1) x (T_x' + 1) grid. ``steps=True`` reads
step l of the padded length L counted from the end, t_l = T_x - (L - l), and B^T h_0 if
t_l <= 0 (a_0 = 1; the a_0 term of M0 above is that case). Bidirectional: the same sums
for each sequence reversed within its own length, added. NTK parameterisation: each
layer's block times that layer's sigma^2 (SPEC §7).

Activations (``dual_of``):
- relu: the arc-cosine closed forms with arccos (SPEC §2), exact; relu'(0) = 0.
- erf: the closed forms of SPEC §7 (the V-transforms of Williams 1997, also in Greg
  Yang's NTK4A ``utils.py`` VErf3/VDerErf3, written here without their eps shift).
- anything else (tanh, gelu, a callable): 2-D quadrature on (u, v) = (sqrt(S11) z1,
  sqrt(S22) (r z1 + sqrt(1 - r^2) z2)), z1, z2 iid N(0, 1), by the trapezoidal rule with
  step 1/8 on [-10, 10]^2 (161^2 nodes); tanh by numpy (np.tanh, phi' = 1/cosh^2), other
  names and callables through jax (phi, and phi' = vmap(grad(phi)), in float64).
  Gauss-Hermite was tried first and rejected: for tanh it converges only like
  exp(-a sqrt(2N)) (a = pi/(2 sqrt S), the distance of tanh's poles), measured
  |96-node - 192-node| = 8e-7 at S = 2 and 2e-5 at S = 3. Verified accuracy of the
  trapezoidal rule (tests/infinite/test_reference_arch.py, for S11, S22 in [0.05, 3],
  rho in [-1, 1]): halving the step changes K and Kd by <= 4.4e-16 (tanh, gelu,
  softplus, erf); the erf quadrature meets the closed forms to <= 6.7e-16. Beyond S = 3
  the rule loses accuracy as a shrinks (tanh kernels, step 1/8 vs 1/16: 4.5e-11 relative
  at max S = 6.4, 8e-8 at S = 12, 3e-4 at S = 38).
"""

from __future__ import annotations

import functools
import math
import re

import numpy as np
from _reference import k0, k1  # the arc-cosine kernels of SPEC §2

#: Quadrature nodes per unit of z (trapezoidal rule, step 1/QUAD_ORDER) and its range.
QUAD_ORDER = 8
ZMAX = 10.0

_LAYER_BLOCK = re.compile(r"^(W|A|b|M0)_([1-9][0-9]*)$")
_VAR_OF = {"W": "sw2", "A": "sa2", "b": "sb2", "M0": "s02"}


def layer_variances(cfg, L: int) -> dict[str, list[float]]:
    """sw2, sa2, sb2, s02 as one float per layer ("paper" -> 2/L^3), from the cfg fields."""
    out = {}
    for name in ("sw2", "sa2", "sb2", "s02"):
        v = getattr(cfg, name)
        vals = list(v) if isinstance(v, (tuple, list)) else [v] * cfg.depth
        out[name] = [2.0 / float(L) ** 3 if e == "paper" else float(e) for e in vals]
    return out


# ------------------------------------------------------------------------------ duals


def snap(r: float) -> float:
    """r within 4 ulps of +-1 taken as +-1: kappa0 has an infinite slope at r = 1, so the
    arccos forms turn a 1-ulp error of r (x = x', r = 1 exactly) into ~1e-8 errors."""
    return math.copysign(1.0, r) if abs(r) > 1.0 - 4.0 * np.finfo(float).eps else r


class ReluDual:
    """ReLU: E[relu u relu v] = sqrt(S11 S22) kappa1(r) / 2, E[step u step v] = kappa0(r)/2."""

    def pair(self, s11, s22, s12):
        if s11 == 0.0 or s22 == 0.0:  # u = 0 exactly: relu(0) = relu'(0) = 0
            return 0.0, 0.0
        q = math.sqrt(s11 * s22)
        r = snap(s12 / q)
        return 0.5 * q * k1(r), 0.5 * k0(r)

    def sq(self, s):  # E[phi(M)^2]
        return s / 2.0

    def mean(self, s):  # E[phi(M)]
        return math.sqrt(s / (2.0 * math.pi))

    def dsq(self, s):  # E[phi'(M)^2]
        return 0.5 if s > 0 else 0.0


class ErfDual:
    """erf (SPEC §7): K = (2/pi) arcsin(2 S12 / sqrt((1 + 2 S11)(1 + 2 S22))),
    Kd = (4/pi) / sqrt((1 + 2 S11)(1 + 2 S22) - 4 S12^2)."""

    def pair(self, s11, s22, s12):
        q = (1.0 + 2.0 * s11) * (1.0 + 2.0 * s22)
        arg = min(1.0, max(-1.0, 2.0 * s12 / math.sqrt(q)))
        return 2.0 / math.pi * math.asin(arg), 4.0 / math.pi / math.sqrt(q - 4.0 * s12 * s12)

    def sq(self, s):
        return self.pair(s, s, s)[0]

    def mean(self, s):
        return 0.0

    def dsq(self, s):
        return 4.0 / math.pi / math.sqrt(1.0 + 4.0 * s)


class QuadDual:
    """Any phi: the trapezoidal rule on z in [-ZMAX, ZMAX], ``per_unit`` nodes per unit.

    For an integrand analytic in the strip |Im z| < a the trapezoidal rule against the
    Gaussian weight converges like exp(-2 pi a per_unit) (Trefethen & Weideman, SIAM Rev.
    2014, §5), much faster than Gauss-Hermite (exp(-a sqrt(2 N))): tanh at variance S has
    poles at a = pi / (2 sqrt(S)), so per_unit = 8 gives ~exp(-45) at S = 3. The tails
    beyond ZMAX = 10 weigh < 1e-22.
    """

    def __init__(self, phi, dphi, per_unit: int):
        n = int(ZMAX * per_unit)
        z = np.arange(-n, n + 1) / per_unit
        w = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi) / per_unit
        self.z, self.w = z, w / w.sum()
        self.W2 = self.w[:, None] * self.w[None, :]
        self.phi, self.dphi = phi, dphi

    def pair(self, s11, s22, s12):
        a, b = math.sqrt(s11), math.sqrt(s22)
        r = 0.0 if a * b == 0.0 else min(1.0, max(-1.0, s12 / (a * b)))
        u = a * self.z[:, None] * np.ones((1, self.z.size))
        v = b * (r * self.z[:, None] + math.sqrt(1.0 - r * r) * self.z[None, :])
        K = float(np.sum(self.W2 * self.phi(u) * self.phi(v)))
        Kd = float(np.sum(self.W2 * self.dphi(u) * self.dphi(v)))
        return K, Kd

    def _one(self, f, s):
        return float(np.sum(self.w * f(math.sqrt(s) * self.z)))

    def sq(self, s):
        return self._one(lambda u: self.phi(u) ** 2, s)

    def mean(self, s):
        return self._one(self.phi, s)

    def dsq(self, s):
        return self._one(lambda u: self.dphi(u) ** 2, s)


def _jax_pair(fn):
    """phi and phi' (vmap of grad, float64) of a jax-traceable scalar function, as numpy."""
    import jax
    import jax.numpy as jnp

    f = jax.jit(lambda u: fn(u))
    g = jax.jit(jax.vmap(jax.grad(lambda u: fn(u))))

    def phi(u):
        u = np.asarray(u, np.float64)
        return np.asarray(f(jnp.asarray(u, jnp.float64)), np.float64)

    def dphi(u):
        u = np.asarray(u, np.float64)
        out = g(jnp.asarray(u.ravel(), jnp.float64))
        return np.asarray(out, np.float64).reshape(u.shape)

    return phi, dphi


def _erf_np(u):
    from scipy.special import erf

    return erf(u)


def _derf_np(u):
    return 2.0 / math.sqrt(math.pi) * np.exp(-np.square(u))


def quadrature_dual(activation, order: int | None = None) -> QuadDual:
    """The quadrature dual of any activation (also of "erf" and "tanh", for cross-checks).

    Args:
      order: nodes per unit of z (None: the module's ``QUAD_ORDER`` at call time).
    """
    return _quadrature_dual(activation, QUAD_ORDER if order is None else int(order))


@functools.lru_cache(maxsize=32)
def _quadrature_dual(activation, order: int) -> QuadDual:
    if activation == "tanh":
        return QuadDual(np.tanh, lambda u: 1.0 / np.cosh(u) ** 2, order)
    if activation == "erf":
        return QuadDual(_erf_np, _derf_np, order)
    if isinstance(activation, str):
        import jax
        import jax.numpy as jnp

        fn = getattr(jax.nn, activation, None) or getattr(jnp, activation)
    else:
        fn = activation
    return QuadDual(*_jax_pair(fn), order)


def dual_of(activation, order: int | None = None):
    """relu, erf: closed forms; anything else: ``quadrature_dual``."""
    if isinstance(activation, str) and activation == "relu":
        return ReluDual()
    if isinstance(activation, str) and activation == "erf":
        return ErfDual()
    return quadrature_dual(activation, order)


# -------------------------------------------------------------------------- one pair


def _chain(x, var, dual, depth, random):
    """Per-sample S^k_{t,t}(x,x) (t = 1..T) and K^k_{t,t}(x,x) (t = 0..T), lists per layer."""
    T = len(x)
    S = [[0.0] * (T + 1) for _ in range(depth)]
    K = [[0.0] * (T + 1) for _ in range(depth)]
    for k in range(depth):
        K[k][0] = dual.sq(var["s02"][k]) if random else 0.0
        for t in range(1, T + 1):
            inp = float(x[t - 1] @ x[t - 1]) if k == 0 else K[k - 1][t]
            S[k][t] = var["sw2"][k] * K[k][t - 1] + var["sa2"][k] * inp + var["sb2"][k]
            K[k][t] = dual.sq(S[k][t])
    return S, K


def forward(x, xp, var, dual, depth, random, full):
    """The forward grid of one pair (x: (T, d), xp: (T', d)).

    Args:
      full: True for the whole (t, s) grid (readout "mean"), False for the diagonal
        s - t = T' - T only (readout "last", pairs aligned at their last step).
    Returns:
      dict with per-layer (T+1, T'+1) arrays K, Kd, S, I (NaN where not computed; row
      and column 0 of K hold the h_0 boundary), the per-sample chains Sx, Sy, and the
      mask of computed steps (T+1, T'+1) (False in row/column 0).
    """
    T, Tp = len(x), len(xp)
    Sx, _ = _chain(x, var, dual, depth, random)
    Sy, _ = _chain(xp, var, dual, depth, random)
    mask = np.zeros((T + 1, Tp + 1), bool)
    for t in range(1, T + 1):
        for s in range(1, Tp + 1):
            mask[t, s] = full or (s - t == Tp - T)
    K = [np.full((T + 1, Tp + 1), np.nan) for _ in range(depth)]
    Kd = [np.full((T + 1, Tp + 1), np.nan) for _ in range(depth)]
    S = [np.full((T + 1, Tp + 1), np.nan) for _ in range(depth)]
    I = [np.full((T + 1, Tp + 1), np.nan) for _ in range(depth)]  # noqa: E741
    for k in range(depth):
        s02 = var["s02"][k]
        m0 = dual.mean(s02) if random else 0.0
        K[k][0, 0] = dual.sq(s02) if random else 0.0
        for s in range(1, Tp + 1):
            K[k][0, s] = m0 * dual.mean(Sy[k][s]) if random else 0.0
        for t in range(1, T + 1):
            K[k][t, 0] = dual.mean(Sx[k][t]) * m0 if random else 0.0
        for t in range(1, T + 1):
            for s in range(1, Tp + 1):
                if not mask[t, s]:
                    continue
                inp = float(x[t - 1] @ xp[s - 1]) if k == 0 else K[k - 1][t, s]
                I[k][t, s] = inp
                S[k][t, s] = (
                    var["sw2"][k] * K[k][t - 1, s - 1] + var["sa2"][k] * inp + var["sb2"][k]
                )
                K[k][t, s], Kd[k][t, s] = dual.pair(Sx[k][t], Sy[k][s], S[k][t, s])
    return {"K": K, "Kd": Kd, "S": S, "I": I, "Sx": Sx, "Sy": Sy, "mask": mask}


def backward(fw, a, ap, var, sB2, dual, depth, random):
    """P^k_{t,s} and every per-layer block for readout weights a (T+1,), a' (T'+1,).

    Returns:
      (P, blocks): P a list of (T+2, T'+2) arrays (zero outside the mask and past the
      end), blocks a dict "W_k", "A_k", "b_k", "M0_k" (k = 1..D), "B" (standard).
    """
    mask, K, Kd, I = fw["mask"], fw["K"], fw["Kd"], fw["I"]
    T, Tp = mask.shape[0] - 1, mask.shape[1] - 1
    P = [np.zeros((T + 2, Tp + 2)) for _ in range(depth)]
    for k in range(depth - 1, -1, -1):
        for t in range(T, 0, -1):
            for s in range(Tp, 0, -1):
                if not mask[t, s]:
                    continue
                acc = var["sw2"][k] * P[k][t + 1, s + 1]
                if k == depth - 1:
                    acc += a[t] * ap[s] * sB2
                else:
                    acc += var["sa2"][k + 1] * P[k + 1][t, s]
                P[k][t, s] = Kd[k][t, s] * acc
    out = {}
    for k in range(depth):
        w = aa = bb = 0.0
        for t in range(1, T + 1):
            for s in range(1, Tp + 1):
                if mask[t, s]:
                    w += P[k][t, s] * K[k][t - 1, s - 1]
                    aa += P[k][t, s] * I[k][t, s]
                    bb += P[k][t, s]
        out[f"W_{k + 1}"], out[f"A_{k + 1}"], out[f"b_{k + 1}"] = w, aa, bb
        m0 = 0.0
        if random:
            m0 = var["sw2"][k] * P[k][1, 1]
            if k == depth - 1:
                m0 += a[0] * ap[0] * sB2
            m0 *= dual.dsq(var["s02"][k])
        out[f"M0_{k + 1}"] = m0
    B = 0.0
    for t in range(T + 1):
        for s in range(Tp + 1):
            if a[t] * ap[s] != 0.0:
                B += a[t] * ap[s] * K[depth - 1][t, s]
    out["B"] = B
    return P, out


def _readout(T, kind, L=None, step=None):
    a = np.zeros(T + 1)
    if kind == "mean":
        a[1:] = 1.0 / T
    elif kind == "last":
        a[T] = 1.0
    else:  # step l of the padded length L, counted from the end; h_0 before the start
        a[max(T - (L - step), 0)] = 1.0
    return a


def pair_blocks(x, xp, cfg, L, steps=False):
    """Every per-layer block of one pair, one direction, standard parameterisation.

    Args:
      x, xp: one sequence each, shapes (T, d), (T', d) (own lengths, no padding).
      cfg: an ``RNNConfig`` (fields read only).
      L: the padded length (resolves sa2="paper"; the step count for ``steps``).
      steps: readout "last" at every step l = 1..L (counted from the end).
    Returns:
      dict block -> float ("W_k", "A_k", "b_k", "M0_k", "B"), or with ``steps`` a list of
      L such dicts.
    """
    var = layer_variances(cfg, L)
    dual = dual_of(cfg.activation)
    random = cfg.h0 == "random"
    full = cfg.readout == "mean" and not steps
    fw = forward(x, xp, var, dual, cfg.depth, random, full)
    args = (var, cfg.sB2, dual, cfg.depth, random)
    if not steps:
        kind = cfg.readout
        return backward(fw, _readout(len(x), kind), _readout(len(xp), kind), *args)[1]
    return [
        backward(fw, _readout(len(x), "step", L, j), _readout(len(xp), "step", L, j), *args)[1]
        for j in range(1, L + 1)
    ]


def _sequences(x, lengths):
    x = np.asarray(x, np.float64)
    if lengths is None:
        lengths = [x.shape[1]] * x.shape[0]
    return [x[i, : int(T)] for i, T in enumerate(lengths)], x.shape[1]


def pair_tables(x1, x2, cfg, lengths1=None, lengths2=None, steps=False):
    """Per-pair block dicts (both directions summed), and the padded length L.

    Args: as ``reference_ntk``.
    Returns:
      (table, L): table[i][j] is ``pair_blocks`` of (x1[i], x2[j]) (plus the reversed
      pair when bidirectional); L = the longer padded length.
    """
    s1, L1 = _sequences(x1, lengths1)
    s2, L2 = (s1, L1) if x2 is None else _sequences(x2, lengths2)
    L = max(L1, L2)
    table = []
    for a in s1:
        row = []
        for b in s2:
            p = pair_blocks(a, b, cfg, L, steps)
            if cfg.bidirectional:
                q = pair_blocks(a[::-1], b[::-1], cfg, L, steps)
                if steps:
                    p = [{k: u[k] + v[k] for k in u} for u, v in zip(p, q, strict=True)]
                else:
                    p = {k: p[k] + q[k] for k in p}
            row.append(p)
        table.append(row)
    return table, L


def block_weight(cfg, L, key, blocks, parameterization):
    """The weight of per-layer block ``key`` ("W_2", "B", ...) in the summed kernel."""
    base, _, layer = key.partition("_")
    named = base in blocks or key in blocks
    if not named:
        return 0.0
    if parameterization == "standard":
        return 1.0
    if base == "B":
        return float(cfg.sB2)
    return layer_variances(cfg, L)[_VAR_OF[base]][int(layer) - 1]


def reference_ntk(
    x1, x2=None, *, cfg, blocks=("W",), parameterization="standard", steps=False,
    lengths1=None, lengths2=None,
):
    """The NTK Gram of summed blocks, pair by pair (SPEC §7).

    Args:
      x1: (n1, L1, d) array; with ``lengths1`` sample i is x1[i, :lengths1[i]].
      x2: (n2, L2, d) array or None (x2 = x1).
      blocks: "W", "A", "b", "M0" (all layers), "B", or one layer's "W_k", ... .
      parameterization: "standard" or "ntk" (each layer's block times its sigma^2).
      steps: per-step kernels (L, n1, n2), readout "last" only.
    Returns:
      (n1, n2) array, or (L, n1, n2) with ``steps``.
    """
    table, L = pair_tables(x1, x2, cfg, lengths1, lengths2, steps)
    return combine(table, L, cfg=cfg, blocks=blocks, parameterization=parameterization,
                   steps=steps)


def combine(table, L, *, cfg, blocks=("W",), parameterization="standard", steps=False):
    """The Gram of summed, weighted blocks from a ``pair_tables`` table."""
    for b in blocks:
        if not (b in ("W", "A", "b", "M0", "B") or _LAYER_BLOCK.match(b)):
            raise ValueError(f"unknown block {b!r}")

    def total(p):
        return sum(p[k] * block_weight(cfg, L, k, blocks, parameterization) for k in p)

    if steps:
        return np.array([[[total(p[step]) for p in row] for row in table] for step in range(L)])
    return np.array([[total(p) for p in row] for row in table])


def reference_nngp(x1, x2=None, *, cfg, lengths1=None, lengths2=None):
    """The NNGP of the output: the B block, standard parameterisation (both directions)."""
    return reference_ntk(x1, x2, cfg=cfg, blocks=("B",), lengths1=lengths1, lengths2=lengths2)


def reference_kernels(x1, x2=None, *, cfg):
    """Per-layer diagnostics for equal-length input (one direction), SPEC §7.

    Returns:
      dict with K (D, L+1, n1, n2) = K^k_{t,t} (t = 0..L), F (D, L, n1, n2) = P^k_{t,t},
      rho and one_minus_rho (D, L, n1, n2) with rho = S^k_{t,t} / sqrt(S^k_{t,t}(x,x)
      S^k_{t,t}(x',x')), and H (n1, n2) = the W block summed over layers (standard).
    """
    x1 = np.asarray(x1, np.float64)
    x2 = x1 if x2 is None else np.asarray(x2, np.float64)
    n1, L, _ = x1.shape
    n2 = x2.shape[0]
    D = cfg.depth
    var = layer_variances(cfg, L)
    dual = dual_of(cfg.activation)
    random = cfg.h0 == "random"
    out = {
        "K": np.zeros((D, L + 1, n1, n2)),
        "F": np.zeros((D, L, n1, n2)),
        "rho": np.zeros((D, L, n1, n2)),
        "one_minus_rho": np.zeros((D, L, n1, n2)),
        "H": np.zeros((n1, n2)),
    }
    a = _readout(L, cfg.readout)
    for i in range(n1):
        for j in range(n2):
            fw = forward(x1[i], x2[j], var, dual, D, random, cfg.readout == "mean")
            P, bl = backward(fw, a, a, var, cfg.sB2, dual, D, random)
            for k in range(D):
                for t in range(L + 1):
                    out["K"][k, t, i, j] = fw["K"][k][t, t]
                for t in range(1, L + 1):
                    out["F"][k, t - 1, i, j] = P[k][t, t]
                    q = math.sqrt(fw["Sx"][k][t] * fw["Sy"][k][t])
                    r = fw["S"][k][t, t] / q if q > 0 else 0.0
                    out["rho"][k, t - 1, i, j] = r
                    out["one_minus_rho"][k, t - 1, i, j] = 1.0 - r
            out["H"][i, j] = sum(bl[f"W_{k + 1}"] for k in range(D))
    return out
