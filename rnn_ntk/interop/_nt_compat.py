"""Makes neural-tangents 0.6.5 importable and working on the jax this package pins.

neural-tangents 0.6.5 (the last release) was written against jax <= 0.5.3 and its wheel
hard-requires tensorflow. Three things stop it on jax 0.10:

1. ``neural_tangents/__init__`` imports ``neural_tangents.experimental``, whose only
   content is the TensorFlow port; without tensorflow the import fails. We put an empty
   stand-in module in ``sys.modules`` first (nothing in the jax code paths uses it).
2. Symbols moved or removed in jax: ``jax.core.{Jaxpr, JaxprEqn, Literal, Var,
   Primitive}`` (now in ``jax.extend.core``), the module ``jax.util``, and, inside
   ``jax.interpreters.ad``, ``source_info_util``, ``config``, ``reducing_transposes``
   and ``zeros_like_p``; ``jax.core.DShapedArray`` (dynamic shapes, removed) and
   ``Primitive.map_primitive``. Each is re-added **only where missing**, as an alias of
   the current object (or an inert placeholder for the removed dynamic-shape class).
3. nt's private ``_get_primals_out_and_pullback`` (structured derivatives) calls the
   internal ``ad.linearize`` whose signature changed. It is replaced by an equivalent
   built on the public ``jax.linearize`` + ``jax.make_jaxpr``: the linear jaxpr of the
   JVP has the tangents of the parameters as inputs, exactly what nt's backward pass
   walks. nt's per-equation VJP learns jax's newer "fancy" transpose rules (slice,
   scan, ... are registered only there), three small helpers stop calling
   ``jnp.size``/``jnp.dtype`` on non-arrays (deprecated in jax 0.10), and
   ``NtkImplementation.AUTO`` reads jax's cost analysis as the one dict it now is.

Everything happens inside :func:`load` (called lazily by ``rnn_ntk.interop``); importing
``rnn_ntk`` never touches neural-tangents or jax's module namespaces.
"""

from __future__ import annotations

import functools
import importlib
import math
import sys
import types

__all__ = ["load"]

_LOADED: types.ModuleType | None = None


def _alias_missing(module: types.ModuleType, name: str, value: object) -> None:
    if not hasattr(module, name):
        setattr(module, name, value)


def _patch_jax() -> None:
    """Re-adds the jax symbols nt 0.6.5 imports, only where this jax lacks them."""
    import jax
    import jax._src.ad_util as ad_util
    import jax._src.core as src_core
    import jax._src.interpreters.ad as src_ad
    import jax._src.source_info_util as source_info_util
    import jax._src.util as src_util
    import jax.core
    import jax.extend.core as ext_core
    from jax.interpreters import ad

    for name in ("Jaxpr", "JaxprEqn", "Literal", "Var", "Primitive"):
        _alias_missing(jax.core, name, getattr(ext_core, name))

    class DShapedArray:  # dynamic shapes were removed from jax: no aval is ever one
        """Placeholder for the removed ``jax.core.DShapedArray`` (never instantiated)."""

    _alias_missing(jax.core, "DShapedArray", DShapedArray)
    _alias_missing(jax.core, "get_aval", getattr(src_core, "get_aval", jax.typeof))

    if "jax.util" not in sys.modules:
        try:
            importlib.import_module("jax.util")
        except ImportError:
            util = types.ModuleType("jax.util")
            util.__doc__ = "Compatibility stand-in created by rnn_ntk.interop for neural-tangents."
            util.safe_map = src_util.safe_map
            util.safe_zip = src_util.safe_zip
            sys.modules["jax.util"] = util
            jax.util = util  # type: ignore[attr-defined]

    _alias_missing(ad, "source_info_util", source_info_util)
    _alias_missing(ad, "config", jax.config)
    _alias_missing(ad, "reducing_transposes", getattr(src_ad, "reducing_transposes", {}))
    _alias_missing(ad, "zeros_like_p", ad_util.zeros_like_p)
    _alias_missing(ext_core.Primitive, "map_primitive", False)


def _stub_experimental() -> None:
    """An empty ``neural_tangents.experimental`` (the TensorFlow port needs tensorflow)."""
    name = "neural_tangents.experimental"
    if name in sys.modules:
        return
    try:
        import tensorflow  # noqa: F401  (present: let nt import its real module)

        return
    except ImportError:
        pass
    stub = types.ModuleType(name)
    stub.__doc__ = (
        "Stand-in created by rnn_ntk.interop: the TensorFlow port of neural-tangents "
        "needs tensorflow, which is not installed."
    )
    sys.modules[name] = stub


