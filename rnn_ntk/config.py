"""RNNConfig: the network of SPEC §1, validated once."""

from __future__ import annotations

import dataclasses
import math
from typing import Literal

import jax

__all__ = ["RNNConfig", "BLOCKS"]

#: Parameter blocks of the network (SPEC §1) in canonical order.
BLOCKS: tuple[str, ...] = ("W", "A", "b", "B", "M0")


def _check_variance(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"RNNConfig.{name} must be a real number, got {type(value).__name__}.")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"RNNConfig.{name} must be a finite variance >= 0, got {value!r}.")
    return value


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True)
class RNNConfig:
    """The ReLU Elman RNN of SPEC §1 (the paper's network is the default).

    ``h_0 = relu(M0)`` (``h0="random"``) or ``0`` (``h0="zero"``);
    ``u_l = W h_{l-1} + A X_l + b``, ``h_l = relu(u_l)``, ``g(x) = B^T h_L``, with
    ``W ~ N(0, sw2/m)``, ``A ~ N(0, sa2/m)``, ``b ~ N(0, sb2/m)``, ``M0 ~ N(0, s02/m)``,
    ``B ~ N(0, sB2/m)`` entrywise.

    The config is hashable and registered as a static pytree (no leaves), so it can be
    passed straight through ``jax.jit``; each distinct config compiles once.

    Attributes:
      sw2: variance scale of the recurrent matrix W (paper: 2).
      sa2: variance scale of the input matrix A, or ``"paper"`` for 2/L^3 with the L of
        the data (paper, Section 3).
      sb2: variance scale of the bias b (paper: 0, no bias).
      s02: variance scale of M0, the initial hidden state's pre-activation (paper: 2).
      sB2: variance scale of the output vector B (paper: 1).
      h0: ``"random"`` (h_0 = relu(M0), the paper) or ``"zero"`` (h_0 = 0).
    """

    sw2: float = 2.0
    sa2: float | Literal["paper"] = "paper"
    sb2: float = 0.0
    s02: float = 2.0
    sB2: float = 1.0
    h0: Literal["random", "zero"] = "random"

    def __post_init__(self) -> None:
        for name in ("sw2", "sb2", "s02", "sB2"):
            object.__setattr__(self, name, _check_variance(name, getattr(self, name)))
        if isinstance(self.sa2, str):
            if self.sa2 != "paper":
                raise ValueError(
                    f"RNNConfig.sa2 must be a variance >= 0 or the string 'paper' "
                    f"(2/L^3), got {self.sa2!r}."
                )
        else:
            object.__setattr__(self, "sa2", _check_variance("sa2", self.sa2))
        if self.h0 not in ("random", "zero"):
            raise ValueError(f"RNNConfig.h0 must be 'random' or 'zero', got {self.h0!r}.")

    def resolve_sa2(self, L: int) -> float:
        """The input variance scale for sequences of length ``L`` (2/L^3 for "paper")."""
        if self.sa2 == "paper":
            if L < 1:
                raise ValueError(f"sequence length L must be >= 1, got {L}.")
            return 2.0 / float(L) ** 3
        return float(self.sa2)

    def variance(self, block: str, L: int) -> float:
        """The sigma^2 of a parameter block (used by the NTK parameterisation)."""
        if block == "A":
            return self.resolve_sa2(L)
        try:
            return {"W": self.sw2, "b": self.sb2, "B": self.sB2, "M0": self.s02}[block]
        except KeyError:
            raise ValueError(f"unknown block {block!r}; expected one of {BLOCKS}.") from None

    @property
    def k0(self) -> float:
        """K^0 = lim <h_0(x), h_0(x')> = s02/2 (random h_0, one shared M0) or 0."""
        return self.s02 / 2.0 if self.h0 == "random" else 0.0
