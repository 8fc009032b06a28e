"""How the learning-theory experiments draw concepts and data (SPEC §4), checked once.

``Sampling`` holds the options the tables share and checks them all before any concept
is drawn; ``check_lengths`` checks a list of sequence lengths or sizes.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from rnn_ntk._config import RNNConfig
from rnn_ntk._validate import check_int, check_real
from rnn_ntk.infinite import ntk
from rnn_ntk.theory import (
    AnalyticFunction,
    exp_series,
    generalization_bound,
    margin_quantile,
    norm_bound,
    sample_labelled,
    sample_sequences,
)

__all__ = ["Sampling", "check_counts", "check_quantile"]


def check_quantile(name: str, q: object) -> float:
    """A quantile in [0, 1) (``margin_quantile``'s range)."""
    v = check_real(name, q, low=0.0, high=1.0, what="quantile")
    if v == 1.0:
        raise ValueError(f"{name} must be a quantile in [0, 1), got 1.0.")
    return v


def check_counts(
    name: str, values: object, *, low: int = 1, empty: bool = False
) -> tuple[int, ...]:
    """A sequence of ints >= ``low`` (sequence lengths, sample sizes).

    Args:
      name: the argument's name, for the message.
      values: the sequence.
      low: the smallest allowed value.
      empty: whether an empty sequence is allowed.
    Returns:
      The values as a tuple of ints.
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a sequence of ints >= {low}, got {values!r}.")
    out = tuple(check_int(f"{name}[{i}]", v, low=low) for i, v in enumerate(values))
    if not out and not empty:
        raise ValueError(f"{name} must hold at least one value, got an empty sequence.")
    return out


@dataclasses.dataclass(frozen=True)
class Sampling:
    """How the concept-class tables draw concepts and data (the options they share).

    ``additive_vs_L`` and ``n_variable_sweep`` take these fields as keyword options.

    Attributes:
      n: samples per data set.
      d: features per step.
      psi: the analytic psi of the concepts' terms (None: ``exp_series()``).
      repeats: concept draws averaged per row (>= 1).
      c_min, c_max: the input norms' range C_min <= ||X_l|| <= C_max.
      margin_q: the margin gamma is this quantile of |F*|.
      delta: failure probability of eq. 19.
      cfg: the network whose H^inf is used.
      seed: base seed of concepts and samples.
    """

    n: int = 128
    d: int = 2
    psi: AnalyticFunction | None = None
    repeats: int = 3
    c_min: float = 1.0
    c_max: float = 2.0
    margin_q: float = 0.1
    delta: float = 0.05
    cfg: RNNConfig = RNNConfig()
    seed: int = 0

    def __post_init__(self) -> None:
        """Checks every field before any concept is drawn (TypeError, ValueError)."""
        c_min = check_real("c_min", self.c_min, low=0.0, open_low=True, what="norm")
        checked = {
            "n": check_int("n", self.n, low=1),
            "d": check_int("d", self.d, low=1),
            "repeats": check_int("repeats", self.repeats, low=1),
            "c_min": c_min,
            "c_max": check_real("c_max", self.c_max, low=c_min, what="norm (>= c_min)"),
            "margin_q": check_quantile("margin_q", self.margin_q),
            "delta": check_real("delta", self.delta, low=0.0, open_low=True,
                                high=math.exp(-1), what="probability (Theorem 2)"),
            "seed": check_int("seed", self.seed, low=0),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        if not isinstance(self.cfg, RNNConfig):
            raise TypeError(f"cfg must be an RNNConfig, got {type(self.cfg).__name__}.")
        if self.psi is None:
            object.__setattr__(self, "psi", exp_series())

    @property
    def C0(self) -> float:
        """C0 = C_max / C_min."""
        return self.c_max / self.c_min

    def notes(self) -> dict:
        """The settings, for a table's notes."""
        return {"n": self.n, "d": self.d, "C_min": self.c_min, "C_max": self.c_max,
                "C0": self.C0, "margin_q": self.margin_q, "delta": self.delta,
                "seed": self.seed, "repeats": self.repeats}

    def centre(self, concept, seed: int, pilot: int = 2000):
        """Concept shifted to median 0 on a pilot sample, and its margin gamma."""
        box = dict(c_min=self.c_min, c_max=self.c_max)
        x = sample_sequences(pilot, concept.L, concept.d, seed=seed, **box)
        concept = concept.shifted(-float(np.median(np.asarray(concept(x)))))
        gamma = margin_quantile(concept, self.margin_q, n=pilot, seed=seed + 1, **box)
        if not gamma > 0:
            raise ValueError(
                f"the margin gamma (the margin_q = {self.margin_q:g} quantile of |F*|) is 0: "
                f"the centred concept is 0 on at least that fraction of inputs (it takes few "
                f"values, e.g. with d = 1 at small L); raise margin_q, d or L."
            )
        return concept, gamma

    def sample(self, concept, gamma: float, n: int, seed: int):
        """n inputs conditioned on |F*| >= gamma, with their labels."""
        return sample_labelled(concept, n, gamma=gamma, c_min=self.c_min, c_max=self.c_max,
                               seed=seed)

    def measure(self, concept, seed: int) -> tuple[object, float, tuple[float, ...]]:
        """Centres ``concept``, draws n samples; (concept, gamma, (q~/n, q/n, cond, eq. 19))."""
        concept, gamma = self.centre(concept, seed)
        data = self.sample(concept, gamma, self.n, seed + 1000)
        H = np.asarray(ntk(data.x, cfg=self.cfg))
        nb, nl = norm_bound(H, data.y_tilde), norm_bound(H, data.y)
        bound = generalization_bound(nb.quad, self.n, delta=self.delta)
        return concept, gamma, (nb.quad / self.n, nl.quad / self.n, nb.cond, bound.value)
