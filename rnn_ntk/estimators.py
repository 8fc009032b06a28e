"""scikit-learn estimators on the RNN's infinite-width kernels: kernel SVM and kernel ridge.

``RNNKernelClassifier`` is ``sklearn.svm.SVC`` and ``RNNKernelRegressor`` is
``sklearn.kernel_ridge.KernelRidge``, each on a precomputed Gram of ``rnn_ntk.ntk`` (H^inf
by default; any blocks and either parameterisation, SPEC §2). They follow scikit-learn's
conventions: every constructor argument is a parameter (``get_params``/``set_params``,
``clone``, ``GridSearchCV`` over sw2, sa2, C, ...), fitted state ends in ``_``, and inputs
are validated with ``sklearn.utils.validation.validate_data``.

Inputs: sequences of shape (n, L, d), or (n, L) for univariate sequences (d = 1), which is
also what a plain tabular X is taken to be. ``channels_first=True`` accepts aeon's layout
(n, d, L) instead.

Sequences of different lengths (SPEC §6; pairs aligned at their last step): pass them
end-padded with NaN, as aeon and ``rnn_ntk.data.load_dataset`` store them. With
``allow_padding=True`` (default) a trailing run of steps that are NaN in every feature is
read as padding and the lengths come from it (``rnn_ntk.data.lengths_from_nan``); any
other NaN (inside a sequence, or in only some features of a step) and any inf is still
an error, so scikit-learn's NaN checks hold. NaN-padded X is the path that works
everywhere X goes (``GridSearchCV``, ``Pipeline``, ``cross_val_score``). For direct calls,
``fit``/``predict``/``decision_function``/``score`` also take ``lengths=`` (sample i is
``X[i, :lengths[i]]``, the padding may then hold anything). ``allow_padding=False``
refuses any NaN. An estimator fitted on sequences of one length L expects that L at
predict time (scikit-learn's ``n_features_in_`` check) unless the new X is padded or
given lengths; one fitted on ragged sequences accepts any lengths. sa2="paper" is
resolved at fit to 2/L^3 with L the longest training sequence (``cfg_``), so test
sequences of other lengths do not change the kernel.

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

and for sequences of different lengths (``lengths_*`` from ``load_dataset`` or
``rnn_ntk.data.lengths_from_nan``; sa2 fixed from the training lengths)::

    cfg = RNNConfig(sa2=2.0 / lengths_train.max() ** 3)
    H_train = np.asarray(rnn_ntk.ntk(x_train, cfg=cfg, lengths1=lengths_train))
    H_test = np.asarray(rnn_ntk.ntk(x_test, x_train, cfg=cfg, lengths1=lengths_test,
                                    lengths2=lengths_train))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Literal

import jax
import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.kernel_ridge import KernelRidge
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.svm import SVC
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_array, check_is_fitted, validate_data
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        f"rnn_ntk.estimators needs scikit-learn ({e}); install it with "
        f"pip install 'rnn_ntk[data]' (or scikit-learn==1.9.1)."
    ) from None

from rnn_ntk.config import RNNConfig
from rnn_ntk.data import lengths_from_nan, znormalize
from rnn_ntk.kernels import ntk

__all__ = ["RNNKernelClassifier", "RNNKernelRegressor", "kernel_scale"]

_NO_Y = object()  # "validate X only"

# Small Grams go through ``ntk`` under one jit per (configuration, shapes): an estimator
# sees the same shapes again and again (CV folds, batches of predictions), and a compiled
# call skips the per-call tracing of the eager path. Large Grams use the eager path, which
# fills the output tile by tile (the traced path assembles it on the device, ~3x the
# memory). Finiteness is checked before, on the host.
_ntk_jit = jax.jit(
    lambda x1, x2, **kw: ntk(x1, x2, **kw),
    static_argnames=("cfg", "blocks", "parameterization", "tile_size", "dtype"),
)
_JIT_MAX_PAIRS = 1 << 22


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

    def _cfg(self, L: int) -> RNNConfig:
        cfg = RNNConfig(
            sw2=self.sw2, sa2=self.sa2, sb2=self.sb2, s02=self.s02, sB2=self.sB2, h0=self.h0
        )
        # "paper" is fixed by the training sequences (2/L^3, L the longest), so that test
        # sequences of other lengths meet the same kernel.
        return cfg if cfg.sa2 != "paper" else dataclasses.replace(cfg, sa2=cfg.resolve_sa2(L))

    def _check_flags(self):
        for flag in ("channels_first", "znormalize", "allow_padding"):
            v = getattr(self, flag)
            if not isinstance(v, bool):
                raise TypeError(f"{flag} must be True or False, got {v!r}.")

    def _sequences(self, X, y=_NO_Y, *, reset: bool, lengths=None):
        """Validates X (and y) and returns ``(X, lengths)`` (and y).

        X comes back as float64 sequences (n, L, d) with L the longest sequence and the
        padding past each length set to 0; lengths is an int64 array (n,), or None when
        every sequence has L steps.
        """
        self._check_flags()
        kw = dict(allow_nd=True, dtype=np.float64, ensure_all_finite=False)
        if reset:
            if y is _NO_Y:
                X = validate_data(self, X, reset=True, **kw)
            else:
                X, y = validate_data(self, X, y, reset=True, multi_output=self._multi_output,
                                     **kw)
        else:
            X = check_array(X, **kw)
            padded = self.allow_padding and not np.isfinite(X).all()
            if self.lengths_fit_ is None and lengths is None and not padded:
                # Sequences of one length against a model of one length: scikit-learn's
                # n_features_in_ check applies (and a wrong layout shows up here).
                if X.ndim == 3:
                    L, d = (X.shape[2], X.shape[1]) if self.channels_first else X.shape[1:]
                    if (L, d) != (self.seq_len_, self.n_channels_):
                        raise ValueError(
                            f"X has sequences of L={L} steps with d={d} features, but "
                            f"{type(self).__name__} was fitted on L={self.seq_len_}, "
                            f"d={self.n_channels_}; pass sequences of that shape, or "
                            f"sequences of other lengths end-padded with NaN (or with "
                            f"lengths=...)."
                        )
                X = validate_data(self, X, reset=False, **kw)
        if X.ndim == 2:
            X = X[:, :, None]
        elif X.ndim != 3:
            raise ValueError(
                f"X must have shape (n, L, d) or (n, L) for univariate sequences, got shape "
                f"{X.shape}."
            )
        elif self.channels_first:
            X = np.transpose(X, (0, 2, 1))
        if not reset and X.shape[2] != self.n_channels_:
            raise ValueError(
                f"X has d={X.shape[2]} features per step, but {type(self).__name__} was "
                f"fitted on d={self.n_channels_}."
            )
        lengths = self._lengths(X, lengths)
        Lmax = int(lengths.max())
        X = X[:, :Lmax]
        mask = np.arange(Lmax)[None, :, None] < lengths[:, None, None]
        if self.znormalize:
            X = znormalize(np.where(mask, X, 0.0), lengths=lengths)
        X = np.ascontiguousarray(np.where(mask, X, 0.0))
        lengths = None if lengths.min() == Lmax else lengths
        if reset:
            self.seq_len_, self.n_channels_ = Lmax, X.shape[2]
            self.lengths_fit_ = lengths
        return (X, lengths) if y is _NO_Y else (X, lengths, y)

    def _lengths(self, X, lengths) -> np.ndarray:
        """Steps of every sequence of (n, L, d) X: given, read from NaN padding, or L."""
        n, L, _ = X.shape
        if lengths is None:
            if self.allow_padding:
                return lengths_from_nan(X, "X")
            if not np.isfinite(X).all():
                found = lengths_from_nan(X, "X")  # precise errors for inf, missing values
                raise ValueError(
                    f"X contains NaN padding at the end of sequences ({found.min()} to "
                    f"{found.max()} steps), but allow_padding=False; set allow_padding=True "
                    f"to read it as sequences of different lengths."
                )
            return np.full(n, L, dtype=np.int64)
        arr = np.asarray(lengths)
        if arr.dtype.kind not in "iu":
            raise TypeError(f"lengths must be integers (steps per sequence), got {arr.dtype}.")
        if arr.shape != (n,):
            raise ValueError(f"lengths must have shape ({n},) to match X, got {arr.shape}.")
        if n and (arr.min() < 1 or arr.max() > L):
            raise ValueError(
                f"lengths must lie in [1, {L}] (X's steps), got {arr.min()} to {arr.max()}."
            )
        inside = np.arange(L)[None, :] < arr[:, None]
        bad = inside & ~np.isfinite(X).all(axis=2)
        if bad.any():
            i, step = (int(v) for v in np.argwhere(bad)[0])
            raise ValueError(
                f"X contains NaN or inf within the given lengths (first: sequence {i}, "
                f"step {step}); pass finite values (the padding past lengths may hold NaN)."
            )
        return arr.astype(np.int64)

    def _kernel(self, x1, x2=None, lengths1=None, lengths2=None) -> np.ndarray:
        blocks = (self.blocks,) if isinstance(self.blocks, str) else tuple(self.blocks)
        n2 = x1.shape[0] if x2 is None else x2.shape[0]
        run = _ntk_jit if x1.shape[0] * n2 <= _JIT_MAX_PAIRS else ntk
        ragged = {}
        if lengths1 is not None or lengths2 is not None or (
            x2 is not None and x1.shape[1] != x2.shape[1]
        ):
            full = np.full(x1.shape[0], x1.shape[1], dtype=np.int64)
            ragged = {"lengths1": full if lengths1 is None else lengths1}
            if lengths2 is not None:
                ragged["lengths2"] = lengths2
        H = run(
            x1, x2, cfg=self.cfg_, blocks=blocks, parameterization=self.parameterization,
            tile_size=self.tile_size, dtype=self.dtype, **ragged,
        )
        H = np.asarray(H, dtype=np.float64)
        if not np.all(np.isfinite(H)):
            raise FloatingPointError(
                "the RNN kernel overflowed (non-finite entries); with sw2 > 2 it grows like "
                "(sw2/2)^L: lower sw2, shorten the sequences or scale the inputs down."
            )
        return H

    def _fit_kernel(self, X, lengths, sample_weight) -> np.ndarray:
        sample_weight = _sample_weight(sample_weight, X.shape[0])
        self.cfg_ = self._cfg(self.seq_len_)
        H = self._kernel(X, lengths1=lengths)
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
      allow_padding: read a trailing run of all-NaN steps as end padding of a shorter
        sequence (sequences of different lengths); False refuses any NaN.
      dtype: kernel precision, "float32" or "float64"; None uses jax's default float
        (float64 needs ``jax_enable_x64``, which the estimator never switches on).
      tile_size: tile edge of the Gram computation (memory O(tile_size^2)); None picks
        the backend default (256 on CPU, 2048 on accelerators).

    Attributes:
      classes_: the labels, shape (n_classes,).
      svc_: the fitted ``SVC(kernel="precomputed")``.
      X_fit_: the training sequences after preprocessing, shape (n, L, d) (padding
        past ``lengths_fit_`` set to 0).
      lengths_fit_: steps of each training sequence, shape (n,); None if all have L.
      kernel_scale_: s (1.0 if ``scale_kernel=False``).
      cfg_: the ``RNNConfig`` used, sa2="paper" resolved to 2/L^3.
      seq_len_, n_channels_: L (the longest training sequence) and d.
      n_features_in_: X.shape[1] at fit (L as padded, or d if ``channels_first``).
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
        allow_padding: bool = True,
        dtype: str | None = None,
        tile_size: int | None = None,
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
        self.allow_padding = allow_padding
        self.dtype = dtype
        self.tile_size = tile_size

    def fit(self, X, y, sample_weight=None, *, lengths=None):
        """Fits the SVM on the training Gram.

        Args:
          X: training sequences, shape (n, L, d) or (n, L); sequences of different
            lengths end-padded with NaN (or with ``lengths``).
          y: labels of any type, shape (n,); at least two classes.
          sample_weight: optional per-sample weights, shape (n,) (rescale C per sample).
          lengths: optional steps of each sequence, shape (n,): sample i is
            X[i, :lengths[i]] (the rest may hold anything). None reads NaN padding.
        Returns:
          self.
        """
        X, lengths, y = self._sequences(X, y, reset=True, lengths=lengths)
        try:
            check_classification_targets(y)
            self.classes_, y_index = np.unique(y, return_inverse=True)
        except TypeError as e:
            raise TypeError(
                f"y mixes label types that cannot be sorted ({e}); use labels of one type, "
                f"e.g. y.astype(str)."
            ) from None
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
        H = self._fit_kernel(X, lengths, sample_weight)
        self.svc_ = SVC(kernel="precomputed", C=self.C, class_weight=class_weight, tol=self.tol)
        self.svc_.fit(H, y_index, sample_weight=sample_weight)
        self.X_fit_ = X
        return self

    def _test_kernel(self, X, lengths=None) -> np.ndarray:
        """H(X, X_fit_) / s, computed only in the columns SVC reads (its support vectors).

        The support is padded with other training columns to a power of two (at most n),
        so that repeated predictions reuse a few compiled shapes.
        """
        check_is_fitted(self)
        X, lengths = self._sequences(X, reset=False, lengths=lengths)
        n = self.X_fit_.shape[0]
        sv = self.svc_.support_
        size = min(n, 1 << max(int(sv.size) - 1, 0).bit_length())
        cols = np.concatenate([sv, np.setdiff1d(np.arange(n), sv)[: size - sv.size]])
        H = np.zeros((X.shape[0], n))
        fit_lengths = None if self.lengths_fit_ is None else self.lengths_fit_[cols]
        H[:, cols] = self._kernel(X, self.X_fit_[cols], lengths, fit_lengths) / self.kernel_scale_
        return H

    def decision_function(self, X, *, lengths=None) -> np.ndarray:
        """SVC's decision function on the RNN kernel.

        Args:
          X: sequences, shape (m, L, d) or (m, L) (NaN-padded if of different lengths).
          lengths: optional steps of each sequence, shape (m,), as in ``fit``.
        Returns:
          Shape (m,) for two classes (positive means ``classes_[1]``), else
          (m, n_classes) ("ovr" shape, as SVC's default).
        """
        H = self._test_kernel(X, lengths)
        return self.svc_.decision_function(H)

    def predict(self, X, *, lengths=None) -> np.ndarray:
        """Predicted labels, shape (m,), drawn from ``classes_``.

        Args:
          X: sequences, shape (m, L, d) or (m, L) (NaN-padded if of different lengths).
          lengths: optional steps of each sequence, shape (m,), as in ``fit``.
        """
        H = self._test_kernel(X, lengths)
        return self.classes_[self.svc_.predict(H)]

    def score(self, X, y, sample_weight=None, *, lengths=None) -> float:
        """Mean accuracy of ``predict(X, lengths=lengths)`` against y."""
        return float(accuracy_score(y, self.predict(X, lengths=lengths),
                                    sample_weight=sample_weight))


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
      scale_kernel, znormalize, channels_first, allow_padding, dtype, tile_size: as in
        ``RNNKernelClassifier``.

    Attributes:
      ridge_: the fitted ``KernelRidge(kernel="precomputed")``.
      X_fit_, lengths_fit_, kernel_scale_, cfg_, seq_len_, n_channels_, n_features_in_:
        as in ``RNNKernelClassifier``.
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
        allow_padding: bool = True,
        dtype: str | None = None,
        tile_size: int | None = None,
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
        self.allow_padding = allow_padding
        self.dtype = dtype
        self.tile_size = tile_size

    def fit(self, X, y, sample_weight=None, *, lengths=None):
        """Solves the kernel ridge system on the training Gram.

        Args:
          X: training sequences, shape (n, L, d) or (n, L); sequences of different
            lengths end-padded with NaN (or with ``lengths``).
          y: real targets, shape (n,) or (n, k).
          sample_weight: optional per-sample weights, shape (n,).
          lengths: optional steps of each sequence, shape (n,), as in
            ``RNNKernelClassifier.fit``.
        Returns:
          self.
        """
        X, lengths, y = self._sequences(X, y, reset=True, lengths=lengths)
        H = self._fit_kernel(X, lengths, sample_weight)
        self.ridge_ = KernelRidge(alpha=self.alpha, kernel="precomputed")
        self.ridge_.fit(H, y, sample_weight=sample_weight)
        self.X_fit_ = X
        return self

    def predict(self, X, *, lengths=None) -> np.ndarray:
        """Predictions, shape (m,) or (m, k) as y at fit.

        Args:
          X: sequences, shape (m, L, d) or (m, L) (NaN-padded if of different lengths).
          lengths: optional steps of each sequence, shape (m,), as in ``fit``.
        """
        check_is_fitted(self)
        X, lengths = self._sequences(X, reset=False, lengths=lengths)
        H = self._kernel(X, self.X_fit_, lengths, self.lengths_fit_)
        return self.ridge_.predict(H / self.kernel_scale_)

    def score(self, X, y, sample_weight=None, *, lengths=None) -> float:
        """R^2 of ``predict(X, lengths=lengths)`` against y (as ``RegressorMixin.score``)."""
        return float(r2_score(y, self.predict(X, lengths=lengths),
                              sample_weight=sample_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
