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
one jitted program; the Python side only cuts the run into chunks of evaluation blocks
(the same compiled program each time, the carried state donated) to report progress
through ``progress``.

**Cost of an SGD step.** The gradient is written out (``_sample_grad``: L matrix-vector
products forward, L - 1 backward, one (m, L) x (L, m) product). On a CPU that makes a
single-run step about 2x (m = 32) to 5x (m = 128) faster than reverse-mode autodiff of
the unrolled network did, and a vmapped step of 32 runs 1.3-2x faster. Vmapping runs
turns each matrix-vector product into a batched one, which XLA:CPU executes as one
small product per run: a step of R runs costs about R single-run steps minus the
per-op launch overhead that they share (measured ~1.7x per step for 32 runs at m = 32,
~1.4x at m = 128; see ``benchmarks/bench_train.py``). On a CPU vmapping mostly
amortises the per-call work of ``train`` (input checks, the initial and evaluation
programs, dispatch); on accelerators the batched products run in parallel.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Sequence
from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax
from jaxtyping import Array, Float

from rnn_ntk._inputs import as_sequences, resolve_dtype
from rnn_ntk.config import RNNConfig
from rnn_ntk.empirical import empirical_ntk
from rnn_ntk.network import apply, init_params
from rnn_ntk.theory.concepts import as_labels

__all__ = ["train", "TrainResult", "logistic_loss", "initial_params", "sample_order"]


def logistic_loss(z: Float[Array, "..."]) -> Float[Array, "..."]:
    """l(z) = log(1 + e^-z) as softplus(-z) (stable for large |z|)."""
    return jax.nn.softplus(-z)


class TrainResult(NamedTuple):
    """Measurements of Algorithm 1 for every seed s, learning rate p and evaluation e.

    Attributes:
      steps: SGD steps done at each evaluation, shape (E,).
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

    steps: np.ndarray
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


@dataclasses.dataclass(frozen=True)
class _Static:
    """Everything that fixes the compiled program's shapes (a jit cache key)."""

    cfg: RNNConfig
    m: int
    L: int
    d: int
    dtype: str
    eval_every: int
    blocks_per_call: int
    scaling: str
    group: int


class _State(NamedTuple):
    """Per-(seed, lr) training state carried between calls."""

    params: dict
    W0: jax.Array
    opt_state: object
    theta0: jax.Array
    order: jax.Array
    mistakes: jax.Array


def _output_scale(st: _Static) -> float:
    return math.sqrt(st.m) if st.scaling == "paper" else 1.0


def _step_size(st: _Static, c):
    return c / st.m if st.scaling == "paper" else c


def _forward(st: _Static, params, x):
    return _output_scale(st) * apply(params, x, st.cfg)


def _drift(st: _Static, params, x_probe, theta0):
    theta = empirical_ntk(params, x_probe, cfg=st.cfg, blocks=("W",))
    return jnp.linalg.norm(theta - theta0) / jnp.linalg.norm(theta0)


def initial_params(
    seed: int,
    cfg: RNNConfig = RNNConfig(),
    *,
    m: int,
    d: int,
    L: int,
    dtype: object | None = None,
) -> dict[str, Float[Array, "..."]]:
    """The network ``train`` starts from for ``seed``: ``init_params(jax.random.key(seed))``.

    Args:
      seed: the seed.
      cfg, m, d, L, dtype: as for ``rnn_ntk.init_params``.
    Returns:
      The parameter dict (W, A, b, M0, B).
    """
    return init_params(jax.random.key(seed), cfg, m=m, d=d, L=L, dtype=resolve_dtype(dtype))


