"""``RNNKernelClassifier``: ``sklearn.svm.SVC`` on a precomputed Gram of the RNN's NTK."""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
from jaxtyping import Float
from sklearn.base import ClassifierMixin
from sklearn.svm import SVC
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from rnn_ntk._sequences import Sequences
from rnn_ntk._validate import check_real
from rnn_ntk.learn._base import RNNKernelEstimator

__all__ = ["RNNKernelClassifier"]


def _encode_labels(y: np.ndarray, class_weight: object, owner: str):
    """``(classes, y as indices into classes, class_weight keyed by index)``."""
    try:
        check_classification_targets(y)
        classes, y_index = np.unique(y, return_inverse=True)
    except TypeError as e:
        raise TypeError(
            f"y mixes label types that cannot be sorted ({e}); use labels of one type, "
            f"e.g. y.astype(str)."
        ) from None
    if len(classes) < 2:
        raise ValueError(
            f"y contains only one class ({classes.tolist()[0]!r}); {owner} needs training "
            f"samples of at least 2 classes."
        )
    if isinstance(class_weight, dict):
        unknown = [k for k in class_weight if k not in set(classes.tolist())]
        if unknown:
            raise ValueError(
                f"class_weight names labels {unknown} that are not in y "
                f"(classes: {classes.tolist()})."
            )
        index = {c: i for i, c in enumerate(classes.tolist())}
        class_weight = {index[k]: v for k, v in class_weight.items()}
    return classes, y_index, class_weight


