"""rnn_ntk: exact infinite-width kernels of ReLU Elman RNNs (Wang, Shen, Hu & Cao, 2021)."""

from rnn_ntk.config import BLOCKS as BLOCKS
from rnn_ntk.config import RNNConfig as RNNConfig
from rnn_ntk.convergence import ConvergenceTable as ConvergenceTable
from rnn_ntk.convergence import convergence as convergence
from rnn_ntk.empirical import EmpiricalKernels as EmpiricalKernels
from rnn_ntk.empirical import empirical_kernels as empirical_kernels
from rnn_ntk.empirical import empirical_ntk as empirical_ntk
from rnn_ntk.kernels import Kernels as Kernels
from rnn_ntk.kernels import kernels as kernels
from rnn_ntk.kernels import nngp as nngp
from rnn_ntk.kernels import ntk as ntk
from rnn_ntk.linalg import QuadForm as QuadForm
from rnn_ntk.linalg import inverse_quadratic_form as inverse_quadratic_form
from rnn_ntk.network import apply as apply
from rnn_ntk.network import hidden_states as hidden_states
from rnn_ntk.network import init_params as init_params
from rnn_ntk.theory import AdditiveConcept as AdditiveConcept
from rnn_ntk.theory import AnalyticFunction as AnalyticFunction
from rnn_ntk.theory import NVariableConcept as NVariableConcept
from rnn_ntk.theory import complexity as complexity
from rnn_ntk.theory import complexity_n as complexity_n
from rnn_ntk.theory import generalization_bound as generalization_bound
from rnn_ntk.theory import gradient_flow as gradient_flow
from rnn_ntk.theory import kernel_regression as kernel_regression
from rnn_ntk.theory import norm_bound as norm_bound
from rnn_ntk.toy import toy_sequences as toy_sequences
from rnn_ntk.train import TrainResult as TrainResult
from rnn_ntk.train import train as train

__version__ = "0.1.0"

# Optional extra `data` (scikit-learn, aeon): imported on first access, never at
# `import rnn_ntk`.
_LAZY = {
    "RNNKernelClassifier": "rnn_ntk.estimators",
    "RNNKernelRegressor": "rnn_ntk.estimators",
    "load_dataset": "rnn_ntk.data",
    "bundled_datasets": "rnn_ntk.data",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rnn_ntk' has no attribute {name!r}")
