"""The RNN's empirical NTK computed by neural-tangents (``nt.empirical_ntk_fn``).

``neural_tangents()`` loads nt made to work on this jax (``_nt_compat``);
``ntk_fn_nt`` hands nt the network as a function of its trained blocks
(``rnn_ntk.finite.reparameterized``), and ``empirical_ntk_nt`` calls it once.
"""

from __future__ import annotations

import contextlib
import io
import types
from collections.abc import Callable, Sequence
from typing import Literal, TypedDict, Unpack

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from rnn_ntk._config import RNNConfig
from rnn_ntk._validate import check_int
from rnn_ntk.finite import reparameterized
from rnn_ntk.interop._nt_compat import load

__all__ = ["IMPLEMENTATIONS", "NtOptions", "empirical_ntk_nt", "neural_tangents", "ntk_fn_nt"]

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
    error = ValueError if isinstance(implementation, str) else TypeError
    raise error(
        f"implementation must be one of {IMPLEMENTATIONS} or an nt.NtkImplementation, got "
        f"{implementation!r}."
    )


def _vmap_axes(vmap_axes: object) -> int | None:
    """nt's ``vmap_axes``: 0 (the samples, independent) or None (no vmapping)."""
    if vmap_axes is None:
        return None
    if check_int("vmap_axes", vmap_axes) != 0:
        raise ValueError(
            f"vmap_axes must be 0 (the RNN treats the samples on axis 0 independently) or "
            f"None, got {vmap_axes!r}."
        )
    return 0


class NtOptions(TypedDict, total=False):
    """The keyword options of ``ntk_fn_nt`` (and so of ``empirical_ntk_nt``)."""

    blocks: Sequence[str]
    parameterization: Literal["standard", "ntk"]
    steps: bool
    implementation: str | object
    unroll: bool
    vmap_axes: int | None


def empirical_ntk_nt(
    params: dict[str, Float[Array, "..."]],
    x1: Float[Array, "n1 L d"],
    x2: Float[Array, "n2 L d"] | None = None,
    *,
    cfg: RNNConfig = RNNConfig(),
    **options: Unpack[NtOptions],
) -> Float[Array, "n1 n2"] | Float[Array, "L n1 n2"]:
    """The RNN's empirical NTK computed by ``nt.empirical_ntk_fn`` (SPEC §2 convention).

    The network is given to neural-tangents as a function of the trained ``blocks`` only
    (``rnn_ntk.finite.reparameterized``), so the result equals
    ``rnn_ntk.empirical_ntk(..., method="structured")``. The sequences are not validated
    here; call ``rnn_ntk.empirical_ntk(..., method="neural_tangents")`` for checked
    arguments.

    Args:
      params: the network, as returned by ``rnn_ntk.init_params``.
      x1: sequences, shape (n1, L, d) (equal lengths; no ``Sequences`` with lengths).
      x2: sequences, shape (n2, L, d), or ``None``.
      cfg: the network's config.
      **options: the keywords of ``ntk_fn_nt`` (blocks, parameterization, steps,
        implementation, unroll, vmap_axes).
    Returns:
      The kernel, shape (n1, n2), or (L, n1, n2) with ``steps=True``.
    """
    fn, theta = ntk_fn_nt(params, cfg, L=x1.shape[1], **options)
    return fn(x1, x2, theta)


def ntk_fn_nt(
    params: dict[str, Float[Array, "..."]],
    cfg: RNNConfig = RNNConfig(),
    *,
    L: int,
    blocks: Sequence[str] = ("W",),
    parameterization: Literal["standard", "ntk"] = "standard",
    steps: bool = False,
    implementation: str | object = "jacobian_contraction",
    unroll: bool = True,
    vmap_axes: int | None = 0,
) -> tuple[Callable[..., Array], dict[str, Array]]:
    """The jitted neural-tangents kernel function of the RNN's empirical NTK.

    Build it once and call it many times (e.g. to time it without compilation).

    Args:
      params: the network, as returned by ``rnn_ntk.init_params``.
      cfg: the network's config.
      L: sequence length of the inputs (resolves sa2="paper").
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
      ``(fn, theta)``: ``fn(x1, x2, theta)`` returns the kernel, (n1, n2) or (L, n1, n2);
      ``theta`` are the trained variables it differentiates.
    """
    nt = neural_tangents()
    impl = _implementation(nt, implementation)
    vmap_axes = _vmap_axes(vmap_axes)
    f, theta = reparameterized(
        params, cfg, L=L, blocks=blocks, parameterization=parameterization, steps=steps,
        unroll=unroll,
    )  # fmt: skip
    kernel_fn = nt.empirical_ntk_fn(
        f,
        trace_axes=(),
        diagonal_axes=(1,) if steps else (),
        vmap_axes=vmap_axes,
        implementation=impl,
    )

    @jax.jit
    def fn(x1, x2, theta):
        # AUTO times the implementations while tracing and prints each one's flops:
        # keep nt's diagnostics off the caller's stdout
        with contextlib.redirect_stdout(io.StringIO()):
            k = kernel_fn(x1, x2, theta)
        return jnp.moveaxis(k, -1, 0) if steps else k

    return fn, theta
