"""RNNConfig: the network of SPEC §1 and §7, validated once; block weights."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Literal, NamedTuple

import jax

from rnn_ntk._activations import check_activation
from rnn_ntk._validate import check_bool, check_choice, check_int, check_real

__all__ = [
    "BLOCKS",
    "PARAMETERIZATIONS",
    "READOUTS",
    "LayerWeights",
    "RNNConfig",
    "block_weights",
    "layer_weights",
]

#: Parameter blocks of the network (SPEC §1) in canonical order.
BLOCKS: tuple[str, ...] = ("W", "A", "b", "B", "M0")
#: Accepted values of ``parameterization=`` (SPEC §2).
PARAMETERIZATIONS: tuple[str, ...] = ("standard", "ntk")


def _check_variance(name: str, value: object) -> float:
    return check_real(f"RNNConfig.{name}", value, low=0.0, what="variance")


_LAYERED = ("sw2", "sa2", "sb2", "s02")
#: Accepted values of ``RNNConfig.readout`` (SPEC §7).
READOUTS: tuple[str, ...] = ("last", "mean")
_BLOCK_NAME = re.compile(r"^(W|A|b|M0)_([1-9][0-9]*)$")


def _check_layered(name: str, value: object, depth: int) -> float | str | tuple:
    """A variance for every layer: a scalar, "paper" (sa2 only), or a tuple of length depth."""
    def one(v, where):
        if name == "sa2" and isinstance(v, str):
            if v != "paper":
                raise ValueError(
                    f"RNNConfig.{where} must be a variance >= 0 or the string 'paper' "
                    f"(2/L^3), got {v!r}."
                )
            return v
        return _check_variance(where, v)

    if isinstance(value, (tuple, list)):
        if len(value) != depth:
            raise ValueError(
                f"RNNConfig.{name} has {len(value)} entries but depth={depth}; give one "
                "variance per layer or a single number for every layer."
            )
        return tuple(one(v, f"{name}[{k}]") for k, v in enumerate(value))
    return one(value, name)


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True)
class RNNConfig:
    """The Elman RNN of SPEC §1 and §7 (the paper's network is the default).

    Layers k = 1..depth, steps t = 1..L (SPEC §7):

        u^k_t = W_k h^k_{t-1} + A_k z^k_t + b_k,   h^k_t = phi(u^k_t)
        z^1_t = X_t,  z^k_t = h^{k-1}_t (k > 1);   h^k_0 = phi(M0_k) (h0="random") or 0
        g(x) = B^T h^D_L (readout "last")  or  (1/L) sum_t B^T h^D_t (readout "mean")

    with ``W_k ~ N(0, sw2[k]/m)``, ``A_1 ~ N(0, sa2[1]/m)`` (m x d), ``A_k ~ N(0, sa2[k]/m)``
    (m x m), ``b_k ~ N(0, sb2[k]/m)``, ``M0_k ~ N(0, s02[k]/m)``, ``B ~ N(0, sB2/m)``
    entrywise. ``bidirectional=True`` adds a second, independent RNN of the same
    configuration run on each sequence reversed in time (within its own length); the
    outputs are summed, so every kernel is k(x, x') + k(rev x, rev x').

    The defaults are the paper's network: depth 1, ReLU, the output read at the last step.
    The config is hashable and registered as a static pytree (no leaves), so it can be
    passed straight through ``jax.jit``; each distinct config compiles once.

    Attributes:
      sw2: variance scale of the recurrent matrices W_k (paper: 2); a number for every
        layer or a tuple of ``depth`` numbers.
      sa2: variance scale of the input matrices A_k, or ``"paper"`` for 2/L^3 with the L
        of the data (paper, Section 3); a tuple of ``depth`` entries may mix numbers and
        ``"paper"`` (e.g. ``("paper", 1.0)``).
      sb2: variance scale of the biases b_k (paper: 0, no bias); number or tuple.
      s02: variance scale of M0_k, the initial hidden states' pre-activations (paper: 2);
        number or tuple.
      sB2: variance scale of the output vector B (paper: 1).
      h0: ``"random"`` (h^k_0 = phi(M0_k), the paper) or ``"zero"`` (h^k_0 = 0).
      depth: the number of stacked recurrent layers D >= 1 (paper: 1).
      activation: ``"relu"`` (paper), ``"erf"``, ``"tanh"``, any other elementwise
        function of ``jax.nn``/``jax.numpy`` by name, or a callable phi (SPEC §7: ReLU and
        erf in closed form, any other phi by Gaussian quadrature / Hermite series, phi'
        by autodiff).
      readout: ``"last"`` (g = B^T h^D_L, paper) or ``"mean"`` (the mean of B^T h^D_t over
        each sequence's own steps).
      bidirectional: add the time-reversed RNN (see above).
    """

    sw2: float | tuple[float, ...] = 2.0
    sa2: float | Literal["paper"] | tuple[float | Literal["paper"], ...] = "paper"
    sb2: float | tuple[float, ...] = 0.0
    s02: float | tuple[float, ...] = 2.0
    sB2: float = 1.0
    h0: Literal["random", "zero"] = "random"
    depth: int = 1
    activation: str | Callable = "relu"
    readout: Literal["last", "mean"] = "last"
    bidirectional: bool = False

    def __post_init__(self) -> None:
        depth = check_int("RNNConfig.depth", self.depth, low=1)
        object.__setattr__(self, "depth", depth)
        for name in _LAYERED:
            object.__setattr__(self, name, _check_layered(name, getattr(self, name), depth))
        object.__setattr__(self, "sB2", _check_variance("sB2", self.sB2))
        check_choice("RNNConfig.h0", self.h0, ("random", "zero"))
        check_activation("RNNConfig.activation", self.activation)
        check_choice("RNNConfig.readout", self.readout, READOUTS)
        object.__setattr__(
            self, "bidirectional", check_bool("RNNConfig.bidirectional", self.bidirectional)
        )

    @property
    def is_paper_architecture(self) -> bool:
        """Depth 1, ReLU, read at the last step, one direction (the paper's network)."""
        return (
            self.depth == 1
            and self.activation == "relu"
            and self.readout == "last"
            and not self.bidirectional
        )

    def layer(self, name: str, L: int) -> tuple[float, ...]:
        """One variance per layer, "paper" resolved to 2/L^3: a tuple of ``depth`` floats.

        Args:
          name: "sw2", "sa2", "sb2" or "s02".
          L: sequence length (resolves "paper").
        """
        if name not in _LAYERED:
            raise ValueError(f"name must be one of {_LAYERED}, got {name!r}.")
        value = getattr(self, name)
        values = value if isinstance(value, tuple) else (value,) * self.depth
        return tuple(_resolve(v, L) for v in values)

    def resolve_sa2(self, L: int) -> float:
        """The first layer's input variance scale for length ``L`` (2/L^3 for "paper")."""
        return self.layer("sa2", L)[0]

    def variance(self, block: str, L: int) -> float:
        """The sigma^2 of a parameter block of the first layer ("W", "A", "b", "M0"), of
        layer k ("W_k", ...) or of "B" (used by the NTK parameterisation)."""
        layer, base = 1, block
        match = _BLOCK_NAME.match(block)
        if match:
            base, layer = match.group(1), int(match.group(2))
            if layer > self.depth:
                raise ValueError(f"block {block!r} names layer {layer} but depth={self.depth}.")
        if base == "B":
            return self.sB2
        names = {"W": "sw2", "A": "sa2", "b": "sb2", "M0": "s02"}
        if base not in names:
            raise ValueError(f"unknown block {block!r}; expected one of {BLOCKS}.")
        return self.layer(names[base], L)[layer - 1]

    @property
    def k0(self) -> float:
        """K^0 = lim <h_0(x), h_0(x')> = s02/2 (random ReLU h_0, one shared M0) or 0.

        Only for ReLU with one s02 (other activations: E[phi(M)^2], see
        ``rnn_ntk.infinite``)."""
        if self.h0 == "zero":
            return 0.0
        if self.activation != "relu" or isinstance(self.s02, tuple):
            raise ValueError(
                "RNNConfig.k0 is s02/2 for ReLU with one s02; for other activations or "
                "per-layer s02 it is E[phi(M0_k)^2] per layer."
            )
        return self.s02 / 2.0


def _resolve(v: float | str, L: int) -> float:
    if v == "paper":
        if L < 1:
            raise ValueError(f"sequence length L must be >= 1, got {L}.")
        return 2.0 / float(L) ** 3
    return float(v)


class LayerWeights(NamedTuple):
    """The weight of each layer's block in a summed NTK (0: not requested).

    Attributes:
      W, A, b, M0: one weight per layer k = 1..depth (tuples of floats).
      B: the output block's weight.
    """

    W: tuple[float, ...]
    A: tuple[float, ...]
    b: tuple[float, ...]
    B: float
    M0: tuple[float, ...]


def _requested(cfg: RNNConfig, blocks: object) -> set[tuple[str, int]]:
    """The (block, layer) pairs named by ``blocks`` (layer 0 for B)."""
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
    out: set[tuple[str, int]] = set()
    for name in blocks:
        match = _BLOCK_NAME.match(name) if isinstance(name, str) else None
        if match:
            base, layer = match.group(1), int(match.group(2))
            if layer > cfg.depth:
                raise ValueError(
                    f"block {name!r} names layer {layer} but the network has depth="
                    f"{cfg.depth}; use layers 1..{cfg.depth}."
                )
            pairs = {(base, layer)}
        elif name in BLOCKS:
            pairs = {("B", 0)} if name == "B" else {(name, k) for k in range(1, cfg.depth + 1)}
        else:
            raise ValueError(
                f"unknown block {name!r} in blocks; choose from {BLOCKS} (summed over "
                "layers) or a layer's block such as 'W_1', 'A_2', 'b_1', 'M0_2'."
            )
        if pairs & out:
            raise ValueError(f"blocks {blocks} names a block twice; each block counts once.")
        out |= pairs
    if cfg.h0 == "zero" and any(base == "M0" for base, _ in out):
        raise ValueError(
            "block 'M0' exists only with h0='random' (h0='zero' has no M0); drop it from "
            "blocks or use RNNConfig(h0='random')."
        )
    return out


def layer_weights(
    cfg: RNNConfig, L: int, blocks: Sequence[str], parameterization: str
) -> LayerWeights:
    """Per-layer weights with which each block enters the summed NTK (SPEC §7).

    Args:
      cfg: the network.
      L: sequence length (resolves sa2="paper").
      blocks: the trained blocks: "W", "A", "b", "M0" (every layer's), "B", or one
        layer's block "W_k", "A_k", "b_k", "M0_k" (k = 1..depth), each at most once.
      parameterization: "standard" (weight 1, SPEC §2) or "ntk" (weight sigma^2 of that
        layer's block).
    Returns:
      A ``LayerWeights``; 0 for blocks not requested.
    """
    pairs = _requested(cfg, blocks)
    check_choice("parameterization", parameterization, PARAMETERIZATIONS)
    ntk = parameterization == "ntk"
    names = {"W": "sw2", "A": "sa2", "b": "sb2", "M0": "s02"}

    def per_layer(base):
        var = cfg.layer(names[base], L)
        return tuple(
            (var[k - 1] if ntk else 1.0) if (base, k) in pairs else 0.0
            for k in range(1, cfg.depth + 1)
        )

    wB = (cfg.sB2 if ntk else 1.0) if ("B", 0) in pairs else 0.0
    return LayerWeights(per_layer("W"), per_layer("A"), per_layer("b"), wB, per_layer("M0"))


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
    if cfg.depth != 1:
        raise ValueError(
            f"block_weights is for depth-1 networks (depth={cfg.depth}); use "
            "layer_weights, which gives one weight per layer."
        )
    w = layer_weights(cfg, L, blocks, parameterization)
    return (w.W[0], w.A[0], w.b[0], w.B, w.M0[0])
