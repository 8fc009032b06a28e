"""What the Nyström learners share: landmarks, the n x M kernel block, the Falkon fit.

``NystromEstimator`` adds to ``RNNKernelEstimator`` (the network's parameters, input
checks, ``_gram``) the Nyström parameters and one ``_fit_nystrom``: choose M landmarks
among the training sequences (``_landmarks``), compute K_nM = H(X, C) row chunk by row
chunk, and solve the ridge system by Falkon's preconditioned conjugate gradient
(``_falkon``). ``NystromRNNKernelRegressor`` and ``NystromRNNKernelClassifier``
(``_nystrom_estimators``) add what they predict.

Memory: K_nM is kept in memory as float64, 8 n M bytes (n = 100,000 and M = 1,000: 0.8
GB), plus the row chunk being computed (about 4 million pairs) and O(M^2) for the
factors; the training sequences themselves are not kept, only the M landmarks.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from typing import Literal

import jax
import numpy as np
from jaxtyping import Float, Int
from sklearn.utils import check_random_state

from rnn_ntk._sequences import Sequences
from rnn_ntk._validate import check_choice, check_int, check_real
from rnn_ntk.infinite import ntk
from rnn_ntk.learn._base import RNNKernelEstimator, kernel_scale
from rnn_ntk.learn._falkon import falkon_solve
from rnn_ntk.learn._landmarks import kmeanspp_landmarks, leverage_landmarks, uniform_landmarks

__all__ = ["LANDMARK_RULES", "NystromEstimator"]

LANDMARK_RULES = ("uniform", "kmeans++", "leverage")
_CHUNK_PAIRS = 1 << 22  # pairs per row chunk of K_nM (the jit threshold of ``_gram``)
_PAIRED_ROWS = 4096  # sequences per call of the paired kernel (diagonal, columns)


@partial(jax.jit, static_argnames=("cfg", "blocks", "parameterization", "dtype", "column"))
def _paired_kernel(xa, la, xb, lb, *, cfg, blocks, parameterization, dtype, column):
    """k(a_i, b_i) for aligned pairs (``column``: k(a_i, b) for one b), one pair at a time."""

    def one(x1, l1, x2, l2):
        s1, s2 = Sequences(x1[None], l1[None]), Sequences(x2[None], l2[None])
        H = ntk(s1, s2, cfg=cfg, blocks=blocks, parameterization=parameterization, dtype=dtype)
        return H[0, 0]

    return jax.vmap(one, in_axes=(0, 0, None, None) if column else 0)(xa, la, xb, lb)


def _bucket(n: int, chunk: int) -> int:
    """Rows per call: ``chunk``, or for fewer sequences n rounded up (to a power of two
    >= 8 up to 256, then to a multiple of 256), so that calls share compiled shapes."""
    size = 1 << max(n - 1, 7).bit_length() if n <= 256 else -(-n // 256) * 256
    return min(chunk, size)


def _take(seqs: Sequences, idx) -> Sequences:
    return Sequences(seqs.x[idx], None if seqs.lengths is None else seqs.lengths[idx])


def _lengths(seqs: Sequences) -> Int[np.ndarray, " n"]:
    n, L = seqs.x.shape[:2]
    return np.full(n, L, dtype=np.int64) if seqs.lengths is None else np.asarray(seqs.lengths)


@dataclasses.dataclass(kw_only=True, eq=False, repr=False)
class NystromEstimator(RNNKernelEstimator):
    """The parameters and the fit shared by the Nyström learners (not an estimator).

    The parameters are documented on ``NystromRNNKernelRegressor``.
    """

    n_components: int = 1000
    landmarks: Literal["uniform", "kmeans++", "leverage"] = "uniform"
    alpha: float = 1e-3
    max_iter: int = 100
    tol: float = 1e-8
    random_state: int | np.random.RandomState | None = None
    devices: object = None

    def _rows(self, a: Sequences, b: Sequences) -> Float[np.ndarray, "n1 n2"]:
        """H(a, b) computed in row chunks of about 4 million pairs (memory: the output).

        Every chunk has the same number of rows (the last one, and a small a, are padded
        with repeated rows, see ``_bucket``), so the kernel compiles once per M.
        """
        n, M = a.x.shape[0], b.x.shape[0]
        rows = _bucket(n, max(1, _CHUNK_PAIRS // max(M, 1)))
        out = np.empty((n, M))
        for start in range(0, n, rows):
            stop = min(start + rows, n)
            pad = start + np.arange(rows) % (stop - start)
            out[start:stop] = self._gram(_take(a, pad), b, devices=self.devices)[: stop - start]
        return out

    def _paired(self, a: Sequences, b: Sequences | None = None) -> Float[np.ndarray, " n"]:
        """k(a_i, a_i) (b None) or k(a_i, b_0) (b one sequence), for every i: O(n L) work."""
        n = a.x.shape[0]
        if not self.cfg_.is_paper_architecture:  # compile per variance: use the tiler
            if b is not None:
                return self._rows(a, b)[:, 0]
            step = 32
            return np.concatenate([
                np.diag(self._gram(_take(a, slice(i, i + step)))) for i in range(0, n, step)
            ])
        la = _lengths(a)
        kw = dict(cfg=self.cfg_, blocks=self.blocks_, parameterization=self.parameterization,
                  dtype=self.dtype_)
        rows = _bucket(n, _PAIRED_ROWS)
        out = np.empty(n)
        for start in range(0, n, rows):
            sl = slice(start, min(start + rows, n))
            pad = sl.start + np.arange(rows) % (sl.stop - sl.start)  # one shape per rows
            xa, lx = a.x[pad], la[pad]
            if b is None:
                got = _paired_kernel(xa, lx, xa, lx, column=False, **kw)
            else:
                got = _paired_kernel(xa, lx, b.x[0], _lengths(b)[0], column=True, **kw)
            out[sl] = np.asarray(got, dtype=np.float64)[: sl.stop - sl.start]
        if not np.all(np.isfinite(out)):
            raise FloatingPointError("the RNN kernel overflowed (non-finite entries).")
        return out

    def _check_nystrom_params(self) -> tuple[int, str, float, int, float]:
        M = check_int("n_components", self.n_components, low=1)
        how = check_choice("landmarks", self.landmarks, LANDMARK_RULES)
        alpha = check_real("alpha", self.alpha, low=0, what="ridge penalty")
        max_iter = check_int("max_iter", self.max_iter, low=1)
        tol = check_real("tol", self.tol, low=0, open_low=True, what="tolerance")
        return M, how, alpha, max_iter, tol

    def _fit_nystrom(self, seqs: Sequences, Y: Float[np.ndarray, "n k"]) -> None:
        """Chooses the landmarks, computes K_nM and fits ``coef_`` by Falkon.

        Records ``landmark_indices_``, ``X_landmarks_``, ``lengths_landmarks_``,
        ``n_components_``, ``kernel_scale_`` (s of the landmarks' Gram K_MM), ``coef_``
        (M, k), ``n_iter_`` and ``residual_``. Call after ``_prepare`` and with the
        parameters checked.
        """
        M, how, alpha, max_iter, tol = self._check_nystrom_params()
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        rng = np.random.default_rng(seed)
        self._record_model()
        n = seqs.x.shape[0]
        K_nM = None
        if M >= n:
            idx = np.arange(n, dtype=np.int64)
            K_nM = self._rows(seqs, seqs)
        elif how == "uniform":
            idx = uniform_landmarks(n, M, rng)
        elif how == "kmeans++":
            diag = self._paired(seqs)
            idx, K_nM = kmeanspp_landmarks(
                diag, lambda j: self._paired(seqs, _take(seqs, [j])), M, rng
            )
        else:
            diag = self._paired(seqs)
            idx = leverage_landmarks(
                diag, lambda S: self._rows(seqs, _take(seqs, S)), M, alpha, rng,
                scale=self.scale_kernel,
            )
        marks = _take(seqs, idx)
        if K_nM is None:
            K_nM = self._rows(seqs, marks)
        if not K_nM.flags.writeable:
            K_nM = K_nM.copy()
        K_MM = K_nM[idx]
        K_MM = 0.5 * (K_MM + K_MM.T)
        self.kernel_scale_ = kernel_scale(K_MM) if self.scale_kernel else 1.0
        K_nM /= self.kernel_scale_  # in place: K_nM is the largest array of the fit
        K_MM /= self.kernel_scale_
        res = falkon_solve(K_nM, K_MM, Y, alpha, max_iter=max_iter, tol=tol)
        self.landmark_indices_ = idx
        self.X_landmarks_, self.lengths_landmarks_ = marks.x, marks.lengths
        self.n_components_ = len(idx)
        self.coef_, self.n_iter_, self.residual_ = res.coef, res.n_iter, res.residual

    def _decision(self, X: object) -> Float[np.ndarray, "m k"]:
        """k(X, C) b / s in row chunks: the fitted function on new sequences, (m,) + b's (k,)."""
        self._check_precision()
        seqs, _ = self._prepare(X, reset=False)
        if seqs.x.shape[0] == 0:
            return np.zeros((0,) + self.coef_.shape[1:])
        marks = Sequences(self.X_landmarks_, self.lengths_landmarks_)
        return (self._rows(seqs, marks) / self.kernel_scale_) @ self.coef_
