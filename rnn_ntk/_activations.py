r"""Elementwise activations by name, and Gaussian expectations of them (SPEC §7).

An activation is ``"relu"`` (the paper's), ``"erf"``, ``"tanh"``, the name of any other
elementwise function of ``jax.nn`` or ``jax.numpy`` (``"gelu"``, ``"softplus"``,
``"sin"``, ...) or a callable ``phi(u) -> array`` that jax can trace and differentiate
(its derivative phi' is taken by autodiff). ReLU and erf have closed-form duals; any
other phi is integrated against the Gaussian with Gauss-Hermite quadrature:

    E[f(u)], u ~ N(0, S):   sum_q w_q f(sqrt(S) z_q)      (probabilists' nodes z_q, sum w_q = 1)

``hermite_basis`` gives the normalised Hermite functions He_r(z_q) / sqrt(r!) at the nodes
for the series form of SPEC §7, E[f(u) g(v)] = sum_r c_r(f, S) c_r(g, S') rho^r.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "ACTIVATIONS",
    "activation_fn",
    "activation_name",
    "derivative_fn",
    "gauss_hermite",
    "hermite_basis",
]

#: Activations with closed-form duals; any other name of jax.nn / jax.numpy also works.
ACTIVATIONS: tuple[str, ...] = ("relu", "erf", "tanh")


def _lookup(name: str) -> Callable | None:
    if name == "erf":
        return jax.scipy.special.erf
    for module in (jax.nn, jnp):
        fn = getattr(module, name, None)
        if callable(fn) and not isinstance(fn, type):
            return fn
    return None


def activation_name(activation: object) -> str:
    """A short name: the string itself, or the callable's ``__name__``."""
    if isinstance(activation, str):
        return activation
    return getattr(activation, "__name__", type(activation).__name__)


def check_activation(name: str, activation: object) -> str | Callable:
    """``activation`` if it is a known name or a callable (TypeError/ValueError otherwise)."""
    if callable(activation) and not isinstance(activation, str):
        return activation
    if not isinstance(activation, str):
        raise TypeError(
            f"{name} must be an activation name such as 'relu', 'erf' or 'tanh', or a "
            f"callable phi(u), got {type(activation).__name__} {activation!r}."
        )
    if _lookup(activation) is None:
        raise ValueError(
            f"{name}={activation!r} is not an elementwise function of jax.nn or jax.numpy; "
            f"use one of {ACTIVATIONS}, another name such as 'gelu' or 'softplus', or pass "
            "a callable."
        )
    return activation


def activation_fn(activation: str | Callable) -> Callable:
    """The jax function phi of an activation name or callable."""
    if callable(activation) and not isinstance(activation, str):
        return activation
    fn = _lookup(activation)
    if fn is None:
        raise ValueError(f"unknown activation {activation!r}.")
    return fn


def derivative_fn(activation: str | Callable) -> Callable:
    """phi', elementwise, by autodiff (relu'(0) = 0, as ``jax.nn.relu``)."""
    phi = activation_fn(activation)
    scalar = jax.grad(lambda u: phi(u))

    def dphi(u):
        u = jnp.asarray(u)
        return jnp.vectorize(scalar)(u)

    return dphi


@functools.lru_cache(maxsize=16)
def gauss_hermite(order: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilists' Gauss-Hermite nodes z_q and weights w_q (sum w_q = 1), float64."""
    z, w = np.polynomial.hermite_e.hermegauss(order)
    return z, w / w.sum()


@functools.lru_cache(maxsize=16)
def hermite_basis(order: int, terms: int) -> np.ndarray:
    """w_q He_r(z_q) / sqrt(r!) for r < terms at ``order`` nodes: shape (order, terms).

    The normalised probabilists' Hermite functions by their stable three-term recurrence
    h_{r+1} = (z h_r - sqrt(r) h_{r-1}) / sqrt(r + 1), times the quadrature weights, so
    ``f(sqrt(S) z) @ basis`` is the vector of Hermite coefficients c_r(f, S).
    """
    z, w = gauss_hermite(order)
    h = np.zeros((order, terms))
    h[:, 0] = 1.0
    if terms > 1:
        h[:, 1] = z
    for r in range(1, terms - 1):
        h[:, r + 1] = (z * h[:, r] - np.sqrt(r) * h[:, r - 1]) / np.sqrt(r + 1)
    return w[:, None] * h
