"""``RNNKernelRegressor``: ``sklearn.kernel_ridge.KernelRidge`` on the RNN's NTK."""

from __future__ import annotations

import dataclasses

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.kernel_ridge import KernelRidge
from sklearn.utils.validation import check_is_fitted

from rnn_ntk._sequences import Sequences
from rnn_ntk._validate import check_real, check_real_array
from rnn_ntk.learn._base import RNNKernelEstimator

__all__ = ["RNNKernelRegressor"]


def _alpha(alpha: object) -> float | np.ndarray:
    """The ridge penalty: a number >= 0, or one per target column (finite, >= 0)."""
    if np.ndim(alpha) == 0:
        return check_real("alpha", alpha, low=0, what="ridge penalty")
    a = check_real_array("alpha", alpha, ndim=1)
    if np.any(a < 0):
        raise ValueError(f"alpha must be ridge penalties >= 0, got {a.tolist()}.")
    return a


@dataclasses.dataclass(kw_only=True, eq=False, repr=False)
class RNNKernelRegressor(RegressorMixin, RNNKernelEstimator):
    """Kernel ridge regression (``sklearn.kernel_ridge.KernelRidge``) on the RNN's NTK.

    Predicts f(x) = H(x, X) (H + alpha s I)^-1 y (no intercept: with the paper's h0 the
    kernel's constant part plays that role). In the NTK regime this is the mean
    prediction of the infinitely wide RNN trained to convergence on the squared loss
    with ridge alpha s. y may have several columns.

    Args:
      sw2, sa2, sb2, s02, sB2, h0, depth, activation, readout, bidirectional: the network.
      blocks, parameterization: the kernel; all as in ``RNNKernelClassifier``.
      scale_kernel, znormalize, channels_first, allow_padding, dtype, tile_size: as in
        ``RNNKernelClassifier``.
      alpha: ridge penalty, applied to the scaled kernel H/s.

    Attributes:
      ridge_: the fitted ``KernelRidge(kernel="precomputed")``.
      X_fit_, lengths_fit_, kernel_scale_, cfg_, dtype_, seq_len_, n_channels_, n_features_in_:
        as in ``RNNKernelClassifier``.
    """

    alpha: float = 1e-3

    def fit(self, X: object, y: object, sample_weight: object = None) -> RNNKernelRegressor:
        """Solves the kernel ridge system on the training Gram.

        Args:
          X: training sequences, shape (n, L, d) or (n, L); sequences of different
            lengths end-padded with NaN, or ``Sequences(x, lengths)``.
          y: real targets, shape (n,) or (n, k).
          sample_weight: optional per-sample weights, shape (n,).
        Returns:
          self.
        """
        alpha = _alpha(self.alpha)
        seqs, y = self._prepare(X, y, reset=True)
        H, w = self._fit_gram(seqs, sample_weight)
        self.ridge_ = KernelRidge(alpha=alpha, kernel="precomputed")
        self.ridge_.fit(H, y, sample_weight=w)
        return self

    def predict(self, X: object) -> np.ndarray:
        """Predictions f(x) = H(x, X_fit_) (H + alpha s I)^-1 y of the fitted ridge.

        Args:
          X: m sequences in any of the forms ``fit`` takes, of any lengths.
        Returns:
          Shape (m,) or (m, k) as y at fit (m = 0 gives an empty array).
        """
        check_is_fitted(self)
        self._check_precision()
        seqs, _ = self._prepare(X, reset=False)
        if seqs.x.shape[0] == 0:
            return np.zeros((0,) + self.ridge_.dual_coef_.shape[1:])
        H = self._gram(seqs, Sequences(self.X_fit_, self.lengths_fit_))
        return self.ridge_.predict(H / self.kernel_scale_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
