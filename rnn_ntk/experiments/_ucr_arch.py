"""The UCR protocol's architecture column ``rnn_arch``: (architecture, variances, C) by CV.

The search space (``ArchGrid``) is the product of depth in {1, 2}, activation in
{relu, tanh}, readout in {last, mean}, bidirectional in {False, True} and h0 in
{random, zero} (SPEC §7), less the combinations named in ``exclude``. Every architecture
comes with a few variance settings tied to the inputs' scale (L steps, m2 = mean |X_l|^2
over the training sequences' own steps):

    relu: sw2 = 2 in every layer (the paper's critical value, at which K^l neither
          explodes nor vanishes); layer 1 sa2 = 2/L^3 ("paper") or c / (L m2) (rnn_cv's
          relative scale, c = 1: the inputs add about c/2 to K^L, comparable with
          K^0 = s02/2 = 1); layers k > 1 sa2 = 1/L (their input h^{k-1} has power K^{k-1}
          of order 1, so over L steps it adds about as much as layer 1's inputs with c = 1).
    tanh: sw2 = 1 in every layer (tanh's edge of chaos; E[tanh^2] < 1 keeps sw2 K^l < 1),
          layer 1 sa2 = c / m2 per step, not per sequence (the tanh state forgets; its
          variance does not accumulate over steps), layers k > 1 sa2 = c; so every
          pre-activation variance is S <= sw2 + c = 2 for c = 1, where the Hermite series of
          the tanh dual is accurate to about 1e-10 (``rnn_ntk.infinite``).

``search="product"`` scores every (architecture, variance setting, C) by stratified k-fold
CV on the training split, exactly as ``rnn_cv`` (``cv_rnn_svm``: one training Gram per
setting, sliced per fold; first best wins ties, and the paper's architecture comes first).
``search="greedy"`` is a coordinate ascent from the paper's architecture: each round scores
every architecture one axis away from the current one (scores are cached) and moves to the
best if it is strictly better in CV, until none is: 1 + 5 architectures if the paper's
wins, about 5 more per move.
"""

from __future__ import annotations

import dataclasses
import itertools
import time

import numpy as np

__all__ = [
    "ARCH_AXES",
    "PAPER_ARCH",
    "QUICK_ARCH_SEARCH",
    "FULL_ARCH_SEARCH",
    "ArchGrid",
    "arch_column",
    "arch_label",
    "arch_settings",
    "architectures",
    "cv_architecture",
    "mcnemar",
]

#: The architecture's axes, in the order of ``ArchGrid`` and of the labels.
ARCH_AXES: tuple[str, ...] = ("depth", "activation", "readout", "bidirectional", "h0")
#: The paper's network (SPEC §1).
PAPER_ARCH: dict = {"depth": 1, "activation": "relu", "readout": "last",
                    "bidirectional": False, "h0": "random"}


@dataclasses.dataclass(frozen=True)
class ArchGrid:
    """The search of the ``rnn_arch`` column.

    Attributes:
      depth, activation, readout, bidirectional, h0: values of each axis (the first
        value of each should be the paper's).
      exclude: pairs of axis values never combined, e.g. ("tanh", "mean").
      relu_sa2_rel: layer-1 settings for ReLU: "paper" (2/L^3) or c in sa2 = c / (L m2).
      tanh_sa2_rel: values c for tanh (layer 1 sa2 = c / m2, layers k > 1 sa2 = c).
      search: "product" (every architecture) or "greedy" (coordinate ascent from the
        paper's architecture).
      dtypes: kernel precisions of the column (each runs its own search).
    """

    depth: tuple[int, ...] = (1, 2)
    activation: tuple[str, ...] = ("relu", "tanh")
    readout: tuple[str, ...] = ("last", "mean")
    bidirectional: tuple[bool, ...] = (False, True)
    h0: tuple[str, ...] = ("random", "zero")
    exclude: tuple[tuple, ...] = (("tanh", "mean"),)
    relu_sa2_rel: tuple[float | str, ...] = ("paper", 1.0)
    tanh_sa2_rel: tuple[float, ...] = (1.0,)
    search: str = "product"
    dtypes: tuple[str, ...] = ("float64",)

    def __post_init__(self) -> None:
        if self.search not in ("product", "greedy"):
            raise ValueError(f"ArchGrid.search must be 'product' or 'greedy', got "
                             f"{self.search!r}.")


# tanh with readout "mean" is left out: the tanh dual's Hermite series costs ~70x a ReLU
# pair-step and "mean" does L^2 pair-steps per pair (GunPoint's 50 x 50 training Gram:
# ~6 min on 2 cores, its test kernel ~3x more, per architecture).
FULL_ARCH_SEARCH = ArchGrid()
#: The smoke-run search: activation x h0 at depth 1, read at the last step, one direction.
QUICK_ARCH_SEARCH = ArchGrid(depth=(1,), readout=("last",), bidirectional=(False,),
                             relu_sa2_rel=("paper",))


def architectures(grid: ArchGrid) -> list[dict]:
    """Every architecture of the grid's product, less ``exclude``, in product order."""
    out = []
    for values in itertools.product(*(getattr(grid, a) for a in ARCH_AXES)):
        if any(all(_present(v, values) for v in pair) for pair in grid.exclude):
            continue
        out.append(dict(zip(ARCH_AXES, values, strict=True)))
    return out


def _present(v, values) -> bool:
    """v among values, by type too (so that depth 1 is not bidirectional True)."""
    return any(type(u) is type(v) and u == v for u in values)


