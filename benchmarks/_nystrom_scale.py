"""Nyström learners at scale: n = 100,000 sequences on CPU, and accuracy vs M on UCR sets.

    python -m benchmarks._nystrom_scale [--quick]

Two parts, both returned by ``run_nystrom(quick)`` (``benchmarks/bench_scale.py`` calls
it and stores the dict in its JSON):

- ``synthetic``: n synthetic sequences (L = 32, d = 4, standard normal) labelled by the
  sign of F(x) = x_L,1 + x_{L-1},2 - x_{L-2},3 + x_L,4 x_{L-1},4 (a learnable target with a
  product term, so that more data keeps helping). ``NystromRNNKernelClassifier`` (float32
  kernel, uniform landmarks, Falkon) is fitted on n = 100,000 (quick: 2,000) and scored on
  10,000 held-out sequences (quick: 500): fit and predict seconds, accuracy. On a
  subsample of n_small = 5,000 (quick: 500) the exact-kernel baselines run on the same
  test set: kernel ridge (the Nyström learner with M = n_small) and the exact SVM
  (``RNNKernelClassifier``), and the Nyström learner with the big run's M.
- ``ucr``: on a bundled UCR set, test accuracy of ``NystromRNNKernelClassifier`` for
  several M (three landmark seeds, mean and spread) against the exact-kernel SVM
  (``RNNKernelClassifier``) and exact kernel ridge (M = n) on the same split, all with the
  paper's kernel (sa2 = 2/L^3). Full: ItalyPowerDemand and GunPoint; quick:
  ItalyPowerDemand.

Timings are wall seconds on whatever the machine is doing (on a shared machine say so
when quoting them), and the process's CPU seconds (all threads; on an idle machine with
c cores the wall time is at least CPU / c). Run alone it prints two tables.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks._common import print_table

SYN = {  # n_train, n_test, M, n_small
    True: (2000, 500, 200, 500),
    False: (100_000, 10_000, 2000, 5000),
}
UCR_SETS = {True: ("ItalyPowerDemand",), False: ("ItalyPowerDemand", "GunPoint")}
UCR_M = (5, 10, 20, 40)


def synthetic(n: int, L: int = 32, d: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(x (n, L, d) float32 standard normal, labels in {-1, +1} = sign F(x))."""
    x = np.random.default_rng(seed).standard_normal((n, L, d), dtype=np.float32)
    f = x[:, -1, 0] + x[:, -2, 1] - x[:, -3, 2] + x[:, -1, 3] * x[:, -2, 3]
    return x, np.where(f > 0, 1, -1)


def _timed(fn, cpu: dict | None = None, key: str = ""):
    """(fn(), wall seconds); the process's CPU seconds (all threads) go to cpu[key]."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    if cpu is not None:
        cpu[key] = time.process_time() - c0
    return out, time.perf_counter() - t0


def synthetic_section(quick: bool) -> list[dict]:
    from rnn_ntk.learn import NystromRNNKernelClassifier, RNNKernelClassifier

    n, n_test, M, n_small = SYN[quick]
    x, y = synthetic(n + n_test)
    x_tr, y_tr, x_te, y_te = x[:n], y[:n], x[n:], y[n:]
    kw = dict(sa2=1.0, alpha=1e-3, dtype="float32", random_state=0)
    rows = []

    def nystrom(m, n_fit):
        clf = NystromRNNKernelClassifier(n_components=m, **kw)
        cpu = {}
        _, fit_s = _timed(lambda: clf.fit(x_tr[:n_fit], y_tr[:n_fit]), cpu, "fit_cpu_s")
        pred, pred_s = _timed(lambda: clf.predict(x_te), cpu, "predict_cpu_s")
        return {"method": "nystrom" if m < n_fit else "exact ridge (M = n)", "n": n_fit,
                "M": clf.n_components_, "fit_s": fit_s, "predict_s": pred_s, **cpu,
                "accuracy": float(np.mean(pred == y_te)), "cg_iters": clf.n_iter_}

    rows.append(nystrom(M, n))
    rows.append(nystrom(M, n_small))
    rows.append(nystrom(n_small, n_small))
    svm = RNNKernelClassifier(sa2=1.0, dtype="float32")
    cpu = {}
    _, fit_s = _timed(lambda: svm.fit(x_tr[:n_small], y_tr[:n_small]), cpu, "fit_cpu_s")
    pred, pred_s = _timed(lambda: svm.predict(x_te), cpu, "predict_cpu_s")
    rows.append({"method": "exact SVM", "n": n_small, "M": None, "fit_s": fit_s,
                 "predict_s": pred_s, **cpu, "accuracy": float(np.mean(pred == y_te)),
                 "cg_iters": None})
    for r in rows:
        r.update(L=32, d=4, n_test=n_test, dtype="float32")
    return rows


def ucr_section(quick: bool) -> list[dict]:
    from rnn_ntk.data import load_dataset
    from rnn_ntk.learn import NystromRNNKernelClassifier, RNNKernelClassifier

    rows = []
    for name in UCR_SETS[quick]:
        ds = load_dataset(name)
        n = len(ds.y_train)
        exact = RNNKernelClassifier().fit(ds.x_train, ds.y_train)
        svm_acc = float(np.mean(exact.predict(ds.x_test) == ds.y_test))
        for m in (*[m for m in UCR_M if m < n], n):
            accs = []
            for seed in range(1 if m >= n else 3):
                clf = NystromRNNKernelClassifier(n_components=m, random_state=seed)
                clf.fit(ds.x_train, ds.y_train)
                accs.append(float(np.mean(clf.predict(ds.x_test) == ds.y_test)))
            rows.append({"set": name, "n_train": n, "n_test": len(ds.y_test), "M": m,
                         "nystrom_acc": float(np.mean(accs)),
                         "nystrom_acc_min": min(accs), "nystrom_acc_max": max(accs),
                         "exact_svm_acc": svm_acc})
    return rows


def run_nystrom(quick: bool) -> dict:
    """Both parts; returns {"synthetic": rows, "ucr": rows} and prints their tables."""
    syn = synthetic_section(quick)
    print("Nyström (Falkon) on synthetic sequences (L = 32, d = 4), vs exact on a subsample:")
    print_table(syn, ["method", "n", "M", "fit_s", "predict_s", "fit_cpu_s", "predict_cpu_s",
                      "accuracy", "cg_iters"])
    ucr = ucr_section(quick)
    print("\nNyström accuracy vs M on UCR sets (mean of 3 landmark seeds) vs the exact SVM:")
    print_table(ucr, ["set", "n_train", "M", "nystrom_acc", "nystrom_acc_min",
                      "nystrom_acc_max", "exact_svm_acc"])
    return {"synthetic": syn, "ucr": ucr}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks._nystrom_scale",
                                description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="n = 2,000 (seconds)")
    run_nystrom(p.parse_args(argv).quick)


if __name__ == "__main__":
    main()
