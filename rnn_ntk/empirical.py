r"""The empirical (finite-width) NTK of the RNN and its per-step diagnostics (SPEC §2, §5).

For a parameter block P the empirical NTK is the plain gradient inner product
Theta_P(x, x') = <dg(x)/dP, dg(x')/dP> (standard parameterisation). With
delta_l = dg/du_l (the backward states) the chain rule through u_l = W h_{l-1} + A X_l + b
gives dg/dW = sum_l delta_l h_{l-1}^T, hence (paper eqs. 21-23, with h_{l-1} where the
paper writes h_l and without its stray 1/m)

    Theta_W  = sum_{l,l'} <delta_l, delta'_l'> <h_{l-1}, h'_{l'-1}>
    Theta_A  = sum_{l,l'} <delta_l, delta'_l'> <X_l, X'_l'>
    Theta_b  = sum_{l,l'} <delta_l, delta'_l'>
    Theta_B  = <h_L, h'_L>
    Theta_M0 = <(W^T delta_1) * relu'(M0), (W^T delta'_1) * relu'(M0)>   (h0="random")

``method="structured"`` evaluates exactly this: one forward scan and one VJP per chunk of
samples give h_0..h_L and delta_1..delta_L, and the blocks are two Gram contractions of
(n L) x m matrices. Cost O(n L m^2 + n^2 L^2 m), memory O(n L m + n^2 L^2); the n x m^2
Jacobian is never formed. ``method="autodiff"`` differentiates the network with
``jax.jacrev`` (a reference for small m) and ``method="neural_tangents"`` calls
``nt.empirical_ntk_fn`` through ``rnn_ntk.interop``.

As m -> inf, <h_l, h'_l> -> K^l (Theorem 5, eq. 25), <delta_l, delta'_l> -> F^l
(Theorem 6, eq. 27), the cross-step terms l != l' of Theta_W vanish and
Theta_W -> H^inf = sum_l F^l K^{l-1}; ``empirical_kernels`` returns these pieces.

Sequences of different lengths (SPEC §6, ``lengths1``/``lengths2``): the samples are
right-aligned in one scan (``rnn_ntk.network``), h is held at h_0 before a sample starts
and delta_l = 0 there, so the sums above run over each sample's own steps (all step pairs
(l, l') of x and x'), exactly as for the sequences run one at a time. Per-step arrays
(``steps=True``, ``empirical_kernels``) are indexed by the aligned step, counted from the
end as in ``rnn_ntk.ntk(..., lengths1=...)``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int

from rnn_ntk._inputs import as_pair, check_lengths, is_traced, right_align
from rnn_ntk.config import BLOCKS, RNNConfig
from rnn_ntk.kernels import block_weights
from rnn_ntk.network import _h0, _scan, check_params, reparameterized

__all__ = ["empirical_ntk", "empirical_kernels", "EmpiricalKernels", "METHODS"]

#: Accepted values of ``empirical_ntk(method=...)``.
METHODS: tuple[str, ...] = ("structured", "autodiff", "neural_tangents")

#: Default memory budget (bytes) of the per-chunk forward/backward states.
_CHUNK_BYTES = 1 << 28


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


class _Feats(NamedTuple):
    """Per-sample forward/backward states of one chunk (sample-major).

    h: h_0..h_L (n, L+1, m). delta: dg/du_l, (n, L, m), or (n, L_out, L, m) for the
    per-step outputs g_1..g_L. gM0: dg/dM0 (n, m) or (n, L_out, m). X: inputs (n, L, d).
    """

    h: jax.Array
    delta: jax.Array
    gM0: jax.Array
    X: jax.Array


def _features_body(params, x, cfg: RNNConfig, steps: bool, act=None) -> _Feats:
    """One forward scan and one VJP (L VJPs with ``steps``) for a chunk of samples.

    The VJP is taken with respect to additive perturbations e_l of every u_l and of h_0
    (one per sample, all zero): d(sum_i g(x_i))/de_{i,l} = delta_l(x_i) because sample i's
    output depends only on its own perturbations. With the ragged mask ``act`` (n, L) of
    right-aligned x, h is held at h_0 before a sample starts, so delta_l = 0 on those
    steps and dg/dh_0 = W^T delta at the sample's first step.
    """
    n, L, _ = x.shape
    m = params["W"].shape[0]
    h0 = _h0(params, cfg, n)
    e = jnp.zeros((L, n, m), h0.dtype)
    B = params["B"]

    def out(h0, e):
        hs = _scan(params, x, h0, e, act)  # (L, n, m)
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
    return _Feats(h=h, delta=delta, gM0=gM0, X=x)


_features_jit = jax.jit(_features_body, static_argnums=(2, 3))


def _contract_body(f1: _Feats, f2: _Feats, w: jax.Array, steps: bool, has_S: bool):
    """Summed NTK blocks of two chunks from their states (paper eq. 23; see module doc).

    ``w`` holds the weights (W, A, b, B, M0) as an array, so one compiled function
    serves every choice of blocks; ``has_S`` (static) skips the two (n L) x (n L) Grams
    when none of W, A, b is trained.
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


