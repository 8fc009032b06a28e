r"""``stax_rnn``: the RNN of SPEC §7 as a neural-tangents ``stax`` layer.

The layer maps sequences (n, L, d) to ``out_dim`` readouts (n, out_dim), so that

    nt.stax.serial(stax_rnn(cfg), nt.stax.Dense(512), nt.stax.Relu(), nt.stax.Dense(1))

is a network whose ``kernel_fn``, ``nt.predict`` and ``nt.monte_carlo_kernel_fn`` work as
for any nt network. Its ``kernel_fn`` maps nt's input ``Kernel`` (nngp = <X_t, X'_s>/d,
cov1 = |X_t|^2/d) to the ``Kernel`` of the readouts, which in the infinite-width limit are
i.i.d. Gaussian across the out_dim channels with

    nngp = sB2 * rnn_ntk.nngp(x1, x2, cfg=cfg)
    ntk  = rnn_ntk.ntk(x1, x2, cfg=cfg, blocks=<every block>, parameterization="ntk")

(every block: W, A, b, B, and M0 for h0="random", summed over layers and directions),
computed from the Gram matrices in ``_stax_gram`` and cov1 / cov2 their diagonals (or
the full per-batch covariances when nt asks for ``diagonal_batch=False``). Its
``init_fn`` / ``apply_fn`` are the finite network of ``_stax_network`` (NTK
parameterisation, the convention of nt's ``Dense``).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from rnn_ntk._config import RNNConfig
from rnn_ntk._validate import check_int
from rnn_ntk.interop._bridge import neural_tangents
from rnn_ntk.interop._stax_gram import pair_kernels
from rnn_ntk.interop._stax_network import apply_network, init_network

__all__ = ["stax_rnn"]

_RAGGED = (
    "stax_rnn takes sequences of one length L (no masking); for sequences of different "
    "lengths use rnn_ntk.ntk / rnn_ntk.nngp with rnn_ntk.Sequences(x, lengths)."
)


def _per_sample(cov, diagonal_batch: bool, diagonal_spatial: bool):
    """|X_t|^2 / d per sample, shape (n, L), from nt's cov1 / cov2 in any layout."""
    if not diagonal_batch:  # (n, n, L[, L]) -> (n, L[, L])
        cov = jnp.moveaxis(jnp.diagonal(cov, axis1=0, axis2=1), -1, 0)
    if not diagonal_spatial:  # (n, L, L) -> (n, L)
        cov = jnp.diagonal(cov, axis1=1, axis2=2)
    return cov


def _same(x1_is_x2, n: int, L: int, mean: bool):
    """True where an (n, n) Gram pairs a sample's step with itself (i = j, t = s), if
    ``x1_is_x2``; shape (n, n, L) ("last") or (n, n, L, L) ("mean")."""
    eye = jnp.eye(n, dtype=bool)
    same = eye[:, :, None, None] & jnp.eye(L, dtype=bool) if mean else eye[:, :, None]
    return same & jnp.asarray(x1_is_x2, bool)


def _spatial_cross(g, diagonal_spatial: bool, mean: bool):
    """The cross Gram the readout needs: (..., L) for "last", (..., L, L) for "mean"."""
    if mean or diagonal_spatial:
        return g
    return jnp.diagonal(g, axis1=-2, axis2=-1)


def _gram(off1: int, off2: int, cross, same):
    """All pairs (i, j) of an (n1, n2, ...) cross Gram, flattened: (ri, ci, cross, same)."""
    n1, n2 = cross.shape[:2]
    ri = off1 + jnp.repeat(jnp.arange(n1), n2)
    ci = off2 + jnp.tile(jnp.arange(n2), n1)
    same = jnp.broadcast_to(same, cross.shape)
    flat = (n1 * n2,) + cross.shape[2:]
    return ri, ci, cross.reshape(flat), same.reshape(flat)


