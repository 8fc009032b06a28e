r"""Concept classes of the paper (Section 2.2, eqs. 9 and 11), inputs and margin labels.

- ``AnalyticFunction``: psi(z) = sum_i c_i z^i held as its Taylor coefficients (used by the
  complexities, eqs. 6-7) *and* a callable (used to evaluate F*), with the radius of
  convergence of the full series.
- ``AdditiveConcept`` (eq. 9): F*(x) = sum_{l,r} psi_{l,r}(beta_{l,r}^T X_l / ||X_l||).
- ``NVariableConcept`` (eq. 11):
  F*(x) = sum_r psi_r(<beta_r, [X_{l_1}, ..., X_{l_N}]> / (sqrt(N) max_n ||X_{l_n}||)).

Positions are the paper's 1-based step indices l in 1..L. With ||beta|| <= 1 every psi
argument lies in [-1, 1] (Cauchy-Schwarz), so psi only has to converge there.

Inputs satisfy C_min <= ||X_l|| <= C_max (``sample_sequences``); C0 = C_max / C_min.
Labels are y = sign(F*) and Theorem 2 assumes the margin y F*(x) >= 1, obtained by
rescaling F* (``label``), or for a whole distribution by conditioning the inputs on
|F*| >= gamma and using F*/gamma (``sample_labelled``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import NamedTuple, Self

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float
from scipy.special import gammaln

from rnn_ntk._inputs import as_sequences, is_traced, resolve_dtype
from rnn_ntk.theory.complexity import (
    NVariableComplexity,
    additive_complexity,
    as_coeffs,
    complexity,
    complexity_n,
    n_variable_complexity,
)

__all__ = [
    "AnalyticFunction",
    "polynomial",
    "exp_series",
    "arctan_half",
    "AdditiveConcept",
    "NVariableConcept",
    "random_additive",
    "random_n_variable",
    "sample_sequences",
    "Labels",
    "label",
    "LabelledData",
    "sample_labelled",
    "margin_quantile",
    "as_labels",
]


# ------------------------------------------------------------------------ analytic psi


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
        c = as_coeffs(self.coeffs, "coeffs")
        object.__setattr__(self, "coeffs", c)
        r = self.radius
        if isinstance(r, bool) or not isinstance(r, (int, float, np.floating, np.integer)):
            raise TypeError(f"radius must be a real number > 0, got {type(r).__name__}.")
        if not float(r) > 0:
            raise ValueError(f"radius of convergence must be > 0 (inf if entire), got {r}.")
        object.__setattr__(self, "radius", float(r))
        if self.log_abs_coeff is not None:
            i = np.arange(1, c.size)
            want = np.log(np.abs(c[1:]), where=c[1:] != 0, out=np.full(i.size, -np.inf))
            got = np.asarray(self.log_abs_coeff(i), dtype=np.float64)
            ok = np.isfinite(want) & (np.abs(c[1:]) > 1e-300)
            if got.shape != want.shape or not (
                np.all(np.abs(got[ok] - want[ok]) <= 1e-9 * (1 + np.abs(want[ok])))
                and np.all(np.isneginf(got[c[1:] == 0]) | (got[c[1:] == 0] < -690))
            ):
                raise ValueError(
                    f"log_abs_coeff of {self.name!r} disagrees with log|coeffs| on the stored "
                    f"degrees 1..{c.size - 1}; it must return log|c_i| of the same series."
                )
        if self.fn is not None:
            if not callable(self.fn):
                raise TypeError(f"fn must be callable (jax-traceable), got {self.fn!r}.")
            zmax = min(1.0, 0.9 * self.radius)
            z = np.linspace(-zmax, zmax, 11)
            series = np.polynomial.polynomial.polyval(z, c)
            out = self.fn(jnp.asarray(z))
            got = np.asarray(out, dtype=np.float64)
            scale = 1.0 + np.max(np.abs(series))
            err = np.max(np.abs(got - series)) / scale
            # without x64 the callable runs in float32: allow its rounding
            eps = np.finfo(out.dtype).eps if jnp.issubdtype(out.dtype, jnp.floating) else 0.0
            if not err <= max(self.check_tol, 50 * eps):
                raise ValueError(
                    f"fn and coeffs of {self.name!r} disagree on [-{zmax:g}, {zmax:g}] "
                    f"(max relative difference {err:.3g} > check_tol={self.check_tol:g}): "
                    f"coeffs must be the Taylor coefficients c_0, c_1, ... of fn; add terms "
                    f"or fix the callable."
                )

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
        s = float(s)
        fn = None if self.fn is None else (lambda z, f=self.fn: s * f(z))
        tail = self.log_abs_coeff
        if tail is not None:
            la = math.log(abs(s)) if s else -math.inf
            tail = lambda i, t=self.log_abs_coeff: t(i) + la  # noqa: E731
        return dataclasses.replace(self, coeffs=s * self.coeffs, fn=fn, log_abs_coeff=tail)

    def shifted(self, c0: float) -> AnalyticFunction:
        """psi + c0 (only c_0 changes, so no complexity changes)."""
        c0 = float(c0)
        coeffs = self.coeffs.copy()
        coeffs[0] += c0
        fn = None if self.fn is None else (lambda z, f=self.fn: f(z) + c0)
        return dataclasses.replace(self, coeffs=coeffs, fn=fn)


def polynomial(coeffs: Sequence[float], name: str = "poly") -> AnalyticFunction:
    """psi(z) = sum_i c_i z^i, a polynomial (radius inf)."""
    return AnalyticFunction(np.asarray(coeffs, dtype=np.float64), None, math.inf, name)


def exp_series(scale: float = 1.0, n_terms: int = 40) -> AnalyticFunction:
    """psi(z) = exp(scale z) = sum_i scale^i z^i / i! (entire; paper Example 2.2)."""
    n_terms = _check_int("n_terms", n_terms, 1)
    scale = float(scale)
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

    return AnalyticFunction(
        c, lambda z: jnp.exp(scale * z), math.inf, f"exp({scale:g}z)", log_abs_coeff
    )


def arctan_half(n_terms: int = 60) -> AnalyticFunction:
    """psi(z) = arctan(z/2) = sum_{j>=1} (-1)^{j-1} 2^{1-2j} z^{2j-1} / (2j-1) (Example 2.1).

    Radius of convergence 2 (singularities at z = +-2i).

    Args:
      n_terms: number of stored coefficients c_0..c_{n_terms-1}.
    """
    n_terms = _check_int("n_terms", n_terms, 1)
    c = np.zeros(n_terms)
    for k in range(1, n_terms, 2):
        j = (k + 1) // 2
        c[k] = (-1.0) ** (j - 1) * 2.0 ** (1 - 2 * j) / (2 * j - 1)

    def log_abs_coeff(k):
        k = np.asarray(k, dtype=np.float64)
        odd = np.mod(k, 2) == 1
        with np.errstate(divide="ignore"):
            return np.where(odd, -k * math.log(2.0) - np.log(np.where(odd, k, 1.0)), -np.inf)

    return AnalyticFunction(c, lambda z: jnp.arctan(z / 2.0), 2.0, "arctan(z/2)", log_abs_coeff)


# --------------------------------------------------------------------- common checks


def _check_int(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}.")
    return int(value)


def _psis(psis: object, count: int, name: str) -> tuple[AnalyticFunction, ...]:
    if isinstance(psis, AnalyticFunction):
        return (psis,) * count
    psis = tuple(psis)
    if len(psis) != count:
        raise ValueError(
            f"{name} must be one AnalyticFunction or {count} of them, got {len(psis)}."
        )
    for k, p in enumerate(psis):
        if not isinstance(p, AnalyticFunction):
            raise TypeError(
                f"{name}[{k}] must be an AnalyticFunction (see rnn_ntk.theory.polynomial, "
                f"exp_series, arctan_half), got {type(p).__name__}."
            )
    return psis


def _betas(betas: object, width: int | None, name: str) -> np.ndarray:
    b = np.asarray(betas, dtype=np.float64)
    if b.ndim == 1:
        b = b[None]
    if b.ndim != 2 or b.shape[0] == 0 or (width is not None and b.shape[1] != width):
        want = f"(terms, {width})" if width is not None else "(terms, d)"
        raise ValueError(f"{name} must have shape {want}, got {np.shape(betas)}.")
    if not np.all(np.isfinite(b)):
        raise ValueError(f"{name} must be finite.")
    norms = np.linalg.norm(b, axis=1)
    if np.any(norms > 1.0 + 1e-12):
        k = int(np.argmax(norms))
        raise ValueError(
            f"{name}[{k}] has norm {norms[k]:.6g} > 1; the concept classes require "
            f"||beta||_2 <= 1 (normalise it: beta / ||beta||)."
        )
    return b


def _check_positions(positions: Sequence[int], L: int, name: str) -> tuple[int, ...]:
    pos = tuple(positions)
    if not pos:
        raise ValueError(f"{name} must name at least one step.")
    for p in pos:
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or not 1 <= p <= L:
            raise ValueError(
                f"{name} must be 1-based step indices in 1..L = 1..{L} (the paper's l), "
                f"got {p!r}; build the concept with a larger L or move the position."
            )
    return tuple(int(p) for p in pos)


def _sequences(concept, x: object) -> jnp.ndarray:
    x = as_sequences(x, "x", resolve_dtype(None))
    n, L, d = x.shape
    if L != concept.L:
        raise ValueError(
            f"x has sequence length L = {L} but the concept was built for L = {concept.L} "
            f"(positions {concept.positions}); pass sequences of length {concept.L} or "
            f"build the concept with L = {L}."
        )
    if d != concept.d:
        raise ValueError(
            f"x has d = {d} features per step but the concept's beta has d = "
            f"{concept.d}; they must match."
        )
    return x


def _check_nonzero_steps(norms, positions) -> None:
    if is_traced(norms):
        return
    bad = np.argwhere(np.asarray(norms) == 0)
    if bad.size:
        i, k = bad[0]
        raise ValueError(
            f"x[{i}] has X_l = 0 at step l = {positions[k]}; the concept classes divide by "
            f"||X_l|| and assume C_min <= ||X_l|| with C_min > 0."
        )


# -------------------------------------------------------------------------- concepts


class _PsiSum:
    """Scaling and shifting shared by the concept classes (a sum of psi terms)."""

    def scaled(self, s: float) -> Self:
        """s F* (every psi scaled)."""
        return dataclasses.replace(self, psis=tuple(p.scaled(s) for p in self.psis))

    def shifted(self, c0: float) -> Self:
        """F* + c0 (the constant goes into c_0 of the first psi; complexity unchanged)."""
        ps = list(self.psis)
        ps[0] = ps[0].shifted(c0)
        return dataclasses.replace(self, psis=tuple(ps))


@dataclasses.dataclass(frozen=True, eq=False)
class AdditiveConcept(_PsiSum):
    """F*(x) = sum_k psi_k(beta_k^T X_{l_k} / ||X_{l_k}||) (paper eq. 9).

    Each term k is one (l, r) of eq. 9: step ``positions[k]`` (1-based), direction
    ``betas[k]`` (||beta|| <= 1) and function ``psis[k]``.

    Attributes:
      L: sequence length the concept is defined on.
      positions: step l_k of each term, values in 1..L, length T.
      betas: shape (T, d).
      psis: T analytic functions (one ``AnalyticFunction`` is broadcast to all terms).
    """

    L: int
    positions: tuple[int, ...]
    betas: np.ndarray
    psis: tuple[AnalyticFunction, ...]

    def __post_init__(self) -> None:
        L = _check_int("L", self.L, 1)
        pos = _check_positions(self.positions, L, "positions")
        b = _betas(self.betas, None, "betas")
        if b.shape[0] != len(pos):
            raise ValueError(
                f"betas has {b.shape[0]} rows but positions has {len(pos)} "
                f"entries; give one beta per term."
            )
        object.__setattr__(self, "L", L)
        object.__setattr__(self, "positions", pos)
        object.__setattr__(self, "betas", b)
        object.__setattr__(self, "psis", _psis(self.psis, len(pos), "psis"))

    @property
    def d(self) -> int:
        return self.betas.shape[1]

    def __call__(self, x: Float[Array, "n L d"]) -> Float[Array, " n"]:
        """F*(x) for each sequence, shape (n,)."""
        x = _sequences(self, x)
        idx = np.asarray(self.positions) - 1
        X = x[:, idx, :]  # (n, T, d)
        norms = jnp.linalg.norm(X, axis=-1)
        _check_nonzero_steps(norms, self.positions)
        z = jnp.einsum("ntd,td->nt", X, jnp.asarray(self.betas, x.dtype)) / norms
        return sum(psi(z[:, k]) for k, psi in enumerate(self.psis))

    def complexity(self, C0: float) -> float:
        """C(F*) = L^3 sum_{l,r} C(psi_{l,r}, C0 sqrt(L)) (eq. 10)."""
        return additive_complexity(self.psis, L=self.L, C0=C0)


@dataclasses.dataclass(frozen=True, eq=False)
class NVariableConcept(_PsiSum):
    """F*(x) = sum_r psi_r(<beta_r, [X_{l_1}..X_{l_N}]> / (sqrt(N) max_n ||X_{l_n}||)) (eq. 11).

    Attributes:
      L: sequence length the concept is defined on.
      positions: the N distinct steps l_1..l_N (1-based, in 1..L).
      betas: shape (R, N d); row r is beta_r acting on the concatenation
        [X_{l_1}, ..., X_{l_N}] (||beta_r|| <= 1).
      psis: R analytic functions (one is broadcast to every r).
    """

    L: int
    positions: tuple[int, ...]
    betas: np.ndarray
    psis: tuple[AnalyticFunction, ...]

    def __post_init__(self) -> None:
        L = _check_int("L", self.L, 1)
        pos = _check_positions(self.positions, L, "positions")
        if len(set(pos)) != len(pos):
            raise ValueError(f"positions {pos} repeats a step; the N positions must differ.")
        b = _betas(self.betas, None, "betas")
        if b.shape[1] % len(pos):
            raise ValueError(
                f"betas has {b.shape[1]} columns, not a multiple of N = {len(pos)}: each "
                f"beta_r acts on [X_l1..X_lN] and needs N*d entries."
            )
        object.__setattr__(self, "L", L)
        object.__setattr__(self, "positions", pos)
        object.__setattr__(self, "betas", b)
        object.__setattr__(self, "psis", _psis(self.psis, b.shape[0], "psis"))

    @property
    def N(self) -> int:
        return len(self.positions)

    @property
    def d(self) -> int:
        return self.betas.shape[1] // self.N

    @property
    def l0(self) -> int:
        """max_n l_n - min_n l_n."""
        return max(self.positions) - min(self.positions)

    def __call__(self, x: Float[Array, "n L d"]) -> Float[Array, " n"]:
        """F*(x) for each sequence, shape (n,)."""
        x = _sequences(self, x)
        idx = np.asarray(self.positions) - 1
        X = x[:, idx, :]  # (n, N, d)
        norms = jnp.linalg.norm(X, axis=-1)
        _check_nonzero_steps(norms, self.positions)
        denom = math.sqrt(self.N) * jnp.max(norms, axis=-1)  # (n,)
        z = X.reshape(X.shape[0], -1) @ jnp.asarray(self.betas, x.dtype).T / denom[:, None]
        return sum(psi(z[:, r]) for r, psi in enumerate(self.psis))

    def complexity(self, C0: float, *, C1: float = 100.0) -> NVariableComplexity:
        """C(F*) of eq. 12 with both branches."""
        return n_variable_complexity(self.psis, N=self.N, l0=self.l0, L=self.L, C0=C0, C1=C1)


def _unit_rows(rng: np.random.Generator, k: int, width: int) -> np.ndarray:
    b = rng.standard_normal((k, width))
    return b / np.linalg.norm(b, axis=1, keepdims=True)


def random_additive(
    L: int,
    d: int,
    psi: AnalyticFunction | Sequence[AnalyticFunction],
    *,
    positions: Sequence[int] | None = None,
    seed: int = 0,
) -> AdditiveConcept:
    """An additive concept with unit beta's drawn uniformly on the sphere.

    Args:
      L: sequence length.
      d: features per step.
      psi: one function for every term, or one per term.
      positions: the step of each term (1-based); default every step 1..L once.
      seed: numpy seed of the beta draws.
    Returns:
      An ``AdditiveConcept``.
    """
    L, d = _check_int("L", L, 1), _check_int("d", d, 1)
    positions = tuple(range(1, L + 1)) if positions is None else tuple(positions)
    betas = _unit_rows(np.random.default_rng(seed), len(positions), d)
    return AdditiveConcept(L, positions, betas, psi)


def random_n_variable(
    L: int,
    d: int,
    positions: Sequence[int],
    psi: AnalyticFunction | Sequence[AnalyticFunction],
    *,
    n_terms: int = 1,
    seed: int = 0,
) -> NVariableConcept:
    """An N-variable concept at ``positions`` with ``n_terms`` unit beta_r in R^{N d}."""
    L, d = _check_int("L", L, 1), _check_int("d", d, 1)
    n_terms = _check_int("n_terms", n_terms, 1)
    betas = _unit_rows(np.random.default_rng(seed), n_terms, len(tuple(positions)) * d)
    return NVariableConcept(L, tuple(positions), betas, psi)


# ------------------------------------------------------------------ inputs and labels


def sample_sequences(
    n: int, L: int, d: int, *, c_min: float = 1.0, c_max: float = 2.0, seed: int = 0
) -> np.ndarray:
    """Random sequences with C_min <= ||X_l|| <= C_max at every step (Section 2.2).

    Each X_l is a uniform direction on the sphere S^{d-1} times a norm uniform in
    [c_min, c_max]; C0 = c_max / c_min.

    Args:
      n, L, d: samples, steps, features per step.
      c_min, c_max: norm range, 0 < c_min <= c_max.
      seed: numpy seed.
    Returns:
      Sequences of shape (n, L, d), float64.
    """
    n, L, d = _check_int("n", n, 0), _check_int("L", L, 1), _check_int("d", d, 1)
    if not (0 < c_min <= c_max < math.inf):
        raise ValueError(f"need 0 < c_min <= c_max < inf, got c_min={c_min}, c_max={c_max}.")
    rng = np.random.default_rng(seed)
    u = rng.standard_normal((n, L, d))
    u /= np.linalg.norm(u, axis=-1, keepdims=True)
    r = rng.uniform(c_min, c_max, size=(n, L, 1))
    return u * r


def as_labels(y: object, name: str = "y", n: int | None = None) -> np.ndarray:
    """Checks binary labels in {-1, +1} (shape (n,)) and returns them as float64."""
    arr = np.asarray(y)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numeric labels -1/+1, got dtype {arr.dtype}.")
    arr = arr.astype(np.float64)
    if arr.ndim != 1 or (n is not None and arr.shape[0] != n):
        want = f"({n},)" if n is not None else "(n,)"
        raise ValueError(f"{name} must have shape {want}, got {arr.shape}.")
    bad = ~np.isin(arr, (-1.0, 1.0))
    if np.any(bad):
        vals = np.unique(arr[bad])[:5].tolist()
        raise ValueError(
            f"{name} must contain only the labels -1 and +1, found {vals}; for 0/1 labels "
            f"pass 2*{name} - 1, for real scores pass np.sign({name})."
        )
    return arr


class Labels(NamedTuple):
    """Labels with the margin rescaling of Theorem 2 (y_i * y_tilde_i >= margin).

    Attributes:
      y: sign(F*(x_i)), shape (n,), in {-1, +1}.
      y_tilde: scale * F*(x_i), shape (n,) (the y~ of Theorems 3-4).
      scale: the rescaling factor margin / min_i |F*(x_i)|.
      min_abs: min_i |F*(x_i)| before rescaling.
    """

    y: np.ndarray
    y_tilde: np.ndarray
    scale: float
    min_abs: float


def label(concept, x: Float[Array, "n L d"], *, margin: float = 1.0) -> Labels:
    """y = sign(F*(x)) and F* rescaled so that y F* >= margin on this sample (Theorem 2).

    Args:
      concept: an ``AdditiveConcept`` or ``NVariableConcept`` (any callable x -> F*(x)).
      x: sequences, shape (n, L, d).
      margin: the margin to reach (Theorem 2 uses 1).
    Returns:
      ``Labels``.
    Raises:
      ValueError: if F*(x_i) = 0 for some sample (its sign, hence its label, is undefined).
    """
    if not margin > 0:
        raise ValueError(f"margin must be > 0, got {margin}.")
    f = np.asarray(concept(x), dtype=np.float64)
    a = np.abs(f)
    if f.size and not np.min(a) > 0:
        raise ValueError(
            f"F*(x_i) = 0 for sample(s) {np.flatnonzero(a == 0)[:5].tolist()}: the label "
            f"sign(F*) is undefined there; drop those samples or use sample_labelled."
        )
    min_abs = float(np.min(a)) if f.size else 1.0
    scale = margin / min_abs
    return Labels(y=np.sign(f), y_tilde=scale * f, scale=float(scale), min_abs=min_abs)


def margin_quantile(
    concept, q: float, *, n: int = 4096, c_min: float = 1.0, c_max: float = 2.0, seed: int = 0
) -> float:
    """The q-quantile of |F*(x)| under ``sample_sequences`` (to pick gamma for a margin)."""
    if not 0 <= q < 1:
        raise ValueError(f"q must lie in [0, 1), got {q}.")
    x = sample_sequences(n, concept.L, concept.d, c_min=c_min, c_max=c_max, seed=seed)
    return float(np.quantile(np.abs(np.asarray(concept(x))), q))


class LabelledData(NamedTuple):
    """A sample of the margin-conditioned distribution (see ``sample_labelled``).

    Attributes:
      x: sequences, shape (n, L, d).
      y: labels sign(F*), shape (n,).
      y_tilde: F*(x) / gamma, shape (n,): y * y_tilde >= 1 for every sample.
      f: F*(x), shape (n,).
      scale: 1 / gamma, the margin rescaling factor of F*.
      acceptance: fraction of proposals kept by the rejection step.
    """

    x: np.ndarray
    y: np.ndarray
    y_tilde: np.ndarray
    f: np.ndarray
    scale: float
    acceptance: float


def sample_labelled(
    concept,
    n: int,
    *,
    gamma: float,
    c_min: float = 1.0,
    c_max: float = 2.0,
    seed: int = 0,
    max_rounds: int = 100,
) -> LabelledData:
    """n samples of the inputs conditioned on |F*(x)| >= gamma, labelled y = sign(F*).

    The conditioned distribution has margin gamma, so F*/gamma satisfies Theorem 2's
    y F* >= 1 on *every* sample (not only on a given training set), with a rescaling
    factor 1/gamma that does not depend on n.

    Args:
      concept: the target concept.
      n: number of samples.
      gamma: the margin (> 0); e.g. ``margin_quantile(concept, 0.1)``.
      c_min, c_max: input norm range of ``sample_sequences``.
      seed: numpy seed.
      max_rounds: rejection rounds before giving up.
    Returns:
      ``LabelledData``.
    """
    n = _check_int("n", n, 0)
    if not gamma > 0:
        raise ValueError(f"gamma must be > 0, got {gamma}.")
    rng = np.random.default_rng(seed)
    xs, fs, proposed = [], [], 0
    have = 0
    for _ in range(max_rounds):
        if have >= n:
            break
        k = max(64, 2 * (n - have))
        x = sample_sequences(
            k, concept.L, concept.d, c_min=c_min, c_max=c_max, seed=int(rng.integers(2**63 - 1))
        )
        f = np.asarray(concept(x), dtype=np.float64)
        keep = np.abs(f) >= gamma
        proposed += k
        xs.append(x[keep])
        fs.append(f[keep])
        have += int(keep.sum())
    if have < n:
        raise ValueError(
            f"only {have} of {n} samples reached |F*| >= gamma = {gamma:g} after "
            f"{proposed} proposals; lower gamma (see margin_quantile)."
        )
    x = np.concatenate(xs)[:n]
    f = np.concatenate(fs)[:n]
    return LabelledData(
        x=x,
        y=np.sign(f),
        y_tilde=f / gamma,
        f=f,
        scale=1.0 / gamma,
        acceptance=have / max(proposed, 1),
    )
