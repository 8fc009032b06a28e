"""The experiments: learning-theory tables, the UCR protocol, resumable width sweeps.

Floors inside, bottom up: ``_io`` (the one atomic file writer), ``_tables`` (``Table`` and
the one text-table printer), ``_plots`` (figures on ``matplotlib.figure.Figure``; no
pyplot, no backend switch) -> ``_draws`` (how concepts and data are drawn, checked) ->
``_mstar_records`` -> ``_mstar`` (m*(L): error curves, bootstrap CIs over seeds, the
power law in L),
``_learning`` (SPEC §4: complexities and y~^T H^-1 y~ against L, l0 and N; Algorithm 1
against n), ``_summary`` (H^inf of a data set at a glance), ``_cell_files`` (a sweep
cell's file: fingerprint and checksum) -> ``_sweep_folder`` (SPEC §5: a width sweep
saved cell by cell, resumable), ``_gram`` (``write_gram``: a kernel Gram written to a
zarr store tile by tile, resumable, SPEC §8) and ``_ucr`` (RNN-NTK SVMs against baselines on aeon's
bundled sets; needs the extra ``data`` and is imported on first use).
"""

from typing import TYPE_CHECKING

from rnn_ntk.experiments._draws import Sampling as Sampling
from rnn_ntk.experiments._gram import write_gram as write_gram
from rnn_ntk.experiments._io import TMP_SUFFIX as TMP_SUFFIX
from rnn_ntk.experiments._io import save_figure as save_figure
from rnn_ntk.experiments._io import write_csv as write_csv
from rnn_ntk.experiments._io import write_json as write_json
from rnn_ntk.experiments._io import write_text as write_text
from rnn_ntk.experiments._learning import PSIS as PSIS
from rnn_ntk.experiments._learning import additive_vs_L as additive_vs_L
from rnn_ntk.experiments._learning import default_eval_every as default_eval_every
from rnn_ntk.experiments._learning import n_variable_sweep as n_variable_sweep
from rnn_ntk.experiments._learning import sgd_vs_n as sgd_vs_n
from rnn_ntk.experiments._mstar import bootstrap_slope as bootstrap_slope
from rnn_ntk.experiments._mstar import length_curve as length_curve
from rnn_ntk.experiments._mstar import mstar_study as mstar_study
from rnn_ntk.experiments._mstar import smallest_swept as smallest_swept
from rnn_ntk.experiments._mstar_records import Estimate as Estimate
from rnn_ntk.experiments._mstar_records import LengthCurve as LengthCurve
from rnn_ntk.experiments._mstar_records import MStar as MStar
from rnn_ntk.experiments._mstar_records import MStarStudy as MStarStudy
from rnn_ntk.experiments._plots import plot_additive as plot_additive
from rnn_ntk.experiments._plots import plot_convergence as plot_convergence
from rnn_ntk.experiments._plots import plot_error_vs_m as plot_error_vs_m
from rnn_ntk.experiments._plots import plot_mstar_vs_L as plot_mstar_vs_L
from rnn_ntk.experiments._plots import plot_n_variable as plot_n_variable
from rnn_ntk.experiments._plots import plot_sgd as plot_sgd
from rnn_ntk.experiments._summary import SUMMARY_KEYS as SUMMARY_KEYS
from rnn_ntk.experiments._summary import kernel_summary as kernel_summary
from rnn_ntk.experiments._sweep_folder import SweepFolder as SweepFolder
from rnn_ntk.experiments._sweep_folder import SweepRun as SweepRun
from rnn_ntk.experiments._sweep_folder import convergence_to_folder as convergence_to_folder
from rnn_ntk.experiments._sweep_folder import open_sweep_folder as open_sweep_folder
from rnn_ntk.experiments._sweep_folder import sweep_manifest as sweep_manifest
from rnn_ntk.experiments._tables import Table as Table
from rnn_ntk.experiments._tables import format_pairs as format_pairs
from rnn_ntk.experiments._tables import format_table as format_table
from rnn_ntk.experiments._tables import format_value as format_value
from rnn_ntk.experiments._tables import json_ready as json_ready

if TYPE_CHECKING:  # the extra `data` (scikit-learn, aeon) stays lazy at run time
    from rnn_ntk.experiments._ucr import UCR_FULL_GRID as UCR_FULL_GRID
    from rnn_ntk.experiments._ucr import UCR_QUICK_GRID as UCR_QUICK_GRID
    from rnn_ntk.experiments._ucr import UCRGrid as UCRGrid
    from rnn_ntk.experiments._ucr import UCRRow as UCRRow
    from rnn_ntk.experiments._ucr import cv_rnn_svm as cv_rnn_svm
    from rnn_ntk.experiments._ucr import evaluate_ucr as evaluate_ucr
    from rnn_ntk.experiments._ucr import ucr_table_row as ucr_table_row

__all__ = [
    "PSIS",
    "Estimate",
    "LengthCurve",
    "MStar",
    "MStarStudy",
    "SUMMARY_KEYS",
    "TMP_SUFFIX",
    "Sampling",
    "UCR_FULL_GRID",
    "UCR_QUICK_GRID",
    "SweepFolder",
    "SweepRun",
    "Table",
    "UCRGrid",
    "UCRRow",
    "additive_vs_L",
    "bootstrap_slope",
    "convergence_to_folder",
    "cv_rnn_svm",
    "default_eval_every",
    "evaluate_ucr",
    "format_pairs",
    "format_table",
    "format_value",
    "json_ready",
    "kernel_summary",
    "length_curve",
    "mstar_study",
    "n_variable_sweep",
    "open_sweep_folder",
    "plot_additive",
    "plot_convergence",
    "plot_error_vs_m",
    "plot_mstar_vs_L",
    "plot_n_variable",
    "plot_sgd",
    "save_figure",
    "sgd_vs_n",
    "smallest_swept",
    "sweep_manifest",
    "ucr_table_row",
    "write_csv",
    "write_gram",
    "write_json",
    "write_text",
]


def __getattr__(name: str):
    if name in __all__:  # only the lazy _ucr names are not bound yet
        import importlib

        return getattr(importlib.import_module("rnn_ntk.experiments._ucr"), name)
    raise AttributeError(f"module 'rnn_ntk.experiments' has no attribute {name!r}")
