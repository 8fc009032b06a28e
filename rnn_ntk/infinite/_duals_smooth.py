r"""Duals of smooth activations: erf in closed form, any other phi by a Hermite series.

Same interface as ``_duals.ReLUDual`` (SPEC §7). For (u, v) ~ N(0, [[S, S12], [S12, S']]),
rho = S12 / sqrt(S S'):

erf (Williams 1997; SPEC §7):

    E[erf(u) erf(v)]   = (2/pi) arcsin(2 S12 / sqrt((1 + 2 S)(1 + 2 S')))
    E[erf'(u) erf'(v)] = (4/pi) / sqrt((1 + 2 S)(1 + 2 S') - 4 S12^2)

Any other phi (Mehler's formula; SPEC §7): with the normalised Hermite coefficients
c_r(f, S) = E[f(sqrt(S) z) He_r(z)] / sqrt(r!), z ~ N(0, 1), from Gauss-Hermite
quadrature per sample,

    E[phi(u) phi(v)]   = sum_{r < R} c_r(phi, S) c_r(phi, S') rho^r
    E[phi'(u) phi'(v)] = sum_{r < R} c_r(phi', S) c_r(phi', S') rho^r

phi' by autodiff. The diagonal E[phi(u)^2] is the same truncated series at rho = 1, so a
sample paired with itself has rho = 1 exactly and the defect E = sqrt(K K') - K >= 0
(Cauchy-Schwarz on the truncated coefficient vectors). Truncation: the dropped tail
sum_{r >= R} c_r^2 bounds the error of K (and likewise of Kd with phi'); for tanh with
R = 160, 320 nodes it is below 1e-15 at S = 0.5, about 1e-10 (K) / 1e-8 (Kd) at S = 2 and
1e-6 / 1e-4 at S = 5 (measured): the series suits moderate pre-activation variances.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import jax.numpy as jnp
from jax import lax

from rnn_ntk._activations import activation_fn, derivative_fn, gauss_hermite, hermite_basis
from rnn_ntk.infinite._duals import RELU, ReLUDual, arcsin, nearer_pole_rho

__all__ = ["ErfDual", "HermiteDual", "dual_for"]


def _asin(a):
    """arcsin on [-1, 1] through the vectorised polynomial of ``_duals``."""
    return jnp.sign(a) * arcsin(jnp.clip(jnp.abs(a), 0.0, 1.0))


@dataclasses.dataclass(frozen=True)
class ErfDual:
    """The dual of erf in closed form (SPEC §7); per-sample data is the variance S."""

    homogeneous = False

    def sample(self, S):
        return (S,)

    def diagonal(self, S):
        """E[erf(u)^2] = (2/pi) arcsin(2S / (1 + 2S))."""
        return (2.0 / math.pi) * _asin(2.0 * S / (1.0 + 2.0 * S))

    def mean(self, S):
        """E[erf(u)] = 0 (erf is odd)."""
        return jnp.zeros_like(S)

    def moments(self, s):
        s = jnp.asarray(s)
        return self.mean(s), self.diagonal(s), (4.0 / math.pi) / jnp.sqrt(1.0 + 4.0 * s)

    def pair(self, sq, omr, opr, dr, dc):
        (S1,), (S2,) = dr, dc
        s12 = sq * nearer_pole_rho(omr, opr)
        a1, a2 = 1.0 + 2.0 * S1, 1.0 + 2.0 * S2
        K = (2.0 / math.pi) * _asin(2.0 * s12 / jnp.sqrt(a1 * a2))
        kd = (4.0 / math.pi) / jnp.sqrt(a1 * a2 - 4.0 * s12 * s12)
        E = jnp.sqrt(self.diagonal(S1) * self.diagonal(S2)) - K
        return kd, K, E


@dataclasses.dataclass(frozen=True)
class HermiteDual:
    """The dual of any elementwise phi by its Hermite series (SPEC §7).

    Attributes:
      phi: the activation (a jax-traceable elementwise function).
      terms: R, the number of Hermite coefficients kept.
      nodes: Gauss-Hermite nodes of the 1-D coefficient integrals (>= 2R).
    """

    phi: Callable
    terms: int = 160
    nodes: int = 320
    homogeneous = False

    def _coef(self, f, S):
        z, _ = gauss_hermite(self.nodes)
        basis = jnp.asarray(hermite_basis(self.nodes, self.terms), S.dtype)
        u = jnp.sqrt(S)[..., None] * jnp.asarray(z, S.dtype)
        return f(u) @ basis

    def sample(self, S):
        """(c_r(phi, S), c_r(phi', S), sum_r c_r(phi, S)^2): shapes (..., R), (..., R), (...)."""
        c = self._coef(self.phi, S)
        d = self._coef(derivative_fn(self.phi), S)
        return c, d, jnp.sum(c * c, axis=-1)

    def diagonal(self, S):
        c = self._coef(self.phi, S)
        return jnp.sum(c * c, axis=-1)

    def mean(self, S):
        """E[phi(u)] = c_0(phi, S)."""
        z, w = gauss_hermite(self.nodes)
        u = jnp.sqrt(S)[..., None] * jnp.asarray(z, S.dtype)
        return self.phi(u) @ jnp.asarray(w, S.dtype)

    def moments(self, s):
        s = jnp.asarray(s)
        z, w = gauss_hermite(self.nodes)
        u = jnp.sqrt(s)[..., None] * jnp.asarray(z, s.dtype)
        w = jnp.asarray(w, s.dtype)
        dphi = derivative_fn(self.phi)
        return self.phi(u) @ w, self.phi(u) ** 2 @ w, dphi(u) ** 2 @ w

    def pair(self, sq, omr, opr, dr, dc):
        """Both series by Horner's rule in a loop over r: O(R) work and no (..., R) array
        of pairs (a tile of pairs would otherwise hold T^2 R numbers per step)."""
        (c1, d1, k1), (c2, d2, k2) = dr, dc
        rho = nearer_pole_rho(omr, opr)
        shape = jnp.broadcast_shapes(rho.shape, k1.shape, k2.shape)
        zero = jnp.zeros(shape, rho.dtype)

        def term(i, acc):
            K, kd = acc
            r = self.terms - 1 - i
            K = K * rho + c1[..., r] * c2[..., r]
            kd = kd * rho + d1[..., r] * d2[..., r]
            return K, kd

        K, kd = lax.fori_loop(0, self.terms, term, (zero, zero))
        return kd, K, jnp.sqrt(k1 * k2) - K


#: Duals by activation name (anything else: ``HermiteDual``).
_CLOSED = {"relu": RELU, "erf": ErfDual()}


def dual_for(activation: str | Callable) -> ReLUDual | ErfDual | HermiteDual:
    """The dual of an activation: ReLU and erf in closed form, else the Hermite series."""
    if isinstance(activation, str) and activation in _CLOSED:
        return _CLOSED[activation]
    return HermiteDual(activation_fn(activation))
