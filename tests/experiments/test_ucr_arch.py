"""The UCR protocol's architecture column: search space, variance settings, the search
itself (product and greedy), McNemar, and the column end to end on a small ragged set."""

import dataclasses
import math

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.model_selection import StratifiedKFold  # noqa: E402

from rnn_ntk import RNNConfig, data  # noqa: E402
from rnn_ntk.experiments import cv_rnn_svm, evaluate_ucr, ucr_table_row  # noqa: E402
from rnn_ntk.experiments._ucr import UCRGrid  # noqa: E402
from rnn_ntk.experiments._ucr_arch import (  # noqa: E402
    PAPER_ARCH,
    ArchGrid,
    arch_label,
    arch_settings,
    architectures,
    cv_architecture,
    mcnemar,
)


def test_search_space_is_the_product_less_exclusions():
    full = architectures(ArchGrid(exclude=()))
    assert len(full) == 32 and len({arch_label(a) for a in full}) == 32
    assert full[0] == PAPER_ARCH  # first: ties go to the paper's network
    default = architectures(ArchGrid())
    assert len(default) == 24
    assert not any(a["activation"] == "tanh" and a["readout"] == "mean" for a in default)
    # exclusions match by type: (True, "mean") is bidirectional + mean, not depth 1 + mean
    bi_mean = architectures(ArchGrid(exclude=((True, "mean"),)))
    assert len(bi_mean) == 24
    assert {"depth": 1, "activation": "relu", "readout": "mean", "bidirectional": False,
            "h0": "random"} in bi_mean
    with pytest.raises(ValueError, match="search must be 'product' or 'greedy'"):
        ArchGrid(search="random")


def test_variance_settings_follow_the_input_scale():
    L, m2 = 50, 4.0
    grid = ArchGrid(relu_sa2_rel=("paper", 1.0), tanh_sa2_rel=(0.5,))
    relu2 = arch_settings(dict(PAPER_ARCH, depth=2), grid, L, m2)
    assert [s["sa2"] for s in relu2] == [("paper", 1 / L), (1 / (L * m2), 1 / L)]
    assert all(s["sw2"] == 2.0 and s["depth"] == 2 for s in relu2)
    assert [s["sa2"] for s in arch_settings(PAPER_ARCH, grid, L, m2)] == ["paper", 1 / (L * m2)]
    tanh = dict(PAPER_ARCH, activation="tanh", readout="mean")
    assert arch_settings(tanh, grid, L, m2) == [{**tanh, "sw2": 1.0, "sa2": 0.5 / m2}]
    assert arch_settings(dict(tanh, depth=2), grid, L, m2)[0]["sa2"] == (0.5 / m2, 0.5)
    # every setting is a valid network ("paper" resolved as the estimator resolves it)
    for setting in relu2 + arch_settings(dict(tanh, depth=2), grid, L, m2):
        RNNConfig(**dict(setting, sa2=tuple(2 / L**3 if v == "paper" else v
                                             for v in setting["sa2"])))


def _fake_cv(table, calls):
    """cv_one scoring an architecture by its label (unknown labels score 0.5)."""
    def cv_one(configs):
        label = arch_label(configs[0])
        calls.append(label)
        return {**configs[0], "C": 1.0}, table.get(label, 0.5)
    return cv_one


def test_product_search_takes_the_first_best():
    calls = []
    table = {"d2 relu mean": 0.9, "d1 tanh last bi h0=zero": 0.9, "d1 relu last": 0.8}
    params, score, by_arch = cv_architecture(_fake_cv(table, calls), ArchGrid(), 10, 1.0)
    assert len(calls) == 24 and list(by_arch) == calls  # every architecture, once
    assert score == 0.9 and arch_label(params) == "d1 tanh last bi h0=zero"  # first in order
    # a tie with the paper's network keeps the paper's network
    params, _, _ = cv_architecture(_fake_cv({"d1 relu last": 0.5}, []), ArchGrid(), 10, 1.0)
    assert arch_label(params) == "d1 relu last"


def test_greedy_search_climbs_one_axis_at_a_time():
    calls = []
    table = {"d1 relu last": 0.6, "d1 tanh last": 0.7, "d1 tanh last h0=zero": 0.8,
             "d2 tanh mean bi h0=zero": 0.99}  # not reachable one axis at a time
    grid = ArchGrid(search="greedy")
    params, score, by_arch = cv_architecture(_fake_cv(table, calls), grid, 10, 1.0)
    assert arch_label(params) == "d1 tanh last h0=zero" and score == 0.8
    assert len(calls) == len(set(calls)) < 24  # cached, and fewer than the product
    assert calls[0] == "d1 relu last" and "d1 tanh mean" not in calls  # excluded
    # no neighbour strictly better: the paper's network, after 1 + 5 architectures
    calls = []
    params, _, _ = cv_architecture(_fake_cv({}, calls), grid, 10, 1.0)
    assert arch_label(params) == "d1 relu last" and len(calls) == 6


