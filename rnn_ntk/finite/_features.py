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

The same holds per layer of the networks of SPEC §7 (``_deep``) with delta^k_t =
dg/du^k_t, h^k in place of h and the layer's input z^k_t (X_t, or h^{k-1}_t for k > 1) in
place of X_l; Theta_B = <hbar, hbar'> with hbar the readout's sum_t a_t h^D_t; a
bidirectional network adds the same sums of its reversed direction (independent
parameters, so no cross terms).

``features`` gives every sample's h_0..h_L and delta_1..delta_L per layer (one forward
scan per layer and one VJP); ``ntk_tile`` and ``diagnostics_tile`` contract a block of
rows with a block of columns, the per-tile functions that ``rnn_ntk._tiling.tiled_gram``
makes into Grams. Cost O(n L m^2 + n^2 L^2 m) per layer; the n x m^2 Jacobian is never
formed. All-zero features (the tiler's padding) contract to zero.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from rnn_ntk._activations import activation_fn
from rnn_ntk._config import RNNConfig
from rnn_ntk.finite._deep import initial_states, layer_states, readout_weights
from rnn_ntk.finite._keys import key_block, param_keys
from rnn_ntk.finite._network import Mask, direction_inputs
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
    "tile_weights",
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
    """Per-sample forward/backward states of one direction (sample-major; a jax pytree).

    Attributes:
      h: per layer k, h^k_0..h^k_L, each (n, L+1, m).
      delta: per layer, dg/du^k_t, each (n, L, m), or (n, L_out, L, m) for the per-step
        outputs g_1..g_L.
      gM0: per layer, dg/dM0_k, each (n, m) or (n, L_out, m).
      X: the inputs, shape (n, L, d).
      out: the hidden vector the readout weighs: h^D_L (n, m), sum_t a_t h^D_t (n, m) for
        readout "mean", or h^D_1..h^D_L (n, L, m) for the per-step outputs.
    """

    h: tuple
    delta: tuple
    gM0: tuple
    X: jax.Array
    out: jax.Array


def features(
    params: Params, x: Float[Array, "n L d"], cfg: RNNConfig, steps: bool, act: Mask = None
) -> Features:
    """One forward scan per layer and one VJP (L VJPs with ``steps``) for a block of samples.

    The VJP is taken with respect to additive perturbations e^k_t of every u^k_t and of
    every M0_k (one per sample, all zero): d(sum_i g(x_i))/de_{i,t} = delta_t(x_i) because
    sample i's output depends only on its own perturbations. With the ragged mask ``act``
    (n, L) of right-aligned x, h is held at h_0 before a sample starts, so delta_t = 0 on
    those steps and dg/dh_0 = W^T delta at the sample's first step.

    Args:
      params: one direction of the network (cast to the compute dtype).
      x: that direction's sequences (right-aligned when ragged), shape (n, L, d).
      cfg: the network's config.
      steps: the states of every per-step output g_l instead of g_L alone.
      act: the (n, L) mask of right-aligned ragged input, or None.
    Returns:
      The ``Features`` of the block.
    """
    n, L, _ = x.shape
    m = params["W"].shape[0]
    dt = params["W"].dtype
    phi = activation_fn(cfg.activation)
    D = cfg.depth
    e = tuple(jnp.zeros((L, n, m), dt) for _ in range(D))
    eM0 = tuple(jnp.zeros((n, m), dt) for _ in range(D))
    a = None if steps or cfg.readout == "last" else readout_weights(act, n, L, dt)
    B = params["B"]

    def out(eM0, e):
        h0s = initial_states(params, cfg, n, phi, eM0)
        hss = layer_states(params, x, cfg, h0s, phi, e, act)
        G = hss[-1] @ B  # (L, n)
        if steps:
            g = jnp.sum(G, axis=1)
        elif a is None:
            g = jnp.sum(G[-1])
        else:
            g = jnp.sum(G.T * a)
        return g, (h0s, hss)

    g, pullback, (h0s, hss) = jax.vjp(out, eM0, e, has_aux=True)
    if steps:
        gM0, de = jax.vmap(pullback)(jnp.eye(L, dtype=g.dtype))  # (Lo, n, m), (Lo, L, n, m)
        delta = tuple(jnp.transpose(d, (2, 0, 1, 3)) for d in de)
        gM0 = tuple(jnp.swapaxes(d, 0, 1) for d in gM0)
    else:
        gM0, de = pullback(jnp.ones((), g.dtype))
        delta = tuple(jnp.swapaxes(d, 0, 1) for d in de)
    h = tuple(
        jnp.concatenate([h0[:, None], jnp.swapaxes(hs, 0, 1)], axis=1)
        for h0, hs in zip(h0s, hss, strict=True)
    )
    if steps:
        top = h[-1][:, 1:]
    elif a is None:
        top = h[-1][:, -1]
    else:
        top = jnp.einsum("nl,nlm->nm", a, h[-1][:, 1:])
    return Features(h=h, delta=delta, gM0=tuple(gM0), X=x, out=top)


features_jit = jax.jit(features, static_argnums=(2, 3))


def sample_features(
    params: tuple[Params, ...],
    x: Float[Array, "n L d"],
    cfg: RNNConfig,
    steps: bool,
    tile: int,
    act: Mask = None,
) -> tuple[Features, ...]:
    """``features`` of all n samples per direction, computed in blocks of ``tile`` samples.

    The last block is zero-padded (a zero input with an all-False mask holds h at h_0),
    so every block has one compiled shape; the padding is sliced off.

    Args:
      params: the parameters of each direction (``_deep.split_directions``).
      x, cfg, steps, act: see ``features``; x in forward time (the reversed direction's
        inputs are made here).
      tile: samples per block (>= 1).
    Returns:
      The ``Features`` of every sample, leaves (n, ...), one per direction.
    """
    return tuple(
        _blocked(p, xd, cfg, steps, tile, act)
        for p, xd in zip(params, direction_inputs(x, cfg, act), strict=True)
    )


def _blocked(params, x, cfg, steps, tile, act):
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


def tile_weights(cfg: RNNConfig, weights: dict[str, float], dt) -> tuple[dict, tuple]:
    """Per-key weights (``_keys.network_weights``) as ``ntk_tile``'s ``(w, has_S)``.

    Returns:
      ``w``: arrays "W", "A", "b", "M0" (one entry per layer; both directions carry the
      same weight) and "B"; ``has_S``: per layer, whether any of its W, A, b is trained.
    """
    w = {base: [0.0] * cfg.depth for base in ("W", "A", "b", "M0")}
    for key in param_keys(cfg):
        base, k = key_block(key)
        if base != "B":
            w[base][k - 1] = weights[key]
    out = {base: jnp.asarray(v, dt) for base, v in w.items()}
    out["B"] = jnp.asarray(weights["B"], dt)
    return out, tuple(bool(w["W"][k] or w["A"][k] or w["b"][k]) for k in range(cfg.depth))


def _pair(steps: bool, a: jax.Array, b: jax.Array) -> jax.Array:
    """<a_i, b_j> per pair (and per output step with ``steps``)."""
    return jnp.einsum("iqm,jqm->qij", a, b) if steps else a @ b.T


def ntk_tile(w: dict, steps: bool, has_S: tuple, f1: tuple, f2: tuple):
    """Summed NTK blocks of a row block and a column block (paper eq. 23; module doc).

    Args:
      w: the weights of the blocks, arrays "W", "A", "b", "M0" (one per layer) and "B"
        (see ``rnn_ntk.finite._keys.network_weights``), so one compiled function serves
        every choice of blocks.
      steps: the features are those of the per-step outputs.
      has_S: per layer, any of its W, A, b is trained (else its two (n L) x (n L) Grams
        are skipped).
      f1: features of the rows, one ``Features`` per direction, leaves (T1, ...).
      f2: features of the columns, leaves (T2, ...).
    Returns:
      The kernel tile, shape (T1, T2), or (L, T1, T2) with ``steps``.
    """
    out = 0.0
    for a, b in zip(f1, f2, strict=True):
        out = out + w["B"] * _pair(steps, a.out, b.out)
        for k, trained in enumerate(has_S):
            out = out + w["M0"][k] * _pair(steps, a.gM0[k], b.gM0[k])
            if not trained:
                continue
            # S[i,l,j,l'] weighs <delta_l(x_i), delta_l'(x_j)>: W, A and b blocks together.
            S = w["W"][k] * jnp.einsum("ilm,jkm->iljk", a.h[k][:, :-1], b.h[k][:, :-1])
            za, zb = (a.X, b.X) if k == 0 else (a.h[k - 1][:, 1:], b.h[k - 1][:, 1:])
            S = S + w["A"][k] * jnp.einsum("ild,jkd->iljk", za, zb) + w["b"][k]
            if steps:
                Gd = jnp.einsum("iqlm,jqkm->qiljk", a.delta[k], b.delta[k])
                out = out + jnp.einsum("qiljk,iljk->qij", Gd, S)
            else:
                Gd = jnp.einsum("ilm,jkm->iljk", a.delta[k], b.delta[k])
                out = out + jnp.einsum("iljk,iljk->ij", Gd, S)
    return out


ntk_tile_jit = jax.jit(ntk_tile, static_argnums=(1, 2))


def diagnostics_tile(f1: tuple, f2: tuple) -> EmpiricalKernels:
    """K_m^l, F_m^l and the same-step / cross-step parts of Theta_W of a tile (SPEC §5).

    The paper's network only (one direction, one layer).

    Args:
      f1: features of the rows (``steps=False``), leaves (T1, ...).
      f2: features of the columns, leaves (T2, ...).
    Returns:
      ``EmpiricalKernels`` with leaves (L+1 | L | -, T1, T2).
    """
    (a,), (b,) = f1, f2
    K = jnp.einsum("ilm,jlm->lij", a.h[0], b.h[0])
    Gd = jnp.einsum("ilm,jkm->iljk", a.delta[0], b.delta[0])
    Gh = jnp.einsum("ilm,jkm->iljk", a.h[0][:, :-1], b.h[0][:, :-1])
    P = Gd * Gh
    H = jnp.sum(P, axis=(1, 3))
    H_diag = jnp.einsum("iljl->ij", P)
    L = Gd.shape[1]
    off = (1.0 - jnp.eye(L, dtype=P.dtype))[None, :, None, :]
    H_cross = jnp.sum(P * off, axis=(1, 3))
    F = jnp.einsum("iljl->lij", Gd)
    return EmpiricalKernels(K=K, F=F, H=H, H_diag=H_diag, H_cross=H_cross)


diagnostics_tile_jit = jax.jit(diagnostics_tile)


def auto_tile_size(
    n: int, L: int, m: int, steps: bool, itemsize: int, layers: int = 1
) -> int:
    """Samples per tile edge when ``tile_size=None``.

    A tile's states (~(3L+2) m values per sample and layer of each direction, L times that
    with ``steps``) and its (L x L)-blocked Grams (~3 T^2 L^2 values, times L with
    ``steps``) each stay within ``TILE_BYTES`` (256 MiB).
    """
    lo = L if steps else 1
    by_states = TILE_BYTES // max((3 * L + 2) * m * itemsize * lo * layers, 1)
    by_grams = int((TILE_BYTES / (3 * L * L * lo * itemsize)) ** 0.5)
    return int(max(1, min(n, by_states, by_grams)))
