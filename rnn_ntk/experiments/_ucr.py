"""The UCR protocol: RNN-NTK SVMs against standard baselines on one bundled data set.

For one classification set bundled with aeon (``rnn_ntk.data``), every method is fitted
on the training split; hyperparameters are chosen by stratified k-fold
cross-validation on the training split only; the test split is used once, to score the
chosen models:

    rnn_paper   RNN-NTK SVM, the paper's kernel (H^inf: sw2=2, sa2=2/L^3, sb2=0, s02=2,
                h0="random", W block); only C is chosen by CV (the paper has no C).
    rnn_cv      RNN-NTK SVM, (sw2, sa2, C) chosen by CV; sa2 on a grid relative to the
                inputs' scale, sa2 = c / (L * mean_l |X_l|^2) (training data), plus "paper".
    nn1         1-nearest neighbour, Euclidean distance on the flattened sequences.
    rbf_cv      RBF SVM on the flattened sequences, (gamma, C) chosen by CV; gamma on a
                grid relative to 1 / (L d var(X)) (training data).
    rnn_arch    (with an ``arch`` search) RNN-NTK SVM, (architecture, variances, C) by CV
                over depth, activation, readout, bidirectional, h0 (SPEC §7; ``_ucr_arch``).

The RNN-NTK columns are computed with float64 and with float32 kernels separately (each
runs its own CV). The CV of the RNN-NTK SVM computes the training Gram once per kernel
configuration and, per fold, does exactly what ``RNNKernelClassifier`` fitted on that fold
would do (the kernel is scaled by its training fold's ``kernel_scale``).

Inputs are used as aeon ships them (the UCR univariate sets are z-normalised per series;
see ``rnn_ntk.data``); every method sees the same arrays.

Sequences of different lengths (JapaneseVowels, PickupGestureWiimoteZ): the RNN-NTK SVMs
take them as they are (NaN-padded, pairs aligned at their last step, SPEC §6; sa2="paper"
is 2/L^3 with L the longest training sequence, and the sa2 grid's mean |X_l|^2 runs over
the sequences' own steps). 1-NN and the RBF SVM need one length: for them every sequence,
training and test, is resampled by linear interpolation over its own steps to L steps
(``rnn_ntk.data.resample``; L from the training split only).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

import numpy as np

import rnn_ntk.experiments._ucr_arch as ucr_arch
from rnn_ntk import data
from rnn_ntk._config import RNNConfig
from rnn_ntk._sequences import Sequences
from rnn_ntk.infinite import ntk
from rnn_ntk.learn import RNNKernelClassifier, kernel_scale

__all__ = [
    "UCR_FULL_ARCH_GRID",
    "UCR_FULL_GRID",
    "UCR_QUICK_ARCH_GRID",
    "UCR_QUICK_GRID",
    "UCRGrid",
    "UCRRow",
    "cv_rnn_svm",
    "evaluate_ucr",
    "ucr_table_row",
]

DTYPES = ("float64", "float32")


@dataclasses.dataclass(frozen=True)
class UCRGrid:
    """Hyperparameter grids of the CV-tuned methods.

    Attributes:
      sw2: values of sw2 for ``rnn_cv``.
      sa2_rel: values c of sa2 = c / (L mean |X_l|^2) for ``rnn_cv``; "paper" is 2/L^3.
      C: values of C (for the RNN-NTK SVM they act on the scaled kernel, see
        ``rnn_ntk.learn.kernel_scale``).
      gamma_rel: values g of gamma = g / (L d var(X)) for ``rbf_cv``.
      n_folds: CV folds (fewer if a class has fewer training samples).
      arch: the architecture search of ``rnn_arch`` (``ArchGrid``), or None for no such
        column.
    """

    sw2: tuple[float, ...] = (2.0, 1.9)
    sa2_rel: tuple[float | str, ...] = ("paper", 0.1, 1.0, 10.0)
    C: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0, 100.0, 1e3, 1e4)
    gamma_rel: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0)
    n_folds: int = 5
    arch: ucr_arch.ArchGrid | None = None


UCR_FULL_GRID = UCRGrid()
UCR_QUICK_GRID = UCRGrid(sw2=(2.0,), sa2_rel=("paper", 1.0), C=(0.1, 1.0, 10.0, 100.0),
                         gamma_rel=(0.1, 1.0), n_folds=3)
#: The grids with the ``rnn_arch`` search (its cost grows like L^2 with readout "mean").
UCR_FULL_ARCH_GRID = dataclasses.replace(UCR_FULL_GRID, arch=ucr_arch.FULL_ARCH_SEARCH)
UCR_QUICK_ARCH_GRID = dataclasses.replace(UCR_QUICK_GRID, arch=ucr_arch.QUICK_ARCH_SEARCH)


@dataclasses.dataclass
class UCRRow:
    """One row of the UCR table (``to_dict`` gives its JSON form).

    Attributes:
      name: the data set.
      n_train, n_test: sequences used (after subsampling); n_train_total, n_test_total:
        sizes of the splits; subsampled: whether any split was subsampled.
      L, d, n_classes: steps (the longest training sequence), features per step, classes.
      lengths: [shortest, longest] sequence over the training and test sequences used, for
        sets of different lengths; None for equal-length sets.
      baseline_input: the fixed-length input of 1-NN and the RBF SVM.
      accuracy: test accuracy per method; the RNN-NTK methods per dtype
        ({"rnn_paper": {"float64": .., "float32": ..}, "rnn_cv": {..}, "nn1": .., "rbf_cv": ..};
        "rnn_arch" only with an ``arch`` search, for its dtypes).
      cv_accuracy: mean CV accuracy of the chosen hyperparameters, same layout (no nn1).
      chosen: the chosen hyperparameters, same layout.
      kernel_seconds: per dtype, seconds for the paper kernel's training Gram plus the
        test-vs-training kernel (compiled already, i.e. without jit compile time).
      kernel_rel_diff: max |H32 - H64| / max |H64| of the paper kernel's training Gram.
      seconds: wall time of the whole row.
      arch: with an ``arch`` search: per dtype "label" (the chosen architecture),
        "cv_by_arch" (label -> best mean CV accuracy of every architecture scored) and
        "seconds" (the search and the chosen model's fit and test); "mcnemar" (float64,
        else float32): {"vs rnn_paper"|"vs rnn_cv"|"vs rbf_cv": ``mcnemar`` of rnn_arch's
        test predictions (a) against the other method's (b)}. None without.
    """

    name: str
    n_train: int
    n_test: int
    n_train_total: int
    n_test_total: int
    subsampled: bool
    L: int
    d: int
    n_classes: int
    lengths: list | None
    baseline_input: str
    accuracy: dict
    cv_accuracy: dict
    chosen: dict
    kernel_seconds: dict
    kernel_rel_diff: float | None
    seconds: float
    arch: dict | None = None

    def to_dict(self) -> dict:
        """The row as JSON-ready data."""
        return dataclasses.asdict(self)


def _folds(y: np.ndarray, n_folds: int, seed: int) -> list:
    from sklearn.model_selection import StratifiedKFold

    _, counts = np.unique(y, return_counts=True)
    if counts.min() < 2:
        raise ValueError(
            f"every class needs >= 2 training samples for cross-validation, but one has "
            f"{counts.min()}; pass a larger max_train (or none)."
        )
    k = int(min(n_folds, counts.min()))
    return list(StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def cv_rnn_svm(
    x: np.ndarray,
    y: np.ndarray,
    configs: Sequence[dict],
    Cs: Sequence[float],
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    dtype: str | None = None,
) -> tuple[dict, float]:
    """Cross-validated choice of kernel configuration and C for ``RNNKernelClassifier``.

    Equivalent to ``GridSearchCV(RNNKernelClassifier(dtype=dtype), [{**c, "C": Cs} for c
    in configs], cv=folds)`` (same scores; first best wins ties), but the training Gram
    is computed once per configuration and sliced per fold. One difference: sa2="paper"
    is resolved once, for the longest sequence of x, where the estimator fitted on a
    fold of sequences of different lengths would use the fold's longest.

    Args:
      x: training sequences, shape (n, L, d); sequences of different lengths end-padded
        with NaN (as ``RNNKernelClassifier`` takes them).
      y: training labels, shape (n,).
      configs: kernel parameters of ``RNNKernelClassifier`` (e.g. {"sw2": 2.0, "sa2": 0.1}).
      Cs: values of C.
      folds: (train indices, validation indices) pairs.
      dtype: kernel precision.
    Returns:
      (best parameters including "C", their mean CV accuracy).
    """
    from sklearn.svm import SVC

    best, best_score = None, -np.inf
    for params in configs:
        # The estimator's own preprocessing and kernel: lengths from the NaN padding,
        # sa2 resolved, unscaled.
        H = RNNKernelClassifier(**params, dtype=dtype).training_gram(x)
        scores = np.zeros((len(folds), len(Cs)))
        for f, (tr, va) in enumerate(folds):
            s = kernel_scale(H[np.ix_(tr, tr)])
            classes, y_tr = np.unique(y[tr], return_inverse=True)
            for j, C in enumerate(Cs):
                svc = SVC(kernel="precomputed", C=C).fit(H[np.ix_(tr, tr)] / s, y_tr)
                pred = classes[svc.predict(H[np.ix_(va, tr)] / s)]
                scores[f, j] = np.mean(pred == y[va])
        mean = scores.mean(axis=0)
        j = int(np.argmax(mean))
        if mean[j] > best_score:
            best, best_score = {**params, "C": float(Cs[j])}, float(mean[j])
    return best, best_score


def _subsample(x, y, lengths, n_max, seed, stratify):
    if n_max is None or len(y) <= n_max:
        return x, y, lengths
    from sklearn.model_selection import train_test_split

    idx, _ = train_test_split(np.arange(len(y)), train_size=n_max, random_state=seed,
                              stratify=y if stratify else None)
    idx = np.sort(idx)
    lengths = None if lengths is None else lengths[idx]
    if lengths is not None:  # drop padding no sequence of the subset reaches
        x = x[:, : lengths.max()]
    return x[idx], y[idx], lengths


def _fit_score(params, dt, x_tr, y_tr, x_te, y_te):
    """Fits the chosen RNN-NTK SVM on the whole training split; (test accuracy, predictions)."""
    pred = RNNKernelClassifier(**params, dtype=dt).fit(x_tr, y_tr).predict(x_te)
    return float(np.mean(pred == y_te)), pred


def _rnn_columns(x_tr, y_tr, len_tr, x_te, y_te, len_te, grid, folds, dtypes, preds):
    """accuracy, cv_accuracy, chosen of the RNN-NTK methods (test predictions into
    ``preds``); the paper kernel's timing; the architecture search's record."""
    L = x_tr.shape[1]
    m2 = float(np.nanmean(np.sum(x_tr**2, axis=-1)))  # over the sequences' own steps
    sa2_values = ["paper" if c == "paper" else float(c) / (L * m2) for c in grid.sa2_rel]
    methods = {"rnn_paper": [{"sw2": 2.0, "sa2": "paper"}],
               "rnn_cv": [{"sw2": sw2, "sa2": sa2} for sw2 in grid.sw2 for sa2 in sa2_values]}
    out = {key: {m: {} for m in methods} for key in ("accuracy", "cv_accuracy", "chosen")}
    paper_cfg = RNNConfig(sa2=RNNConfig().resolve_sa2(L))  # as RNNKernelClassifier's cfg_
    s_tr, s_te = Sequences(x_tr, len_tr), Sequences(x_te, len_te)
    k_seconds, grams = {}, {}
    for dt in dtypes:
        for method, configs in methods.items():
            params, score = cv_rnn_svm(x_tr, y_tr, configs, grid.C, folds, dtype=dt)
            out["accuracy"][method][dt], preds[method, dt] = _fit_score(
                params, dt, x_tr, y_tr, x_te, y_te)
            out["cv_accuracy"][method][dt] = score
            out["chosen"][method][dt] = params

        def paper_kernels(dt=dt):  # training Gram + test kernel
            H = np.asarray(ntk(s_tr, cfg=paper_cfg, dtype=dt))
            np.asarray(ntk(s_te, s_tr, cfg=paper_cfg, dtype=dt))
            return H

        paper_kernels()  # compiles
        t0 = time.perf_counter()
        grams[dt] = paper_kernels().astype(np.float64)
        k_seconds[dt] = time.perf_counter() - t0
    rel = None
    if set(DTYPES) <= set(grams):
        rel = float(np.max(np.abs(grams["float32"] - grams["float64"]))
                    / np.max(np.abs(grams["float64"])))
    arch = None
    if grid.arch is not None:
        arch = ucr_arch.arch_column(
            lambda configs, dt: cv_rnn_svm(x_tr, y_tr, configs, grid.C, folds, dtype=dt),
            lambda params, dt: _fit_score(params, dt, x_tr, y_tr, x_te, y_te),
            grid.arch, [dt for dt in grid.arch.dtypes if dt in dtypes] or list(dtypes[:1]),
            L, m2, out, preds)
    return out, k_seconds, rel, arch


def _baseline_columns(x_tr, y_tr, len_tr, x_te, y_te, len_te, grid, folds, out, preds) -> str:
    """Adds 1-NN and the RBF SVM to ``out``; returns what their input was."""
    from sklearn.model_selection import GridSearchCV
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC

    n, L, d = x_tr.shape
    if len_tr is None and len_te is None:
        base_tr, base_te, baseline_input = x_tr, x_te, "flattened sequences"
    else:  # one length for the Euclidean methods: resample every sequence to L steps
        base_tr = data.resample(Sequences(x_tr, len_tr), L)
        base_te = data.resample(Sequences(x_te, len_te), L)
        baseline_input = f"every sequence resampled to L={L} steps (linear interpolation)"
    flat_tr, flat_te = base_tr.reshape(n, -1), base_te.reshape(len(base_te), -1)
    nn1 = KNeighborsClassifier(n_neighbors=1).fit(flat_tr, y_tr)
    out["accuracy"]["nn1"] = float(nn1.score(flat_te, y_te))
    var = float(flat_tr.var()) or 1.0
    rbf = GridSearchCV(
        SVC(kernel="rbf"),
        {"C": list(grid.C), "gamma": [g / (L * d * var) for g in grid.gamma_rel]},
        cv=folds,
    ).fit(flat_tr, y_tr)
    preds["rbf_cv"] = rbf.predict(flat_te)
    out["accuracy"]["rbf_cv"] = float(np.mean(preds["rbf_cv"] == y_te))
    out["cv_accuracy"]["rbf_cv"] = float(rbf.best_score_)
    out["chosen"]["rbf_cv"] = {k: float(v) for k, v in rbf.best_params_.items()}
    return baseline_input


def evaluate_ucr(
    name: str | data.Dataset,
    *,
    dtypes: Sequence[str] = DTYPES,
    grid: UCRGrid = UCR_FULL_GRID,
    max_train: int | None = None,
    max_test: int | None = None,
    seed: int = 0,
) -> UCRRow:
    """Runs the UCR protocol (module docstring) on one bundled classification set.

    Args:
      name: a bundled classification set (``rnn_ntk.data.bundled_datasets``), of equal
        or different lengths, or such a set already loaded (``rnn_ntk.data.Dataset``).
      dtypes: kernel precisions to run ("float64" needs ``jax_enable_x64``; this function
        never switches it on).
      grid: the CV grids (with ``arch``, e.g. ``UCR_FULL_ARCH_GRID``: the rnn_arch column).
      max_train: if the training split is larger, a stratified random subset of this
        size is used (seeded); None uses it all.
      max_test: if the test split is larger, a random subset of this size is scored.
      seed: seed of the CV folds and of subsampling.
    Returns:
      A ``UCRRow``.
    """
    t_start = time.perf_counter()
    info = name.info if isinstance(name, data.Dataset) else data.dataset_info(name)
    if info.task != "classification":
        raise ValueError(f"{info.name!r} is a regression set; the UCR table is for "
                         f"classification sets.")
    if not dtypes or any(dt not in DTYPES for dt in dtypes):
        raise ValueError(f"dtypes must hold 'float32' and/or 'float64', got {dtypes!r}.")
    ds = name if isinstance(name, data.Dataset) else data.load_dataset(name)
    train = _subsample(ds.x_train, ds.y_train, ds.lengths_train, max_train, seed, True)
    test = _subsample(ds.x_test, ds.y_test, ds.lengths_test, max_test, seed, False)
    (x_tr, y_tr, len_tr), (x_te, y_te, len_te) = train, test
    n, L, d = x_tr.shape  # L: the longest training sequence
    folds = _folds(y_tr, grid.n_folds, seed)
    preds = {}  # test predictions: (method, dtype) or "rbf_cv"
    cols, k_seconds, rel, arch = _rnn_columns(*train, *test, grid, folds, dtypes, preds)
    baseline_input = _baseline_columns(*train, *test, grid, folds, cols, preds)
    if arch:
        dt = "float64" if "float64" in arch else next(iter(arch))
        arch["mcnemar"] = {f"vs {m}": ucr_arch.mcnemar(y_te, preds["rnn_arch", dt], preds[key])
                           for m, key in (("rnn_paper", ("rnn_paper", dt)),
                                          ("rnn_cv", ("rnn_cv", dt)), ("rbf_cv", "rbf_cv"))}
    return UCRRow(
        name=ds.info.name, n_train=n, n_test=len(y_te),
        n_train_total=len(ds.y_train), n_test_total=len(ds.y_test),
        subsampled=bool(n < len(ds.y_train) or len(y_te) < len(ds.y_test)),
        L=L, d=d, n_classes=len(np.unique(y_tr)),
        lengths=_length_range(len_tr, len_te, x_tr.shape[1], x_te.shape[1]),
        baseline_input=baseline_input, **cols, kernel_seconds=k_seconds,
        kernel_rel_diff=rel, seconds=time.perf_counter() - t_start, arch=arch or None,
    )


def _length_range(len_tr, len_te, L_tr, L_te):
    if len_tr is None and len_te is None and L_tr == L_te:
        return None
    all_lengths = np.concatenate([
        np.full(1, L_tr) if len_tr is None else len_tr,
        np.full(1, L_te) if len_te is None else len_te,
    ])
    return [int(all_lengths.min()), int(all_lengths.max())]


def ucr_table_row(row: dict) -> dict:
    """The columns of the UCR table (README, benchmark, CLI) from ``UCRRow.to_dict()``.

    Accuracies are rounded to 3 decimals, seconds to 3 significant digits; a "*" after
    the name marks a subsampled set.
    """
    a = row["accuracy"]

    def r3(v):
        return None if v is None else round(float(v), 3)

    def sig3(v):
        return None if v is None else float(f"{v:.3g}")

    return {
        "dataset": row["name"] + ("*" if row["subsampled"] else ""),
        "n_tr/n_te": f"{row['n_train']}/{row['n_test']}",
        "L x d": (f"{row['L']}x{row['d']}" if not row.get("lengths")
                  else "{}-{}x{}".format(*row["lengths"], row["d"])),
        "paper f64": r3(a["rnn_paper"].get("float64")),
        "paper f32": r3(a["rnn_paper"].get("float32")),
        "cv f64": r3(a["rnn_cv"].get("float64")),
        "cv f32": r3(a["rnn_cv"].get("float32")),
        "arch f64": r3(a.get("rnn_arch", {}).get("float64")),
        "1-NN": r3(a["nn1"]),
        "RBF cv": r3(a["rbf_cv"]),
        "kernel s f64": sig3(row["kernel_seconds"].get("float64")),
        "kernel s f32": sig3(row["kernel_seconds"].get("float32")),
        "f32 rel diff": sig3(row["kernel_rel_diff"]),
    }