@dataclasses.dataclass(kw_only=True, eq=False, repr=False)
class RNNKernelClassifier(ClassifierMixin, RNNKernelEstimator):
    """Kernel SVM (``sklearn.svm.SVC``) on the RNN's infinite-width NTK.

    The decision function is sum_i alpha_i y_i H(x_i, x) / s + b with H = ``rnn_ntk.ntk``
    of the configured network (SPEC §1-2), s the kernel scale (see ``scale_kernel``).
    Multi-class is one-vs-one inside libsvm, as in SVC. Labels may be of any type
    (strings, integers, booleans); ``classes_`` holds them sorted.

    Args:
      sw2: variance scale of the recurrent matrix W, as in ``RNNConfig`` (paper: 2); a
        number for every layer or a tuple of ``depth`` numbers (likewise sa2, sb2, s02).
      sa2: variance scale of the input matrix A, or "paper" for 2/L^3 with L the longest
        training sequence (a tuple may mix numbers and "paper", e.g. ("paper", 0.1)).
      sb2: variance scale of the bias (paper: 0).
      s02: variance scale of the initial state's pre-activation M0 (paper: 2).
      sB2: variance scale of the output vector B (paper: 1).
      h0: "random" (h_0 = phi(M0), the paper) or "zero".
      depth, activation, readout, bidirectional: the architecture, as in ``RNNConfig``
        (paper: 1, "relu", "last", False; SPEC §7).
      blocks: trained parameter blocks whose NTKs are summed, a subset of
        {"W", "A", "b", "B", "M0"} (every layer's) or one layer's "W_k", "A_k", ...;
        ("W",) is the paper's H^inf.
      parameterization: "standard" (the paper's) or "ntk".
      scale_kernel: divide H by s = mean(diag H) - mean(H) of the training Gram.
      znormalize: z-normalise every sequence and feature over time before the kernel.
      channels_first: X is (n, d, L) (aeon's layout) instead of (n, L, d); this applies
        to the x of a ``Sequences`` too.
      allow_padding: read a trailing run of all-NaN steps as end padding of a shorter
        sequence (sequences of different lengths); False refuses any NaN.
      dtype: kernel precision, "float32" or "float64"; None uses jax's default float at
        fit time (float64 needs ``jax_enable_x64``, which the estimator never switches
        on). The precision of the fit is recorded in ``dtype_`` and kept by predictions.
      tile_size: tile edge of the Gram computation (memory O(tile_size^2)); None picks
        the backend default (256 on CPU, 2048 on accelerators).
      C: SVM regularisation, applied to the scaled kernel H/s.
      class_weight: as in ``SVC`` (None, "balanced" or a dict label -> weight).
      tol: libsvm stopping tolerance.

    Attributes:
      classes_: the labels, shape (n_classes,).
      svc_: the fitted ``SVC(kernel="precomputed")``.
      X_fit_: the training sequences after preprocessing, shape (n, L, d) (padding
        past ``lengths_fit_`` set to 0).
      lengths_fit_: steps of each training sequence, shape (n,); None if all have L.
      kernel_scale_: s (1.0 if ``scale_kernel=False``).
      cfg_: the ``RNNConfig`` used, sa2="paper" (or a "paper" entry) resolved to 2/L^3.
      dtype_: the precision the model was fitted in ("float32" or "float64"); test
        kernels are computed in it (a float64 model refuses to predict without
        ``jax_enable_x64`` rather than silently dropping to float32).
      seq_len_: L, the longest training sequence.
      n_channels_: d, the features per step.
      n_features_in_: X.shape[1] at fit (L as padded, or d if ``channels_first``).
    """

    C: float = 1.0
    class_weight: dict | Literal["balanced"] | None = None
    tol: float = 1e-3

    def fit(self, X: object, y: object, sample_weight: object = None) -> RNNKernelClassifier:
        """Fits the SVM on the training Gram.

        Args:
          X: training sequences, shape (n, L, d) or (n, L); sequences of different
            lengths end-padded with NaN, or ``Sequences(x, lengths)`` (sample i is
            x[i, :lengths[i]], the rest may hold anything).
          y: labels of any type, shape (n,); at least two classes.
          sample_weight: optional per-sample weights, shape (n,) (rescale C per sample).
        Returns:
          self.
        """
        C = check_real("C", self.C, low=0, open_low=True, what="regularisation constant")
        tol = check_real("tol", self.tol, low=0, open_low=True, what="tolerance")
        seqs, y = self._prepare(X, y, reset=True)
        self.classes_, y_index, class_weight = _encode_labels(
            y, self.class_weight, type(self).__name__
        )
        H, w = self._fit_gram(seqs, sample_weight)
        self.svc_ = SVC(kernel="precomputed", C=C, class_weight=class_weight, tol=tol)
        self.svc_.fit(H, y_index, sample_weight=w)
        return self

    def _test_gram(self, X: object) -> Float[np.ndarray, "m n"]:
        """H(X, X_fit_) / s, computed only in the columns SVC reads (its support vectors).

        The support is padded with other training columns to a power of two (at most n),
        so that repeated predictions reuse a few compiled shapes.
        """
        check_is_fitted(self)
        self._check_precision()
        seqs, _ = self._prepare(X, reset=False)
        n = self.X_fit_.shape[0]
        sv = self.svc_.support_
        size = min(n, 1 << max(int(sv.size) - 1, 0).bit_length())
        cols = np.concatenate([sv, np.setdiff1d(np.arange(n), sv)[: size - sv.size]])
        fit = Sequences(self.X_fit_[cols],
                        None if self.lengths_fit_ is None else self.lengths_fit_[cols])
        H = np.zeros((seqs.x.shape[0], n))
        H[:, cols] = self._gram(seqs, fit) / self.kernel_scale_
        return H

    def decision_function(self, X: object) -> np.ndarray:
        """SVC's decision function on the RNN kernel.

        Args:
          X: sequences, shape (m, L, d) or (m, L) (NaN-padded if of different lengths),
            or ``Sequences(x, lengths)``.
        Returns:
          Shape (m,) for two classes (positive means ``classes_[1]``), else
          (m, n_classes) ("ovr" shape, as SVC's default); m = 0 gives an empty array.
        """
        H = self._test_gram(X)
        if H.shape[0] == 0:
            k = len(self.classes_)
            return np.zeros((0,) if k == 2 else (0, k))
        return self.svc_.decision_function(H)

    def predict(self, X: object) -> np.ndarray:
        """Predicted labels, drawn from ``classes_``.

        Args:
          X: m sequences, as in ``decision_function``.
        Returns:
          The labels, shape (m,) (empty for m = 0).
        """
        H = self._test_gram(X)
        if H.shape[0] == 0:
            return self.classes_[np.zeros(0, dtype=np.intp)]
        return self.classes_[self.svc_.predict(H)]
