"""The analytic infinite-width kernels of the RNN (SPEC §2-3, §6).

Parts, bottom up: ``_duals`` (the activation's dual: ReLU's arc-cosine kernels in the
stable "1 - kappa" form) -> ``_layer`` (per-sample chains and one layer's pair step) ->
``_readout`` (what a pass returns: H, per-step H^(l), diagnostics) -> ``_masking``
(sequences of different lengths, as a wrapper around the step) -> ``_api`` (the public
``ntk``/``nngp``/``kernels``, tiled into Grams by ``rnn_ntk._tiling``).

Architectures beyond the paper's network (SPEC §7) reuse the layer step and the tiler:
``_duals_smooth`` (erf in closed form, any other activation by its Hermite series) ->
``_stack_prep`` (every layer's per-sample chains) -> ``_stack`` (D layers read at the
last step) and ``_grid`` (readout "mean": the (t, s) grid, row by row) -> ``_arch``
(bidirectional, and the dispatch from ``_api``).
"""

from rnn_ntk._tiling import default_tile_size as default_tile_size
from rnn_ntk._tiling import default_workers as default_workers
from rnn_ntk.infinite._api import Kernels as Kernels
from rnn_ntk.infinite._api import kernels as kernels
from rnn_ntk.infinite._api import nngp as nngp
from rnn_ntk.infinite._api import ntk as ntk
from rnn_ntk.infinite._duals import RELU as RELU
from rnn_ntk.infinite._duals import ReLUDual as ReLUDual
from rnn_ntk.infinite._duals import arccos_terms as arccos_terms
from rnn_ntk.infinite._duals import kappa0 as kappa0
from rnn_ntk.infinite._duals import kappa1 as kappa1

__all__ = [
    "RELU",
    "Kernels",
    "ReLUDual",
    "arccos_terms",
    "default_tile_size",
    "default_workers",
    "kappa0",
    "kappa1",
    "kernels",
    "nngp",
    "ntk",
]
