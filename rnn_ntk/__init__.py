"""rnn_ntk: exact infinite-width kernels of ReLU Elman RNNs (Wang, Shen, Hu & Cao, 2021).

Floors, bottom up (each imports only from the floors below it):

- ``RNNConfig``, ``Sequences``: the network (SPEC §1) and the one input type;
- ``rnn_ntk.infinite``: the analytic kernels ``ntk``, ``nngp``, ``kernels`` (SPEC §2-3, 6);
- ``rnn_ntk.finite``: the finite-width network, its empirical NTK, width sweeps (SPEC §5);
- ``rnn_ntk.theory``: complexities, concept classes, bounds, predictors, Algorithm 1 (SPEC §4);
- ``rnn_ntk.learn`` and ``rnn_ntk.data`` (extra ``data``): scikit-learn estimators, UCR/UEA sets;
- ``rnn_ntk.experiments``: the experiments, tables, plots and files; ``rnn_ntk.cli``: the command.
"""

from typing import TYPE_CHECKING

from rnn_ntk._config import BLOCKS as BLOCKS
from rnn_ntk._config import RNNConfig as RNNConfig
from rnn_ntk._sequences import Sequences as Sequences
from rnn_ntk._store import GramStore as GramStore
from rnn_ntk._toy import toy_sequences as toy_sequences
from rnn_ntk.finite import ConvergenceTable as ConvergenceTable
from rnn_ntk.finite import EmpiricalKernels as EmpiricalKernels
from rnn_ntk.finite import apply as apply
from rnn_ntk.finite import convergence as convergence
from rnn_ntk.finite import empirical_kernels as empirical_kernels
from rnn_ntk.finite import empirical_ntk as empirical_ntk
from rnn_ntk.finite import hidden_states as hidden_states
from rnn_ntk.finite import init_params as init_params
from rnn_ntk.infinite import Kernels as Kernels
from rnn_ntk.infinite import kernels as kernels
from rnn_ntk.infinite import nngp as nngp
from rnn_ntk.infinite import ntk as ntk
from rnn_ntk.theory import AdditiveConcept as AdditiveConcept
from rnn_ntk.theory import AnalyticFunction as AnalyticFunction
from rnn_ntk.theory import NVariableConcept as NVariableConcept
from rnn_ntk.theory import QuadForm as QuadForm
from rnn_ntk.theory import TrainResult as TrainResult
from rnn_ntk.theory import complexity as complexity
from rnn_ntk.theory import complexity_n as complexity_n
from rnn_ntk.theory import generalization_bound as generalization_bound
from rnn_ntk.theory import gradient_flow as gradient_flow
from rnn_ntk.theory import inverse_quadratic_form as inverse_quadratic_form
from rnn_ntk.theory import kernel_regression as kernel_regression
from rnn_ntk.theory import norm_bound as norm_bound
from rnn_ntk.theory import train as train

if TYPE_CHECKING:  # the optional extra `data` (scikit-learn, aeon) stays lazy at run time
    from rnn_ntk.data import bundled_datasets as bundled_datasets
    from rnn_ntk.data import load_dataset as load_dataset
    from rnn_ntk.learn import NystromRNNKernelClassifier as NystromRNNKernelClassifier
    from rnn_ntk.learn import NystromRNNKernelRegressor as NystromRNNKernelRegressor
    from rnn_ntk.learn import RNNKernelClassifier as RNNKernelClassifier
    from rnn_ntk.learn import RNNKernelRegressor as RNNKernelRegressor

__version__ = "0.1.0"

_LAZY = {
    "NystromRNNKernelClassifier": "rnn_ntk.learn",
    "NystromRNNKernelRegressor": "rnn_ntk.learn",
    "RNNKernelClassifier": "rnn_ntk.learn",
    "RNNKernelRegressor": "rnn_ntk.learn",
    "bundled_datasets": "rnn_ntk.data",
    "load_dataset": "rnn_ntk.data",
}

__all__ = [
    "BLOCKS",
    "AdditiveConcept",
    "AnalyticFunction",
    "ConvergenceTable",
    "EmpiricalKernels",
    "GramStore",
    "Kernels",
    "NVariableConcept",
    "NystromRNNKernelClassifier",
    "NystromRNNKernelRegressor",
    "QuadForm",
    "RNNConfig",
    "RNNKernelClassifier",
    "RNNKernelRegressor",
    "Sequences",
    "TrainResult",
    "apply",
    "bundled_datasets",
    "complexity",
    "complexity_n",
    "convergence",
    "empirical_kernels",
    "empirical_ntk",
    "generalization_bound",
    "gradient_flow",
    "hidden_states",
    "init_params",
    "inverse_quadratic_form",
    "kernel_regression",
    "kernels",
    "load_dataset",
    "nngp",
    "norm_bound",
    "ntk",
    "toy_sequences",
    "train",
]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rnn_ntk' has no attribute {name!r}")