def arch_settings(arch: dict, grid: ArchGrid, L: int, m2: float) -> list[dict]:
    """The estimator parameters of one architecture: one dict per variance setting.

    Args:
      arch: values of ``ARCH_AXES``.
      grid: the search (its ``relu_sa2_rel``, ``tanh_sa2_rel``).
      L: the longest training sequence.
      m2: mean |X_l|^2 over the training sequences' own steps.
    Returns:
      ``RNNKernelClassifier`` parameters (the architecture, sw2, sa2), module docstring.
    """
    depth = arch["depth"]

    def per_layer(first, rest):
        return first if depth == 1 else (first,) + (rest,) * (depth - 1)

    if arch["activation"] == "tanh":
        return [{**arch, "sw2": 1.0, "sa2": per_layer(float(c) / m2, float(c))}
                for c in grid.tanh_sa2_rel]
    return [{**arch, "sw2": 2.0,
             "sa2": per_layer("paper" if c == "paper" else float(c) / (L * m2), 1.0 / L)}
            for c in grid.relu_sa2_rel]


def arch_label(params: dict) -> str:
    """A short name of an architecture, e.g. "d2 tanh mean bi h0=zero" ("d1 relu last")."""
    parts = [f"d{params['depth']}", params["activation"], params["readout"]]
    if params["bidirectional"]:
        parts.append("bi")
    if params["h0"] != "random":
        parts.append(f"h0={params['h0']}")
    return " ".join(parts)


def cv_architecture(
    cv_one,
    grid: ArchGrid,
    L: int,
    m2: float,
) -> tuple[dict, float, dict]:
    """The architecture search of the module docstring.

    Args:
      cv_one: ``cv_one(configs) -> (best params with "C", mean CV accuracy)`` over the
        training split (``cv_rnn_svm`` with the data, Cs, folds and dtype bound).
      grid: the search.
      L, m2: the training inputs' scale (``arch_settings``).
    Returns:
      (best parameters, their mean CV accuracy, {architecture label: best CV accuracy}
      for every architecture scored, in the order scored).
    """
    scores: dict[str, tuple[dict, float]] = {}

    def score(arch):
        label = arch_label(arch)
        if label not in scores:
            scores[label] = cv_one(arch_settings(arch, grid, L, m2))
        return scores[label]

    if grid.search == "product":
        for arch in architectures(grid):
            score(arch)
        # first best wins ties, in product order (the paper's architecture first)
        best = max(scores.values(), key=lambda pc: pc[1])
    else:
        allowed = {arch_label(a) for a in architectures(grid)}
        current = {a: getattr(grid, a)[0] for a in ARCH_AXES}
        best = score(current)
        while True:
            nbrs = [dict(current, **{a: v}) for a in ARCH_AXES for v in getattr(grid, a)
                    if v != current[a] and arch_label(dict(current, **{a: v})) in allowed]
            cand = max(nbrs, key=lambda n: score(n)[1], default=None)  # first best wins
            if cand is None or score(cand)[1] <= best[1]:
                break
            current, best = cand, score(cand)
    return best[0], best[1], {label: sc for label, (_, sc) in scores.items()}

def arch_column(cv_rnn, fit_score, grid: ArchGrid, dtypes, L: int, m2: float, out: dict,
                preds: dict) -> dict:
    """The ``rnn_arch`` column of the UCR protocol: the search per dtype, the chosen model.

    Args:
      cv_rnn: ``cv_rnn(configs, dtype) -> (best params, mean CV accuracy)`` on the
        training split (``cv_rnn_svm`` with the data, Cs and folds bound).
      fit_score: ``fit_score(params, dtype) -> (test accuracy, test predictions)`` of the
        classifier fitted on the whole training split.
      grid: the search.
      dtypes: its kernel precisions.
      L, m2: the training inputs' scale (``arch_settings``).
      out: the protocol's {"accuracy", "cv_accuracy", "chosen"} (``rnn_arch`` added).
      preds: test predictions, ("rnn_arch", dtype) added.
    Returns:
      Per dtype: {"label", "cv_by_arch", "seconds"} (``UCRRow.arch``).
    """
    record = {}
    for key in ("accuracy", "cv_accuracy", "chosen"):
        out[key]["rnn_arch"] = {}
    for dt in dtypes:
        t0 = time.perf_counter()
        params, score, by_arch = cv_architecture(lambda c, dt=dt: cv_rnn(c, dt), grid, L, m2)
        out["accuracy"]["rnn_arch"][dt], preds["rnn_arch", dt] = fit_score(params, dt)
        out["cv_accuracy"]["rnn_arch"][dt] = score
        out["chosen"]["rnn_arch"][dt] = params
        record[dt] = {"label": arch_label(params), "cv_by_arch": by_arch,
                      "seconds": time.perf_counter() - t0}
    return record


def mcnemar(y: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray) -> dict:
    """Exact McNemar test of two classifiers' test predictions on the same samples.

    Args:
      y: true labels, shape (n,).
      pred_a, pred_b: the two classifiers' predictions, shape (n,).
    Returns:
      {"a_only": samples only a gets right, "b_only": only b gets right, "p": the
      two-sided exact binomial p-value of a_only against b_only (1.0 if both are 0)}.
    """
    from scipy.stats import binomtest

    right_a, right_b = np.asarray(pred_a) == y, np.asarray(pred_b) == y
    a_only, b_only = int(np.sum(right_a & ~right_b)), int(np.sum(right_b & ~right_a))
    p = 1.0 if a_only + b_only == 0 else float(binomtest(a_only, a_only + b_only).pvalue)
    return {"a_only": a_only, "b_only": b_only, "p": p}

