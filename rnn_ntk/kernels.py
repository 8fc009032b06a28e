r"""Infinite-width kernels of the ReLU Elman RNN: K^l, F^l and H^inf (SPEC §2-3).

For a pair of sequences (x, x') with G_l = <X_l, X'_l>, l = 1..L:

    S^l   = sw2 K^{l-1} + sa2 G_l + sb2                      (m * Cov(u_l(x), u_l(x')))
    rho_l = S^l / sqrt(S^l(x,x) S^l(x',x'))
    K^l   = 1/2 sqrt(S^l(x,x) S^l(x',x')) kappa1(rho_l)       (paper eq. 25)
    F^L   = sB2/2 kappa0(rho_L),  F^l = F^{l+1} sw2/2 kappa0(rho_l)   (paper eq. 27-28)
    H^inf = sum_l F^l K^{l-1}                                 (the W block)

with K^0 = s02/2 (h0="random") or 0 (h0="zero"). The Gram path is the one-pass form
(SPEC §2): a forward scan carries per pair

    U_l = U_{l-1} c_{l-1} + inc_l,   c_k = sw2/2 kappa0(rho_k),   H = sB2/2 kappa0(rho_L) U_L

where inc_l = w_W K^{l-1} + w_A G_l + w_b (+ w_M0 sw2/2 at l = 1) sums the requested
blocks (w = 1 in the standard parameterisation, w = sigma^2 of the block in the NTK
parameterisation), and the B block adds w_B K^L. Memory is O(n1 n2), no L factor.

Numerics (SPEC §3): instead of K^l(x,x') the scan carries the Cauchy-Schwarz defect
E^l = sqrt(K^l(x,x) K^l(x',x')) - K^l(x,x') >= 0, and the defect of S^l is

    sqrt(S(x,x) S(x',x')) - S(x,x') = |v||v'| ||v/|v| - v'/|v'|||^2 / 2 + sw2 E^{l-1}

with the per-sample vectors v = (sqrt(sw2 K^{l-1}(x,x)), sqrt(sa2) X_l, sqrt(sb2)). Then
1 - rho, 1 - kappa0 and 1 - kappa1 follow without subtracting nearly equal numbers
(``rnn_ntk._arccos``), which keeps float32 accurate in the paper's degenerate regime
(rho -> 1 as L grows).

Zero variance: if S^l(x,x) = 0 (h0="zero", no bias and X_1..X_l = 0), then u_l(x) = 0
exactly at every width, so K^l(x, .) = 0 and the ReLU derivative is taken as 0 at 0 (as
``jax.nn.relu`` does): kappa0 is 0 for such pairs and rho is reported as 0. The result is
finite, and equals the finite-width network's kernels exactly.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jaxtyping import Array, Float, Int

from rnn_ntk._arccos import arccos_terms
from rnn_ntk._inputs import as_pair, check_lengths, is_traced, right_align
from rnn_ntk.config import BLOCKS, RNNConfig

__all__ = ["ntk", "kernels", "nngp", "Kernels", "block_weights"]

#: Tile edge on CPU: 256^2 pairs keep a step's few (T, T) arrays within L2 cache.
DEFAULT_TILE = 256
#: Tile edge on accelerators, where bigger launches amortise better.
DEFAULT_TILE_ACCELERATOR = 2048


def default_tile_size() -> int:
    """The tile edge used when ``tile_size=None``: by jax's default backend."""
    return DEFAULT_TILE if jax.default_backend() == "cpu" else DEFAULT_TILE_ACCELERATOR


def _workers() -> int:
    """Tiles computed concurrently in eager mode (XLA:CPU runs one tile on one core)."""
    if jax.default_backend() != "cpu":
        return 2
    try:
        return max(1, min(8, len(os.sched_getaffinity(0))))
    except AttributeError:  # not on Linux
        return max(1, min(8, os.cpu_count() or 1))