def sample_order(seed: int, n: int, steps: int) -> np.ndarray:
    """The training-sample index of each SGD step of ``train`` for ``seed``.

    A fresh permutation of range(n) per epoch from ``numpy.random.default_rng((seed, 1))``
    (drawn on the host: it is data, not part of the compiled program).

    Returns:
      Indices, shape (steps,), int32.
    """
    rng = np.random.default_rng((int(seed), 1))
    epochs = -(-steps // n)
    return np.concatenate([rng.permutation(n) for _ in range(epochs)])[:steps].astype(np.int32)


def _init_one(st: _Static, key, lr, order, x_probe):
    params = init_params(key, st.cfg, m=st.m, d=st.d, L=st.L, dtype=st.dtype)
    opt = optax.sgd(_step_size(st, lr))
    theta0 = empirical_ntk(params, x_probe, cfg=st.cfg, blocks=("W",))
    return _State(
        params=params,
        W0=params["W"],
        opt_state=opt.init(params["W"]),
        theta0=theta0,
        order=order,
        mistakes=jnp.zeros((), jnp.int32),
    )


def _test_error(st: _Static, params, x_test, y_test):
    f = _forward(st, params, x_test)
    return jnp.mean((~(y_test * f > 0)).astype(f.dtype))  # NaN outputs count as errors


def _sample_grad(st: _Static, params, x, y):
    """Output, loss and grad_W of l(y f(W, x)) for one sample, by hand (SPEC §1, §4).

    Forward states and backward deltas of the network (the structure of paper eqs. 21-23):

        u_l = W h_{l-1} + A X_l + b,   h_l = relu(u_l),   f = s B^T h_L  (s = output scale)
        delta_L = s l'(y f) y (B * 1[u_L > 0]),   delta_{l-1} = (W^T delta_l) * 1[u_{l-1} > 0]
        grad_W = sum_l delta_l h_{l-1}^T = Delta^T H_prev

    with l'(z) = -sigmoid(-z) and relu'(0) = 0 (``jax.nn.relu``'s convention). Per step
    that is L matrix-vector products forward, L - 1 transposed ones backward and one
    (m, L) x (L, m) product for the gradient -- for m <= 24 the same sum as L outer
    products, which XLA fuses with the SGD update -- and none of the transposed copies
    and temporaries of reverse-mode autodiff through the unrolled network.

    Args:
      st: the static configuration.
      params: the network (W, A, b, M0, B) of one run.
      x: one training sequence, shape (L, d).
      y: its label, +-1.
    Returns:
      (f, loss, grad_W) with grad_W of shape (m, m).
    """
    W, B = params["W"], params["B"]
    a = x @ params["A"].T + params["b"]  # A X_l + b, shape (L, m)
    h0 = (jax.nn.relu(params["M0"]) if st.cfg.h0 == "random"
          else jnp.zeros_like(params["M0"]))
    unroll = st.L <= 32  # one straight-line program per step for short sequences

    def fwd(h, a_l):
        u = W @ h + a_l
        return jax.nn.relu(u), (h, u)

    hL, (h_prev, u) = lax.scan(fwd, h0, a, unroll=unroll)
    f = _output_scale(st) * (B @ hL)
    dl_df = -y * jax.nn.sigmoid(-y * f)  # d l(y f) / df
    delta_L = (_output_scale(st) * dl_df) * jnp.where(u[-1] > 0, B, 0.0)

    def bwd(delta, u_prev):
        # delta^T W contracts W's first axis in place (W.T @ delta would make XLA:CPU
        # copy a transposed W on every backward step)
        delta = jnp.where(u_prev > 0, delta @ W, 0.0)
        return delta, delta

    _, deltas = lax.scan(bwd, delta_L, u[:-1], reverse=True, unroll=unroll)
    D = jnp.concatenate([deltas, delta_L[None]], axis=0)  # delta_1..delta_L, (L, m)
    if st.m <= 24 and unroll:
        # small W: the L rank-one terms fuse with the update into one elementwise pass,
        # cheaper than a GEMM call per run (XLA:CPU, measured; the GEMM wins from m = 32)
        grad = sum(jnp.outer(D[l], h_prev[l]) for l in range(st.L))
    else:
        grad = D.T @ h_prev  # sum_l delta_l h_{l-1}^T
    return f, logistic_loss(y * f), grad


def _advance_one(st: _Static, state: _State, lr, block0, data):
    """``blocks_per_call`` evaluation blocks of ``eval_every`` SGD steps for one run."""
    x_train, y_train, x_test, y_test, x_probe = data
    opt = optax.sgd(_step_size(st, lr))

    def sgd_step(carry, i):
        params, opt_state, mistakes = carry
        f, loss, grad = _sample_grad(st, params, x_train[i], y_train[i])
        updates, opt_state = opt.update(grad, opt_state, params["W"])
        params = {**params, "W": optax.apply_updates(params["W"], updates)}
        return (params, opt_state, mistakes + (~(y_train[i] * f > 0)).astype(jnp.int32)), loss

    def block(carry, b):
        idx = lax.dynamic_slice_in_dim(state.order, b * st.eval_every, st.eval_every)
        carry, losses = lax.scan(sgd_step, carry, idx)
        params, _, mistakes = carry
        t = (b + 1) * st.eval_every
        out = (
            jnp.mean(losses),
            _test_error(st, params, x_test, y_test),
            mistakes / t,
            jnp.linalg.norm(params["W"] - state.W0),
            _drift(st, params, x_probe, state.theta0),
        )
        return carry, out

    blocks = block0 + jnp.arange(st.blocks_per_call)
    carry = (state.params, state.opt_state, state.mistakes)
    (params, opt_state, mistakes), outs = lax.scan(block, carry, blocks)
    return state._replace(params=params, opt_state=opt_state, mistakes=mistakes), outs


def _grouped(st: _Static, fn, *args):
    """``fn`` vmapped over runs, in groups of ``st.group`` runs mapped one after another.

    Every leaf of ``args`` has the run axis first (R = groups * group). Within a group the
    runs are ``jax.vmap``-ed; the groups are a ``lax.map`` (a loop inside the same
    program), so on a CPU each group's W matrices stay in cache across its SGD steps.
    With one group (the default off-CPU) this is a plain vmap over all runs.
    """
    R = jax.tree.leaves(args)[0].shape[0]
    G = st.group
    if G >= R:
        return jax.vmap(fn)(*args)
    split = jax.tree.map(lambda a: a.reshape((R // G, G) + a.shape[1:]), args)
    out = lax.map(lambda a: jax.vmap(fn)(*a), split)
    return jax.tree.map(lambda a: a.reshape((R,) + a.shape[2:]), out)


@functools.partial(jax.jit, static_argnums=0)
def _init_program(st: _Static, keys, lrs, orders, x_test, y_test, x_probe):
    def one(key, lr, order):
        s = _init_one(st, key, lr, order, x_probe)
        return s, _test_error(st, s.params, x_test, y_test)

    return _grouped(st, one, keys, lrs, orders)


@functools.partial(jax.jit, static_argnums=0, donate_argnums=1)
def _advance_program(st: _Static, state, lrs, block0, data):
    def one(s, lr):
        return _advance_one(st, s, lr, block0, data)

    return _grouped(st, one, state, lrs)


def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}.")
    return int(value)


def _group_size(group, R: int, m: int, dt) -> int:
    if group is not None:
        return min(_check_int("group", group, 1), R)
    if jax.default_backend() != "cpu":
        return R
    return int(min(R, max(1, (128 * 1024) // (m * m * jnp.dtype(dt).itemsize))))


def _chunk_count(blocks: int, want: int) -> int:
    """The largest divisor of ``blocks`` that is <= want (one compiled chunk size)."""
    for k in range(min(want, blocks), 0, -1):
        if blocks % k == 0:
            return k
    return 1


def train(
    x_train: Float[Array, "n L d"],
    y_train: Float[Array, " n"],
    x_test: Float[Array, "nt L d"],
    y_test: Float[Array, " nt"],
    cfg: RNNConfig = RNNConfig(),
    *,
    m: int,
    lrs: float | Sequence[float] = 1.0,
    seeds: int | Sequence[int] = 1,
    steps: int | None = None,
    eval_every: int | None = None,
    x_probe: Float[Array, "np L d"] | None = None,
    scaling: Literal["paper", "standard"] = "paper",
    dtype: object | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunks: int = 10,
    group: int | None = None,
    return_params: bool = False,
    capacity: int | None = None,
) -> TrainResult:
    """Algorithm 1 (online SGD on W, logistic loss), vmapped over seeds and learning rates.

    See the module docstring for the learning-rate convention (``lrs`` holds c of the
    paper's eta = c/m) and what is measured.

    Args:
      x_train: training sequences, shape (n, L, d).
      y_train: labels in {-1, +1}, shape (n,).
      x_test: held-out sequences for the population 0-1 error, shape (n_test, L, d).
      y_test: their labels in {-1, +1}, shape (n_test,).
      cfg: the network (SPEC §1); A, B, M0, b are drawn once per seed and frozen.
      m: width.
      lrs: learning-rate constant(s) c, > 0; shape (P,).
      seeds: number of seeds (0..S-1) or explicit seeds; each seed fixes the
        initialisation (``initial_params``) and the order of the samples
        (``sample_order``), shared by all learning rates.
      steps: SGD steps T (default n: one pass over fresh samples, as in Theorem 2).
      eval_every: steps between evaluations (default max(1, T // 20)); must divide T.
      x_probe: sequences for the empirical-NTK drift (default the first min(8, n)
        training sequences).
      scaling: "paper" (f = sqrt(m) g, eta = c/m; Algorithm 1) or "standard" (f = g,
        eta = c; leaves the lazy regime for c = O(1), see the module docstring).
      dtype: compute dtype (default jax's default float).
      progress: optional callback ``progress(steps_done, steps_total)`` called between
        chunks (the CLI passes a tqdm bar's update).
      chunks: at most this many calls of the compiled program (for progress).
      group: runs (seed x learning rate) vmapped together; groups run one after another
        inside the program. Default: all runs off-CPU; on a CPU as many as keep their W
        matrices within ~128 KiB (32 runs at m = 32, 2 at m = 128: measured fastest;
        XLA:CPU runs a batched matrix-vector product as one product per run, so a
        larger group saves little per-op overhead and streams more W per SGD step).
      return_params: also return the last iterate W_T of every run (S P m^2 numbers).
      capacity: pad the training set and the step schedule to this many samples and
        steps (>= n and >= steps; the padding is never visited) and run one evaluation
        block per call, so that calls with different n and steps but the same
        ``eval_every`` share one compiled program (a sweep over n compiles once).
    Returns:
      A ``TrainResult`` of numpy arrays.
    """
    if not isinstance(cfg, RNNConfig):
        raise TypeError(f"cfg must be an RNNConfig, got {type(cfg).__name__}.")
    dt = resolve_dtype(dtype)
    xtr = as_sequences(x_train, "x_train", dt)
    xte = as_sequences(x_test, "x_test", dt)
    n, L, d = xtr.shape
    if xte.shape[1:] != (L, d):
        raise ValueError(
            f"x_test must have shape (n_test, {L}, {d}) like x_train, got {xte.shape}."
        )
    ytr = jnp.asarray(as_labels(y_train, "y_train", n), dt)
    yte = jnp.asarray(as_labels(y_test, "y_test", xte.shape[0]), dt)
    if n == 0 or xte.shape[0] == 0:
        raise ValueError("x_train and x_test need at least one sequence each.")
    xpr = xtr[: min(8, n)] if x_probe is None else as_sequences(x_probe, "x_probe", dt)
    if xpr.shape[1:] != (L, d):
        raise ValueError(f"x_probe must have shape (n_probe, {L}, {d}), got {xpr.shape}.")
    m = _check_int("m", m, 1)
    lr_arr = np.atleast_1d(np.asarray(lrs, dtype=np.float64))
    if lr_arr.ndim != 1 or lr_arr.size == 0 or not np.all(np.isfinite(lr_arr) & (lr_arr > 0)):
        raise ValueError(
            f"lrs must be one or more finite learning-rate constants > 0, got {lrs!r}."
        )
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        seed_arr = np.arange(_check_int("seeds", seeds, 1))
    else:
        seed_arr = np.asarray(seeds, dtype=np.int64).reshape(-1)
        if seed_arr.size == 0:
            raise ValueError("seeds must name at least one seed.")
    steps = n if steps is None else _check_int("steps", steps, 1)
    if eval_every is None:
        eval_every = max(1, steps // 20)
        while steps % eval_every:
            eval_every -= 1
    eval_every = _check_int("eval_every", eval_every, 1)
    if steps % eval_every:
        raise ValueError(
            f"eval_every = {eval_every} must divide steps = {steps}; e.g. eval_every = "
            f"{math.gcd(steps, eval_every)}."
        )
    if scaling not in ("standard", "paper"):
        raise ValueError(f"scaling must be 'standard' or 'paper', got {scaling!r}.")
    n_blocks = steps // eval_every
    if capacity is None:
        per_call = n_blocks // _chunk_count(n_blocks, max(1, int(chunks)))
        cap = steps
    else:
        cap = _check_int("capacity", capacity, max(n, steps))
        per_call = 1
        pad_n = cap - n
        if pad_n:  # never indexed: the schedule only visits 0..n-1
            xtr = jnp.concatenate([xtr, jnp.zeros((pad_n, L, d), dt)])
            ytr = jnp.concatenate([ytr, jnp.ones((pad_n,), dt)])
    S, P = seed_arr.size, lr_arr.size
    # runs r = s * P + p; padded to a multiple of the group size with copies of run 0
    R = S * P
    G = _group_size(group, R, m, dt)
    pad = (-R) % G
    run_seed = np.concatenate([np.repeat(seed_arr, P), np.repeat(seed_arr[:1], pad)])
    run_lr = np.concatenate([np.tile(lr_arr, S), np.repeat(lr_arr[:1], pad)])
    st = _Static(cfg, m, L, d, str(dt), eval_every, per_call, scaling, G)

    keys = jax.vmap(jax.random.key)(jnp.asarray(run_seed))
    lrs_j = jnp.asarray(run_lr, dt)
    orders = {s_: sample_order(s_, n, steps) for s_ in np.unique(run_seed).tolist()}
    orders = np.stack([orders[s_] for s_ in run_seed.tolist()])
    orders = jnp.asarray(np.pad(orders, ((0, 0), (0, cap - steps))))
    state, err0 = _init_program(st, keys, lrs_j, orders, xte, yte, xpr)
    data = (xtr, ytr, xte, yte, xpr)
    outs = []
    for c in range(n_blocks // per_call):
        state, out = _advance_program(st, state, lrs_j, jnp.asarray(c * per_call), data)
        outs.append(jax.tree.map(lambda a: np.asarray(a)[:R].reshape(S, P, -1), out))
        if progress is not None:
            progress((c + 1) * per_call * eval_every, steps)
    cols = (np.concatenate(z, axis=-1) for z in zip(*outs, strict=True))
    loss, test_err, online, wdist, drift = cols
    running = np.cumsum(test_err, axis=-1) / np.arange(1, n_blocks + 1)
    return TrainResult(
        steps=eval_every * np.arange(1, n_blocks + 1),
        lrs=lr_arr,
        seeds=seed_arr,
        test_error=test_err,
        running_error=running,
        online_error=online,
        loss=loss,
        w_dist=wdist,
        ntk_drift=drift,
        initial_test_error=np.asarray(err0)[:R].reshape(S, P)[:, 0],
        m=m,
        scaling=scaling,
        final_W=(np.asarray(state.params["W"])[:R].reshape(S, P, m, m)
                 if return_params else None),
    )
