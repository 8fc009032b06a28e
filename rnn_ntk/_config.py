"""RNNConfig: the network of SPEC §1, validated once."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Literal

import jax

from rnn_ntk._validate import check_choice, check_real

__all__ = ["BLOCKS", "PARAMETERIZATIONS", "RNNConfig", "block_weights"]

#: Parameter blocks of the network (SPEC §1) in canonical order.
BLOCKS: tuple[str, ...] = ("W", "A", "b", "B", "M0")
#: Accepted values of ``parameterization=`` (SPEC §2).
PARAMETERIZATIONS: tuple[str, ...] = ("standard", "ntk")


def _check_variance(name: str, value: object) -> float:
    return check_real(f"RNNConfig.{name}", value, low=0.0, what="variance")


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
        check_choice("RNNConfig.h0", self.h0, ("random", "zero"))

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


def block_weights(
    cfg: RNNConfig, L: int, blocks: Sequence[str], parameterization: str
) -> tuple[float, float, float, float, float]:
    """Weights (w_W, w_A, w_b, w_B, w_M0) with which each block enters the summed NTK.

    Args:
      cfg: the network.
      L: sequence length (resolves sa2="paper").
      blocks: the trained blocks, any non-empty subset of {"W", "A", "b", "B", "M0"}.
      parameterization: "standard" (weight 1, SPEC §2) or "ntk" (weight sigma^2 of the block).
    Returns:
      One weight per block of ``BLOCKS``; 0 for blocks not requested.
    """
    if isinstance(blocks, str):
        blocks = (blocks,)
    if blocks is None or not isinstance(blocks, Iterable):
        raise TypeError(
            f"blocks must be a sequence of block names from {BLOCKS}, e.g. ('W',), got "
            f"{blocks!r}."
        )
    blocks = tuple(blocks)
    if not blocks:
        raise ValueError(f"blocks must name at least one of {BLOCKS}, got an empty sequence.")
    unknown = [b for b in blocks if b not in BLOCKS]
    if unknown:
        raise ValueError(f"unknown block(s) {unknown} in blocks; choose from {BLOCKS}.")
    if len(set(blocks)) != len(blocks):
        raise ValueError(f"blocks {blocks} names a block twice; each block counts once.")
    if "M0" in blocks and cfg.h0 == "zero":
        raise ValueError(
            "block 'M0' exists only with h0='random' (h0='zero' has no M0); drop it from "
            "blocks or use RNNConfig(h0='random')."
        )
    check_choice("parameterization", parameterization, PARAMETERIZATIONS)
    scale = (lambda b: cfg.variance(b, L)) if parameterization == "ntk" else (lambda b: 1.0)
    return tuple(scale(b) if b in blocks else 0.0 for b in BLOCKS)  # type: ignore[return-value]