class Kernels(NamedTuple):
    """Per-step diagnostics of SPEC §2 for every pair (a jax pytree).

    Attributes:
      K: forward correlations K^0..K^L, shape (L+1, n1, n2) (lim <h_l(x), h_l(x')>).
      F: backward correlations F^1..F^L, shape (L, n1, n2) (lim <delta_l(x), delta_l(x')>).
      rho: pre-activation correlations rho_1..rho_L, shape (L, n1, n2).
      one_minus_rho: 1 - rho_l computed without cancellation, shape (L, n1, n2).
      H: H^inf = sum_l F^l K^{l-1}, shape (n1, n2).
    """

    K: Float[Array, "Lp1 n1 n2"]
    F: Float[Array, "L n1 n2"]
    rho: Float[Array, "L n1 n2"]
    one_minus_rho: Float[Array, "L n1 n2"]
    H: Float[Array, "n1 n2"]


class _Prep(NamedTuple):
    """Per-sample quantities, step-major.

    z_l = v_l / |v_l| (SPEC §3; 0 where S^l(x,x) = 0), |v_l| = sqrt(S^l(x,x)) and the
    raw inputs X_l. For ragged batches (sequences right-aligned in a common length) also
    ``act`` (step l is part of the sequence), ``begun`` (the sequence started before l)
    and ``sd`` = sqrt(K^{l-1}(x,x)); unused (size 0 along L) otherwise.
    """

    z: tuple[Float[Array, "n L"], ...]  # the k components of z, each contiguous in n
    nv: Float[Array, "n L"]
    X: Float[Array, "n L d"]
    act: Array
    begun: Array
    sd: Array


@dataclasses.dataclass(frozen=True)
class _Spec:
    """The structure of one per-pair recursion (hashable: the jit cache key).

    Only what changes the program is static: which terms exist. The values themselves
    travel as ``_Vals`` (traced), so a grid over sw2, sa2, ... compiles once.
    """

    mode: Literal["H", "steps", "diag"]
    ragged: bool
    has_w: bool  # sw2 > 0: v has a recurrent component
    has_a: bool  # sa2 > 0: v has the input components
    has_b: bool  # sb2 > 0: v has a bias component
    use_A: bool  # the A block is summed (G_l increments)
    use_b: bool  # the b block is summed


class _Vals(NamedTuple):
    """Numeric parameters of the recursion, as scalars of the compute dtype."""

    sw2: Array
    sa2: Array
    sb2: Array
    sB2: Array
    k0: Array
    s02: Array  # 0 for h0="zero"
    wW: Array
    wA: Array
    wb: Array
    wB: Array
    wM0: Array


def block_weights(
    cfg: RNNConfig, L: int, blocks: Sequence[str], parameterization: str
) -> tuple[float, float, float, float, float]:
    """Weights (w_W, w_A, w_b, w_B, w_M0) with which each block enters the summed NTK.

    Args:
      cfg: the network.
      L: sequence length (resolves sa2="paper").
      blocks: the trained blocks, any non-empty subset of {"W", "A", "b", "B", "M0"}.
      parameterization: "standard" (weight 1, SPEC §2) or "ntk" (weight sigma^2 of the block).
    Returns:
      One weight per block of ``BLOCKS``; 0 for blocks not requested.
    """
    if isinstance(blocks, str):
        blocks = (blocks,)
    blocks = tuple(blocks)
    if not blocks:
        raise ValueError(f"blocks must name at least one of {BLOCKS}, got an empty sequence.")
    unknown = [b for b in blocks if b not in BLOCKS]
    if unknown:
        raise ValueError(f"unknown block(s) {unknown} in blocks; choose from {BLOCKS}.")
    if len(set(blocks)) != len(blocks):
        raise ValueError(f"blocks {blocks} names a block twice; each block counts once.")
    if "M0" in blocks and cfg.h0 == "zero":
        raise ValueError(
            "block 'M0' exists only with h0='random' (h0='zero' has no M0); drop it from "
            "blocks or use RNNConfig(h0='random')."
        )
    if parameterization not in ("standard", "ntk"):
        raise ValueError(f"parameterization must be 'standard' or 'ntk', got {parameterization!r}.")
    scale = (lambda b: cfg.variance(b, L)) if parameterization == "ntk" else (lambda b: 1.0)
    return tuple(scale(b) if b in blocks else 0.0 for b in BLOCKS)  # type: ignore[return-value]


