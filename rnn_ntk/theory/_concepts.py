r"""Concept classes of the paper (Section 2.2, eqs. 9 and 11).

- ``AdditiveConcept`` (eq. 9): F*(x) = sum_{l,r} psi_{l,r}(beta_{l,r}^T X_l / ||X_l||).
- ``NVariableConcept`` (eq. 11):
  F*(x) = sum_r psi_r(<beta_r, [X_{l_1}, ..., X_{l_N}]> / (sqrt(N) max_n ||X_{l_n}||)).

Positions are the paper's 1-based step indices l in 1..L. With ||beta|| <= 1 every psi
argument lies in [-1, 1] (Cauchy-Schwarz), so psi only has to converge there.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from typing import Self

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from rnn_ntk._sequences import as_sequences
from rnn_ntk._validate import check_int, check_real_array, is_traced
from rnn_ntk.theory._analytic import AnalyticFunction
from rnn_ntk.theory._complexity import (
    NVariableComplexity,
    additive_complexity,
    n_variable_complexity,
)

__all__ = ["AdditiveConcept", "NVariableConcept", "random_additive", "random_n_variable"]


def _sequence(value: object, name: str, what: str) -> tuple:
    """``value`` as a tuple; TypeError naming ``name`` if it is not a sequence."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a sequence of {what}, got {type(value).__name__} "
                        f"{value!r}.")  # fmt: skip
    return tuple(value)


def _psis(psis: object, count: int, name: str) -> tuple[AnalyticFunction, ...]:
    if isinstance(psis, AnalyticFunction):
        return (psis,) * count
    psis = _sequence(psis, name, "AnalyticFunctions (or one AnalyticFunction)")
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


def _betas(betas: object, name: str) -> np.ndarray:
    b = check_real_array(name, betas)
    if b.ndim == 1:
        b = b[None]
    if b.ndim != 2 or b.shape[0] == 0:
        raise ValueError(f"{name} must have shape (terms, d), got {np.shape(betas)}.")
    norms = np.linalg.norm(b, axis=1)
    if np.any(norms > 1.0 + 1e-12):
        k = int(np.argmax(norms))
        raise ValueError(
            f"{name}[{k}] has norm {norms[k]:.6g} > 1; the concept classes require "
            f"||beta||_2 <= 1 (normalise it: beta / ||beta||)."
        )
    return b


def _positions(positions: Sequence[int], L: int, name: str) -> tuple[int, ...]:
    pos = _sequence(positions, name, "1-based step indices")
    if not pos:
        raise ValueError(f"{name} must name at least one step.")
    out = tuple(check_int(f"{name}[{k}]", p) for k, p in enumerate(pos))
    for p in out:
        if not 1 <= p <= L:
            raise ValueError(
                f"{name} must be 1-based step indices in 1..L = 1..{L} (the paper's l), "
                f"got {p!r}; build the concept with a larger L or move the position."
            )
    return out


def _check_nonzero_steps(norms: Float[Array, "n k"], positions: tuple[int, ...]) -> None:
    if is_traced(norms):
        return
    bad = np.argwhere(np.asarray(norms) == 0)
    if bad.size:
        i, k = bad[0]
        raise ValueError(
            f"x[{i}] has X_l = 0 at step l = {positions[k]}; the concept classes divide by "
            f"||X_l|| and assume C_min <= ||X_l|| with C_min > 0."
        )


