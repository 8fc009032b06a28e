r"""Infinite-width predictors from a kernel: kernel regression and gradient flow (MSE).

With K = k_train_train (n x n), k* = k_test_train (n* x n), targets y and initial outputs
f_0 (zero for the infinite-width limit of the standard parameterisation, where
g(x) = B^T h_L = O(m^-1/2) at initialisation):

- kernel regression (t -> inf):   f(x*) = f_0(x*) + k* (K + ridge I)^-1 (y - f_0(X));
- gradient flow on the MSE loss (1/2n) ||f(X) - y||^2, i.e. df(X)/dt = -(1/n) K (f(X) - y)
  (the convention of ``neural_tangents.predict.gradient_descent_mse`` with learning rate 1):

      f_t(X)  = y + V exp(-Lambda t / n) V^T (f_0(X) - y)
      f_t(x*) = f_0(x*) + k* V diag((1 - exp(-lambda t / n)) / lambda) V^T (y - f_0(X))

  with K = V Lambda V^T. (1 - e^{-lambda t/n}) / lambda is formed with ``expm1`` and its
  limit t/n at lambda = 0, so no division blows up; tiny negative eigenvalues from
  rounding are clipped to 0 as neural-tangents does.

Both are pure jax functions (jit/vmap friendly) in the dtype of their inputs.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
from jaxtyping import Array, Float

from rnn_ntk._validate import (
    all_finite,
    check_finite_result,
    check_real,
    is_real_dtype,
    is_traced,
)

__all__ = ["kernel_regression", "gradient_flow", "GradientFlow"]


#: What to do when a prediction leaves the float range.
_RANGE_HINT = "rescale the kernels or the targets, add a ridge, or compute in float64"


def _array(a: object, name: str) -> Array:
    """``a`` as a jax array of real numbers (any int or float dtype; never bool/complex)."""
    if a is None or isinstance(a, (str, bytes)):
        raise TypeError(f"{name} must be a real array, got {type(a).__name__} {a!r}.")
    try:
        arr = jnp.asarray(a)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name} must be a real array: {e}") from None
    if not is_real_dtype(arr.dtype, integers=True):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}.")
    return arr


def _check(k_train_train, y_train, k_test_train, f0=(None, None)):
    """Validated (K, y, k*, f0(X), f0(x*), dtype): shapes, finiteness, a float dtype."""
    K = _array(k_train_train, "k_train_train")
    y = _array(y_train, "y_train")
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"k_train_train must be square (n, n), got shape {K.shape}.")
    n = K.shape[0]
    if y.shape != (n,):
        raise ValueError(f"y_train must have shape ({n},) to match k_train_train, got {y.shape}.")
    ks = None
    if k_test_train is not None:
        ks = _array(k_test_train, "k_test_train")
        if ks.ndim != 2 or ks.shape[1] != n:
            raise ValueError(f"k_test_train must have shape (n_test, {n}), got {ks.shape}.")
    f0X, f0s = (None if a is None else _array(a, name) for a, name in zip(
        f0, ("fx_train_0", "fx_test_0"), strict=True))
    if f0X is not None and f0X.shape != (n,):
        raise ValueError(f"fx_train_0 must have shape ({n},) like y_train, got {f0X.shape}.")
    if f0s is not None and (ks is None or f0s.shape != (ks.shape[0],)):
        want = "k_test_train" if ks is None else f"shape ({ks.shape[0]},) like k_test_train's rows"
        raise ValueError(f"fx_test_0 needs {want}, got shape {f0s.shape}.")
    named = (("k_train_train", K), ("y_train", y), ("k_test_train", ks), ("fx_train_0", f0X),
             ("fx_test_0", f0s))  # fmt: skip
    for name, a in named:
        if not all_finite(a):
            raise ValueError(f"{name} contains NaN or Inf; pass finite values.")
    floats = [a for _, a in named if a is not None and jnp.issubdtype(a.dtype, jnp.floating)]
    # the inputs' float dtype, at least float32 (half precision has no eigh/Cholesky)
    dt = jnp.result_type(*floats, np.dtype("float32")) if floats else jnp.result_type(float)
    cast = [None if a is None else a.astype(dt) for _, a in named]
    return (*cast, dt)


def _ridge(ridge: object) -> object:
    """The ridge, a finite number >= 0 (a traced value is taken as given)."""
    return ridge if is_traced(ridge) else check_real("ridge", ridge, low=0)


def _times(t: object, dt) -> Array:
    """Times t >= 0 as an array of ``dt``: real numbers, +inf allowed, NaN never."""
    if is_traced(t):
        return jnp.asarray(t, dt)
    if isinstance(t, bool) or (hasattr(t, "dtype") and np.dtype(t.dtype) == np.bool_):
        raise TypeError(f"t must be a time >= 0 (a number or an array), got the bool {t!r}.")
    arr = _array(t, "t")
    if is_traced(jnp.isnan(arr)):  # constants inside a trace cannot be inspected
        return arr.astype(dt)
    if bool(jnp.any(jnp.isnan(arr))):
        raise ValueError(
            f"t must hold times >= 0 (inf allowed: the t -> inf limit), got NaN in t = "
            f"{np.asarray(t)}."
        )
    if bool(jnp.any(arr < 0)):
        raise ValueError(f"t must be >= 0, got {np.asarray(t)}.")
    return arr.astype(dt)


def kernel_regression(
    k_train_train: Float[Array, "n n"],
    y_train: Float[Array, " n"],
    k_test_train: Float[Array, "m n"],
    *,
    ridge: float = 0.0,
    fx_train_0: Float[Array, " n"] | None = None,
    fx_test_0: Float[Array, " m"] | None = None,
) -> Float[Array, " m"]:
    """f(x*) = f_0(x*) + k* (K + ridge I)^-1 (y - f_0(X)): the t -> inf gradient-flow limit.

    Args:
      k_train_train: K, shape (n, n), positive definite (or made so by ``ridge``).
      y_train: targets, shape (n,).
      k_test_train: k*, shape (n_test, n).
      ridge: diagonal regulariser added to K (absolute units).
      fx_train_0: initial outputs on the training inputs, shape (n,) (default 0).
      fx_test_0: initial outputs on the test inputs, shape (n_test,) (default 0).
    Returns:
      Predictions, shape (n_test,) (f_0(x*) for n = 0 training samples).
    Raises:
      TypeError, ValueError: an argument of the wrong type, shape or value (NaN/inf,
        ridge < 0); the message names it.
      ValueError: (outside ``jax.jit``) K + ridge I is not positive definite.
      FloatingPointError: (outside ``jax.jit``) a prediction exceeds the dtype's range.
    """
    if k_test_train is None:
        raise TypeError("k_test_train must be the (n_test, n) test-train kernel, got None.")
    K, y, ks, f0X, f0s, dt = _check(k_train_train, y_train, k_test_train, (fx_train_0, fx_test_0))
    ridge = _ridge(ridge)
    rhs = y if f0X is None else y - f0X
    A = K + ridge * jnp.eye(K.shape[0], dtype=dt)
    factor = jsl.cho_factor(A, lower=True)
    if not all_finite(factor[0]):
        raise ValueError(
            f"k_train_train + ridge I is not positive definite (its Cholesky factorisation "
            f"failed, ridge = {ridge:g}): duplicate or collinear training inputs; pass "
            f"ridge > 0."
        )
    out = ks @ jsl.cho_solve(factor, rhs)
    out = out if f0s is None else f0s + out
    check_finite_result("kernel_regression", out, _RANGE_HINT)
    return out


class GradientFlow(NamedTuple):
    """Outputs of MSE gradient flow at the requested times.

    Attributes:
      train: f_t on the training inputs, shape (*t, n).
      test: f_t on the test inputs, shape (*t, n_test) (None without k_test_train).
    """

    train: Float[Array, "*t n"]
    test: Float[Array, "*t m"] | None


def gradient_flow(
    k_train_train: Float[Array, "n n"],
    y_train: Float[Array, " n"],
    t: float | Float[Array, "*t"],
    k_test_train: Float[Array, "m n"] | None = None,
    *,
    fx_train_0: Float[Array, " n"] | None = None,
    fx_test_0: Float[Array, " m"] | None = None,
    ridge: float = 0.0,
) -> GradientFlow:
    """Infinite-width gradient flow on the MSE loss at time t, by eigendecomposition.

    df(X)/dt = -(1/n) K (f(X) - y) (the loss (1/2n)||f(X) - y||^2; learning rate 1), the
    closed form in the module docstring. Matches
    ``neural_tangents.predict.gradient_descent_mse(K, y[:, None], diag_reg=ridge,
    diag_reg_absolute_scale=True)(t, ...)``.

    ``t = inf`` is the t -> inf limit: the training outputs reach y on K's range and the
    test outputs are the kernel regression predictor with K's pseudo-inverse (directions
    with eigenvalue 0 do not move; a k* of the same kernel has no component along them).
    NaN is refused.

    Args:
      k_train_train: K, shape (n, n), positive semidefinite.
      y_train: targets, shape (n,).
      t: time(s) >= 0 (``inf`` allowed, NaN never), a scalar or an array of shape (*t,).
      k_test_train: k*, shape (n_test, n), or None for training outputs only.
      fx_train_0: initial outputs on the training inputs (default 0).
      fx_test_0: initial outputs on the test inputs (default 0).
      ridge: diagonal regulariser added to K.
    Returns:
      A ``GradientFlow`` with train (*t, n) and test (*t, n_test) outputs (f_0 for n = 0
      training samples).
    Raises:
      TypeError, ValueError: an argument of the wrong type, shape or value (NaN/inf
        kernels or targets, t < 0 or NaN, ridge < 0); the message names it.
      FloatingPointError: (outside ``jax.jit``) an output exceeds the dtype's range.
    """
    K, y, ks, f0X, f0s, dt = _check(k_train_train, y_train, k_test_train, (fx_train_0, fx_test_0))
    n = K.shape[0]
    t = _times(t, dt)
    ridge = _ridge(ridge)
    f0 = jnp.zeros((n,), dt) if f0X is None else f0X
    lam, V = jnp.linalg.eigh(K + ridge * jnp.eye(n, dtype=dt))
    lam = jnp.maximum(lam, 0.0)
    r = V.T @ (y - f0)  # residual y - f_0 in the eigenbasis, (n,)
    tt = t[..., None] / max(n, 1)  # (*t, 1)
    pos = lam > 0  # eigenvalue 0 (clipped rounding): the flow does not move there
    decay = jnp.where(pos, jnp.exp(-jnp.where(pos, lam, 0.0) * tt), 1.0)  # (*t, n)
    train = y - (decay * r) @ V.T
    test = None
    if ks is not None:
        safe = jnp.where(pos, lam, 1.0)
        # (1 - e^{-lam t/n})/lam, its limit t/n at lam = 0, and 0 there at t = inf (pinv)
        phi = jnp.where(pos, -jnp.expm1(-safe * tt) / safe, jnp.where(jnp.isinf(tt), 0.0, tt))
        test = (phi * r) @ (ks @ V).T
        if f0s is not None:
            test = test + f0s
    out = GradientFlow(train=train, test=test)
    check_finite_result("gradient_flow", out, _RANGE_HINT)
    return out