def _spec(cfg: RNNConfig, L: int, w, mode, dtype, ragged: bool = False) -> tuple[_Spec, _Vals]:
    sa2 = cfg.resolve_sa2(L)
    s02 = cfg.s02 if cfg.h0 == "random" else 0.0
    spec = _Spec(mode, ragged, cfg.sw2 > 0, sa2 > 0, cfg.sb2 > 0, w[1] != 0, w[2] != 0)
    vals = (cfg.sw2, sa2, cfg.sb2, cfg.sB2, cfg.k0, s02, *w)
    return spec, _Vals(*(jnp.asarray(v, dtype) for v in vals))


@functools.partial(jax.jit, static_argnums=0)
def _prepare(spec: _Spec, v: _Vals, x: Float[Array, "n L d"], lengths=None) -> _Prep:
    """Per-sample diagonal chain K^l(x,x) and the unit vectors v_l/|v_l| (SPEC §3).

    With ``lengths`` the sequences are right-aligned: x[i, L - lengths[i]:] is sample i,
    the steps before it are inactive and keep K(x,x) = K^0.
    """
    n, L, _ = x.shape
    sq = jnp.sum(x * x, axis=-1)  # (n, L)
    t = jnp.arange(L)
    if lengths is None:
        act = jnp.ones((n, L), bool)
    else:
        act = t[None, :] >= (L - lengths)[:, None]

    def step(d_prev, inp):
        sq_l, act_l = inp
        a = v.sw2 * d_prev + v.sa2 * sq_l + v.sb2
        a = jnp.where(act_l, a, 0.0)
        return jnp.where(act_l, a / 2.0, d_prev), (a, d_prev)

    d0 = jnp.full((n,), v.k0, dtype=x.dtype)
    _, (a, d_prev) = lax.scan(step, d0, (sq.T, act.T))
    a, d_prev = a.T, d_prev.T  # (n, L): S^l(x,x) and K^{l-1}(x,x)
    nv = jnp.sqrt(a)
    parts = []
    if spec.has_w:
        parts.append(jnp.sqrt(v.sw2 * d_prev)[..., None])
    if spec.has_a:
        parts.append(jnp.sqrt(v.sa2) * x)
    if spec.has_b:
        parts.append(jnp.broadcast_to(jnp.sqrt(v.sb2), a.shape + (1,)))
    vec = jnp.concatenate(parts, axis=-1) if parts else jnp.zeros(a.shape + (0,), x.dtype)
    z = vec / jnp.where(nv > 0, nv, 1.0)[..., None]
    # One (n, L) array per component: a pair loop then reads contiguous rows, not stride-k.
    z = tuple(z[..., i] for i in range(z.shape[-1]))
    if lengths is None:
        empty = jnp.zeros((n, 0), x.dtype)
        return _Prep(z=z, nv=nv, X=x, act=empty, begun=empty, sd=empty)
    begun = t[None, :] > (L - lengths)[:, None]
    return _Prep(z=z, nv=nv, X=x, act=act, begun=begun, sd=jnp.sqrt(d_prev))


