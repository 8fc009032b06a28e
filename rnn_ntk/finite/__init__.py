"""The finite-width network of SPEC §1 and §7, its empirical NTK (§2) and width sweeps (§5).

Modules, bottom up: ``_keys`` (the parameter keys of every architecture, their blocks and
scales) -> ``_matfree`` (m x m weights kept as keys, regenerated tile by tile) ->
``_params`` (drawing and checking the parameters) -> ``_deep`` (layers, readouts,
directions) -> ``_network`` (the ``lax.scan`` RNN, ragged input as a mask) ->
``_features`` (per-sample forward and backward states per layer and direction, per-tile
contractions) -> ``_autodiff`` (the ``jax.jacrev`` reference) -> ``_empirical``
(``empirical_ntk``/``empirical_kernels``, tiled by ``rnn_ntk._tiling``) -> ``_table``
(``Cell``, ``ConvergenceTable``) -> ``_sweep`` (``convergence``: seeds vmapped per width
against ``rnn_ntk.infinite.kernels``, or ``ntk``'s W block for other architectures).
"""

from rnn_ntk.finite._empirical import METHODS as METHODS
from rnn_ntk.finite._empirical import empirical_kernels as empirical_kernels
from rnn_ntk.finite._empirical import empirical_ntk as empirical_ntk
from rnn_ntk.finite._features import EmpiricalKernels as EmpiricalKernels
from rnn_ntk.finite._keys import param_keys as param_keys
from rnn_ntk.finite._matfree import MatrixFreeWeight as MatrixFreeWeight
from rnn_ntk.finite._network import apply as apply
from rnn_ntk.finite._network import hidden_states as hidden_states
from rnn_ntk.finite._network import reparameterized as reparameterized
from rnn_ntk.finite._params import check_cfg as check_cfg
from rnn_ntk.finite._params import check_params as check_params
from rnn_ntk.finite._params import init_params as init_params
from rnn_ntk.finite._params import materialize_params as materialize_params
from rnn_ntk.finite._sweep import check_widths as check_widths
from rnn_ntk.finite._sweep import convergence as convergence
from rnn_ntk.finite._sweep import convergence_cell as convergence_cell
from rnn_ntk.finite._table import Cell as Cell
from rnn_ntk.finite._table import ConvergenceTable as ConvergenceTable

__all__ = [
    "METHODS",
    "Cell",
    "ConvergenceTable",
    "EmpiricalKernels",
    "MatrixFreeWeight",
    "apply",
    "check_cfg",
    "check_params",
    "check_widths",
    "convergence",
    "convergence_cell",
    "empirical_kernels",
    "empirical_ntk",
    "hidden_states",
    "init_params",
    "materialize_params",
    "param_keys",
    "reparameterized",
]
