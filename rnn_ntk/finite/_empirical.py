r"""The empirical (finite-width) NTK of the RNN and its per-step diagnostics (SPEC §2, §5).

``method="structured"`` evaluates paper eqs. 21-23 (see ``_features``): one forward scan
and one VJP per tile of samples give h_0..h_L and delta_1..delta_L, and the one tiler
(``rnn_ntk._tiling.tiled_gram``) contracts row blocks with column blocks into the Gram.
Memory O(n L m + T^2 L^2) for tiles of T samples. ``method="autodiff"`` differentiates the
network with ``jax.jacrev`` (a reference for small m) and ``method="neural_tangents"``
calls ``nt.empirical_ntk_fn`` through ``rnn_ntk.interop``.

As m -> inf, <h_l, h'_l> -> K^l (Theorem 5, eq. 25), <delta_l, delta'_l> -> F^l
(Theorem 6, eq. 27), the cross-step terms l != l' of Theta_W vanish and
Theta_W -> H^inf = sum_l F^l K^{l-1}; ``empirical_kernels`` returns these pieces.

Sequences of different lengths (SPEC §6, ``Sequences(x, lengths)``): the samples are
right-aligned in one scan, h is held at h_0 before a sample starts and delta_l = 0 there,
so the sums run over each sample's own steps (all step pairs (l, l') of x and x'),
exactly as for the sequences run one at a time. Per-step arrays (``steps=True``,
``empirical_kernels``) are indexed by the aligned step, counted from the end as in
``rnn_ntk.ntk``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
from jax.typing import DTypeLike
from jaxtyping import Array, Float

from rnn_ntk._config import RNNConfig
from rnn_ntk._sequences import as_pair, full_lengths, padded_length, right_align
from rnn_ntk._tiling import tiled_gram
from rnn_ntk._validate import check_choice, check_finite_result, check_int
from rnn_ntk.finite._autodiff import autodiff_ntk
from rnn_ntk.finite._deep import split_directions
from rnn_ntk.finite._features import (
    EmpiricalKernels,
    auto_tile_size,
    diagnostics_tile_jit,
    ntk_tile_jit,
    sample_features,
    tile_weights,
)
from rnn_ntk.finite._keys import (
    block_keys,
    check_parameterization,
    network_weights,
    param_keys,
)
from rnn_ntk.finite._network import Mask, Seqs, check_steps
from rnn_ntk.finite._params import (
    Params,
    cast_params,
    check_cfg,
    check_params,
    refuse_matrix_free,
)

__all__ = ["METHODS", "empirical_kernels", "empirical_ntk"]

#: Accepted values of ``empirical_ntk(method=...)``.
METHODS: tuple[str, ...] = ("structured", "autodiff", "neural_tangents")

class _Inputs(NamedTuple):
    """Validated inputs: cast params, x1 and x2 (aligned when ragged) and their masks."""

    p: Params
    a: Float[Array, "n1 L d"]
    b: Float[Array, "n2 L d"] | None
    act1: Mask
    act2: Mask

    @property
    def ragged(self) -> bool:
        return self.act1 is not None


def _validated(params, x1, x2, cfg, dtype) -> _Inputs:
    """Validates (params, x1, x2, cfg); right-aligns both in the longer L when ragged.

    A sample without lengths counts as full length; act2 is None when x2 is.
    """
    check_cfg(cfg)
    p, dt = cast_params(params, dtype, cfg)
    a, b, dt = as_pair(x1, x2, dt)
    check_params(params, a.x, x_name="x1", check_finite=False, cfg=cfg)
    if b is not None:
        check_params(params, b.x, x_name="x2", check_finite=False, cfg=cfg)
    if not (a.ragged or (b is not None and b.ragged)):
        return _Inputs(p, a.x, None if b is None else b.x, None, None)
    L = padded_length(a, b)
    xa, act1 = right_align(a.x, full_lengths(a), L)
    if b is None:
        return _Inputs(p, xa, None, act1, None)
    xb, act2 = right_align(b.x, full_lengths(b), L)
    return _Inputs(p, xa, xb, act1, act2)


def _tile(tile_size: object, v: _Inputs, cfg: RNNConfig, steps: bool) -> int:
    if tile_size is not None:
        return check_int("tile_size", tile_size, low=1)
    n, L, _ = v.a.shape
    layers = cfg.depth * (2 if cfg.bidirectional else 1)
    return auto_tile_size(n, L, v.p["W"].shape[0], steps, v.a.dtype.itemsize, layers)


def _gram(tile_fn, v: _Inputs, cfg, steps, tile, lead_shapes, args=()):
    """``tile_fn(*args, rows, cols)`` over the sample features of x1 (x2), tile by tile."""
    dirs = split_directions(v.p, cfg)
    f1 = sample_features(dirs, v.a, cfg, steps, tile, v.act1)
    f2 = None if v.b is None else sample_features(dirs, v.b, cfg, steps, tile, v.act2)
    return tiled_gram(tile_fn, f1, f2, tile_size=tile, lead_shapes=lead_shapes, args=args)


def empirical_ntk(
    params: Params,
    x1: Seqs,
    x2: Seqs | None = None,
    *,
    cfg: RNNConfig = RNNConfig(),
    blocks: Sequence[str] = ("W",),
    method: Literal["structured", "autodiff", "neural_tangents"] = "structured",
    parameterization: Literal["standard", "ntk"] = "standard",
    steps: bool = False,
    tile_size: int | None = None,
    dtype: DTypeLike | None = None,
) -> Float[Array, "n1 n2"] | Float[Array, "L n1 n2"]:
    """The empirical NTK of a finite-width RNN, summed over the trained ``blocks``.

    Theta(x, x') = sum_P <dg(x)/dP, dg(x')/dP> (SPEC §2; paper eqs. 21-23 for the W
    block), whose m -> inf limit is ``rnn_ntk.ntk(x1, x2, cfg=cfg, blocks=...)``
    (Theorems 5-6). In the NTK parameterisation each block is multiplied by its sigma^2,
    which is the gradient inner product of sqrt(m) g with respect to N(0, 1) weights.
    Every architecture of SPEC §7 (depth, activation, readout, bidirectional) works with
    every method; a bidirectional network's kernel sums both directions' blocks.

    Args:
      params: the network, as returned by ``rnn_ntk.init_params``; with
        ``matrix_free=True`` the forward and backward passes regenerate W tile by tile
        (memory O(n L m), never m^2).
      x1: sequences, shape (n1, L, d), or ``Sequences(x, lengths)`` for sequences of
        different lengths (SPEC §6): sample i is x[i, :lengths[i]] (the padding, NaN or
        anything, is ignored) and g(x_i) = B^T h_{lengths[i]}(x_i). Theta then sums over
        each sample's own steps, so its m -> inf limit is ``rnn_ntk.ntk`` of the same
        Sequences (pairs aligned at their last step); x1 and x2 may have different padded
        lengths, L is the longer one (it also resolves sa2="paper").
      x2: the same for the columns, or ``None`` for x1 against itself (the symmetric
        Gram: each pair of tiles is computed once).
      cfg: the network's config.
      tile_size: samples per tile edge: the forward/backward states are computed for
        tile_size samples at a time and the Gram in tile_size x tile_size tiles; default
        sized to keep either within about 256 MiB.
      dtype: compute dtype; default the parameters' dtype.
      blocks: trained parameter blocks: any of "W", "A", "b", "M0" (every layer's, both
        directions), "B", or one layer's "W_k", "A_k", "b_k", "M0_k" (k = 1..depth; see
        ``rnn_ntk.finite._keys`` for the parameter keys they consist of).
      method: "structured" (forward states and backward deltas, two Gram contractions;
        the fast path; the only one for matrix-free parameters), "autodiff"
        (``jax.jacrev`` Jacobians; a reference for small m) or
        "neural_tangents" (``nt.empirical_ntk_fn`` via ``rnn_ntk.interop``, equal-length
        sequences only; nt's default implementation).
      parameterization: "standard" (the paper's) or "ntk". Activations other than ReLU
        take "ntk" only (their O(1)-pre-activation network, SPEC §7, has no standard
        limit).
      steps: if True, the kernels of the per-step outputs g_l = B^T h_l, l = 1..L
        (output read at step l, paper Remark 3.2), shape (L, n1, n2); readout "last"
        without bidirectional only.
    Returns:
      The kernel, shape (n1, n2), or (L, n1, n2) with ``steps=True``; n1 = 0 or n2 = 0
      gives the empty Gram of that shape with every method. For ragged input
      step l counts from the end (as in ``rnn_ntk.ntk``): entry [l, i, j] is the kernel
      of the outputs read L - l steps before each sequence's last step; a sequence that
      has not started by then outputs B^T h_0 (h held at h_0), so only entries where both
      have started are kernels of genuine per-step outputs.
    Raises:
      TypeError, ValueError: an argument of the wrong type or value (the message names
        it).
      FloatingPointError: the kernel overflows the compute dtype (outside ``jax.jit``).
    """
    method = check_choice("method", method, METHODS)
    steps = check_steps(check_cfg(cfg), steps)
    tile_size = None if tile_size is None else check_int("tile_size", tile_size, low=1)
    v = _validated(params, x1, x2, cfg, dtype)
    if method == "neural_tangents" and v.ragged:
        raise NotImplementedError(
            "method='neural_tangents' does not take Sequences with lengths (sequences of "
            "different lengths); use method='structured' or method='autodiff'."
        )
    L, dt = v.a.shape[1], v.a.dtype
    keys = block_keys(cfg, L, blocks)  # validates blocks
    parameterization = check_parameterization(cfg, parameterization, "empirical_ntk")
    blocks = (blocks,) if isinstance(blocks, str) else tuple(blocks)
    n1, n2 = v.a.shape[0], (v.a if v.b is None else v.b).shape[0]
    if n1 == 0 or n2 == 0:  # every method: the empty Gram
        return jnp.zeros(((L,) if steps else ()) + (n1, n2), dt)
    out = _ntk(v, cfg, blocks, keys, method, parameterization, steps, tile_size)
    check_finite_result("empirical_ntk", out)
    return out


def _ntk(v: _Inputs, cfg, blocks, keys, method, parameterization, steps, tile_size):
    """The empirical NTK of validated inputs by ``method`` (see ``empirical_ntk``)."""
    L, dt = v.a.shape[1], v.a.dtype
    if method != "structured":
        refuse_matrix_free(v.p, f"empirical_ntk(method={method!r})")
    if method == "autodiff":
        trained = {k: jnp.asarray(float(k in keys), dt) for k in param_keys(cfg)}
        return autodiff_ntk(v.p, v.a, v.b, cfg, parameterization, steps, trained, v.act1, v.act2)
    if method == "neural_tangents":
        from rnn_ntk import interop  # lazily: the core never imports neural-tangents

        return interop.empirical_ntk_nt(
            v.p, v.a, v.b, cfg=cfg, blocks=blocks, parameterization=parameterization,
            steps=steps,
        )  # fmt: skip
    tile = _tile(tile_size, v, cfg, steps)
    lead = jax.ShapeDtypeStruct((L,) if steps else (), dt)
    m = v.p["W"].shape[0]
    w, has_S = tile_weights(cfg, network_weights(cfg, L, m, blocks, parameterization), dt)
    return _gram(ntk_tile_jit, v, cfg, steps, tile, lead, (w, steps, has_S))


def empirical_kernels(
    params: Params, x1: Seqs, x2: Seqs | None = None, *, cfg: RNNConfig = RNNConfig(),
    tile_size: int | None = None, dtype: DTypeLike | None = None,
) -> EmpiricalKernels:
    """Empirical K^l, F^l and the same-step / cross-step parts of Theta_W (SPEC §5).

    K^l_m = <h_l(x), h_l(x')> (l = 0..L) and F^l_m = <delta_l(x), delta_l(x')> converge to
    the analytic K^l (Theorem 5, eq. 25) and F^l (Theorem 6, eq. 27); Theta_W splits into
    H_diag = sum_l F^l_m K^{l-1}_m (-> H^inf) and the cross-step part
    H_cross = sum_{l != l'} <delta_l, delta'_l'> <h_{l-1}, h'_{l'-1}> (-> 0).

    For ragged input the per-step arrays are indexed by the aligned step (counted from the
    end); before a sample starts its h_l is h_0 and its delta_l is 0, so "same step" in
    H_diag means the same aligned step, the pairing of the analytic ``rnn_ntk.kernels``.

    The paper's architecture only (``cfg.is_paper_architecture``: depth 1, ReLU, readout
    "last", one direction); for the others use ``empirical_ntk``.

    Args:
      params, x1, x2, cfg, tile_size, dtype: as for ``empirical_ntk``.
    Returns:
      An ``EmpiricalKernels`` tuple: K (L+1, n1, n2), F (L, n1, n2), H, H_diag, H_cross
      (n1, n2); empty arrays of these shapes for n1 = 0 or n2 = 0.
    Raises:
      ValueError: ``cfg`` is not the paper's architecture.
      FloatingPointError: a kernel overflows the compute dtype (outside ``jax.jit``).
    """
    if not check_cfg(cfg).is_paper_architecture:
        raise ValueError(
            "empirical_kernels (the per-step K^l, F^l of SPEC §5) is for the paper's "
            f"architecture (depth 1, relu, readout 'last', one direction); this cfg has "
            f"depth={cfg.depth}, activation={cfg.activation!r}, readout={cfg.readout!r}, "
            f"bidirectional={cfg.bidirectional}. Use rnn_ntk.empirical_ntk for its NTK."
        )
    v = _validated(params, x1, x2, cfg, dtype)
    L, dt = v.a.shape[1], v.a.dtype
    tile = _tile(tile_size, v, cfg, False)
    s = jax.ShapeDtypeStruct
    lead = EmpiricalKernels(K=s((L + 1,), dt), F=s((L,), dt), H=s((), dt), H_diag=s((), dt),
                            H_cross=s((), dt))  # fmt: skip
    out = _gram(diagnostics_tile_jit, v, cfg, False, tile, lead)
    check_finite_result("empirical_kernels", out)
    return out