def _pair(spec: _Spec, v: _Vals, r: _Prep, c: _Prep):
    """The per-pair forward scan over l = 1..L (one pair; vmapped into Grams)."""
    wW, wA, wb, wB, wM0 = v.wW, v.wA, v.wb, v.wB, v.wM0
    dt = r.nv.dtype

    def step(carry, inp):
        E, Kprev, U, k0prev = carry
        zr, zc, nr, nc, Xr, Xc, first, rag = inp
        if spec.ragged:
            # Pairs align at their last step (SPEC §6). Before both have begun, the pair's
            # K^{prev} is the boundary <h_0(short), h_k(long)>: K^0 if k = 0, else (h0
            # random, W independent of M0) sqrt(s02) sqrt(S_k(long)) / (2 pi) = sqrt(2 s02)
            # sqrt(K^k(long)) / (2 pi); 0 for h0 = "zero".
            act_r, act_c, begun_r, begun_c, sd_r, sd_c = rag
            act = act_r & act_c
            both = begun_r & begun_c
            one = begun_r | begun_c
            sd_long = jnp.where(begun_r, sd_r, sd_c)
            Kb = jnp.where(one, jnp.sqrt(2.0 * v.s02) / (2 * math.pi) * sd_long, v.k0)
            # (Exactly 0 for pairs that start together: sd^2 may differ from K^0 by an ulp.)
            E = jnp.where(both, E, jnp.where(one, sd_r * sd_c - Kb, 0.0))
            Kprev = jnp.where(both, Kprev, Kb)
            # The M0 block (through delta_1) only pairs sequences that start together.
            U = jnp.where(both, U, jnp.where(one, 0.0, wM0 * v.sw2 / 2.0))
            first = ~both
        sq = nr * nc  # sqrt(S(x,x) S(x',x')); 0 iff a sample has zero variance
        dist2 = sum((a - b) ** 2 for a, b in zip(zr, zc, strict=True))  # |z - z'|^2
        # 1 - rho = defect(S) / sq, with defect(S) = sq |z - z'|^2 / 2 + sw2 E^{l-1}. (One
        # division, not E * (1/nr) * (1/nc): the E chain compounds rounding over L steps.)
        omr = (0.5 * sq * dist2 + v.sw2 * E) / jnp.where(sq > 0, sq, 1.0)
        _, om_k0, om_k1 = arccos_terms(omr)
        k0 = jnp.where(sq > 0, 1.0 - om_k0, 0.0)
        E = 0.5 * sq * om_k1  # vanishes with sq
        K = 0.5 * sq - E  # K^l
        inc = wW * Kprev
        if spec.use_A:
            inc = inc + wA * jnp.sum(Xr * Xc)
        if spec.use_b:
            inc = inc + wb
        # U_l = U_{l-1} c_{l-1} + inc_l; at l = 1, U_0 = w_M0 sw2/2 enters with weight 1.
        U_new = U * jnp.where(first, 1.0, 0.5 * v.sw2 * k0prev) + inc
        if spec.ragged:  # outside the pair's common steps nothing is accumulated
            E = jnp.where(act, E, 0.0)
            K = jnp.where(act, K, Kprev)
            k0 = jnp.where(act, k0, k0prev)
            U = jnp.where(act, U_new, U)
        else:
            U = U_new
        if spec.mode == "H":
            out = None
        elif spec.mode == "steps":
            out = 0.5 * v.sB2 * k0 * U + wB * K  # H^(l)
            if spec.ragged:
                # Before a pair's common steps one output still reads B^T h_0: only the B
                # block (<h_0, h_l(x')> = sqrt(s02 S_l(x',x')) / (2 pi), or K^0 if neither
                # has started) and the M0 block (sB2/2, both still at h_0) survive.
                any_act = act_r | act_c
                nv_long = jnp.where(act_r, nr, nc)
                Kb_now = jnp.where(any_act, jnp.sqrt(v.s02) / (2 * math.pi) * nv_long, v.k0)
                held = wB * Kb_now + jnp.where(any_act, 0.0, 0.5 * wM0 * v.sB2)
                out = jnp.where(act, out, held)
        else:
            out = (K, k0, jnp.where(sq > 0, omr, 1.0))
        return (E, K, U, k0), out

    zero = jnp.zeros((), dt)
    init = (zero, v.k0.astype(dt), (wM0 * v.sw2 / 2.0).astype(dt), zero)
    first = jnp.arange(r.nv.shape[0]) == 0
    rag = (r.act, c.act, r.begun, c.begun, r.sd, c.sd) if spec.ragged else None
    xs = (r.z, c.z, r.nv, c.nv, r.X, c.X, first, rag)
    (_, K_L, U_L, k0_L), out = lax.scan(step, init, xs)
    H = 0.5 * v.sB2 * k0_L * U_L + wB * K_L
    if spec.mode == "H":
        return H
    if spec.mode == "steps":
        return out
    K, k0, omr = out
    K = jnp.concatenate([v.k0.astype(dt)[None], K])
    cs = jnp.concatenate([0.5 * v.sw2 * k0[:-1], jnp.ones((1,), dt)])
    F = 0.5 * v.sB2 * k0[-1] * jnp.cumprod(cs[::-1])[::-1]
    return K, F, 1.0 - omr, omr, H


def _tile_body(spec: _Spec, v: _Vals, r: _Prep, c: _Prep):
    """All pairs of a row tile and a column tile: leaves of shape (*lead, T1, T2)."""
    f = functools.partial(_pair, spec, v)
    out = jax.vmap(jax.vmap(f, (None, 0)), (0, None))(r, c)
    return jax.tree.map(lambda a: jnp.moveaxis(a, (0, 1), (-2, -1)), out)


