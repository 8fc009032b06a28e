r"""Analytic functions psi(z) = sum_i c_i z^i, the building block of the concept classes.

``AnalyticFunction`` holds the Taylor coefficients (used by the complexities, eqs. 6-7)
*and* a callable (used to evaluate F*), with the radius of convergence of the full
series. The built-in ``exp_series`` and ``arctan_half`` (the paper's Examples 2.2 and
2.1) also carry log|c_i| of their full series, so complexities sum the whole series.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float
from scipy.special import gammaln

from rnn_ntk._validate import check_int, check_real
from rnn_ntk.theory._complexity import complexity, complexity_n
from rnn_ntk.theory._series import as_coeffs, check_radius

__all__ = ["AnalyticFunction", "arctan_half", "exp_series", "polynomial"]


def _check_log_abs_coeff(p: AnalyticFunction) -> None:
    """``log_abs_coeff`` must agree with log|c_i| on the stored degrees 1..K."""
    c = p.coeffs
    i = np.arange(1, c.size)
    want = np.log(np.abs(c[1:]), where=c[1:] != 0, out=np.full(i.size, -np.inf))
    got = np.asarray(p.log_abs_coeff(i), dtype=np.float64)
    ok = np.isfinite(want) & (np.abs(c[1:]) > 1e-300)
    if got.shape != want.shape or not (
        np.all(np.abs(got[ok] - want[ok]) <= 1e-9 * (1 + np.abs(want[ok])))
        and np.all(np.isneginf(got[c[1:] == 0]) | (got[c[1:] == 0] < -690))
    ):
        raise ValueError(
            f"log_abs_coeff of {p.name!r} disagrees with log|coeffs| on the stored "
            f"degrees 1..{c.size - 1}; it must return log|c_i| of the same series."
        )


def _check_fn(p: AnalyticFunction) -> None:
    """``fn`` must agree with the truncated series at 11 points of [-1, 1] in the radius."""
    if not callable(p.fn):
        raise TypeError(f"fn must be callable (jax-traceable), got {p.fn!r}.")
    zmax = min(1.0, 0.9 * p.radius)
    z = np.linspace(-zmax, zmax, 11)
    series = np.polynomial.polynomial.polyval(z, p.coeffs)
    out = p.fn(jnp.asarray(z))
    got = np.asarray(out, dtype=np.float64)
    err = np.max(np.abs(got - series)) / (1.0 + np.max(np.abs(series)))
    # without x64 the callable runs in float32: allow its rounding
    eps = np.finfo(out.dtype).eps if jnp.issubdtype(out.dtype, jnp.floating) else 0.0
    if not err <= max(p.check_tol, 50 * eps):
        raise ValueError(
            f"fn and coeffs of {p.name!r} disagree on [-{zmax:g}, {zmax:g}] "
            f"(max relative difference {err:.3g} > check_tol={p.check_tol:g}): "
            f"coeffs must be the Taylor coefficients c_0, c_1, ... of fn; add terms "
            f"or fix the callable."
        )


@dataclasses.dataclass(frozen=True, eq=False)
class AnalyticFunction:
    """An analytic psi(z) = sum_i c_i z^i: Taylor coefficients plus a callable.

    Attributes:
      coeffs: c_0, c_1, ..., c_K, shape (K+1,), float64 (the series truncated at K).
      fn: psi as a jax-traceable callable on arrays; ``None`` evaluates the polynomial
        sum_{i<=K} c_i z^i.
      radius: radius of convergence of the full series (``inf`` for polynomials and
        entire functions); complexities at R >= radius are ``inf``.
      name: a label for tables and plots.
      log_abs_coeff: optional log|c_i| for any array of degrees i >= 1 (the full series);
        with it the complexities sum the whole series instead of the stored terms.
      check_tol: at construction ``fn`` is compared with the truncated series at 11
        points of [-1, 1] (the range of every psi argument in eqs. 9 and 11) inside the
        radius; a relative disagreement above ``check_tol`` is a ValueError.
    """

    coeffs: np.ndarray
    fn: Callable | None = None
    radius: float = math.inf
    name: str = "psi"
    log_abs_coeff: Callable[[np.ndarray], np.ndarray] | None = None
    check_tol: float = 1e-8

    def __post_init__(self) -> None:
        object.__setattr__(self, "coeffs", as_coeffs(self.coeffs, "coeffs"))
        object.__setattr__(self, "radius", check_radius(self.radius))
        object.__setattr__(self, "check_tol", check_real("check_tol", self.check_tol, low=0))
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a str (a label), got {type(self.name).__name__}.")
        if self.log_abs_coeff is not None:
            if not callable(self.log_abs_coeff):
                raise TypeError(
                    f"log_abs_coeff must be a callable i -> log|c_i| or None, got "
                    f"{self.log_abs_coeff!r}."
                )
            _check_log_abs_coeff(self)
        if self.fn is not None:
            _check_fn(self)

    @property
    def degree(self) -> int:
        """K, the index of the last stored coefficient."""
        return self.coeffs.size - 1

    def __call__(self, z: Float[Array, "..."]) -> Float[Array, "..."]:
        """psi(z), elementwise."""
        if self.fn is not None:
            return self.fn(z)
        out = jnp.zeros_like(z)
        for c in self.coeffs[::-1]:  # Horner
            out = out * z + c
        return out

    def complexity(self, R: float) -> float:
        """C(psi, R) of eq. 6 (``inf`` for R >= radius)."""
        return complexity(self, R)

    def complexity_n(self, R: float, *, N: int, L: int, C1: float = 100.0) -> float:
        """C_N(psi, R) of eq. 7 (``inf`` for sqrt(N) R >= radius)."""
        return complexity_n(self, R, N=N, L=L, C1=C1)

    def scaled(self, s: float) -> AnalyticFunction:
        """s * psi (all coefficients scaled; C(s psi, R) = 1 + |s| (C(psi, R) - 1))."""
        s = check_real("s", s)
        fn = None if self.fn is None else (lambda z, f=self.fn: s * f(z))
        tail = self.log_abs_coeff
        if tail is not None:
            la = math.log(abs(s)) if s else -math.inf
            tail = lambda i, t=self.log_abs_coeff: t(i) + la  # noqa: E731
        return dataclasses.replace(self, coeffs=s * self.coeffs, fn=fn, log_abs_coeff=tail)

    def shifted(self, c0: float) -> AnalyticFunction:
        """psi + c0 (only c_0 changes, so no complexity changes)."""
        c0 = check_real("c0", c0)
        coeffs = self.coeffs.copy()
        coeffs[0] += c0
        fn = None if self.fn is None else (lambda z, f=self.fn: f(z) + c0)
        return dataclasses.replace(self, coeffs=coeffs, fn=fn)


def polynomial(coeffs: Sequence[float], name: str = "poly") -> AnalyticFunction:
    """psi(z) = sum_i c_i z^i, a polynomial (radius inf).

    Args:
      coeffs: c_0, c_1, ..., c_K.
      name: a label for tables and plots.
    Returns:
      The ``AnalyticFunction`` (no callable: it evaluates its coefficients).
    """
    return AnalyticFunction(as_coeffs(coeffs, "coeffs"), None, math.inf, name)


def exp_series(scale: float = 1.0, n_terms: int = 40) -> AnalyticFunction:
    """psi(z) = exp(scale z) = sum_i scale^i z^i / i! (entire; paper Example 2.2).

    Args:
      scale: the factor in exp(scale z).
      n_terms: number of stored coefficients c_0..c_{n_terms-1} (the complexities use
        the full series through ``log_abs_coeff``).
    Returns:
      The ``AnalyticFunction``.
    """
    n_terms = check_int("n_terms", n_terms, low=1)
    scale = check_real("scale", scale)
    c = np.zeros(n_terms)
    c[0] = 1.0
    if scale:
        i = np.arange(n_terms)
        c = np.sign(scale) ** i * np.exp(i * math.log(abs(scale)) - gammaln(i + 1.0))
    la = math.log(abs(scale)) if scale else -math.inf

    def log_abs_coeff(i):
        i = np.asarray(i, dtype=np.float64)
        if not scale:
            return np.where(i > 0, -np.inf, 0.0)
        return i * la - gammaln(i + 1.0)

    return _built_in(
        n_terms, c, lambda z: jnp.exp(scale * z), math.inf, f"exp({scale:g}z)", log_abs_coeff
    )


def _built_in(n_terms: int, *args) -> AnalyticFunction:
    """``AnalyticFunction(*args)``; too few stored terms is reported against n_terms."""
    try:
        return AnalyticFunction(*args)
    except ValueError as e:
        raise ValueError(
            f"n_terms = {n_terms} stores too few Taylor coefficients of {args[3]} to match "
            f"it on [-1, 1] ({e}); pass a larger n_terms."
        ) from None


def arctan_half(n_terms: int = 60) -> AnalyticFunction:
    """psi(z) = arctan(z/2) = sum_{j>=1} (-1)^{j-1} 2^{1-2j} z^{2j-1} / (2j-1) (Example 2.1).

    Radius of convergence 2 (singularities at z = +-2i).

    Args:
      n_terms: number of stored coefficients c_0..c_{n_terms-1}.
    Returns:
      The ``AnalyticFunction``.
    """
    n_terms = check_int("n_terms", n_terms, low=1)
    c = np.zeros(n_terms)
    for k in range(1, n_terms, 2):
        j = (k + 1) // 2
        c[k] = (-1.0) ** (j - 1) * 2.0 ** (1 - 2 * j) / (2 * j - 1)

    def log_abs_coeff(k):
        k = np.asarray(k, dtype=np.float64)
        odd = np.mod(k, 2) == 1
        with np.errstate(divide="ignore"):
            return np.where(odd, -k * math.log(2.0) - np.log(np.where(odd, k, 1.0)), -np.inf)

    return _built_in(
        n_terms, c, lambda z: jnp.arctan(z / 2.0), 2.0, "arctan(z/2)", log_abs_coeff
    )
