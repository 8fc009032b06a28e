"""Bridge to neural-tangents (the only part of rnn_ntk that imports it).

``neural_tangents()`` returns the ``neural_tangents`` module, made to work on the jax this
package pins (see ``_nt_compat``): ``nt.empirical_ntk_fn`` with all three
``nt.NtkImplementation`` values, ``nt.predict``, ``nt.batch`` and
``nt.monte_carlo_kernel_fn``. Nothing is patched or imported until it is first called.

    from rnn_ntk import interop
    nt = interop.neural_tangents()
    predict = nt.predict.gradient_descent_mse(k_train_train, y_train)

``empirical_ntk_nt`` is the RNN's empirical NTK computed by neural-tangents (the
``method="neural_tangents"`` of ``rnn_ntk.empirical_ntk``).
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Literal

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from rnn_ntk.config import RNNConfig
from rnn_ntk.interop._nt_compat import load

__all__ = ["neural_tangents", "empirical_ntk_nt", "ntk_fn_nt", "IMPLEMENTATIONS"]

#: Names of ``nt.NtkImplementation`` accepted by ``empirical_ntk_nt``.
IMPLEMENTATIONS: tuple[str, ...] = (
    "jacobian_contraction",
    "ntk_vector_products",
    "structured_derivatives",
    "auto",
)


def neural_tangents() -> types.ModuleType:
    """The ``neural_tangents`` module, importable and working on this jax (idempotent).

    Returns:
      ``neural_tangents`` (``empirical_ntk_fn``, ``predict``, ``batch``,
      ``monte_carlo_kernel_fn``, ``stax``, ... as documented by neural-tangents 0.6.5).
    Raises:
      ImportError: neural-tangents is not installed.
    """
    return load()


def _implementation(nt: types.ModuleType, implementation: object):
    if isinstance(implementation, nt.NtkImplementation):
        return implementation
    if isinstance(implementation, str) and implementation.lower() in IMPLEMENTATIONS:
        return nt.NtkImplementation[implementation.upper()]
    raise ValueError(
        f"implementation must be one of {IMPLEMENTATIONS} or an nt.NtkImplementation, got "
        f"{implementation!r}."
    )


def empirical_ntk_nt(
    params: dict[str, Float[Array, "..."]],
    x1: Float[Array, "n1 L d"],
    x2: Float[Array, "n2 L d"] | None = None,
    cfg: RNNConfig = RNNConfig(),
    *,
    blocks: Sequence[str] = ("W",),
    parameterization: Literal["standard", "ntk"] = "standard",
    steps: bool = False,
    implementation: str | object = "jacobian_contraction",
    unroll: bool = True,
    vmap_axes: int | None = 0,
) -> Float[Array, "n1 n2"] | Float[Array, "L n1 n2"]:
    """The RNN's empirical NTK computed by ``nt.empirical_ntk_fn`` (SPEC §2 convention).

    The network is given to neural-tangents as a function of the trained ``blocks`` only
    (``rnn_ntk.network.reparameterized``), so the result equals
    ``rnn_ntk.empirical_ntk(..., method="structured")``. Inputs are validated by
    ``rnn_ntk.empirical_ntk``; call that with ``method="neural_tangents"`` for checked
    arguments.

    Args:
      params: the network, as returned by ``rnn_ntk.init_params``.
      x1: sequences, shape (n1, L, d).
      x2: sequences, shape (n2, L, d), or ``None``.
      cfg: the network's config.
      blocks: trained parameter blocks.
      parameterization: "standard" or "ntk".
      steps: per-step outputs g_1..g_L; the kernel of each step is nt's diagonal over the
        output axis.
      implementation: one of ``IMPLEMENTATIONS`` (nt.NtkImplementation, default nt's
        default JACOBIAN_CONTRACTION) or the enum itself.
      unroll: give nt the network with a Python loop over steps instead of ``lax.scan``
        (same function; exposes one matmul per step to nt's structured derivatives).
      vmap_axes: nt's ``vmap_axes`` (0: samples are independent, nt vmaps over them).
    Returns:
      The kernel, shape (n1, n2), or (L, n1, n2) with ``steps=True``.
    """
    fn, theta = ntk_fn_nt(
        params,
        cfg,
        x1.shape[1],
        blocks=blocks,
        parameterization=parameterization,
        steps=steps,
        implementation=implementation,
        unroll=unroll,
        vmap_axes=vmap_axes,
    )
    return fn(x1, x2, theta)


def ntk_fn_nt(
    params: dict[str, Float[Array, "..."]],
    cfg: RNNConfig,
    L: int,
    *,
    blocks: Sequence[str] = ("W",),
    parameterization: Literal["standard", "ntk"] = "standard",
    steps: bool = False,
    implementation: str | object = "jacobian_contraction",
    unroll: bool = True,
    vmap_axes: int | None = 0,
):
    """The jitted neural-tangents kernel function behind ``empirical_ntk_nt``.

    Build it once and call it many times (e.g. to time it without compilation).

    Args:
      params, cfg, blocks, parameterization, steps, implementation, unroll, vmap_axes:
        see ``empirical_ntk_nt``.
      L: sequence length of the inputs (resolves sa2="paper").
    Returns:
      ``(fn, theta)``: ``fn(x1, x2, theta)`` returns the kernel, (n1, n2) or (L, n1, n2);
      ``theta`` are the trained variables it differentiates.
    """
    nt = neural_tangents()
    impl = _implementation(nt, implementation)
    blocks = (blocks,) if isinstance(blocks, str) else tuple(blocks)
    f, theta = _reparameterized(params, cfg, blocks, parameterization, L, steps, unroll)
    kernel_fn = nt.empirical_ntk_fn(
        f,
        trace_axes=(),
        diagonal_axes=(1,) if steps else (),
        vmap_axes=vmap_axes,
        implementation=impl,
    )

    @jax.jit
    def fn(x1, x2, theta):
        k = kernel_fn(x1, x2, theta)
        return jnp.moveaxis(k, -1, 0) if steps else k

    return fn, theta


def _reparameterized(params, cfg, blocks, parameterization, L, steps, unroll):
    from rnn_ntk.network import reparameterized

    return reparameterized(params, cfg, blocks, parameterization, L, steps=steps, unroll=unroll)