_tile = jax.jit(_tile_body, static_argnums=0)


def _pad(p: _Prep, n_to: int) -> _Prep:
    n = p.nv.shape[0]
    if n == n_to:
        return p
    return jax.tree.map(lambda a: jnp.pad(a, [(0, n_to - n)] + [(0, 0)] * (a.ndim - 1)), p)


def _slice(p: _Prep, start: int, size: int) -> _Prep:
    return jax.tree.map(lambda a: lax.dynamic_slice_in_dim(a, start, size, axis=0), p)


def _lead_shapes(spec: _Spec, L: int, dtype) -> object:
    """Shapes of ``_pair``'s outputs (the tile adds two trailing pair axes)."""
    sd = lambda *shape: jax.ShapeDtypeStruct(shape + (1, 1), dtype)  # noqa: E731
    if spec.mode == "H":
        return sd()
    if spec.mode == "steps":
        return sd(L)
    return (sd(L + 1), sd(L), sd(L), sd(L), sd())


def _gram(spec: _Spec, v: _Vals, p1: _Prep, p2: _Prep | None, tile_size: int):
    """Evaluates ``_pair`` over all pairs in tiles of at most tile_size x tile_size.

    With ``p2 is None`` the Gram is symmetric and only tiles on or above the diagonal are
    computed (the per-pair recursion is exactly symmetric, so mirroring is exact).
    Eagerly, tiles are computed by a small thread pool into a host buffer (peak memory ~
    the output); under tracing (inside a user's jit) they are mapped with ``lax.map``.
    """
    symmetric = p2 is None
    p2 = p1 if symmetric else p2
    n1, n2 = p1.nv.shape[0], p2.nv.shape[0]
    lead_shapes = _lead_shapes(spec, p1.nv.shape[1], p1.nv.dtype)
    if n1 == 0 or n2 == 0:
        return jax.tree.map(lambda s: jnp.zeros(s.shape[:-2] + (n1, n2), s.dtype), lead_shapes)
    T1, T2 = min(tile_size, n1), min(tile_size, n2)
    if symmetric:
        T1 = T2 = min(T1, T2)
    nb1, nb2 = -(-n1 // T1), -(-n2 // T2)
    p1 = _pad(p1, nb1 * T1)
    p2 = p1 if symmetric else _pad(p2, nb2 * T2)
    if symmetric:
        ij = [(i, j) for i in range(nb1) for j in range(i, nb2)]
    else:
        ij = [(i, j) for i in range(nb1) for j in range(nb2)]

    if is_traced(*jax.tree.leaves((p1, p2))):
        I = jnp.asarray([a for a, _ in ij])
        J = jnp.asarray([b for _, b in ij])
        tiles = lax.map(
            lambda k: _tile_body(spec, v, _slice(p1, k[0] * T1, T1), _slice(p2, k[1] * T2, T2)),
            (I, J),
        )

        def assemble(t, s):
            lead = s.shape[:-2]
            t = jnp.moveaxis(t, 0, len(lead))  # (*lead, ntiles, T1, T2)
            full = jnp.zeros(lead + (nb1, nb2, T1, T2), t.dtype)
            full = full.at[..., I, J, :, :].set(t)
            if symmetric:
                full = full.at[..., J, I, :, :].set(jnp.swapaxes(t, -1, -2))
            nl = len(lead)
            full = jnp.moveaxis(full, nl + 1, nl + 2).reshape(lead + (nb1 * T1, nb2 * T2))
            return full[..., :n1, :n2]

        return jax.tree.map(assemble, tiles, lead_shapes)

    bufs = jax.tree.map(lambda s: np.empty(s.shape[:-2] + (n1, n2), s.dtype), lead_shapes)

    def work(k):
        i, j = ij[k]
        t = _tile(spec, v, _slice(p1, i * T1, T1), _slice(p2, j * T2, T2))
        r0, c0 = i * T1, j * T2
        r1, c1 = min(r0 + T1, n1), min(c0 + T2, n2)

        def put(buf, tile):  # disjoint blocks of the buffer: safe across threads
            tile = np.asarray(tile)
            buf[..., r0:r1, c0:c1] = tile[..., : r1 - r0, : c1 - c0]
            if symmetric and r0 != c0:
                buf[..., c0:c1, r0:r1] = np.swapaxes(tile, -1, -2)[..., : c1 - c0, : r1 - r0]

        jax.tree.map(put, bufs, t)

    workers = min(_workers(), len(ij))
    if workers == 1:
        for k in range(len(ij)):
            work(k)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(work, range(len(ij))))
    return jax.tree.map(jnp.asarray, bufs)


