r"""Per-sample forward and backward states of the RNN and their per-tile contractions.

For a parameter block P the empirical NTK is Theta_P(x, x') = <dg(x)/dP, dg(x')/dP>
(standard parameterisation). With delta_l = dg/du_l (the backward states) the chain rule
through u_l = W h_{l-1} + A X_l + b gives dg/dW = sum_l delta_l h_{l-1}^T, hence (paper
eqs. 21-23, with h_{l-1} where the paper writes h_l and without its stray 1/m)

    Theta_W  = sum_{l,l'} <delta_l, delta'_l'> <h_{l-1}, h'_{l'-1}>
    Theta_A  = sum_{l,l'} <delta_l, delta'_l'> <X_l, X'_l'>
    Theta_b  = sum_{l,l'} <delta_l, delta'_l'>
    Theta_B  = <h_L, h'_L>
    Theta_M0 = <(W^T delta_1) * relu'(M0), (W^T delta'_1) * relu'(M0)>   (h0="random")

``features`` gives every sample's h_0..h_L and delta_1..delta_L (one forward scan and one
VJP); ``ntk_tile`` and ``diagnostics_tile`` contract a block of rows with a block of
columns, the per-tile functions that ``rnn_ntk._tiling.tiled_gram`` makes into Grams.
Cost O(n L m^2 + n^2 L^2 m); the n x m^2 Jacobian is never formed. All-zero features (the
tiler's padding) contract to zero.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from rnn_ntk._config import RNNConfig
from rnn_ntk.finite._network import Mask, initial_state, scan_states
from rnn_ntk.finite._params import Params

__all__ = [
    "EmpiricalKernels",
    "Features",
    "auto_tile_size",
    "diagnostics_tile",
    "diagnostics_tile_jit",
    "features",
    "features_jit",
    "ntk_tile",
    "ntk_tile_jit",
    "sample_features",
]

#: Memory budget (bytes) of one tile's forward/backward states and of its Grams.
TILE_BYTES = 1 << 28


class EmpiricalKernels(NamedTuple):
    """Finite-width counterparts of ``rnn_ntk.Kernels`` (a jax pytree).

    Attributes:
      K: <h_l(x), h_l(x')> for l = 0..L, shape (L+1, n1, n2) (-> K^l, Theorem 5).
      F: <delta_l(x), delta_l(x')> for l = 1..L, shape (L, n1, n2) (-> F^l, Theorem 6).
      H: Theta_W, shape (n1, n2) (-> H^inf).
      H_diag: the same-step part sum_l <delta_l, delta'_l> <h_{l-1}, h'_{l-1}>, (n1, n2).
      H_cross: the cross-step part (l != l') = H - H_diag, shape (n1, n2) (-> 0).
    """

    K: Float[Array, "Lp1 n1 n2"]
    F: Float[Array, "L n1 n2"]
    H: Float[Array, "n1 n2"]
    H_diag: Float[Array, "n1 n2"]
    H_cross: Float[Array, "n1 n2"]


class Features(NamedTuple):
    """Per-sample forward/backward states (sample-major; a jax pytree).

    Attributes:
      h: h_0..h_L, shape (n, L+1, m).
      delta: dg/du_l, shape (n, L, m), or (n, L_out, L, m) for the per-step outputs
        g_1..g_L.
      gM0: dg/dM0, shape (n, m) or (n, L_out, m).
      X: the inputs, shape (n, L, d).
    """

    h: jax.Array
    delta: jax.Array
    gM0: jax.Array
    X: jax.Array


def features(
    params: Params, x: Float[Array, "n L d"], cfg: RNNConfig, steps: bool, act: Mask = None
) -> Features:
    """One forward scan and one VJP (L VJPs with ``steps``) for a block of samples.

    The VJP is taken with respect to additive perturbations e_l of every u_l and of h_0
    (one per sample, all zero): d(sum_i g(x_i))/de_{i,l} = delta_l(x_i) because sample i's
    output depends only on its own perturbations. With the ragged mask ``act`` (n, L) of
    right-aligned x, h is held at h_0 before a sample starts, so delta_l = 0 on those
    steps and dg/dh_0 = W^T delta at the sample's first step.

    Args:
      params: the network (cast to the compute dtype).
      x: sequences (right-aligned when ragged), shape (n, L, d).
      cfg: the network's config.
      steps: the states of every per-step output g_l instead of g_L alone.
      act: the (n, L) mask of right-aligned ragged input, or None.
    Returns:
      The ``Features`` of the block.
    """
    n, L, _ = x.shape
    m = params["W"].shape[0]
    h0 = initial_state(params, cfg, n)
    e = jnp.zeros((L, n, m), h0.dtype)
    B = params["B"]

    def out(h0, e):
        hs = scan_states(params, x, h0, e, act)  # (L, n, m)
        g = hs @ B  # (L, n)
        return (jnp.sum(g, axis=1) if steps else jnp.sum(g[-1])), hs

    g, pullback, hs = jax.vjp(out, h0, e, has_aux=True)
    if steps:
        dh0, de = jax.vmap(pullback)(jnp.eye(L, dtype=g.dtype))  # (Lo, n, m), (Lo, L, n, m)
        delta = jnp.transpose(de, (2, 0, 1, 3))
        dh0 = jnp.swapaxes(dh0, 0, 1)
    else:
        dh0, de = pullback(jnp.ones((), g.dtype))
        delta = jnp.swapaxes(de, 0, 1)
    if cfg.h0 == "random":
        gM0 = dh0 * (params["M0"] > 0).astype(dh0.dtype)  # relu'(M0), 0 at 0
    else:
        gM0 = jnp.zeros_like(dh0)
    h = jnp.concatenate([h0[:, None], jnp.swapaxes(hs, 0, 1)], axis=1)
    return Features(h=h, delta=delta, gM0=gM0, X=x)


features_jit = jax.jit(features, static_argnums=(2, 3))


def sample_features(
    params: Params,
    x: Float[Array, "n L d"],
    cfg: RNNConfig,
    steps: bool,
    tile: int,
    act: Mask = None,
) -> Features:
    """``features`` of all n samples, computed in blocks of ``tile`` samples.

    The last block is zero-padded (a zero input with an all-False mask holds h at h_0),
    so every block has one compiled shape; the padding is sliced off.

    Args:
      params, x, cfg, steps, act: see ``features``.
      tile: samples per block (>= 1).
    Returns:
      The ``Features`` of every sample, leaves (n, ...).
    """
    n = x.shape[0]
    if n <= tile:
        return features_jit(params, x, cfg, steps, act)
    parts = []
    for start in range(0, n, tile):
        block = jax.tree.map(lambda a, s=start: a[s : s + tile], (x, act))
        k = block[0].shape[0]
        if k < tile:
            block = jax.tree.map(
                lambda a, k=k: jnp.pad(a, [(0, tile - k)] + [(0, 0)] * (a.ndim - 1)), block
            )
        parts.append(features_jit(params, block[0], cfg, steps, block[1]))
    return jax.tree.map(lambda *a: jnp.concatenate(a)[:n], *parts)


def ntk_tile(w: Float[Array, " 5"], steps: bool, has_S: bool, f1: Features, f2: Features):
    """Summed NTK blocks of a row block and a column block (paper eq. 23; module doc).

    Args:
      w: the weights (W, A, b, B, M0) of the blocks as an array (see
        ``rnn_ntk._config.block_weights``), so one compiled function serves every
        choice of blocks.
      steps: the features are those of the per-step outputs.
      has_S: any of W, A, b is trained (else the two (n L) x (n L) Grams are skipped).
      f1: features of the rows, leaves (T1, ...).
      f2: features of the columns, leaves (T2, ...).
    Returns:
      The kernel tile, shape (T1, T2), or (L, T1, T2) with ``steps``.
    """
    wW, wA, wb, wB, wM0 = (w[i] for i in range(5))
    if steps:
        out = wB * jnp.einsum("iqm,jqm->qij", f1.h[:, 1:], f2.h[:, 1:])
        out = out + wM0 * jnp.einsum("iqm,jqm->qij", f1.gM0, f2.gM0)
    else:
        out = wB * (f1.h[:, -1] @ f2.h[:, -1].T) + wM0 * (f1.gM0 @ f2.gM0.T)
    if has_S:
        # S[i,l,j,l'] weighs <delta_l(x_i), delta_l'(x_j)>: W, A and b blocks together.
        S = wW * jnp.einsum("ilm,jkm->iljk", f1.h[:, :-1], f2.h[:, :-1])
        S = S + wA * jnp.einsum("ild,jkd->iljk", f1.X, f2.X) + wb
        if steps:
            Gd = jnp.einsum("iqlm,jqkm->qiljk", f1.delta, f2.delta)
            out = out + jnp.einsum("qiljk,iljk->qij", Gd, S)
        else:
            Gd = jnp.einsum("ilm,jkm->iljk", f1.delta, f2.delta)
            out = out + jnp.einsum("iljk,iljk->ij", Gd, S)
    return out


ntk_tile_jit = jax.jit(ntk_tile, static_argnums=(1, 2))


def diagnostics_tile(f1: Features, f2: Features) -> EmpiricalKernels:
    """K_m^l, F_m^l and the same-step / cross-step parts of Theta_W of a tile (SPEC §5).

    Args:
      f1: features of the rows (``steps=False``), leaves (T1, ...).
      f2: features of the columns, leaves (T2, ...).
    Returns:
      ``EmpiricalKernels`` with leaves (L+1 | L | -, T1, T2).
    """
    K = jnp.einsum("ilm,jlm->lij", f1.h, f2.h)
    Gd = jnp.einsum("ilm,jkm->iljk", f1.delta, f2.delta)
    Gh = jnp.einsum("ilm,jkm->iljk", f1.h[:, :-1], f2.h[:, :-1])
    P = Gd * Gh
    H = jnp.sum(P, axis=(1, 3))
    H_diag = jnp.einsum("iljl->ij", P)
    L = Gd.shape[1]
    off = (1.0 - jnp.eye(L, dtype=P.dtype))[None, :, None, :]
    H_cross = jnp.sum(P * off, axis=(1, 3))
    F = jnp.einsum("iljl->lij", Gd)
    return EmpiricalKernels(K=K, F=F, H=H, H_diag=H_diag, H_cross=H_cross)


diagnostics_tile_jit = jax.jit(diagnostics_tile)


def auto_tile_size(n: int, L: int, m: int, steps: bool, itemsize: int) -> int:
    """Samples per tile edge when ``tile_size=None``.

    A tile's states (~(3L+2) m values per sample, L times that with ``steps``) and its
    (L x L)-blocked Grams (~3 T^2 L^2 values, times L with ``steps``) each stay within
    ``TILE_BYTES`` (256 MiB).
    """
    lo = L if steps else 1
    by_states = TILE_BYTES // max((3 * L + 2) * m * itemsize * lo, 1)
    by_grams = int((TILE_BYTES / (3 * L * L * lo * itemsize)) ** 0.5)
    return int(max(1, min(n, by_states, by_grams)))
