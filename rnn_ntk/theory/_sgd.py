r"""Algorithm 1 of the paper: online SGD on W only, with optax (Theorem 2; SPEC §4).

For t = 1..T: draw one training sample (x_t, y_t) uniformly at random and update

    W_t = W_{t-1} - eta * grad_W l(y_t f(W_{t-1}, x_t)),     l(z) = log(1 + e^-z) = softplus(-z)

while A, B, M0 (and b) stay at their initialisation. The samples are drawn as a fresh
random permutation of the training set per epoch, so with T <= n (the default T = n, as
in Theorem 2) every step sees a new sample of D: online SGD.

**Output and learning-rate convention.** The network is SPEC §1's, g = B^T h_L with
B ~ N(0, sB2/m), whose W-block NTK Theta_W tends to H^inf. The paper's H = (1/m) <grad f,
grad f> and eta = O(1/m) are Cao & Gu's scaling f = sqrt(m) g. ``lrs`` holds the constant
c of eta = c/m in both modes:

- ``scaling="paper"`` (default; Algorithm 1 verbatim): logits f = sqrt(m) g, loss
  l(y f), step eta = c/m. Function-space step
  Delta f(x) = -(c/m) l'(y_t f) y_t <sqrt(m) grad g(x), sqrt(m) grad g(x_t)>
             = -c l'(y_t f(x_t)) y_t Theta_W(x, x_t)  -> -c l' y_t H^inf(x, x_t),
  while ||W_t - W_{t-1}||_F = (c / sqrt(m)) |l'| ||grad_W g|| = O(m^-1/2): the lazy
  (kernel) regime of Theorem 2, with an O(1) random initial output f_0 = sqrt(m) g_0.
- ``scaling="standard"``: logits f = g itself, step eta = c. The function-space step is
  the same -c l'(y_t g) y_t Theta_W(x, x_t), but each step moves W by O(1) in
  Frobenius *and spectral* norm (||W_0||_2 = O(1)), so for c = O(1) training leaves the
  lazy regime at any width (measured: ||W_t - W_0||_F ~ 5-11 and NaN outputs for
  c >= 1 at m = 64-1024, L = 8, versus 0.1-1.4 with ``"paper"``). It is kept to show
  this; it is Algorithm 1 only for c = O(m^-1/2).

**Measurements** at every ``eval_every`` steps, for every seed and learning rate:

- the population 0-1 error L_D(W_t) = P[y f(W_t, x) <= 0] estimated on a held-out
  sample (the event f = 0 counts as an error; it has probability 0 for a random net),
  and its running average over the evaluated iterates, the estimate of the left-hand
  side (1/T) sum_k L_D(W^k) of eq. 17/19;
- the online (progressive) error 1{y_t f(W_{t-1}, x_t) <= 0} of each step before its
  update: an unbiased estimate of L_D(W_{t-1}) for free while samples are fresh;
- the mean logistic loss over the steps of each block;
- ||W_t - W_0||_F and the empirical-NTK drift ||Theta_t - Theta_0||_F / ||Theta_0||_F of
  the W block on a small probe set (the lazy regime: both -> 0 relative to init as m
  grows).

Seeds (initialisation and sample order) and learning rates are ``jax.vmap``-ed inside
one jitted program (``rnn_ntk.theory._sgd_program``); the Python side only cuts the run
into chunks of evaluation blocks (the same compiled program each time, the carried state
donated) to report progress through ``progress``.

**Cost of an SGD step.** The gradient is written out (``sample_gradient``: L
matrix-vector products forward, L - 1 backward, one (m, L) x (L, m) product). On a CPU
that makes a single-run step about 2x (m = 32) to 5x (m = 128) faster than reverse-mode
autodiff of the unrolled network did, and a vmapped step of 32 runs 1.3-2x faster.
Vmapping runs turns each matrix-vector product into a batched one, which XLA:CPU
executes as one small product per run: a step of R runs costs about R single-run steps
minus the per-op launch overhead that they share (measured ~1.7x per step for 32 runs at
m = 32, ~1.4x at m = 128; see ``benchmarks/bench_train.py``). On a CPU vmapping mostly
amortises the per-call work of ``train`` (input checks, the initial and evaluation
programs, dispatch); on accelerators the batched products run in parallel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import DTypeLike
from jaxtyping import Array, Float

from rnn_ntk._config import RNNConfig
from rnn_ntk._sequences import Sequences
from rnn_ntk._validate import check_dtype, check_int, check_seeds
from rnn_ntk.finite import init_params
from rnn_ntk.theory._sgd_inputs import Plan, plan
from rnn_ntk.theory._sgd_program import advance_program, init_program

__all__ = ["TrainResult", "initial_params", "sample_order", "train"]


class TrainResult(NamedTuple):
    """Measurements of Algorithm 1 for every seed s, learning rate p and evaluation e.

    Attributes:
      n_steps: SGD steps done at each evaluation, shape (E,).
      lrs: the learning-rate constants c, shape (P,).
      seeds: the seeds, shape (S,).
      test_error: held-out 0-1 error of W_t, shape (S, P, E).
      running_error: mean of test_error over evaluations 1..e (estimate of
        (1/t) sum_k L_D(W^k), the left side of eq. 17/19), shape (S, P, E).
      online_error: mean over steps 1..t of 1{y_k f(W_{k-1}, x_k) <= 0}, (S, P, E).
      loss: mean logistic loss over the steps of each block, (S, P, E).
      w_dist: ||W_t - W_0||_F, (S, P, E).
      ntk_drift: ||Theta_t - Theta_0||_F / ||Theta_0||_F on the probe set, (S, P, E).
      initial_test_error: held-out 0-1 error at initialisation, (S,).
      m: the width.
      scaling: "standard" or "paper".
      final_W: the last iterate W_T, shape (S, P, m, m), if ``return_params``; else None.
    """

    n_steps: np.ndarray
    lrs: np.ndarray
    seeds: np.ndarray
    test_error: np.ndarray
    running_error: np.ndarray
    online_error: np.ndarray
    loss: np.ndarray
    w_dist: np.ndarray
    ntk_drift: np.ndarray
    initial_test_error: np.ndarray
    m: int
    scaling: str
    final_W: np.ndarray | None = None


def initial_params(
    seed: int,
    cfg: RNNConfig = RNNConfig(),
    *,
    m: int,
    d: int,
    L: int,
    dtype: DTypeLike | None = None,
) -> dict[str, Float[Array, "..."]]:
    """The network ``train`` starts from for ``seed``: ``init_params(jax.random.key(seed))``.

    Args:
      seed: the seed.
      cfg: the network.
      m: width.
      d: features per step.
      L: sequence length (resolves ``sa2="paper"``).
      dtype: compute dtype (default jax's default float).
    Returns:
      The parameter dict (W, A, b, M0, B), as ``rnn_ntk.init_params`` draws it.
    """
    seed = check_int("seed", seed, low=0)
    return init_params(jax.random.key(seed), cfg, m=m, d=d, L=L, dtype=check_dtype(dtype))


def sample_order(seed: int, n: int, n_steps: int) -> np.ndarray:
    """The training-sample index of each SGD step of ``train`` for ``seed``.

    A fresh permutation of range(n) per epoch from ``numpy.random.default_rng((seed, 1))``
    (drawn on the host: it is data, not part of the compiled program).

    Args:
      seed: the seed.
      n: number of training samples.
      n_steps: number of SGD steps.
    Returns:
      Indices, shape (n_steps,), int32.
    """
    seed = check_int("seed", seed, low=0)
    n, n_steps = check_int("n", n, low=1), check_int("n_steps", n_steps, low=1)
    rng = np.random.default_rng((seed, 1))
    epochs = -(-n_steps // n)
    return np.concatenate([rng.permutation(n) for _ in range(epochs)])[:n_steps].astype(np.int32)


def _orders(pl: Plan) -> jax.Array:
    """Each run's sample order, padded to the capacity, (R, capacity)."""
    seeds = pl.run_seeds.tolist()
    by_seed = {s: sample_order(s, pl.n, pl.n_steps) for s in set(seeds)}
    orders = np.stack([by_seed[s] for s in seeds])
    return jnp.asarray(np.pad(orders, ((0, 0), (0, pl.capacity - pl.n_steps))))


def _run(pl: Plan, progress: Callable[[int, int], None] | None):
    """Runs the compiled programs chunk by chunk; returns (state, err0, 5 measurements)."""
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable (done, total) or None, got {progress!r}.")
    p = pl.program
    keys = jax.vmap(jax.random.key)(jnp.asarray(pl.run_seeds))
    lrs = jnp.asarray(pl.run_lrs, p.dtype)
    _, _, x_test, y_test, x_probe = pl.data
    state, err0 = init_program(p, keys, lrs, _orders(pl), x_test, y_test, x_probe)
    outs = []
    n_calls = pl.n_blocks // p.blocks_per_call
    for c in range(n_calls):
        state, out = advance_program(p, state, lrs, jnp.asarray(c * p.blocks_per_call), pl.data)
        outs.append(tuple(pl.per_run(a) for a in out))
        if progress is not None:
            progress((c + 1) * p.blocks_per_call * p.eval_every, pl.n_steps)
    cols = tuple(np.concatenate(z, axis=-1) for z in zip(*outs, strict=True))
    return state, err0, cols


def train(
    x_train: Float[Array, "n L d"] | Sequences,
    y_train: Float[Array, " n"],
    x_test: Float[Array, "nt L d"] | Sequences,
    y_test: Float[Array, " nt"],
    *,
    cfg: RNNConfig = RNNConfig(),
    m: int,
    lrs: float | Iterable[float] = 1.0,
    seeds: int | Iterable[int] = 1,
    n_steps: int | None = None,
    eval_every: int | None = None,
    x_probe: Float[Array, "np L d"] | Sequences | None = None,
    scaling: Literal["paper", "standard"] = "paper",
    dtype: DTypeLike | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunks: int = 10,
    seed_batch: int | None = None,
    return_params: bool = False,
    capacity: int | None = None,
) -> TrainResult:
    """Algorithm 1 (online SGD on W, logistic loss), vmapped over seeds and learning rates.

    See the module docstring for the learning-rate convention (``lrs`` holds c of the
    paper's eta = c/m) and what is measured.

    Args:
      x_train: training sequences, shape (n, L, d) (a ``Sequences`` without lengths).
      y_train: labels in {-1, +1}, shape (n,).
      x_test: held-out sequences for the population 0-1 error, shape (n_test, L, d).
      y_test: their labels in {-1, +1}, shape (n_test,).
      cfg: the network (SPEC §1); A, B, M0, b are drawn once per seed and frozen.
      m: width.
      lrs: learning-rate constant(s) c, > 0; shape (P,).
      seeds: a count S (the seeds 0..S-1) or an iterable of distinct seeds >= 0; each
        seed fixes the initialisation (``initial_params``) and the order of the samples
        (``sample_order``), shared by all learning rates.
      n_steps: SGD steps T (default n: one pass over fresh samples, as in Theorem 2).
      eval_every: steps between evaluations (default max(1, T // 20) rounded down to a
        divisor of T); must divide T.
      x_probe: sequences for the empirical-NTK drift (default the first min(8, n)
        training sequences).
      scaling: "paper" (f = sqrt(m) g, eta = c/m; Algorithm 1) or "standard" (f = g,
        eta = c; leaves the lazy regime for c = O(1), see the module docstring).
      dtype: compute dtype (default jax's default float).
      progress: optional callback ``progress(steps_done, steps_total)`` called between
        chunks (the CLI passes a tqdm bar's update).
      chunks: at most this many calls of the compiled program (for progress).
      seed_batch: runs (seed x learning rate) vmapped together; batches run one after
        another inside the program. Default: all runs off-CPU; on a CPU as many as keep
        their W matrices within ~128 KiB (32 runs at m = 32, 2 at m = 128: measured
        fastest; XLA:CPU runs a batched matrix-vector product as one product per run,
        so a larger batch saves little per-op overhead and streams more W per step).
      return_params: also return the last iterate W_T of every run (S P m^2 numbers).
      capacity: pad the training set and the step schedule to this many samples and
        steps (>= n and >= n_steps; the padding is never visited) and run one evaluation
        block per call, so that calls with different n and n_steps but the same
        ``eval_every`` share one compiled program (a sweep over n compiles once).
    Returns:
      A ``TrainResult`` of numpy arrays.
    """
    pl = plan(
        (x_train, y_train, x_test, y_test, x_probe),
        cfg=cfg, m=m, lrs=lrs, seeds=check_seeds("seeds", seeds), n_steps=n_steps,
        eval_every=eval_every, scaling=scaling, dtype=dtype, chunks=chunks,
        seed_batch=seed_batch, return_params=return_params, capacity=capacity,
    )
    state, err0, (loss, test_err, online, wdist, drift) = _run(pl, progress)
    p = pl.program
    evals = np.arange(1, pl.n_blocks + 1)
    final_W = pl.per_run(state.params["W"]) if pl.return_params else None
    return TrainResult(
        n_steps=p.eval_every * evals,
        lrs=pl.lrs,
        seeds=pl.seeds,
        test_error=test_err,
        running_error=np.cumsum(test_err, axis=-1) / evals,
        online_error=online,
        loss=loss,
        w_dist=wdist,
        ntk_drift=drift,
        initial_test_error=pl.per_run(err0)[:, 0],
        m=p.m,
        scaling=p.scaling,
        final_W=final_W,
    )