def _run(x1, x2, cfg, w, mode, tile_size, dtype, lengths1=None, lengths2=None):
    if not isinstance(cfg, RNNConfig):
        raise TypeError(f"cfg must be an RNNConfig, got {type(cfg).__name__}.")
    if tile_size is None:
        tile_size = default_tile_size()
    if isinstance(tile_size, bool) or not isinstance(tile_size, int) or tile_size < 1:
        raise ValueError(f"tile_size must be a positive int or None, got {tile_size!r}.")
    ragged = lengths1 is not None or lengths2 is not None
    if not ragged:
        a, b, dt = as_pair(x1, x2, dtype)
        L = a.shape[1]
        spec, v = _spec(cfg, L, w(L) if callable(w) else w, mode, dt)
        p1 = _prepare(spec, v, a)
        p2 = None if b is None else _prepare(spec, v, b)
        return _gram(spec, v, p1, p2, tile_size)
    if x2 is None and lengths2 is not None:
        raise ValueError("lengths2 was given without x2; pass lengths1 for x1 alone.")
    if lengths1 is not None:
        lengths1, x1 = check_lengths(lengths1, x1, "lengths1", "x1")
    if x2 is not None and lengths2 is not None:
        lengths2, x2 = check_lengths(lengths2, x2, "lengths2", "x2")
    a, b, dt = as_pair(x1, x2, dtype, same_length=False)
    L = max(a.shape[1], b.shape[1] if b is not None else 0)
    if lengths1 is None:
        lengths1 = jnp.full((a.shape[0],), a.shape[1])
    spec, v = _spec(cfg, L, w(L) if callable(w) else w, mode, dt, ragged=True)
    p1 = _prepare(spec, v, right_align(a, lengths1, L)[0], lengths1)
    p2 = None
    if b is not None:
        if lengths2 is None:
            lengths2 = jnp.full((b.shape[0],), b.shape[1])
        p2 = _prepare(spec, v, right_align(b, lengths2, L)[0], lengths2)
    return _gram(spec, v, p1, p2, tile_size)


def ntk(
    x1: Float[Array, "n1 L d"],
    x2: Float[Array, "n2 L d"] | None = None,
    cfg: RNNConfig = RNNConfig(),
    *,
    blocks: Sequence[str] = ("W",),
    parameterization: Literal["standard", "ntk"] = "standard",
    steps: bool = False,
    tile_size: int | None = None,
    dtype: object | None = None,
    lengths1: Int[Array, " n1"] | None = None,
    lengths2: Int[Array, " n2"] | None = None,
) -> Float[Array, "n1 n2"] | Float[Array, "L n1 n2"]:
    """The infinite-width NTK of the RNN: H^inf = sum_l F^l K^{l-1} and its other blocks.

    Implements the one-pass form of SPEC §2 (paper eqs. 23-28; H^inf of Theorem 3 for
    ``blocks=("W",)``): per block, the m -> inf limit of <dg(x)/dP, dg(x')/dP>,

        W: sum_l F^l K^{l-1}   A: sum_l F^l G_l   b: sum_l F^l   B: K^L   M0: F^1 sw2/2

    summed over ``blocks``. In the NTK parameterisation each block is multiplied by its
    sigma^2 (sw2, sa2, sb2, sB2, s02).

    Args:
      x1: sequences, shape (n1, L, d).
      x2: sequences, shape (n2, L, d); ``None`` for the symmetric Gram of x1 (each pair is
        computed once).
      cfg: the network.
      blocks: trained parameter blocks, any subset of {"W", "A", "b", "B", "M0"}.
      parameterization: "standard" (the paper's, SPEC §2) or "ntk".
      steps: if True, return the sequence-labelling kernels H^(l) for l = 1..L (output
        read at step l, paper Remark 3.2), shape (L, n1, n2), from the same single pass.
      tile_size: pairs are evaluated in tiles of at most tile_size x tile_size (None: 256
        on CPU, 2048 on accelerators); memory beyond the output is O(tile_size^2).
        Eagerly, tiles run concurrently on a few threads.
      dtype: compute dtype; default float64 when ``jax_enable_x64`` is on, else float32.
        Both use the cancellation-free recursion of SPEC §3.
      lengths1: sequences of different lengths (SPEC §6): sample i of x1 is
        x1[i, :lengths1[i]] (the padding, NaN or anything, is ignored). Pairs are aligned
        at their last step; the shorter starts from the boundary correlation
        <h_0(x), h_k(x')> (0 for h0="zero"; sqrt(s02 S_k(x',x')) / (2 pi) for
        h0="random"), and the M0 block pairs only sequences of equal length. With ragged
        input x1 and x2 may have different padded lengths; sa2="paper" uses the longest.
      lengths2: the same for x2.
    Returns:
      The kernel, shape (n1, n2), or (L, n1, n2) with ``steps=True`` (for ragged input,
      step l counts from the end: H^(l) reads the output L - l steps before the last; a
      sequence that has not started there outputs B^T h_0).
    """
    mode = "steps" if steps else "H"
    w = functools.partial(_weights_for, cfg, blocks, parameterization)
    return _run(x1, x2, cfg, w, mode, tile_size, dtype, lengths1, lengths2)