_contract_jit = jax.jit(_contract_body, static_argnums=(3, 4))


def _diagnostics_body(f1: _Feats, f2: _Feats) -> EmpiricalKernels:
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


_diagnostics_jit = jax.jit(_diagnostics_body)


def _auto_chunk(n: int, L: int, m: int, steps: bool, itemsize: int) -> int:
    """Samples per chunk: the chunk's states (~(3L+2) m values per sample, L times that
    with ``steps``) and a tile's (L x L)-blocked Grams (~3 chunk^2 L^2, times L with
    ``steps``) each stay within ``_CHUNK_BYTES``."""
    lo = L if steps else 1
    by_states = _CHUNK_BYTES // max((3 * L + 2) * m * itemsize * lo, 1)
    by_grams = int((_CHUNK_BYTES / (3 * L * L * lo * itemsize)) ** 0.5)
    return int(max(1, min(n, by_states, by_grams)))


def _check_chunk(chunk_size) -> int | None:
    if chunk_size is None:
        return None
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)):
        raise TypeError(f"chunk_size must be a positive int or None, got {chunk_size!r}.")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int or None, got {chunk_size}.")
    return int(chunk_size)


def _feature_chunks(params, x, cfg, steps, chunk, act=None):
    """States of x in chunks of ``chunk`` samples (the last one zero-padded)."""
    n = x.shape[0]
    traced = is_traced(x, act, *params.values())
    fn = _features_body if traced else _features_jit
    parts = []
    for start in range(0, n, chunk):
        xc = x[start : start + chunk]
        ac = None if act is None else act[start : start + chunk]
        k = xc.shape[0]
        if k < chunk and not traced and n > chunk:  # keep one compiled shape
            xc = jnp.pad(xc, ((0, chunk - k), (0, 0), (0, 0)))
            ac = None if ac is None else jnp.pad(ac, ((0, chunk - k), (0, 0)))
        f = fn(params, xc, cfg, steps, ac)
        parts.append(jax.tree.map(lambda a, k=k: a[:k], f))
    return parts


def _gram_from_chunks(parts1, parts2, fn):
    """``fn`` over every (row chunk, column chunk); leaves end in (rows, columns)."""
    rows = []
    for r in parts1:
        cols = [fn(r, c) for c in parts2]
        rows.append(jax.tree.map(lambda *z: jnp.concatenate(z, axis=-1), *cols))
    return jax.tree.map(lambda *z: jnp.concatenate(z, axis=-2), *rows)


def _validated(params, x1, x2, cfg, dtype, lengths1=None, lengths2=None):
    """Validates the inputs; returns (params, x1, x2 or None, act1, act2).

    Without lengths the masks are None. With either of lengths1/lengths2 (SPEC §6) both
    inputs come back right-aligned in L = the longer padded length, with their (n, L)
    masks of started steps (a sample without lengths counts as full length); act2 is
    None when x2 is.
    """
    if not isinstance(cfg, RNNConfig):
        raise TypeError(f"cfg must be an RNNConfig, got {type(cfg).__name__}.")
    check_params(params)
    if dtype is None:
        dtype = jnp.result_type(*[params[k] for k in BLOCKS])
    ragged = lengths1 is not None or lengths2 is not None
    if ragged:
        if x2 is None and lengths2 is not None:
            raise ValueError("lengths2 was given without x2; pass lengths1 for x1 alone.")
        if lengths1 is not None:
            lengths1, x1 = check_lengths(lengths1, x1, "lengths1", "x1")
        if lengths2 is not None:
            lengths2, x2 = check_lengths(lengths2, x2, "lengths2", "x2")
    a, b, dt = as_pair(x1, x2, dtype, same_length=not ragged)
    check_params(params, a, x_name="x1", check_finite=False)
    if b is not None:
        check_params(params, b, x_name="x2", check_finite=False)
    p = {k: jnp.asarray(params[k], dt) for k in BLOCKS}
    if not ragged:
        return p, a, b, None, None
    L = max(a.shape[1], 0 if b is None else b.shape[1])
    if lengths1 is None:
        lengths1 = jnp.full((a.shape[0],), a.shape[1])
    a, act1 = right_align(a, lengths1, L)
    act2 = None
    if b is not None:
        if lengths2 is None:
            lengths2 = jnp.full((b.shape[0],), b.shape[1])
        b, act2 = right_align(b, lengths2, L)
    return p, a, b, act1, act2


