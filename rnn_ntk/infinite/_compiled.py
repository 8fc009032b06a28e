"""A numba-compiled tile of the paper network's pair recursion, for the eager CPU path.

The same cancellation-free recursion as ``_layer.layer_step`` + ``_readout.accumulate`` +
``FinalNTK`` (SPEC §2-3), operation for operation: the same polynomial arcsin of
``_duals.arcsin``, the same series of sin t - t cos t, the same association of every
product and sum, and the two rewrites XLA:CPU applies to that program (a * b + c
contracted into an FMA; x / pi as x * (1/pi)). Its results equal the XLA tile's to a few
ulp per step, which the recursion does not amplify (<= 1e-14 relative in float64, tested
in ``tests/infinite/test_compiled.py``; measured ~4e-16).

XLA:CPU runs a tile as a ``lax.scan`` over L steps of a (T, T) vmapped body: every step
is ~8 elementwise fusions over (T, T) arrays (each carry and temporary goes through
memory once per step). The kernel (``_compiled_kernel``) instead runs two rows of a tile
at a time through all L steps, with a chunk of columns' state (E, K, U, Kd) in a small
L1-resident buffer and the innermost loop over the columns, branch-free, so LLVM
vectorises it. It releases the GIL (``nogil=True``), so the tiler's threads run tiles in
parallel, and it is cached on disk by numba (compiled once per dtype, ~2 s).

Used by ``rnn_ntk.ntk``/``nngp`` when ``select_tile`` picks it (eager, jax's default
backend is the CPU, the paper's network, readout "H", equal lengths, float64, no
``devices=`` or ``out=``); the environment variable ``RNN_NTK_COMPILED`` (read at every
call) set to "0" forces the XLA tile, set to "1" allows the compiled tile in float32 too.
numba is imported lazily, on the first compiled tile.
"""

from __future__ import annotations

import functools
import math
import os
from fractions import Fraction

import numpy as np

__all__ = ["ENV", "compiled_tile", "select_tile"]

#: Environment variable: "0" forces the XLA tile on the eager CPU path.
ENV = "RNN_NTK_COMPILED"

# The constants of ``_duals`` (the same definitions): the angle below which
# sin t - t cos t is summed from its series, its coefficients, and arcsin's 28.
_SERIES_THETA = 0.25
_SERIES = tuple((-1) ** (k + 1) * (2 * k) / math.factorial(2 * k + 1) for k in range(1, 7))
_ASIN = tuple(float(Fraction(math.comb(2 * k, k), 4**k * (2 * k + 1))) for k in range(28))
# cst layout: scalars, then the arcsin coefficients (28), then the series ones (6).
_SCALARS = (0.0, 0.5, 1.0, 2.0, _SERIES_THETA, 1.0 / math.pi, 0.5 * math.pi)  # 1/pi: see _cst
_CST = _SCALARS + _ASIN + _SERIES


def select_tile(xla_tile, readout, masking, data, *, devices=None, out=None):
    """The tile function for one Gram of the paper's network: compiled or XLA.

    The compiled tile (``compiled_tile``) is chosen for an eager call (no tracer in
    ``data``) on jax's CPU backend with readout ``FinalNTK`` (``ntk`` without ``steps``,
    ``nngp``), equal lengths (``PLAIN``), float64 (in float32 XLA's tile was as fast or
    faster on the 2-core CPU measured), no ``devices`` and no ``out`` sink. The
    environment variable ``RNN_NTK_COMPILED`` (read at every call) overrides: "0" forces
    the XLA tile, "1" allows the compiled one in float32 too. Everything else
    (``jax.jit`` traces, accelerators, ragged input, per-step and diagnostic readouts)
    gets ``xla_tile``.

    Args:
      xla_tile: the jitted XLA tile (``_recursion.tile``).
      readout: the readout of the pass.
      masking: ``PLAIN`` or ``RAGGED``.
      data: the per-sample data handed to the tiler (any pytree; checked for tracers).
      devices: the resolved ``devices=`` (None: jax's default device).
      out: the tiler's sink (None: in memory).
    Returns:
      ``compiled_tile`` or ``xla_tile``.
    """
    import jax

    from rnn_ntk._validate import is_traced
    from rnn_ntk.infinite._masking import Plain
    from rnn_ntk.infinite._readout import FinalNTK

    flag = os.environ.get(ENV, "").strip()
    chosen = (
        flag != "0"
        and devices is None
        and out is None
        and isinstance(readout, FinalNTK)
        and isinstance(masking, Plain)
        and jax.default_backend() == "cpu"
        and not is_traced(*jax.tree.leaves(data))
        and (flag == "1" or all(a.dtype == np.float64 for a in jax.tree.leaves(data)
                                if a.dtype.kind == "f"))
    )
    return compiled_tile if chosen else xla_tile


@functools.cache
def _kernel():
    """The compiled kernel (numba imported, and the kernel compiled or loaded from
    numba's cache, on first use)."""
    from rnn_ntk.infinite._compiled_kernel import kernel

    return kernel


def _cst(dt) -> np.ndarray:
    """The constants in ``dt``; 1/pi rounded as XLA's algebraic simplifier rounds it when
    it rewrites a division by pi (the reciprocal of pi in ``dt``)."""
    cst = np.asarray(_CST, dtype=dt)
    cst[5] = np.asarray(1.0, dt) / np.asarray(math.pi, dt)
    return cst


def _same(r, c) -> bool:
    return r.nv.shape == c.nv.shape and all(
        np.array_equal(a, b) for a, b in zip((r.nv, r.X, *r.z), (c.nv, c.X, *c.z), strict=True)
    )


def compiled_tile(spec, readout, masking, v, r, c) -> np.ndarray:
    """All pairs of a row block and a column block, by the compiled kernel.

    The signature of ``_recursion.tile`` as the tiler calls it (FinalNTK readout, plain
    masking, ReLU): the H of SPEC §2 for every pair.

    Args:
      spec: the recursion's structure (``_layer.Spec``).
      readout: ``FinalNTK`` (unused beyond the contract).
      masking: ``PLAIN`` (unused beyond the contract).
      v: the recursion's values (``_layer.Vals``).
      r: the rows' ``Prep`` (z components and nv (T1, L), X (T1, L, d)).
      c: the columns' ``Prep`` (T2 samples).
    Returns:
      H for every pair, a numpy array (T1, T2) of the compute dtype.
    """
    dt = np.asarray(r.nv).dtype
    nR = np.ascontiguousarray(r.nv)
    T1, L = nR.shape
    T2 = c.nv.shape[0]
    k = len(r.z)
    zR = np.stack([np.asarray(z) for z in r.z]) if k else np.zeros((0, T1, L), dt)
    zC = np.stack([np.asarray(z).T for z in c.z]) if k else np.zeros((0, L, T2), dt)
    XR = np.ascontiguousarray(np.moveaxis(np.asarray(r.X), 2, 0))
    XC = np.ascontiguousarray(np.moveaxis(np.asarray(c.X), (2, 0), (0, 2)))
    nC = np.ascontiguousarray(np.asarray(c.nv).T)
    vals = np.asarray(
        [v.sw2, v.wW, v.wA, v.wb, v.sB2, v.wB, v.k0, v.wM0 * v.sw2 / 2.0], dtype=dt
    )
    cst = _cst(dt)
    use_A = bool(spec.use_A) and XR.shape[0] > 0
    diag = T1 == T2 and _same(r, c)
    out = np.empty((T1, T2), dt)
    _kernel()(zR, nR, XR, zC, nC, XC, vals, cst, use_A, bool(spec.use_b), diag, out)
    return out