def _weights_for(cfg, blocks, parameterization, L):
    return block_weights(cfg, L, blocks, parameterization)


def kernels(
    x1: Float[Array, "n1 L d"],
    x2: Float[Array, "n2 L d"] | None = None,
    cfg: RNNConfig = RNNConfig(),
    *,
    tile_size: int | None = None,
    dtype: object | None = None,
    lengths1: Int[Array, " n1"] | None = None,
    lengths2: Int[Array, " n2"] | None = None,
) -> Kernels:
    """Per-step forward and backward correlations K^l, F^l, rho_l and H^inf (SPEC §2).

    K^l is paper eq. 25 (Theorem 5), F^l = sB2/2 kappa0(rho_L) prod_{k=l}^{L-1} sw2/2
    kappa0(rho_k) is eq. 27-28 (Theorem 6), and H = sum_l F^l K^{l-1} is the W block of
    ``ntk``. These are diagnostics: memory is O(L n1 n2).

    Args:
      x1: sequences, shape (n1, L, d).
      x2: sequences, shape (n2, L, d), or ``None`` for x1 against itself.
      cfg: the network.
      tile_size: see ``ntk``.
      dtype: see ``ntk``.
      lengths1, lengths2: ragged sequences, see ``ntk`` (per-step arrays are aligned at
        the last step; before a pair's common steps they hold the boundary values).
    Returns:
      A ``Kernels`` tuple with K (L+1, n1, n2), F (L, n1, n2), rho, one_minus_rho
      (L, n1, n2) and H (n1, n2).
    """
    w = (1.0, 0.0, 0.0, 0.0, 0.0)
    K, F, rho, omr, H = _run(x1, x2, cfg, w, "diag", tile_size, dtype, lengths1, lengths2)
    return Kernels(K=K, F=F, rho=rho, one_minus_rho=omr, H=H)


def nngp(
    x1: Float[Array, "n1 L d"],
    x2: Float[Array, "n2 L d"] | None = None,
    cfg: RNNConfig = RNNConfig(),
    *,
    tile_size: int | None = None,
    dtype: object | None = None,
    lengths1: Int[Array, " n1"] | None = None,
    lengths2: Int[Array, " n2"] | None = None,
) -> Float[Array, "n1 n2"]:
    """K^L = lim <h_L(x), h_L(x')>: the NNGP kernel of the last hidden state (eq. 25).

    Equals the B block of the NTK in the standard parameterisation.

    Args:
      x1: sequences, shape (n1, L, d).
      x2: sequences, shape (n2, L, d), or ``None`` for x1 against itself.
      cfg: the network.
      tile_size: see ``ntk``.
      dtype: see ``ntk``.
      lengths1, lengths2: ragged sequences, see ``ntk``.
    Returns:
      K^L, shape (n1, n2).
    """
    return _run(x1, x2, cfg, (0.0, 0.0, 0.0, 1.0, 0.0), "H", tile_size, dtype, lengths1, lengths2)