def empirical_ntk(
    params: dict[str, Float[Array, "..."]],
    x1: Float[Array, "n1 L d"],
    x2: Float[Array, "n2 L d"] | None = None,
    cfg: RNNConfig = RNNConfig(),
    *,
    blocks: Sequence[str] = ("W",),
    method: Literal["structured", "autodiff", "neural_tangents"] = "structured",
    parameterization: Literal["standard", "ntk"] = "standard",
    steps: bool = False,
    chunk_size: int | None = None,
    dtype: object | None = None,
    lengths1: Int[Array, " n1"] | None = None,
    lengths2: Int[Array, " n2"] | None = None,
) -> Float[Array, "n1 n2"] | Float[Array, "L n1 n2"]:
    """The empirical NTK of a finite-width RNN, summed over the trained ``blocks``.

    Theta(x, x') = sum_P <dg(x)/dP, dg(x')/dP> (SPEC §2; paper eqs. 21-23 for the W
    block), whose m -> inf limit is ``rnn_ntk.ntk(x1, x2, cfg, blocks=...)`` (Theorems
    5-6). In the NTK parameterisation each block is multiplied by its sigma^2, which is
    the gradient inner product of sqrt(m) g with respect to N(0, 1) weights.

    Args:
      params: the network, as returned by ``rnn_ntk.init_params``.
      x1: sequences, shape (n1, L, d).
      x2: sequences, shape (n2, L, d), or ``None`` for x1 against itself.
      cfg: the network's config.
      blocks: trained parameter blocks, any subset of {"W", "A", "b", "B", "M0"}.
      method: "structured" (forward states and backward deltas, two Gram contractions;
        the fast path), "autodiff" (``jax.jacrev`` Jacobians; a reference for small m) or
        "neural_tangents" (``nt.empirical_ntk_fn`` via ``rnn_ntk.interop``; nt's default
        implementation).
      parameterization: "standard" (the paper's) or "ntk".
      steps: if True, the kernels of the per-step outputs g_l = B^T h_l, l = 1..L
        (output read at step l, paper Remark 3.2), shape (L, n1, n2).
      chunk_size: samples per chunk of the structured method (forward/backward states
        and Gram tiles); default sized to keep either within about 256 MiB.
      dtype: compute dtype; default the parameters' dtype.
      lengths1: sequences of different lengths (SPEC §6), "structured" and "autodiff"
        only ("neural_tangents" raises NotImplementedError): integers (n1,) in [1, L];
        sample i of x1 is x1[i, :lengths1[i]] (the padding, NaN or anything, is
        ignored) and g(x_i) = B^T h_{lengths1[i]}(x_i).
        Theta sums over each sample's own steps, so its m -> inf limit is
        ``rnn_ntk.ntk(x1, x2, cfg, lengths1=..., lengths2=...)`` (pairs aligned at their
        last step). With ragged input x1 and x2 may have different padded lengths; L is
        the longer one (it also resolves sa2="paper" in the NTK parameterisation).
      lengths2: the same for x2 (without it every sample of x2 has the full length).
    Returns:
      The kernel, shape (n1, n2), or (L, n1, n2) with ``steps=True``. For ragged input
      step l counts from the end (as in ``rnn_ntk.ntk``): entry [l, i, j] is the kernel
      of the outputs read L - l steps before each sequence's last step; a sequence that
      has not started by then outputs B^T h_0 (h held at h_0), so only entries where both
      have started are kernels of genuine per-step outputs.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    ragged = lengths1 is not None or lengths2 is not None
    if method == "neural_tangents" and ragged:
        raise NotImplementedError(
            "method='neural_tangents' does not take lengths1/lengths2 (sequences of "
            "different lengths); use method='structured' or method='autodiff'."
        )
    chunk_size = _check_chunk(chunk_size)
    p, a, b, act1, act2 = _validated(params, x1, x2, cfg, dtype, lengths1, lengths2)
    L = a.shape[1]
    if isinstance(blocks, str):
        blocks = (blocks,)
    blocks = tuple(blocks)
    w = block_weights(cfg, L, blocks, parameterization)  # validates blocks, parameterization
    steps = bool(steps)
    if method == "autodiff":
        trained = jnp.asarray([float(k in blocks) for k in BLOCKS], a.dtype)
        return _autodiff(p, a, b, cfg, parameterization, steps, trained, act1, act2)
    if method == "neural_tangents":
        from rnn_ntk import interop  # lazily: the core never imports neural-tangents

        return interop.empirical_ntk_nt(
            p, a, b, cfg, blocks=blocks, parameterization=parameterization, steps=steps
        )
    m = p["W"].shape[0]
    chunk = chunk_size or _auto_chunk(a.shape[0], L, m, steps, a.dtype.itemsize)
    traced = is_traced(a, b, *p.values())
    f1 = _feature_chunks(p, a, cfg, steps, chunk, act1)
    f2 = f1 if b is None else _feature_chunks(p, b, cfg, steps, chunk, act2)
    fn = functools.partial(
        _contract_body if traced else _contract_jit,
        w=jnp.asarray(w, a.dtype),
        steps=steps,
        has_S=any(w[:3]),
    )
    return _gram_from_chunks(f1, f2, fn)


@functools.partial(jax.jit, static_argnums=(3, 4, 5))
def _autodiff(p, a, b, cfg, parameterization, steps, trained, act1=None, act2=None):
    """Reference: full Jacobians by reverse mode, contracted over parameters.

    The Jacobians are taken with respect to all five blocks (in the requested
    parameterisation, so no block weights are applied) and each block's Gram is added
    with the 0/1 weight ``trained``: one compiled function for every choice of blocks.
    ``act1``/``act2`` are the masks of right-aligned ragged input, or None.
    """
    blocks = BLOCKS if cfg.h0 == "random" else tuple(k for k in BLOCKS if k != "M0")
    f, theta = reparameterized(p, cfg, blocks, parameterization, a.shape[1], steps=steps)
    lead = 2 if steps else 1

    def jac(x, act):
        J = jax.jacrev(f)(theta, x, act)  # leaves (n, [L,] *shape)
        return {k: J[k].reshape(J[k].shape[:lead] + (-1,)) for k in blocks}

    J1 = jac(a, act1)
    J2 = J1 if b is None else jac(b, act2)
    spec = "ilp,jlp->lij" if steps else "ip,jp->ij"
    return sum(trained[BLOCKS.index(k)] * jnp.einsum(spec, J1[k], J2[k]) for k in blocks)


def empirical_kernels(
    params: dict[str, Float[Array, "..."]],
    x1: Float[Array, "n1 L d"],
    x2: Float[Array, "n2 L d"] | None = None,
    cfg: RNNConfig = RNNConfig(),
    *,
    chunk_size: int | None = None,
    dtype: object | None = None,
    lengths1: Int[Array, " n1"] | None = None,
    lengths2: Int[Array, " n2"] | None = None,
) -> EmpiricalKernels:
    """Empirical K^l, F^l and the same-step / cross-step parts of Theta_W (SPEC §5).

    K^l_m = <h_l(x), h_l(x')> (l = 0..L) and F^l_m = <delta_l(x), delta_l(x')> converge to
    the analytic K^l (Theorem 5, eq. 25) and F^l (Theorem 6, eq. 27); Theta_W splits into
    H_diag = sum_l F^l_m K^{l-1}_m (-> H^inf) and the cross-step part
    H_cross = sum_{l != l'} <delta_l, delta'_l'> <h_{l-1}, h'_{l'-1}> (-> 0).

    Args:
      params: the network, as returned by ``rnn_ntk.init_params``.
      x1: sequences, shape (n1, L, d).
      x2: sequences, shape (n2, L, d), or ``None`` for x1 against itself.
      cfg: the network's config.
      chunk_size: see ``empirical_ntk``.
      dtype: compute dtype; default the parameters' dtype.
      lengths1, lengths2: sequences of different lengths, see ``empirical_ntk``. The
        per-step arrays are indexed by the aligned step (counted from the end); before a
        sample starts its h_l is h_0 and its delta_l is 0, so "same step" in H_diag means
        the same aligned step, the pairing of the analytic ``rnn_ntk.kernels``.
    Returns:
      An ``EmpiricalKernels`` tuple: K (L+1, n1, n2), F (L, n1, n2), H, H_diag, H_cross
      (n1, n2).
    """
    chunk_size = _check_chunk(chunk_size)
    p, a, b, act1, act2 = _validated(params, x1, x2, cfg, dtype, lengths1, lengths2)
    L, m = a.shape[1], p["W"].shape[0]
    chunk = chunk_size or _auto_chunk(a.shape[0], L, m, False, a.dtype.itemsize)
    traced = is_traced(a, b, *p.values())
    f1 = _feature_chunks(p, a, cfg, False, chunk, act1)
    f2 = f1 if b is None else _feature_chunks(p, b, cfg, False, chunk, act2)
    return _gram_from_chunks(f1, f2, _diagnostics_body if traced else _diagnostics_jit)
