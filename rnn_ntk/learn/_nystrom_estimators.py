"""``NystromRNNKernelRegressor`` and ``NystromRNNKernelClassifier``: Falkon on the RNN's NTK."""

from __future__ import annotations

import dataclasses

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from rnn_ntk.learn._nystrom import NystromEstimator

__all__ = ["NystromRNNKernelClassifier", "NystromRNNKernelRegressor"]


@dataclasses.dataclass(kw_only=True, eq=False, repr=False)
class NystromRNNKernelRegressor(RegressorMixin, NystromEstimator):
    """Nyström kernel ridge regression on the RNN's NTK, solved by Falkon (SPEC §8).

    With landmarks c_1..c_M among the training sequences, predicts f(x) = H(x, C) b / s
    with b minimising ||y - K_nM b / s||^2 + alpha b^T K_MM b / s (K_nM = H(X, C), K_MM =
    H(C, C), s the kernel scale), found by Falkon's preconditioned conjugate gradient
    (Rudi et al. 2017; Meanti et al. 2020) with float64 Cholesky factors of the M x M
    systems. With ``n_components`` >= n every training sequence is a landmark and this
    is exactly kernel ridge regression, i.e. ``RNNKernelRegressor(alpha)``. The kernel
    work is the n x M block (n M L pair-steps), computed in row chunks; fit memory is
    8 n M bytes for it (n = 10^5, M = 10^3: 0.8 GB). No intercept, as
    ``RNNKernelRegressor``.

    Args:
      sw2, sa2, sb2, s02, sB2, h0, depth, activation, readout, bidirectional: the network,
        as in ``RNNKernelClassifier``.
      blocks, parameterization: the kernel, as in ``RNNKernelClassifier``.
      znormalize, channels_first, allow_padding, dtype, tile_size: as in
        ``RNNKernelClassifier``.
      scale_kernel: divide H by s = mean(diag K_MM) - mean(K_MM) of the landmarks' Gram
        (the exact estimators' s when every training sequence is a landmark).
      n_components: M, the number of landmarks; M >= n uses every training sequence.
      landmarks: how they are chosen: "uniform" (at random), "kmeans++" (k-means++
        seeding in the kernel's feature space; n M kernel values, which are reused as
        K_nM) or "leverage" (sampled by approximate ridge leverage scores from a uniform
        sub-sample of M sequences; n M more kernel values and O(n M^2) flops).
      alpha: ridge penalty, applied to the scaled kernel H/s (as ``KernelRidge``).
      max_iter: most conjugate-gradient iterations.
      tol: relative residual of the preconditioned system at which the iteration stops.
      random_state: seed (int), ``numpy.random.RandomState`` or None, for the landmarks.
      devices: passed to ``rnn_ntk.ntk(..., devices=...)`` for K_nM and the test
        kernels (None: jax's default device with host threads); the O(n L) diagonal and
        columns of "kmeans++"/"leverage" stay on the default device.

    Attributes:
      coef_: b, shape (M,) or (M, k) as y.
      landmark_indices_: the landmarks' indices among the training sequences, (M,).
      X_landmarks_: the landmarks after preprocessing, shape (M, L, d).
      lengths_landmarks_: their lengths, shape (M,), or None if all have L steps.
      n_components_: M actually used (min(n_components, n)).
      n_iter_: conjugate-gradient iterations run.
      residual_: final relative residual per target, shape (k,).
      kernel_scale_, cfg_, dtype_, seq_len_, n_channels_, n_features_in_, lengths_fit_:
        as in ``RNNKernelClassifier``.
    """

    def fit(self, X: object, y: object) -> NystromRNNKernelRegressor:
        """Chooses the landmarks, computes K_nM and solves the ridge system by Falkon.

        Args:
          X: training sequences, shape (n, L, d) or (n, L); sequences of different
            lengths end-padded with NaN, or ``Sequences(x, lengths)``.
          y: real targets, shape (n,) or (n, k).
        Returns:
          self.
        """
        self._check_nystrom_params()
        seqs, y = self._prepare(X, y, reset=True)
        y = np.asarray(y, dtype=np.float64)
        self._fit_nystrom(seqs, y.reshape(y.shape[0], -1))
        if y.ndim == 1:
            self.coef_ = self.coef_[:, 0]
        return self

    def predict(self, X: object) -> np.ndarray:
        """Predictions f(x) = H(x, C) b / s.

        Args:
          X: m sequences in any of the forms ``fit`` takes, of any lengths.
        Returns:
          Shape (m,) or (m, k) as y at fit (m = 0 gives an empty array).
        """
        check_is_fitted(self)
        return self._decision(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


@dataclasses.dataclass(kw_only=True, eq=False, repr=False)
class NystromRNNKernelClassifier(ClassifierMixin, NystromEstimator):
    """One-vs-rest Nyström kernel ridge classification on the RNN's NTK (Falkon).

    The labels become targets in {-1, +1}^(n x C) (one column for two classes, as
    ``sklearn.linear_model.RidgeClassifier``), fitted as ``NystromRNNKernelRegressor``
    (every column at once, one K_nM); the predicted class is the sign of the decision
    (two classes) or its argmax. Labels may be of any type; ``classes_`` holds them
    sorted.

    Args:
      sw2, sa2, sb2, s02, sB2, h0, depth, activation, readout, bidirectional: the network,
        as in ``RNNKernelClassifier``.
      blocks, parameterization, scale_kernel: as in ``NystromRNNKernelRegressor``.
      znormalize, channels_first, allow_padding, dtype, tile_size: as in
        ``NystromRNNKernelRegressor``.
      n_components, landmarks, alpha, max_iter, tol, random_state, devices: as in
        ``NystromRNNKernelRegressor``.

    Attributes:
      classes_: the labels, shape (n_classes,).
      coef_: b, shape (M, 1) for two classes, else (M, n_classes).
      landmark_indices_, X_landmarks_, lengths_landmarks_: as in the regressor.
      n_components_, n_iter_, residual_, kernel_scale_, cfg_, dtype_: as in
        ``NystromRNNKernelRegressor``.
      seq_len_, n_channels_, n_features_in_: as in ``NystromRNNKernelRegressor``.
    """

    def fit(self, X: object, y: object) -> NystromRNNKernelClassifier:
        """Fits one ridge function per class (one for two classes) by Falkon.

        Args:
          X: training sequences, as in ``NystromRNNKernelRegressor.fit``.
          y: labels of any type, shape (n,); at least two classes.
        Returns:
          self.
        """
        self._check_nystrom_params()
        seqs, y = self._prepare(X, y, reset=True)
        check_classification_targets(y)
        try:
            classes = np.unique(y)
        except TypeError as e:
            raise TypeError(
                f"y mixes label types that cannot be sorted ({e}); use labels of one type, "
                f"e.g. y.astype(str)."
            ) from None
        if len(classes) < 2:
            raise ValueError(
                f"y contains only one class ({classes.tolist()[0]!r}); "
                f"{type(self).__name__} needs training samples of at least 2 classes."
            )
        binarizer = LabelBinarizer(neg_label=-1, pos_label=1).fit(y)
        self.classes_ = binarizer.classes_
        self._fit_nystrom(seqs, binarizer.transform(y).astype(np.float64))
        return self

    def decision_function(self, X: object) -> np.ndarray:
        """The ridge functions H(x, C) b / s.

        Args:
          X: m sequences, as in ``NystromRNNKernelRegressor.predict``.
        Returns:
          Shape (m,) for two classes (positive means ``classes_[1]``), else
          (m, n_classes); m = 0 gives an empty array.
        """
        check_is_fitted(self)
        f = self._decision(X)
        return f[:, 0] if len(self.classes_) == 2 else f

    def predict(self, X: object) -> np.ndarray:
        """Predicted labels, drawn from ``classes_``.

        Args:
          X: m sequences, as in ``decision_function``.
        Returns:
          The labels, shape (m,) (empty for m = 0).
        """
        f = self.decision_function(X)
        index = (f > 0).astype(np.intp) if f.ndim == 1 else np.argmax(f, axis=1)
        return self.classes_[index]