def _cov_pairs(mean: bool, db: bool, ds: bool, off: int, cov, norms2, d: int):
    """The pairs of a cov1 / cov2: (i, i) per sample (diagonal_batch) or all (i, j)."""
    n, L = norms2.shape
    if not db:
        return _gram(off, off, d * _spatial_cross(cov, ds, mean), _same(True, n, L, mean))
    idx = off + jnp.arange(n)
    if mean:
        return idx, idx, d * cov, jnp.broadcast_to(jnp.eye(L, dtype=bool), (n, L, L))
    return idx, idx, norms2, jnp.ones((n, L), bool)


@functools.partial(jax.jit, static_argnums=(0, 1, 2, 3))
def _readout_kernels(cfg: RNNConfig, d: int, db: bool, ds: bool, cov1, cov2, nngp, x1_is_x2):
    """(nngp, ntk, cov1, cov2) of the readouts from nt's input Kernel arrays: every pair
    they need (the Gram, and cov1 / cov2's) in one batch of ``pair_kernels``.

    ``d``: input features; ``db``, ``ds``: the Kernel's diagonal_batch / diagonal_spatial.
    """
    mean = cfg.readout == "mean"
    norms1 = d * _per_sample(cov1, db, ds)
    n1, L = norms1.shape
    n2 = nngp.shape[1]
    same = _same(x1_is_x2, n1, L, mean) if n1 == n2 else jnp.zeros((), bool)
    off2 = 0 if cov2 is None else n1
    parts = [_gram(0, off2, d * _spatial_cross(nngp, ds, mean), same)]
    parts.append(_cov_pairs(mean, db, ds, 0, cov1, norms1, d))
    norms = norms1
    if cov2 is not None:
        norms2 = d * _per_sample(cov2, db, ds)
        parts.append(_cov_pairs(mean, db, ds, n1, cov2, norms2, d))
        norms = jnp.concatenate([norms1, norms2])
    ri, ci, cross, same = (jnp.concatenate(a) for a in zip(*parts, strict=True))
    core, ntk = pair_kernels(cfg, norms, ri, ci, cross, same)
    core = cfg.sB2 * core
    sizes = [p[0].shape[0] for p in parts]
    cuts = [sum(sizes[:i]) for i in range(1, len(sizes))]
    outs = jnp.split(core, cuts)
    cov_shape = (lambda n: (n,)) if db else (lambda n: (n, n))
    out1 = outs[1].reshape(cov_shape(n1))
    out2 = None if cov2 is None else outs[2].reshape(cov_shape(n2))
    return outs[0].reshape(n1, n2), jnp.split(ntk, cuts)[0].reshape(n1, n2), out1, out2


def _check_kernel(cfg: RNNConfig, k) -> None:
    if k.mask1 is not None or k.mask2 is not None:
        raise ValueError(_RAGGED)
    if len(k.shape1) != 3:
        raise ValueError(
            f"stax_rnn takes sequences of shape (n, L, d) (batch, time, features), got "
            f"inputs of shape {tuple(k.shape1)}."
        )
    if k.ntk is not None and jnp.ndim(k.ntk) != 0:
        raise ValueError(
            "stax_rnn must be the first layer of the network: its kernel_fn needs the "
            "inputs' Gram matrices (nt's input Kernel), not the kernel of earlier layers."
        )
    if cfg.readout == "mean" and k.diagonal_spatial:
        raise ValueError(
            "readout='mean' needs the full (t, s) input covariance; call kernel_fn with "
            "diagonal_spatial=False (nt's default for this layer)."
        )