def test_mcnemar_counts_and_exact_p():
    y = np.zeros(20, int)
    a, b = y.copy(), y.copy()
    b[:6] = 1  # a right on 6 samples b gets wrong, never the other way round
    m = mcnemar(y, a, b)
    assert m["a_only"] == 6 and m["b_only"] == 0
    assert m["p"] == pytest.approx(2 * 0.5**6, rel=1e-12)  # two-sided exact binomial
    a[10] = 1
    assert mcnemar(y, a, b)["p"] == pytest.approx(2 * (1 + 7) * 0.5**7, rel=1e-12)  # 6 vs 1
    assert mcnemar(y, y, y) == {"a_only": 0, "b_only": 0, "p": 1.0}


def _small_ragged_set(y_test_perm=None):
    rng = np.random.default_rng(3)
    n, L = 30, 8
    y = np.arange(n) % 2
    x = rng.normal(size=(n, L, 2))
    x[:, L // 2:, 0] += np.where(y == 1, 1.0, -1.0)[:, None]
    lengths = rng.integers(5, L + 1, size=n)
    lengths[[0, 16]] = L
    for i, li in enumerate(lengths):
        x[i, li:] = np.nan
    info = dataclasses.replace(data.dataset_info("JapaneseVowels"), name="Toy", n_train=16,
                               n_test=14, length=(5, L), channels=2, n_classes=2)
    y_te = y[16:] if y_test_perm is None else y[16:][y_test_perm]
    return data.Dataset(x[:16, :L], y[:16], x[16:], y_te, info, lengths[:16], lengths[16:])


def test_arch_column_end_to_end_never_looks_at_test_labels():
    """evaluate_ucr with a two-architecture search on a small ragged set: the column, its
    McNemar tests and its table cell; permuting the test labels changes no choice."""
    search = ArchGrid(depth=(1,), activation=("relu",), readout=("last",),
                      bidirectional=(False,), h0=("random", "zero"), relu_sa2_rel=("paper",))
    grid = UCRGrid(sw2=(2.0,), sa2_rel=("paper",), C=(1.0, 100.0), gamma_rel=(1.0,),
                   n_folds=2, arch=search)
    row = evaluate_ucr(_small_ragged_set(), dtypes=("float64",), grid=grid).to_dict()
    rec = row["arch"]["float64"]
    assert list(rec["cv_by_arch"]) == ["d1 relu last", "d1 relu last h0=zero"]
    # the search holds the paper's kernel with the same C grid and folds: never worse in CV
    assert row["cv_accuracy"]["rnn_arch"]["float64"] >= row["cv_accuracy"]["rnn_paper"]["float64"]
    assert rec["cv_by_arch"]["d1 relu last"] == row["cv_accuracy"]["rnn_paper"]["float64"]
    chosen = row["chosen"]["rnn_arch"]["float64"]
    assert arch_label(chosen) == rec["label"]
    # the chosen setting scores in CV as cv_rnn_svm scores it alone (the same machinery)
    ds = _small_ragged_set()
    folds = list(StratifiedKFold(2, shuffle=True, random_state=0).split(ds.x_train, ds.y_train))
    setting = {k: v for k, v in chosen.items() if k != "C"}
    _, alone = cv_rnn_svm(ds.x_train, ds.y_train, [setting], grid.C, folds)  # the protocol's folds
    assert alone == row["cv_accuracy"]["rnn_arch"]["float64"]
    n_te = row["n_test"]
    for vs in ("rnn_paper", "rnn_cv", "rbf_cv"):
        m = row["arch"]["mcnemar"][f"vs {vs}"]
        acc = row["accuracy"][vs]["float64"] if vs != "rbf_cv" else row["accuracy"][vs]
        # a_only - b_only is the difference of the two methods' correct test predictions
        assert m["a_only"] - m["b_only"] == round((row["accuracy"]["rnn_arch"]["float64"]
                                                   - acc) * n_te)
        assert 0 < m["p"] <= 1
    assert ucr_table_row(row)["arch f64"] == round(row["accuracy"]["rnn_arch"]["float64"], 3)
    perm = np.random.default_rng(0).permutation(14)
    other = evaluate_ucr(_small_ragged_set(perm), dtypes=("float64",), grid=grid).to_dict()
    assert other["chosen"] == row["chosen"] and other["cv_accuracy"] == row["cv_accuracy"]
    assert other["arch"]["float64"]["cv_by_arch"] == rec["cv_by_arch"]
    assert math.isfinite(rec["seconds"])


def test_table_row_without_the_arch_column():
    acc = {"rnn_paper": {"float64": 0.9}, "rnn_cv": {"float64": 0.95}, "nn1": 0.8,
           "rbf_cv": 0.85}
    row = {"name": "Set", "subsampled": False, "n_train": 20, "n_test": 30, "L": 9, "d": 2,
           "lengths": None, "accuracy": acc, "kernel_seconds": {}, "kernel_rel_diff": None}
    assert ucr_table_row(row)["arch f64"] is None  # rows measured before the column
