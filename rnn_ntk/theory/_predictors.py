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

from rnn_ntk._validate import is_traced

__all__ = ["kernel_regression", "gradient_flow", "GradientFlow"]


def _check(k_train_train, y_train, k_test_train):
    K = jnp.asarray(k_train_train)
    y = jnp.asarray(y_train)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"k_train_train must be square (n, n), got shape {K.shape}.")
    n = K.shape[0]
    if y.shape != (n,):
        raise ValueError(f"y_train must have shape ({n},) to match k_train_train, got {y.shape}.")
    ks = None
    if k_test_train is not None:
        ks = jnp.asarray(k_test_train)
        if ks.ndim != 2 or ks.shape[1] != n:
            raise ValueError(f"k_test_train must have shape (n_test, {n}), got {ks.shape}.")
    if not is_traced(K, y, ks):
        for name, a in (("k_train_train", K), ("y_train", y), ("k_test_train", ks)):
            if a is not None and not bool(jnp.all(jnp.isfinite(a))):
                raise ValueError(f"{name} contains NaN or Inf.")
    dt = jnp.result_type(K, y, *(() if ks is None else (ks,)))
    if not jnp.issubdtype(dt, jnp.floating):
        dt = jnp.result_type(float)
    K, y = K.astype(dt), y.astype(dt)
    return K, y, (None if ks is None else ks.astype(dt)), dt


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
      Predictions, shape (n_test,).
    """
    K, y, ks, dt = _check(k_train_train, y_train, k_test_train)
    rhs = y if fx_train_0 is None else y - jnp.asarray(fx_train_0, dt)
    A = K + ridge * jnp.eye(K.shape[0], dtype=dt)
    alpha = jsl.cho_solve(jsl.cho_factor(A, lower=True), rhs)
    out = ks @ alpha
    return out if fx_test_0 is None else jnp.asarray(fx_test_0, dt) + out


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

    Args:
      k_train_train: K, shape (n, n), positive semidefinite.
      y_train: targets, shape (n,).
      t: time(s) >= 0, a scalar or an array of shape (*t,).
      k_test_train: k*, shape (n_test, n), or None for training outputs only.
      fx_train_0: initial outputs on the training inputs (default 0).
      fx_test_0: initial outputs on the test inputs (default 0).
      ridge: diagonal regulariser added to K.
    Returns:
      A ``GradientFlow`` with train (*t, n) and test (*t, n_test) outputs.
    """
    K, y, ks, dt = _check(k_train_train, y_train, k_test_train)
    n = K.shape[0]
    t = jnp.asarray(t, dt)
    if not is_traced(t) and bool(jnp.any(t < 0)):
        raise ValueError(f"t must be >= 0, got {np.asarray(t)}.")
    f0 = jnp.zeros((n,), dt) if fx_train_0 is None else jnp.asarray(fx_train_0, dt)
    lam, V = jnp.linalg.eigh(K + ridge * jnp.eye(n, dtype=dt))
    lam = jnp.maximum(lam, 0.0)
    r = V.T @ (y - f0)  # residual y - f_0 in the eigenbasis, (n,)
    tt = t[..., None] / n  # (*t, 1)
    decay = jnp.exp(-lam * tt)  # (*t, n)
    train = y - (decay * r) @ V.T
    test = None
    if ks is not None:
        safe = jnp.where(lam > 0, lam, 1.0)
        phi = jnp.where(lam > 0, -jnp.expm1(-lam * tt) / safe, tt)  # (1 - e^{-lam t/n})/lam
        test = (phi * r) @ (ks @ V).T
        if fx_test_0 is not None:
            test = test + jnp.asarray(fx_test_0, dt)
    return GradientFlow(train=train, test=test)
