"""scikit-learn estimators on the RNN's infinite-width kernels (optional extra ``data``).

``RNNKernelClassifier`` is ``sklearn.svm.SVC`` and ``RNNKernelRegressor`` is
``sklearn.kernel_ridge.KernelRidge``, each on a precomputed Gram of ``rnn_ntk.ntk`` (H^inf
by default; any blocks and either parameterisation, SPEC §2). They follow scikit-learn's
conventions: every constructor argument is a parameter (``get_params``/``set_params``,
``clone``, ``GridSearchCV`` over sw2, sa2, C, ...), fitted state ends in ``_``, and inputs
are validated with ``sklearn.utils.validation.validate_data``. Modules: ``_base`` (the
shared parameters, input checks and kernel; ``kernel_scale``) -> ``_classifier``,
``_regressor``.

For n beyond an in-memory Gram, ``NystromRNNKernelRegressor`` and
``NystromRNNKernelClassifier`` (one-vs-rest ridge) fit on M landmarks (uniform, k-means++
or ridge-leverage sampled) by Falkon's preconditioned conjugate gradient (SPEC §8): the
kernel work is the n x M block, computed in row chunks, and with M >= n they equal
``RNNKernelRegressor`` exactly. Modules: ``_landmarks``, ``_falkon`` -> ``_nystrom`` ->
``_nystrom_estimators``.

Inputs: sequences of shape (n, L, d), or (n, L) for univariate sequences (d = 1), which is
also what a plain tabular X is taken to be. ``channels_first=True`` accepts aeon's layout
(n, d, L) instead.

Sequences of different lengths (SPEC §6; pairs aligned at their last step) come in two
forms. End-padded with NaN, as aeon and ``rnn_ntk.data.load_dataset`` store them: with
``allow_padding=True`` (default) a trailing run of steps that are NaN in every feature is
read as padding and the lengths come from it (``rnn_ntk.data.lengths_from_nan``); any
other NaN (inside a sequence, or in only some features of a step) and any inf is still
an error, so scikit-learn's NaN checks hold. NaN-padded X is the path that works
everywhere X goes (``GridSearchCV``, ``Pipeline``, ``cross_val_score``). For direct calls,
``fit``/``predict``/``decision_function``/``score`` also take ``rnn_ntk.Sequences(x,
lengths)`` as X (sample i is ``x[i, :lengths[i]]``, the padding may then hold anything).
``allow_padding=False`` refuses any NaN. An estimator fitted on sequences of one length L
expects that L at predict time (scikit-learn's ``n_features_in_`` check) unless the new X
is padded or carries lengths; one fitted on ragged sequences accepts any lengths.
sa2="paper" is resolved at fit to 2/L^3 with L the longest training sequence (``cfg_``),
so test sequences of other lengths do not change the kernel.

Precision: the kernel is computed in ``dtype`` (default: float64 when ``jax_enable_x64``
is on at fit time, else float32) and handed to libsvm / the ridge solve in float64. The
precision of the fit is recorded in ``dtype_`` and test kernels are computed in it: a
model fitted in float64 and unpickled where x64 is off refuses to predict (ValueError
naming ``jax_enable_x64``) instead of silently computing its test kernels in float32. The
estimators never change jax's global configuration.

Scaling: with ``scale_kernel=True`` (default) the Gram is divided by its scale on the
training data, s = mean(diag H) - mean(H) (the trace of the centred Gram over n;
``kernel_scale``). The learned predictor equals the plain one with C/s (SVM) or alpha*s
(ridge), so C and alpha keep one meaning whatever sa2, L or the blocks (H^inf spans orders
of magnitude across them). The inputs themselves are left alone unless
``znormalize=True`` (per-series, per-feature z-normalisation over time, as the UCR archive
ships its sets). ``training_gram(X)`` returns the unscaled Gram that ``fit`` would compute,
without fitting (one Gram for many folds).

The same classifier by hand, with the kernel passed to ``SVC`` as precomputed::

    H_train = np.asarray(rnn_ntk.ntk(x_train, cfg=cfg))            # (n_train, n_train)
    H_test = np.asarray(rnn_ntk.ntk(x_test, x_train, cfg=cfg))     # (n_test, n_train)
    svc = SVC(kernel="precomputed", C=1.0).fit(H_train, y_train)
    y_pred = svc.predict(H_test)

and for sequences of different lengths (``lengths_*`` from ``load_dataset`` or
``rnn_ntk.data.lengths_from_nan``; sa2 fixed from the training lengths)::

    cfg = RNNConfig(sa2=2.0 / lengths_train.max() ** 3)
    s_train = rnn_ntk.Sequences(x_train, lengths_train)
    s_test = rnn_ntk.Sequences(x_test, lengths_test)
    H_train = np.asarray(rnn_ntk.ntk(s_train, cfg=cfg))
    H_test = np.asarray(rnn_ntk.ntk(s_test, s_train, cfg=cfg))
"""

from rnn_ntk.learn._base import kernel_scale as kernel_scale
from rnn_ntk.learn._classifier import RNNKernelClassifier as RNNKernelClassifier
from rnn_ntk.learn._nystrom_estimators import (
    NystromRNNKernelClassifier as NystromRNNKernelClassifier,
)
from rnn_ntk.learn._nystrom_estimators import (
    NystromRNNKernelRegressor as NystromRNNKernelRegressor,
)
from rnn_ntk.learn._regressor import RNNKernelRegressor as RNNKernelRegressor

__all__ = [
    "NystromRNNKernelClassifier",
    "NystromRNNKernelRegressor",
    "RNNKernelClassifier",
    "RNNKernelRegressor",
    "kernel_scale",
]
