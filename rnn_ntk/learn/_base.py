"""What the classifier and the regressor share: parameters, input checks, the kernel.

``RNNKernelEstimator`` declares the parameters of the network and of the kernel once (a
dataclass, so scikit-learn reads them from the generated ``__init__``; defaults are
``RNNConfig``'s), turns X (an array or ``Sequences``) into validated end-padded sequences
and their lengths, and computes Grams of ``rnn_ntk.infinite.ntk`` on them. The
subclasses add their solver (``SVC``, ``KernelRidge``) and its parameters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Literal

import jax
import numpy as np
from jaxtyping import Float, Int

try:
    from sklearn.base import BaseEstimator, clone
    from sklearn.utils.validation import check_array, validate_data
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        f"rnn_ntk.learn needs scikit-learn ({e}); install it with "
        f"pip install 'rnn_ntk[data]' (or scikit-learn==1.9.1)."
    ) from None

from rnn_ntk._config import RNNConfig, layer_weights
from rnn_ntk._sequences import Sequences, as_sequences, lengths_from_nan
from rnn_ntk._validate import check_bool, check_dtype, check_int, check_real_array
from rnn_ntk.data import znormalize
from rnn_ntk.infinite import ntk

__all__ = ["RNNKernelEstimator", "kernel_scale"]

_NO_Y = "no_validation"  # scikit-learn's own marker for "validate X only"

# Small Grams go through ``ntk`` under one jit per (configuration, shapes): an estimator
# sees the same shapes again and again (CV folds, batches of predictions), and a compiled
# call skips the per-call tracing of the eager path. Large Grams use the eager path, which
# fills the output tile by tile (the traced path assembles it on the device, ~3x the
# memory). Finiteness is checked before, on the host. Only the paper's network takes the
# jit: the other architectures' eager path compiles once per architecture and tile shape
# with the variances traced, where the outer jit (cfg static) would compile again for
# every variance value of a CV grid (~10 s each on 2 CPU cores).
_ntk_jit = jax.jit(
    lambda x1, x2, **kw: ntk(x1, x2, **kw),
    static_argnames=("cfg", "blocks", "parameterization", "tile_size", "dtype"),
)
_JIT_MAX_PAIRS = 1 << 22


def _sample_weight(sample_weight: object, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    w = check_real_array("sample_weight", sample_weight, finite=False)
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},) to match X, got {w.shape}.")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("sample_weight must be finite and non-negative.")
    return w


def kernel_scale(
    H: Float[np.ndarray, "n n"], sample_weight: Float[np.ndarray, " n"] | None = None
) -> float:
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
    Raises:
      TypeError, ValueError: H not a finite square real matrix, or sample_weight not
        finite non-negative weights of shape (n,) (the message names the argument).
    """
    H = check_real_array("H", H)
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"H must be a square (n, n) Gram, got shape {H.shape}.")
    n = H.shape[0]
    p = _sample_weight(sample_weight, n)
    p = np.full(n, 1.0 / max(n, 1)) if p is None else p
    if sample_weight is not None and p.sum() > 0:
        p = p / p.sum()
    s = float(p @ np.diag(H) - p @ H @ p)
    top = float(np.max(np.abs(H))) if H.size else 0.0
    if np.isfinite(s) and s > 1e-12 * top:
        return s
    return top if top > 0 else 1.0