def stax_rnn(cfg: RNNConfig = RNNConfig(), out_dim: int = 1, *, width: int = 512):
    """An RNN layer for ``nt.stax`` (module doc): ``(init_fn, apply_fn, kernel_fn)``.

    The network is SPEC §7's (``cfg``: depth, activation, readout "last"/"mean",
    bidirectional, h0, bias) with ``out_dim`` independent readouts, in the NTK
    parameterisation (every weight N(0, 1) times its scale). Use it as the first layer:
    its inputs are the raw sequences. The input term is sa2 <X_t, X'_t> as in SPEC §7
    (not nt's <X_t, X'_t> / d), so ``kernel_fn`` of the layer alone equals the analytic
    ``rnn_ntk.ntk`` / ``sB2 * rnn_ntk.nngp`` on the same sequences; for nt's 1/d input
    scaling divide sa2 by d.

    Supported: sequences of one length L (sa2="paper" resolves with that L), every
    RNNConfig, ``diagonal_batch`` True or False, readout "last" with nt's diagonal
    spatial input (its default; full spatial input also works), readout "mean" with the
    full (t, s) input covariance. Not supported (ValueError): masks / ragged sequences
    (``mask_constant``), and any position but the first (a layer before it would need
    the RNN's input-gradient kernel per (t, s), not provided).

    Args:
      cfg: the network.
      out_dim: the number of readouts (output channels); ``kernel_fn`` does not depend
        on it (each readout is one of i.i.d. infinite-width channels).
      width: the hidden width m of the finite network of ``init_fn`` / ``apply_fn``
        (``kernel_fn`` is its m -> inf limit).
    Returns:
      ``(init_fn, apply_fn, kernel_fn)`` as from an ``nt.stax`` layer:
      ``init_fn(key, (n, L, d)) -> ((n, out_dim), params)``,
      ``apply_fn(params, x) -> (n, out_dim)``, and ``kernel_fn(x1, x2=None, get=None)``
      returning nt's ``Kernel`` (or the arrays named in ``get``).
    """
    if not isinstance(cfg, RNNConfig):
        raise TypeError(f"cfg must be an rnn_ntk.RNNConfig, got {type(cfg).__name__}.")
    out_dim = check_int("out_dim", out_dim, low=1)
    width = check_int("width", width, low=1)
    nt = neural_tangents()
    stax = nt.stax
    mean = cfg.readout == "mean"
    spatial = stax.Diagonal(input=stax.Bool.NO if mean else stax.Bool.YES, output=stax.Bool.YES)

    def rnn_layer():
        def init_fn(rng, input_shape):
            if len(input_shape) != 3:
                raise ValueError(
                    f"stax_rnn takes inputs of shape (n, L, d), got {tuple(input_shape)}."
                )
            params = init_network(rng, cfg, int(input_shape[-1]), width, out_dim)
            return (input_shape[0], out_dim), params

        def apply_fn(params, inputs, **kwargs):
            if kwargs.get("mask_constant") is not None:
                raise ValueError(_RAGGED)
            if jnp.ndim(inputs) != 3:
                raise ValueError(
                    f"stax_rnn takes inputs of shape (n, L, d), got {jnp.shape(inputs)}."
                )
            return apply_network(params, inputs, cfg)

        @stax.requires(batch_axis=0, channel_axis=-1, diagonal_spatial=spatial)
        def kernel_fn(k, **kwargs):
            _check_kernel(cfg, k)
            n1, _, d = k.shape1
            nngp, ntk, cov1, cov2 = _readout_kernels(
                cfg,
                d,
                k.diagonal_batch,
                k.diagonal_spatial,
                k.cov1,
                k.cov2,
                k.nngp,
                k.x1_is_x2,
            )
            return k.replace(
                nngp=nngp,
                ntk=None if k.ntk is None else ntk,
                cov1=cov1,
                cov2=cov2,
                is_gaussian=True,
                is_reversed=False,
                is_input=False,
                diagonal_spatial=False,
                shape1=(n1, out_dim),
                shape2=(k.shape2[0], out_dim),
                batch_axis=0,
                channel_axis=1,
            )

        return init_fn, apply_fn, kernel_fn

    rnn_layer.__name__ = "stax_rnn"
    return stax.layer(rnn_layer)()