def _patch_nt(nt_empirical: types.ModuleType) -> None:
    """Replaces nt's ``_get_primals_out_and_pullback`` with a public-API equivalent."""
    import jax
    import jax._src.interpreters.ad as src_ad
    import jax._src.source_info_util as source_info_util
    import jax.numpy as jnp
    import numpy as np
    from jax.interpreters import ad
    from jax.interpreters.ad import UndefinedPrimal
    from jax.tree_util import tree_flatten, tree_unflatten

    if getattr(nt_empirical, "_rnn_ntk_patched", False):
        return

    def _get_primals_out_and_pullback(fn, mode, _j_rules, _s_rules, _fwd, *primals_in):
        primals_in_flat, in_tree = tree_flatten(primals_in)
        out_tree_box: list = []

        def fn_flat(*flat):
            out = fn(*tree_unflatten(in_tree, list(flat)))
            out_flat, out_tree = tree_flatten(out)
            out_tree_box[:] = [out_tree]
            return out_flat

        # As in nt: no jit inside, so the linear jaxpr has no opaque call equations.
        with jax.disable_jit():
            primals_out_flat, jvp_fn = jax.linearize(fn_flat, *primals_in_flat)
            closed = jax.make_jaxpr(jvp_fn)(*primals_in_flat)
        primals_out = tree_unflatten(out_tree_box[0], primals_out_flat)
        jaxpr, consts = closed.jaxpr, closed.consts

        def pullback_fn(*cts_in):
            cts_in, _ = tree_flatten(cts_in)
            dummy_args = [UndefinedPrimal(v.aval) for v in jaxpr.invars]
            cts_out = nt_empirical._backward_pass(
                jaxpr,
                mode=mode,
                consts=consts,
                primals_in=dummy_args,
                cotangents_in=tuple(cts_in),
                _j_rules=_j_rules,
                _s_rules=_s_rules,
                _fwd=_fwd,
            )
            return tree_unflatten(in_tree, cts_out)

        return primals_out, pullback_fn

    def _shape(leaf) -> tuple[int, ...]:
        return tuple(leaf.shape) if hasattr(leaf, "shape") else np.shape(leaf)

    def _std_basis(pytree):
        leaves, _ = tree_flatten(pytree)
        size = sum(math.prod(_shape(leaf)) for leaf in leaves)
        eye = jnp.eye(size, dtype=jax.dtypes.result_type(*leaves))
        return _unravel_array_into_pytree(pytree, 1, eye)

    def _unravel_array_into_pytree(pytree, axis, arr):
        leaves, treedef = tree_flatten(pytree)
        if arr.ndim > 0:
            axis %= arr.ndim
        shapes = [arr.shape[:axis] + _shape(leaf) + arr.shape[axis + 1 :] for leaf in leaves]
        cuts = np.cumsum([math.prod(_shape(leaf)) for leaf in leaves[:-1]])
        parts = jnp.split(arr, cuts, axis)
        pieces = [jnp.reshape(p, s) for p, s in zip(parts, shapes, strict=True)]
        return tree_unflatten(treedef, pieces)

    def _get_fx_axis_and_dtype(fx, fx_axis, params):
        if fx_axis is None:
            fx_axis = jax.tree.map(lambda _: None, fx)
        dtypes = [jnp.dtype(leaf.dtype) for leaf in jax.tree.leaves(params)]
        dtype = functools.reduce(jnp.promote_types, dtypes) if dtypes else None
        return fx_axis, dtype

    original_vjp = nt_empirical._eqn_vjp_fn
    fancy = getattr(src_ad, "fancy_transposes", {})

    def _eqn_vjp_fn(eqn, cts_in, *invals):
        # jax >= 0.7 registers some transposes (slice, dynamic_slice, scan, cond, jit,
        # custom_jvp_call, ...) only as "fancy" rules that accumulate into GradAccum
        # objects; nt calls ad.get_primitive_transpose, which lacks them.
        if eqn is None or eqn.primitive not in fancy or eqn.primitive in ad.primitive_transposes:
            return original_vjp(eqn, cts_in, *invals)
        accums = [
            src_ad.ValAccum(x.aval.to_ct_aval()) if ad.is_undefined_primal(x) else x for x in invals
        ]
        name_stack = source_info_util.current_name_stack() + eqn.source_info.name_stack
        with source_info_util.user_context(eqn.source_info.traceback, name_stack=name_stack):
            fancy[eqn.primitive](cts_in, *accums, **eqn.params)
        return [a.freeze() if isinstance(a, src_ad.ValAccum) else None for a in accums]

    def _get_flops(f, optimize, *a, **kw):
        # NtkImplementation.AUTO: jax >= 0.4.30 returns one cost dict, not a list of them
        e = jax.jit(f).lower(*a, **kw)
        analysis = e.compile().cost_analysis() if optimize else e.cost_analysis()
        if isinstance(analysis, (list, tuple)):
            analysis = analysis[0]
        return analysis["flops"]

    nt_empirical._get_primals_out_and_pullback = _get_primals_out_and_pullback
    nt_empirical._eqn_vjp_fn = _eqn_vjp_fn
    nt_empirical._get_flops = _get_flops
    # Same maths as nt's, without jnp.size/jnp.dtype on ShapeDtypeStructs and arrays
    # (deprecated in jax 0.10, errors in a later release).
    nt_empirical._std_basis = _std_basis
    nt_empirical._unravel_array_into_pytree = _unravel_array_into_pytree
    nt_empirical._get_fx_axis_and_dtype = _get_fx_axis_and_dtype
    nt_empirical._rnn_ntk_patched = True


@functools.cache
def _load() -> types.ModuleType:
    _patch_jax()
    _stub_experimental()
    nt = importlib.import_module("neural_tangents")
    _patch_nt(importlib.import_module("neural_tangents._src.empirical"))
    return nt


def load() -> types.ModuleType:
    """Imports neural-tangents with the compatibility patches applied (idempotent).

    Returns:
      The ``neural_tangents`` module.
    Raises:
      ImportError: neural-tangents is not installed (install it with
        ``pip install --no-deps neural-tangents==0.6.5``, see scripts/install-dev.sh).
    """
    try:
        return _load()
    except ModuleNotFoundError as e:
        if e.name and e.name.split(".")[0] == "neural_tangents":
            raise ImportError(
                "neural-tangents is not installed; install it without its tensorflow "
                "requirement: pip install --no-deps neural-tangents==0.6.5 "
                "(scripts/install-dev.sh does this)."
            ) from e
        raise