@dataclasses.dataclass(frozen=True, eq=False)
class _PsiSum:
    """What the concept classes share: fields, input checks, scaling and shifting.

    A sum of psi terms on sequences of length ``L`` (see the subclasses for the
    meaning of ``positions``, ``betas`` and ``psis``).
    """

    L: int
    positions: tuple[int, ...]
    betas: np.ndarray
    psis: tuple[AnalyticFunction, ...]

    def __post_init__(self) -> None:
        L = check_int("L", self.L, low=1)
        pos = _positions(self.positions, L, "positions")
        b = _betas(self.betas, "betas")
        n_psis = self._n_terms(pos, b)
        object.__setattr__(self, "L", L)
        object.__setattr__(self, "positions", pos)
        object.__setattr__(self, "betas", b)
        object.__setattr__(self, "psis", _psis(self.psis, n_psis, "psis"))

    def _n_terms(self, pos: tuple[int, ...], b: np.ndarray) -> int:
        """Checks positions against betas; returns the number of psi terms."""
        raise NotImplementedError

    def _steps(self, x: object) -> tuple[Float[Array, "n k d"], Float[Array, "n k"]]:
        """The steps X_{l_k} of every sequence of x, (n, k, d), and their norms (n, k)."""
        s = as_sequences(x, "x", None)
        if s.lengths is not None:
            raise ValueError(
                "x carries per-sequence lengths; the concept classes are defined on "
                f"sequences of one length L = {self.L}: pass an (n, {self.L}, d) array."
            )
        _, L, d = s.x.shape
        if L != self.L:
            raise ValueError(
                f"x has sequence length L = {L} but the concept was built for L = {self.L} "
                f"(positions {self.positions}); pass sequences of length {self.L} or "
                f"build the concept with L = {L}."
            )
        if d != self.d:
            raise ValueError(
                f"x has d = {d} features per step but the concept's beta has d = "
                f"{self.d}; they must match."
            )
        X = s.x[:, np.asarray(self.positions) - 1, :]
        norms = jnp.linalg.norm(X, axis=-1)
        _check_nonzero_steps(norms, self.positions)
        return X, norms

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

    def _n_terms(self, pos: tuple[int, ...], b: np.ndarray) -> int:
        if b.shape[0] != len(pos):
            raise ValueError(
                f"betas has {b.shape[0]} rows but positions has {len(pos)} "
                f"entries; give one beta per term."
            )
        return len(pos)

    @property
    def d(self) -> int:
        """Features per step."""
        return self.betas.shape[1]

    def __call__(self, x: Float[Array, "n L d"]) -> Float[Array, " n"]:
        """F*(x) for each sequence, shape (n,)."""
        X, norms = self._steps(x)  # (n, T, d), (n, T)
        z = jnp.einsum("ntd,td->nt", X, jnp.asarray(self.betas, X.dtype)) / norms
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

    def _n_terms(self, pos: tuple[int, ...], b: np.ndarray) -> int:
        if len(set(pos)) != len(pos):
            raise ValueError(f"positions {pos} repeats a step; the N positions must differ.")
        if b.shape[1] % len(pos):
            raise ValueError(
                f"betas has {b.shape[1]} columns, not a multiple of N = {len(pos)}: each "
                f"beta_r acts on [X_l1..X_lN] and needs N*d entries."
            )
        return b.shape[0]

    @property
    def N(self) -> int:
        """Number of positions."""
        return len(self.positions)

    @property
    def d(self) -> int:
        """Features per step."""
        return self.betas.shape[1] // self.N

    @property
    def l0(self) -> int:
        """max_n l_n - min_n l_n."""
        return max(self.positions) - min(self.positions)

    def __call__(self, x: Float[Array, "n L d"]) -> Float[Array, " n"]:
        """F*(x) for each sequence, shape (n,)."""
        X, norms = self._steps(x)  # (n, N, d), (n, N)
        denom = math.sqrt(self.N) * jnp.max(norms, axis=-1)  # (n,)
        z = X.reshape(X.shape[0], self.N * self.d) @ jnp.asarray(self.betas, X.dtype).T
        z = z / denom[:, None]
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
    """An additive concept (eq. 9) with unit beta's drawn uniformly on the sphere.

    Args:
      L: sequence length.
      d: features per step.
      psi: one function for every term, or one per term.
      positions: the step of each term (1-based); default every step 1..L once.
      seed: numpy seed of the beta draws.
    Returns:
      An ``AdditiveConcept``.
    """
    L, d = check_int("L", L, low=1), check_int("d", d, low=1)
    seed = check_int("seed", seed, low=0)
    if positions is None:
        positions = tuple(range(1, L + 1))
    positions = _sequence(positions, "positions", "1-based step indices")
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
    """An N-variable concept (eq. 11) at ``positions`` with ``n_terms`` unit beta_r.

    Args:
      L: sequence length.
      d: features per step.
      positions: the N distinct steps (1-based).
      psi: one function for every term, or one per term.
      n_terms: number of terms R; each beta_r in R^{N d} is uniform on the sphere.
      seed: numpy seed of the beta draws.
    Returns:
      An ``NVariableConcept``.
    """
    L, d = check_int("L", L, low=1), check_int("d", d, low=1)
    n_terms = check_int("n_terms", n_terms, low=1)
    seed = check_int("seed", seed, low=0)
    positions = _sequence(positions, "positions", "1-based step indices")
    betas = _unit_rows(np.random.default_rng(seed), n_terms, len(positions) * d)
    return NVariableConcept(L, positions, betas, psi)
