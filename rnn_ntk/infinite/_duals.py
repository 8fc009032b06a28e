"""Arc-cosine kernels of ReLU and their cancellation-free "1 - kappa" forms (SPEC §2-3).

For pre-activations (u, u') ~ N(0, [[a, s], [s, a']]) with rho = s / sqrt(a a') = cos(theta):

    E[relu(u) relu(u')]   = sqrt(a a') / 2 * kappa1(rho)
    E[step(u) step(u')]   = kappa0(rho) / 2

    kappa1(rho) = (sqrt(1 - rho^2) + (pi - arccos rho) rho) / pi
    kappa0(rho) = (pi - arccos rho) / pi = 1/2 + arcsin(rho) / pi   (the paper's Sigma, eq. 28)

In the paper's regime rho -> 1, and anti-parallel inputs give rho -> -1, so ``poles``
takes ``omr = 1 - rho`` and ``opr = 1 + rho`` (both computed upstream without
subtracting nearly equal numbers) and returns kappa0 and the "1 - kappa" forms directly;
for rho >= 0:

    theta       = 2 arcsin(sqrt(omr / 2))
    1 - kappa0  = theta / pi
    1 - kappa1  = omr - (sin theta - theta cos theta) / pi

(rho < 0 mirrors this about the pole rho = -1; see ``poles``), with ``sin t - t cos t``
from its Taylor series for small t.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import jax.numpy as jnp
from jaxtyping import Array, Float

__all__ = [
    "RELU",
    "ReLUDual",
    "arcsin",
    "arccos_terms",
    "kappa0",
    "kappa1",
    "nearer_pole_rho",
    "poles",
    "sin_minus_tcos",
]

# Below this angle sin t - t cos t (~ t^3/3) is summed from its series: the truncation
# error after the t^13 term is below 1e-17 relative there, while the direct form loses
# ~3 eps / t^2 relative to cancellation.
_SERIES_THETA = 0.25
# sin t - t cos t = sum_k (-1)^(k+1) (2k) / (2k+1)! t^(2k+1), k >= 1.
_SERIES = tuple((-1) ** (k + 1) * (2 * k) / math.factorial(2 * k + 1) for k in range(1, 7))


# arcsin(u) = sum_k (2k)! / (4^k (k!)^2 (2k+1)) u^(2k+1); for u <= 1/2 the terms fall by
# u^2 <= 1/4 each, so 28 terms leave a tail below 1e-18 relative.
_ASIN = tuple(
    float(Fraction(math.comb(2 * k, k), 4**k * (2 * k + 1))) for k in range(28)
)


def arcsin(s: Float[Array, "..."]) -> Float[Array, "..."]:
    """arcsin for s in [0, 1] as a polynomial (vectorises; XLA's CPU arcsin is scalar libm).

    For s <= 1/2 the Taylor series in s^2; above, arcsin(s) = pi/2 - 2 arcsin(sqrt((1-s)/2))
    (1 - s is exact there), which maps the argument back into [0, 1/2].
    """
    low = s <= 0.5
    u = jnp.where(low, s, jnp.sqrt(0.5 * (1.0 - s)))
    u2 = u * u
    poly = jnp.zeros_like(u)
    for c in reversed(_ASIN):
        poly = poly * u2 + c
    p = u * poly
    return jnp.where(low, p, 0.5 * jnp.pi - 2.0 * p)


def _series(t):
    t2 = t * t
    poly = jnp.zeros_like(t)
    for c in reversed(_SERIES):
        poly = poly * t2 + c
    return t * t2 * poly


def sin_minus_tcos(t: Float[Array, "..."]) -> Float[Array, "..."]:
    """sin t - t cos t for t in [0, pi], accurate to a few ulp also as t -> 0."""
    return jnp.where(t < _SERIES_THETA, _series(t), jnp.sin(t) - t * jnp.cos(t))


def poles(
    omr: Float[Array, "..."], opr: Float[Array, "..."] | None = None
) -> tuple[Float[Array, "..."], ...]:
    """(theta, kappa0, 1 - kappa0, 1 - kappa1) at rho = 1 - omr = opr - 1, one arcsin.

    Both poles are cancellation-free: with t = min(omr, opr) (1 - rho for rho >= 0,
    1 + rho for rho < 0, each computed upstream without subtracting nearly equal
    numbers) and phi the angle to the nearer pole, s = sin(phi/2) = sqrt(t/2),
    c = cos(phi/2) = sqrt(1 - t/2): phi = 2 arcsin(s), sin phi = 2 s c, cos phi = 1 - t,
    so no sin/cos is evaluated; below phi = 0.25 the series of sin t - t cos t is used.
    Then theta = phi (rho >= 0) or pi - phi (rho < 0), and

        rho >= 0:  1 - kappa0 = phi / pi,   1 - kappa1 = omr - (sin phi - phi cos phi) / pi
        rho <  0:  kappa0 = phi / pi,       kappa1 = (sin phi - phi cos phi) / pi

    so kappa0 keeps its relative accuracy at both poles (it is the factor of F^l).

    Args:
      omr: 1 - rho, any shape; clipped to [0, 2].
      opr: 1 + rho, the same shape; None for the rho >= 0 pole only (accurate for
        rho >= 0; as rho -> -1 it loses precision).
    Returns:
      theta, kappa0(rho), 1 - kappa0(rho), 1 - kappa1(rho), each of the shape of ``omr``.
    """
    omr = jnp.clip(omr, 0.0, 2.0)
    if opr is None:
        t, neg = omr, None
    else:
        opr = jnp.clip(opr, 0.0, 2.0)
        neg = opr < omr  # rho < 0: the pole rho = -1 is the nearer one
        t = jnp.minimum(omr, opr)
    half = 0.5 * t
    s = jnp.sqrt(half)
    phi = 2.0 * arcsin(s)
    direct = 2.0 * s * jnp.sqrt(1.0 - half) - phi * (1.0 - t)
    smtc = jnp.where(phi < _SERIES_THETA, _series(phi), direct)
    q = phi / jnp.pi
    if neg is None:
        return phi, 1.0 - q, q, (jnp.pi * omr - smtc) / jnp.pi
    theta = jnp.where(neg, jnp.pi - phi, phi)
    k0 = jnp.where(neg, q, 1.0 - q)
    om_k0 = jnp.where(neg, 1.0 - q, q)
    om_k1 = jnp.where(neg, 1.0, omr) - smtc / jnp.pi
    return theta, k0, om_k0, om_k1


def nearer_pole_rho(omr: Float[Array, "..."], opr: Float[Array, "..."]) -> Float[Array, "..."]:
    """rho from whichever of 1 - rho (``omr``) and 1 + rho (``opr``) is smaller (both are
    computed upstream without cancellation, so rho keeps its accuracy at both poles)."""
    return jnp.where(opr < omr, opr - 1.0, 1.0 - omr)


def arccos_terms(
    omr: Float[Array, "..."], opr: Float[Array, "..."] | None = None
) -> tuple[Float[Array, "..."], Float[Array, "..."], Float[Array, "..."]]:
    """(theta, 1 - kappa0, 1 - kappa1) at rho = 1 - omr (= opr - 1); see ``poles``."""
    theta, _, om_k0, om_k1 = poles(omr, opr)
    return theta, om_k0, om_k1


def kappa0(rho: Float[Array, "..."]) -> Float[Array, "..."]:
    """kappa0(rho) = (pi - arccos rho) / pi (direct form, for moderate rho)."""
    rho = jnp.clip(rho, -1.0, 1.0)
    return (jnp.pi - jnp.arccos(rho)) / jnp.pi


def kappa1(rho: Float[Array, "..."]) -> Float[Array, "..."]:
    """kappa1(rho) = (sqrt(1 - rho^2) + (pi - arccos rho) rho) / pi (direct form)."""
    rho = jnp.clip(rho, -1.0, 1.0)
    return (jnp.sqrt(1.0 - rho * rho) + (jnp.pi - jnp.arccos(rho)) * rho) / jnp.pi


@dataclasses.dataclass(frozen=True)
class ReLUDual:
    """The dual of ReLU in the stable defect form (SPEC §2-3, §7): the activation interface.

    A dual maps the Gaussian statistics of a pair's pre-activations,
    (u, u') ~ N(0, [[S, S12], [S12, S']]), to the post-activation kernels one layer needs:

        diagonal(S)        = E[phi(u)^2]                               (per sample)
        pair(sq, omr, opr) = (Kd, K, E) with sq = sqrt(S S'), omr = 1 - rho, opr = 1 + rho:
                             Kd = E[phi'(u) phi'(u')],   K = E[phi(u) phi(u')],
                             E = sqrt(K(x,x) K(x',x')) - K   (the Cauchy-Schwarz defect)

    For ReLU (positively homogeneous): E[relu(u)^2] = S/2, sqrt(K(x,x) K(x',x')) = sq/2,
    K = sq/2 kappa1(rho), E = sq/2 (1 - kappa1) and Kd = kappa0(rho)/2, all from
    ``poles(omr, opr)`` without cancellation at either pole. A zero-variance sample (sq = 0) has
    u = 0 exactly, so Kd = 0 (relu'(0) = 0, as ``jax.nn.relu``) and K = E = 0.
    """

    homogeneous = True

    def sample(self, S: Float[Array, "..."]) -> tuple:
        """Per-sample data a pair needs beyond sq: none for ReLU."""
        return ()

    def diagonal(self, S: Float[Array, "..."]) -> Float[Array, "..."]:
        """E[relu(u)^2] for u ~ N(0, S)."""
        return S / 2.0

    def mean(self, S: Float[Array, "..."]) -> Float[Array, "..."]:
        """E[relu(u)] = sqrt(S / (2 pi)) for u ~ N(0, S)."""
        return jnp.sqrt(S / (2.0 * math.pi))

    def moments(self, s: Float[Array, "..."]) -> tuple[Array, Array, Array]:
        """(E relu(M), E relu(M)^2, E relu'(M)^2) for M ~ N(0, s): sqrt(s/2pi), s/2, 1/2."""
        s = jnp.asarray(s)
        return self.mean(s), self.diagonal(s), jnp.where(s > 0, 0.5, 0.0).astype(s.dtype)

    def pair(
        self,
        sq: Float[Array, "..."],
        omr: Float[Array, "..."],
        opr: Float[Array, "..."],
        dr: tuple = (),
        dc: tuple = (),
    ) -> tuple[Float[Array, "..."], Float[Array, "..."], Float[Array, "..."]]:
        """(Kd, K, E) of a pair from sq = sqrt(S S'), omr = 1 - rho and opr = 1 + rho
        (``dr``, ``dc``: the samples' ``sample`` data, empty for ReLU)."""
        _, k0, _, om_k1 = poles(omr, opr)
        kd = jnp.where(sq > 0, 0.5 * k0, 0.0)
        E = 0.5 * sq * om_k1  # vanishes with sq
        return kd, 0.5 * sq - E, E


#: The ReLU dual (the paper's activation).
RELU = ReLUDual()
