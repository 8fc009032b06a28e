"""The UCR protocol's cross-validation agrees with scikit-learn's GridSearchCV."""

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402

from rnn_ntk.data import znormalize  # noqa: E402
from rnn_ntk.experiments import cv_rnn_svm, ucr_table_row  # noqa: E402
from rnn_ntk.learn import RNNKernelClassifier  # noqa: E402


def _sequences(n=40, L=12, d=2, seed=0):
    """Two classes that differ in the sign of a late-step drift, plus noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    x = rng.normal(size=(n, L, d))
    x[:, L // 2:, 0] += np.where(y == 1, 1.0, -1.0)[:, None]
    return x, y


def test_cv_rnn_svm_scores_like_gridsearchcv():
    # cv_rnn_svm (one Gram per configuration, sliced per fold) scores like GridSearchCV.
    x, y = _sequences()
    x, y = x[:28], y[:28]
    pipe = make_pipeline(FunctionTransformer(znormalize), RNNKernelClassifier())
    grid = {"rnnkernelclassifier__sa2": ["paper", 0.5], "rnnkernelclassifier__C": [0.1, 10.0]}
    cv = StratifiedKFold(2, shuffle=True, random_state=0)
    gs = GridSearchCV(pipe, grid, cv=cv).fit(x, y)
    configs = [{"sa2": "paper"}, {"sa2": 0.5}]
    folds = list(cv.split(x, y))
    params, score = cv_rnn_svm(znormalize(x), y, configs, [0.1, 10.0], folds)
    assert score == pytest.approx(gs.best_score_, abs=1e-12)
    i = gs.cv_results_["params"].index(
        {"rnnkernelclassifier__C": params["C"], "rnnkernelclassifier__sa2": params["sa2"]})
    assert gs.cv_results_["mean_test_score"][i] == pytest.approx(score, abs=1e-12)
    assert len(set(gs.cv_results_["mean_test_score"])) > 1  # the grid is not degenerate


def test_table_row_columns():
    acc = {"rnn_paper": {"float64": 0.91234}, "rnn_cv": {"float64": 0.95, "float32": 0.95},
           "nn1": 0.8, "rbf_cv": 0.85}
    row = {"name": "Set", "subsampled": True, "n_train": 20, "n_test": 30, "L": 9, "d": 2,
           "lengths": [3, 9], "accuracy": acc, "kernel_seconds": {"float64": 0.012345},
           "kernel_rel_diff": None}
    cols = ucr_table_row(row)
    assert cols["dataset"] == "Set*" and cols["L x d"] == "3-9x2"
    assert cols["paper f64"] == 0.912 and cols["paper f32"] is None
    assert cols["kernel s f64"] == 0.0123 and cols["f32 rel diff"] is None
