"""scikit-learn estimators on the RNN's infinite-width kernels: kernel SVM and kernel ridge.

``RNNKernelClassifier`` is ``sklearn.svm.SVC`` and ``RNNKernelRegressor`` is
``sklearn.kernel_ridge.KernelRidge``, each on a precomputed Gram of ``rnn_ntk.ntk`` (H^inf
by default; any blocks and either parameterisation, SPEC §2). They follow scikit-learn's
conventions: every constructor argument is a parameter (``get_params``/``set_params``,
``clone``, ``GridSearchCV`` over sw2, sa2, C, ...), fitted state ends in ``_``, and inputs
are validated with ``sklearn.utils.validation.validate_data``.

Inputs: sequences of shape (n, L, d), or (n, L) for univariate sequences (d = 1), which is
also what a plain tabular X is taken to be. ``channels_first=True`` accepts aeon's layout
(n, d, L) instead. Sequences of different lengths are pending (SPEC §6).

Precision: the kernel is computed in ``dtype`` (default: float64 when ``jax_enable_x64``
is on, else float32) and handed to libsvm / the ridge solve in float64. The estimators
never change jax's global configuration.

Scaling: with ``scale_kernel=True`` (default) the Gram is divided by its scale on the
training data, s = mean(diag H) - mean(H) (the trace of the centred Gram over n). The
learned predictor equals the plain one with C/s (SVM) or alpha*s (ridge), so C and alpha
keep one meaning whatever sa2, L or the blocks (H^inf spans orders of magnitude across
them). The inputs themselves are left alone unless ``znormalize=True``
(per-series, per-feature z-normalisation over time, as the UCR archive ships its sets).

The same classifier by hand, with the kernel passed to ``SVC`` as precomputed::

    H_train = np.asarray(rnn_ntk.ntk(x_train, cfg=cfg))            # (n_train, n_train)
    H_test = np.asarray(rnn_ntk.ntk(x_test, x_train, cfg=cfg))     # (n_test, n_train)
    svc = SVC(kernel="precomputed", C=1.0).fit(H_train, y_train)
    y_pred = svc.predict(H_test)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import jax
import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.kernel_ridge import KernelRidge
    from sklearn.svm import SVC
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        f"rnn_ntk.estimators needs scikit-learn ({e}); install it with "
        f"pip install 'rnn_ntk[data]' (or scikit-learn==1.9.1)."
    ) from None

from rnn_ntk.config import RNNConfig
from rnn_ntk.data import check_finite_sequences, znormalize
from rnn_ntk.kernels import DEFAULT_TILE, ntk

__all__ = ["RNNKernelClassifier", "RNNKernelRegressor", "kernel_scale"]

_NO_Y = object()  # "validate X only"

# ``ntk`` under one jit per (configuration, shapes): an estimator calls it with the same
# shapes again and again (CV folds, batches of predictions), and a compiled call skips
# the per-call tracing of the eager path. (Finiteness is checked before, on the host.)
_ntk_jit = jax.jit(
    lambda x1, x2, **kw: ntk(x1, x2, **kw),
    static_argnames=("cfg", "blocks", "parameterization", "tile_size", "dtype"),
)


def _sample_weight(sample_weight, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},) to match X, got {w.shape}.")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("sample_weight must be finite and non-negative.")
    return w


def kernel_scale(H: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
    """The scale of a training Gram: mean(diag H) - mean(H), the centred trace over n.

    With weights p_i (normalised to sum 1) it is sum_i p_i H_ii - sum_ij p_i p_j H_ij, so a
    sample of weight 2 counts as two copies and one of weight 0 as absent. Adding a
    constant to H leaves it unchanged (as it leaves an SVM with intercept unchanged); it
    is half the mean squared distance between the samples' features. A Gram with no
    spread (all samples alike) gets max |H| instead, or 1.

    Args:
      H: symmetric Gram, shape (n, n).
      sample_weight: optional non-negative weights, shape (n,).
    Returns:
      A positive float.
    """
    H = np.asarray(H, dtype=np.float64)
    n = H.shape[0]
    p = np.full(n, 1.0 / max(n, 1)) if sample_weight is None else np.asarray(
        sample_weight, dtype=np.float64
    )
    if sample_weight is not None and p.sum() > 0:
        p = p / p.sum()
    s = float(p @ np.diag(H) - p @ H @ p)
    top = float(np.max(np.abs(H))) if H.size else 0.0
    if np.isfinite(s) and s > 1e-12 * top:
        return s
    return top if top > 0 else 1.0


class _RNNKernelBase(BaseEstimator):
    """Parameters, validation and kernels shared by the classifier and the regressor."""

    def _cfg(self) -> RNNConfig:
        return RNNConfig(
            sw2=self.sw2, sa2=self.sa2, sb2=self.sb2, s02=self.s02, sB2=self.sB2, h0=self.h0
        )

    def _sequences(self, X, y=_NO_Y, *, reset: bool):
        """Validates X (and y) and returns X as float64 sequences (n, L, d)."""
        if not isinstance(self.channels_first, bool):
            raise TypeError(f"channels_first must be True or False, got {self.channels_first!r}.")
        if not isinstance(self.znormalize, bool):
            raise TypeError(f"znormalize must be True or False, got {self.znormalize!r}.")
        if not reset and getattr(X, "ndim", None) == 3:
            L, d = (X.shape[2], X.shape[1]) if self.channels_first else X.shape[1:]
            if (L, d) != (self.seq_len_, self.n_channels_):
                raise ValueError(
                    f"X has sequences of L={L} steps with d={d} features, but "
                    f"{type(self).__name__} was fitted on L={self.seq_len_}, "
                    f"d={self.n_channels_}; pass sequences of that shape (sequences of "
                    f"different lengths are pending, SPEC §6)."
                )
        kw = dict(reset=reset, allow_nd=True, dtype=np.float64, ensure_all_finite=False)
        if y is _NO_Y:
            X = validate_data(self, X, **kw)
        else:
            X, y = validate_data(self, X, y, multi_output=self._multi_output, **kw)
        if X.ndim == 2:
            X = X[:, :, None]
        elif X.ndim != 3:
            raise ValueError(
                f"X must have shape (n, L, d) or (n, L) for univariate sequences, got shape "
                f"{X.shape}."
            )
        elif self.channels_first:
            X = np.transpose(X, (0, 2, 1))
        check_finite_sequences(X, "X")
        if self.znormalize:
            X = znormalize(X)
        X = np.ascontiguousarray(X)
        if reset:
            self.seq_len_, self.n_channels_ = X.shape[1], X.shape[2]
        return X if y is _NO_Y else (X, y)

    def _kernel(self, x1, x2=None) -> np.ndarray:
        blocks = (self.blocks,) if isinstance(self.blocks, str) else tuple(self.blocks)
        H = _ntk_jit(
            x1, x2, cfg=self.cfg_, blocks=blocks, parameterization=self.parameterization,
            tile_size=self.tile_size, dtype=self.dtype,
        )
        H = np.asarray(H, dtype=np.float64)
        if not np.all(np.isfinite(H)):
            raise FloatingPointError(
                "the RNN kernel overflowed (non-finite entries); with sw2 > 2 it grows like "
                "(sw2/2)^L: lower sw2, shorten the sequences or scale the inputs down."
            )
        return H

    def _fit_kernel(self, X, sample_weight) -> np.ndarray:
        sample_weight = _sample_weight(sample_weight, X.shape[0])
        self.cfg_ = self._cfg()
        H = self._kernel(X)
        self.kernel_scale_ = kernel_scale(H, sample_weight) if self.scale_kernel else 1.0
        return H / self.kernel_scale_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


class RNNKernelClassifier(ClassifierMixin, _RNNKernelBase):
    """Kernel SVM (``sklearn.svm.SVC``) on the RNN's infinite-width NTK.

    The decision function is sum_i alpha_i y_i H(x_i, x) / s + b with H = ``rnn_ntk.ntk``
    of the configured network (SPEC §1-2), s the kernel scale (see ``scale_kernel``).
    Multi-class is one-vs-one inside libsvm, as in SVC. Labels may be of any type
    (strings, integers, booleans); ``classes_`` holds them sorted.

    Args:
      sw2, sa2, sb2, s02, sB2, h0: the network, as in ``RNNConfig`` (defaults: the
        paper's, sa2="paper" = 2/L^3).
      blocks: trained parameter blocks whose NTKs are summed, a subset of
        {"W", "A", "b", "B", "M0"}; ("W",) is the paper's H^inf.
      parameterization: "standard" (the paper's) or "ntk".
      C: SVM regularisation, applied to the scaled kernel H/s.
      class_weight: as in ``SVC`` (None, "balanced" or a dict label -> weight).
      tol: libsvm stopping tolerance.
      scale_kernel: divide H by s = mean(diag H) - mean(H) of the training Gram.
      znormalize: z-normalise every sequence and feature over time before the kernel.
      channels_first: X is (n, d, L) (aeon's layout) instead of (n, L, d).
      dtype: kernel precision, "float32" or "float64"; None uses jax's default float
        (float64 needs ``jax_enable_x64``, which the estimator never switches on).
      tile_size: tile edge of the Gram computation (memory O(tile_size^2)).

    Attributes:
      classes_: the labels, shape (n_classes,).
      svc_: the fitted ``SVC(kernel="precomputed")``.
      X_fit_: the training sequences after preprocessing, shape (n, L, d).
      kernel_scale_: s (1.0 if ``scale_kernel=False``).
      cfg_: the ``RNNConfig`` used.
      seq_len_, n_channels_: L and d of the training sequences.
      n_features_in_: X.shape[1] at fit (L, or d if ``channels_first``).
    """

    _multi_output = False

    def __init__(
        self,
        *,
        sw2: float = 2.0,
        sa2: float | Literal["paper"] = "paper",
        sb2: float = 0.0,
        s02: float = 2.0,
        sB2: float = 1.0,
        h0: Literal["random", "zero"] = "random",
        blocks: Sequence[str] = ("W",),
        parameterization: Literal["standard", "ntk"] = "standard",
        C: float = 1.0,
        class_weight: dict | Literal["balanced"] | None = None,
        tol: float = 1e-3,
        scale_kernel: bool = True,
        znormalize: bool = False,
        channels_first: bool = False,
        dtype: str | None = None,
        tile_size: int = DEFAULT_TILE,
    ):
        self.sw2 = sw2
        self.sa2 = sa2
        self.sb2 = sb2
        self.s02 = s02
        self.sB2 = sB2
        self.h0 = h0
        self.blocks = blocks
        self.parameterization = parameterization
        self.C = C
        self.class_weight = class_weight
        self.tol = tol
        self.scale_kernel = scale_kernel
        self.znormalize = znormalize
        self.channels_first = channels_first
        self.dtype = dtype
        self.tile_size = tile_size

    def fit(self, X, y, sample_weight=None):
        """Fits the SVM on the training Gram.

        Args:
          X: training sequences, shape (n, L, d) or (n, L).
          y: labels of any type, shape (n,); at least two classes.
          sample_weight: optional per-sample weights, shape (n,) (rescale C per sample).
        Returns:
          self.
        """
        X, y = self._sequences(X, y, reset=True)
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"y contains only one class ({self.classes_.tolist()[0]!r}); "
                f"{type(self).__name__} needs training samples of at least 2 classes."
            )
        class_weight = self.class_weight
        if isinstance(class_weight, dict):
            unknown = [k for k in class_weight if k not in set(self.classes_.tolist())]
            if unknown:
                raise ValueError(
                    f"class_weight names labels {unknown} that are not in y "
                    f"(classes: {self.classes_.tolist()})."
                )
            index = {c: i for i, c in enumerate(self.classes_.tolist())}
            class_weight = {index[k]: v for k, v in class_weight.items()}
        H = self._fit_kernel(X, sample_weight)
        self.svc_ = SVC(kernel="precomputed", C=self.C, class_weight=class_weight, tol=self.tol)
        self.svc_.fit(H, y_index, sample_weight=sample_weight)
        self.X_fit_ = X
        return self

    def _test_kernel(self, X) -> np.ndarray:
        """H(X, X_fit_) / s, computed only in the columns SVC reads (its support vectors).

        The support is padded with other training columns to a power of two (at most n),
        so that repeated predictions reuse a few compiled shapes.
        """
        check_is_fitted(self)
        X = self._sequences(X, reset=False)
        n = self.X_fit_.shape[0]
        sv = self.svc_.support_
        size = min(n, 1 << max(int(sv.size) - 1, 0).bit_length())
        cols = np.concatenate([sv, np.setdiff1d(np.arange(n), sv)[: size - sv.size]])
        H = np.zeros((X.shape[0], n))
        H[:, cols] = self._kernel(X, self.X_fit_[cols]) / self.kernel_scale_
        return H

    def decision_function(self, X) -> np.ndarray:
        """SVC's decision function on the RNN kernel.

        Args:
          X: sequences, shape (m, L, d) or (m, L).
        Returns:
          Shape (m,) for two classes (positive means ``classes_[1]``), else
          (m, n_classes) ("ovr" shape, as SVC's default).
        """
        H = self._test_kernel(X)
        return self.svc_.decision_function(H)

    def predict(self, X) -> np.ndarray:
        """Predicted labels, shape (m,), drawn from ``classes_``.

        Args:
          X: sequences, shape (m, L, d) or (m, L).
        """
        H = self._test_kernel(X)
        return self.classes_[self.svc_.predict(H)]


class RNNKernelRegressor(RegressorMixin, _RNNKernelBase):
    """Kernel ridge regression (``sklearn.kernel_ridge.KernelRidge``) on the RNN's NTK.

    Predicts f(x) = H(x, X) (H + alpha s I)^-1 y (no intercept: with the paper's h0 the
    kernel's constant part plays that role). In the NTK regime this is the mean
    prediction of the infinitely wide RNN trained to convergence on the squared loss
    with ridge alpha s. y may have several columns.

    Args:
      sw2, sa2, sb2, s02, sB2, h0, blocks, parameterization: the kernel, as in
        ``RNNKernelClassifier``.
      alpha: ridge penalty, applied to the scaled kernel H/s.
      scale_kernel, znormalize, channels_first, dtype, tile_size: as in
        ``RNNKernelClassifier``.

    Attributes:
      ridge_: the fitted ``KernelRidge(kernel="precomputed")``.
      X_fit_, kernel_scale_, cfg_, seq_len_, n_channels_, n_features_in_: as in
        ``RNNKernelClassifier``.
    """

    _multi_output = True

    def __init__(
        self,
        *,
        sw2: float = 2.0,
        sa2: float | Literal["paper"] = "paper",
        sb2: float = 0.0,
        s02: float = 2.0,
        sB2: float = 1.0,
        h0: Literal["random", "zero"] = "random",
        blocks: Sequence[str] = ("W",),
        parameterization: Literal["standard", "ntk"] = "standard",
        alpha: float = 1e-3,
        scale_kernel: bool = True,
        znormalize: bool = False,
        channels_first: bool = False,
        dtype: str | None = None,
        tile_size: int = DEFAULT_TILE,
    ):
        self.sw2 = sw2
        self.sa2 = sa2
        self.sb2 = sb2
        self.s02 = s02
        self.sB2 = sB2
        self.h0 = h0
        self.blocks = blocks
        self.parameterization = parameterization
        self.alpha = alpha
        self.scale_kernel = scale_kernel
        self.znormalize = znormalize
        self.channels_first = channels_first
        self.dtype = dtype
        self.tile_size = tile_size

    def fit(self, X, y, sample_weight=None):
        """Solves the kernel ridge system on the training Gram.

        Args:
          X: training sequences, shape (n, L, d) or (n, L).
          y: real targets, shape (n,) or (n, k).
          sample_weight: optional per-sample weights, shape (n,).
        Returns:
          self.
        """
        X, y = self._sequences(X, y, reset=True)
        H = self._fit_kernel(X, sample_weight)
        self.ridge_ = KernelRidge(alpha=self.alpha, kernel="precomputed")
        self.ridge_.fit(H, y, sample_weight=sample_weight)
        self.X_fit_ = X
        return self

    def predict(self, X) -> np.ndarray:
        """Predictions, shape (m,) or (m, k) as y at fit.

        Args:
          X: sequences, shape (m, L, d) or (m, L).
        """
        check_is_fitted(self)
        X = self._sequences(X, reset=False)
        if X.shape[0] == 0:
            return self.ridge_.predict(np.zeros((0, self.X_fit_.shape[0])))
        return self.ridge_.predict(self._kernel(X, self.X_fit_) / self.kernel_scale_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