@dataclasses.dataclass(kw_only=True, eq=False, repr=False)
class RNNKernelEstimator(BaseEstimator):
    """Parameters, input checks and kernels shared by the RNN-NTK estimators.

    Not an estimator by itself: ``RNNKernelClassifier`` and ``RNNKernelRegressor`` add a
    solver. The parameters are documented on ``RNNKernelClassifier``.
    """

    sw2: float | tuple[float, ...] = RNNConfig.sw2
    sa2: float | Literal["paper"] | tuple[float | Literal["paper"], ...] = RNNConfig.sa2
    sb2: float | tuple[float, ...] = RNNConfig.sb2
    s02: float | tuple[float, ...] = RNNConfig.s02
    sB2: float = RNNConfig.sB2
    h0: Literal["random", "zero"] = RNNConfig.h0
    depth: int = RNNConfig.depth
    activation: str | Callable = RNNConfig.activation
    readout: Literal["last", "mean"] = RNNConfig.readout
    bidirectional: bool = RNNConfig.bidirectional
    blocks: Sequence[str] = ("W",)
    parameterization: Literal["standard", "ntk"] = "standard"
    scale_kernel: bool = True
    znormalize: bool = False
    channels_first: bool = False
    allow_padding: bool = True
    dtype: str | None = None
    tile_size: int | None = None

    def training_gram(self, X: object) -> Float[np.ndarray, "n n"]:
        """The training Gram that ``fit(X, ...)`` computes, before scaling; fits nothing.

        X is read and preprocessed as ``fit`` reads it (layout, NaN padding or
        ``Sequences`` lengths, ``znormalize``), and sa2="paper" is resolved to 2/L^3 for
        the longest sequence of X. The estimator itself is left unchanged, so one Gram can
        serve many folds or solver settings (``fit`` on a fold of it divides by the
        fold's ``kernel_scale``).

        Args:
          X: sequences, shape (n, L, d) or (n, L), NaN end-padded if of different
            lengths, or ``Sequences(x, lengths)``.
        Returns:
          H = ``rnn_ntk.ntk`` of the configured network on X, float64 of shape (n, n).
        """
        est = clone(self)
        seqs, _ = est._prepare(X, reset=True)
        est._record_model()
        return est._gram(seqs)

    def _record_model(self) -> None:
        """Fixes the kernel of the fit: ``cfg_``, ``blocks_``, ``tile_size_``, ``dtype_``.

        sa2="paper" is resolved by the training sequences (2/L^3, L the longest), so that
        test sequences of other lengths meet the same kernel; ``dtype_`` is the precision
        of the fit (``dtype``, or jax's default float now), which predictions keep.
        """
        cfg = RNNConfig(
            sw2=self.sw2, sa2=self.sa2, sb2=self.sb2, s02=self.s02, sB2=self.sB2, h0=self.h0,
            depth=self.depth, activation=self.activation, readout=self.readout,
            bidirectional=self.bidirectional,
        )
        L = self.seq_len_
        if cfg.sa2 == "paper":
            cfg = dataclasses.replace(cfg, sa2=cfg.resolve_sa2(L))
        elif isinstance(cfg.sa2, tuple) and "paper" in cfg.sa2:  # per layer, e.g. ("paper", 0.1)
            cfg = dataclasses.replace(cfg, sa2=cfg.layer("sa2", L))
        self.cfg_ = cfg
        layer_weights(self.cfg_, L, self.blocks, self.parameterization)  # validates both
        self.blocks_ = (self.blocks,) if isinstance(self.blocks, str) else tuple(self.blocks)
        ts = self.tile_size
        self.tile_size_ = None if ts is None else check_int("tile_size", ts, low=1)
        self.dtype_ = check_dtype(self.dtype).name

    def _check_precision(self) -> None:
        """A model fitted in float64 predicts in float64, which needs jax_enable_x64."""
        if self.dtype_ == "float64" and not jax.config.jax_enable_x64:
            raise ValueError(
                f"this {type(self).__name__} was fitted in float64 (dtype_='float64'), "
                f"which needs 64-bit jax: call jax.config.update('jax_enable_x64', True) "
                f"before predicting, or refit it with dtype='float32'."
            )

    def _prepare(self, X: object, y: object = _NO_Y, *, reset: bool):
        """Validates X (and y at fit) and returns ``(Sequences(x, lengths), y)``.

        x comes back as float64 sequences (n, L, d) with L the longest sequence and the
        padding past each length set to 0; lengths is an int64 array (n,), or None when
        every sequence has L steps. ``reset`` (fit) records the shapes of the training set.
        """
        for flag in ("channels_first", "znormalize", "allow_padding", "scale_kernel"):
            check_bool(flag, getattr(self, flag))
        lengths = None
        if isinstance(X, Sequences):
            X, lengths = X.x, X.lengths
        if X is None or isinstance(X, (str, bytes)):
            raise TypeError(
                f"X must be an array of sequences (n, L, d) or (n, L), or rnn_ntk.Sequences, "
                f"got {type(X).__name__} {X!r}."
            )
        shape = getattr(X, "shape", None)
        n = shape[0] if shape else (len(X) if isinstance(X, (list, tuple)) else None)
        if reset and n == 0:
            raise ValueError(
                f"X holds no sequences (n = 0); {type(self).__name__}.fit needs at least one "
                f"training sequence."
            )
        # predicting on no sequences gives no predictions
        kw = dict(allow_nd=True, dtype=np.float64, ensure_all_finite=False, ensure_min_samples=0)
        if reset and y is _NO_Y:
            X = validate_data(self, X, reset=True, **kw)
        elif reset:
            multi_output = self.__sklearn_tags__().target_tags.multi_output
            X, y = validate_data(self, X, y, reset=True, multi_output=multi_output, **kw)
        else:
            X = check_array(X, **kw)
            padded = self.allow_padding and not np.isfinite(X).all()
            if self.lengths_fit_ is None and lengths is None and not padded:
                self._check_fitted_shape(X)
                X = validate_data(self, X, reset=False, **kw)
        X = self._as_steps(X)
        if not reset and X.shape[2] != self.n_channels_:
            raise ValueError(
                f"X has d={X.shape[2]} features per step, but {type(self).__name__} was "
                f"fitted on d={self.n_channels_}."
            )
        if X.shape[0] == 0:  # (predict) no sequences
            return Sequences(np.zeros((0, max(X.shape[1], 1), X.shape[2])), None), y
        lengths = self._lengths(X, lengths)
        Lmax = int(lengths.max())
        X = X[:, :Lmax]
        mask = np.arange(Lmax)[None, :, None] < lengths[:, None, None]
        if self.znormalize:
            X = znormalize(Sequences(np.where(mask, X, 0.0), lengths)).x
        X = np.ascontiguousarray(np.where(mask, X, 0.0))
        lengths = None if lengths.min() == Lmax else lengths
        if reset:
            self.seq_len_, self.n_channels_ = Lmax, X.shape[2]
            self.lengths_fit_ = lengths
        return Sequences(X, lengths), y

    def _check_fitted_shape(self, X: np.ndarray) -> None:
        """Sequences of one length against a model of one length: scikit-learn's
        ``n_features_in_`` check applies, and a wrong layout shows up here."""
        if X.ndim != 3:
            return
        L, d = (X.shape[2], X.shape[1]) if self.channels_first else X.shape[1:]
        if (L, d) != (self.seq_len_, self.n_channels_):
            raise ValueError(
                f"X has sequences of L={L} steps with d={d} features, but "
                f"{type(self).__name__} was fitted on L={self.seq_len_}, "
                f"d={self.n_channels_}; pass sequences of that shape, or sequences of "
                f"other lengths end-padded with NaN (or as rnn_ntk.Sequences(x, lengths))."
            )

    def _as_steps(self, X: np.ndarray) -> np.ndarray:
        """(n, L, d) from (n, L, d), (n, L) or, with ``channels_first``, (n, d, L)."""
        if X.ndim == 2:
            return X[:, :, None]
        if X.ndim != 3:
            raise ValueError(
                f"X must have shape (n, L, d) or (n, L) for univariate sequences, got shape "
                f"{X.shape}."
            )
        return np.transpose(X, (0, 2, 1)) if self.channels_first else X

    def _lengths(self, X: np.ndarray, lengths: object) -> Int[np.ndarray, " n"]:
        """Steps of every sequence of (n, L, d) X: given, read from NaN padding, or L."""
        n, L, _ = X.shape
        if lengths is not None:
            as_sequences(Sequences(X, lengths), "X", None)  # lengths in [1, L], finite inside
            return np.asarray(lengths).astype(np.int64)
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

    def _gram(
        self, a: Sequences, b: Sequences | None = None, *, devices: object = None
    ) -> Float[np.ndarray, "n1 n2"]:
        """H(a, b) of the recorded kernel, computed in ``dtype_``, as float64.

        b=None: the symmetric Gram of a. ``devices``: as for ``ntk`` (eager only).
        """
        n1, L1 = a.x.shape[:2]
        small = n1 * (n1 if b is None else b.x.shape[0]) <= _JIT_MAX_PAIRS
        jit = small and self.cfg_.is_paper_architecture and devices is None
        run = _ntk_jit if jit else ntk
        if b is not None and not (a.ragged or b.ragged) and L1 != b.x.shape[1]:
            a = Sequences(a.x, np.full(n1, L1, dtype=np.int64))  # one length each side
        placed = {} if devices is None else {"devices": devices}
        H = run(
            a, b, cfg=self.cfg_, blocks=self.blocks_, parameterization=self.parameterization,
            tile_size=self.tile_size_, dtype=self.dtype_, **placed,
        )
        H = np.asarray(H, dtype=np.float64)
        if not np.all(np.isfinite(H)):
            raise FloatingPointError(
                "the RNN kernel overflowed (non-finite entries); with sw2 > 2 it grows like "
                "(sw2/2)^L: lower sw2, shorten the sequences or scale the inputs down."
            )
        return H

    def _fit_gram(
        self, seqs: Sequences, sample_weight: object
    ) -> tuple[Float[np.ndarray, "n n"], np.ndarray | None]:
        """The scaled training Gram H/s and the checked sample weights; records the model."""
        w = _sample_weight(sample_weight, seqs.x.shape[0])
        self._record_model()
        H = self._gram(seqs)
        self.kernel_scale_ = kernel_scale(H, w) if self.scale_kernel else 1.0
        self.X_fit_ = seqs.x
        return H / self.kernel_scale_, w

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
