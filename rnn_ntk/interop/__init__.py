"""Bridge to neural-tangents (the only part of rnn_ntk that imports it).

``neural_tangents()`` returns the ``neural_tangents`` module, made to work on the jax this
package pins (see ``_nt_compat``): ``nt.empirical_ntk_fn`` with all three
``nt.NtkImplementation`` values, ``nt.predict``, ``nt.batch`` and
``nt.monte_carlo_kernel_fn``. Nothing is patched or imported until it is first called.

    from rnn_ntk import interop
    nt = interop.neural_tangents()
    predict = nt.predict.gradient_descent_mse(k_train_train, y_train)

``empirical_ntk_nt`` is the RNN's empirical NTK computed by neural-tangents (the
``method="neural_tangents"`` of ``rnn_ntk.empirical_ntk``).
"""

from rnn_ntk.interop._bridge import IMPLEMENTATIONS as IMPLEMENTATIONS
from rnn_ntk.interop._bridge import NtOptions as NtOptions
from rnn_ntk.interop._bridge import empirical_ntk_nt as empirical_ntk_nt
from rnn_ntk.interop._bridge import neural_tangents as neural_tangents
from rnn_ntk.interop._bridge import ntk_fn_nt as ntk_fn_nt
from rnn_ntk.interop._stax import stax_rnn as stax_rnn

__all__ = [
    "IMPLEMENTATIONS",
    "NtOptions",
    "empirical_ntk_nt",
    "neural_tangents",
    "ntk_fn_nt",
    "stax_rnn",
]
