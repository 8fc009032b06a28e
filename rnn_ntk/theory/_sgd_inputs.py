r"""The validated plan of one ``train`` call: data, schedule, runs and program.

``plan`` checks every argument of ``rnn_ntk.theory.train`` (wrong type: TypeError, wrong
value: ValueError, each message naming the argument) and lays out the runs: run
r = s * P + p for seed s and learning rate p, padded with copies of run 0 to a multiple
of ``seed_batch``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import DTypeLike
from jaxtyping import Array

from rnn_ntk._config import RNNConfig
from rnn_ntk._sequences import as_sequences
from rnn_ntk._validate import check_bool, check_choice, check_dtype, check_int, check_real
from rnn_ntk.finite import check_cfg
from rnn_ntk.theory._sampling import as_labels
from rnn_ntk.theory._sgd_program import Data, Program
from rnn_ntk.theory._sgd_step import SCALINGS

__all__ = ["Plan", "plan"]


class Plan(NamedTuple):
    """A validated ``train`` call.

    Attributes:
      program: the static configuration of the compiled programs.
      data: (x_train, y_train, x_test, y_test, x_probe) as jax arrays of the compute
        dtype (x_train, y_train padded to ``capacity``).
      n: training samples.
      n_steps: SGD steps T.
      n_blocks: evaluation blocks T / eval_every.
      capacity: length of every run's sample order.
      seeds: the seeds, (S,).
      lrs: the learning-rate constants, (P,).
      run_seeds: the seed of every (padded) run, (R_pad,).
      run_lrs: the learning-rate constant of every (padded) run, (R_pad,).
      return_params: return the last iterates.
    """

    program: Program
    data: Data
    n: int
    n_steps: int
    n_blocks: int
    capacity: int
    seeds: np.ndarray
    lrs: np.ndarray
    run_seeds: np.ndarray
    run_lrs: np.ndarray
    return_params: bool

    def per_run(self, a: Array) -> np.ndarray:
        """The runs of a stacked array (R_pad, ...) as (S, P, ...), padding dropped."""
        S, P = self.seeds.size, self.lrs.size
        a = np.asarray(a)
        return a[: S * P].reshape((S, P) + a.shape[1:])


def _sequences(x: object, name: str, dt, like: tuple[int, int] | None = None) -> Array:
    s = as_sequences(x, name, dt)
    if s.x.shape[0] == 0:
        raise ValueError(
            f"{name} holds no sequences (n = 0); Algorithm 1 needs at least one: pass an "
            f"(n, L, d) array with n >= 1."
        )
    if s.lengths is not None:
        raise ValueError(
            f"{name} carries per-sequence lengths; Algorithm 1 trains on sequences of one "
            f"length L: pass an (n, L, d) array."
        )
    if like is not None and s.x.shape[1:] != like:
        raise ValueError(
            f"{name} must have shape (n, {like[0]}, {like[1]}) like x_train, got "
            f"{tuple(s.x.shape)}."
        )
    return s.x


def _data(x_train, y_train, x_test, y_test, x_probe, dt) -> Data:
    xtr = _sequences(x_train, "x_train", dt)
    n, L, d = xtr.shape
    xte = _sequences(x_test, "x_test", dt, (L, d))
    ytr = jnp.asarray(as_labels(y_train, "y_train", n), dt)
    yte = jnp.asarray(as_labels(y_test, "y_test", xte.shape[0]), dt)
    xpr = xtr[: min(8, n)] if x_probe is None else _sequences(x_probe, "x_probe", dt, (L, d))
    return xtr, ytr, xte, yte, xpr


def _lrs(lrs: float | Iterable[float]) -> np.ndarray:
    if isinstance(lrs, numbers.Real) or np.ndim(lrs) == 0:
        lrs = [lrs]
    out = [check_real(f"lrs[{i}]", c, low=0, open_low=True, what="learning-rate constant")
           for i, c in enumerate(lrs)]
    if not out:
        raise ValueError("lrs must hold at least one learning-rate constant c > 0.")
    return np.asarray(out, dtype=np.float64)


def _default_eval_every(n_steps: int) -> int:
    """max(1, T // 20), lowered to the nearest divisor of T."""
    e = max(1, n_steps // 20)
    while n_steps % e:
        e -= 1
    return e


def _largest_divisor(blocks: int, at_most: int) -> int:
    """The largest divisor of ``blocks`` that is <= at_most (one compiled chunk size)."""
    for k in range(min(at_most, blocks), 0, -1):
        if blocks % k == 0:
            return k
    return 1


def _seed_batch(seed_batch: int | None, R: int, m: int, dt) -> int:
    if seed_batch is not None:
        return min(check_int("seed_batch", seed_batch, low=1), R)
    if jax.default_backend() != "cpu":
        return R
    return int(min(R, max(1, (128 * 1024) // (m * m * jnp.dtype(dt).itemsize))))


def _schedule(n: int, n_steps, eval_every, chunks, capacity) -> tuple[int, int, int, int]:
    """(T, eval_every, blocks per call, capacity), validated."""
    n_steps = n if n_steps is None else check_int("n_steps", n_steps, low=1)
    if eval_every is None:
        eval_every = _default_eval_every(n_steps)
    eval_every = check_int("eval_every", eval_every, low=1)
    if n_steps % eval_every:
        raise ValueError(
            f"eval_every = {eval_every} must divide n_steps = {n_steps}; e.g. eval_every = "
            f"{math.gcd(n_steps, eval_every)}."
        )
    chunks = check_int("chunks", chunks, low=1)
    n_blocks = n_steps // eval_every
    if capacity is None:
        return n_steps, eval_every, n_blocks // _largest_divisor(n_blocks, chunks), n_steps
    return n_steps, eval_every, 1, check_int("capacity", capacity, low=max(n, n_steps))


def _pad_train(data: Data, capacity: int) -> Data:
    """x_train, y_train padded to ``capacity`` samples (never indexed: the schedule only
    visits 0..n-1), so calls with different n share one compiled program."""
    xtr, ytr, *rest = data
    pad = capacity - xtr.shape[0]
    if pad > 0:
        xtr = jnp.concatenate([xtr, jnp.zeros((pad,) + xtr.shape[1:], xtr.dtype)])
        ytr = jnp.concatenate([ytr, jnp.ones((pad,), ytr.dtype)])
    return (xtr, ytr, *rest)


def plan(
    data: tuple,
    *,
    cfg: RNNConfig,
    m: int,
    lrs: float | Iterable[float],
    seeds: tuple[int, ...],
    n_steps: int | None,
    eval_every: int | None,
    scaling: str,
    dtype: DTypeLike | None,
    chunks: int,
    seed_batch: int | None,
    return_params: bool,
    capacity: int | None,
) -> Plan:
    """Validates a ``train`` call (see ``rnn_ntk.theory.train`` for every argument).

    Args:
      data: (x_train, y_train, x_test, y_test, x_probe or None) as given to ``train``.
      cfg: the network.
      m: width.
      lrs: learning-rate constant(s) c.
      seeds: the seeds, already checked (``rnn_ntk._validate.check_seeds``).
      n_steps: SGD steps T, or None for n.
      eval_every: steps between evaluations, or None for the default.
      scaling: ``"paper"`` or ``"standard"``.
      dtype: compute dtype, or None.
      chunks: at most this many calls of the compiled program.
      seed_batch: runs vmapped together, or None for the default.
      return_params: return the last iterates.
      capacity: padded training-set and schedule length, or None.
    Returns:
      The ``Plan``.
    """
    check_cfg(cfg)
    dt = check_dtype(dtype)
    arrays = _data(*data, dt)
    n, L, d = arrays[0].shape
    m = check_int("m", m, low=1)
    lr_arr = _lrs(lrs)
    T, every, per_call, cap = _schedule(n, n_steps, eval_every, chunks, capacity)
    scaling = check_choice("scaling", scaling, SCALINGS)
    seed_arr = np.asarray(seeds, dtype=np.int64)
    S, P = seed_arr.size, lr_arr.size
    G = _seed_batch(seed_batch, S * P, m, dt)
    pad = (-S * P) % G
    return Plan(
        program=Program(cfg, m, L, d, str(dt), every, per_call, scaling, G),
        data=arrays if capacity is None else _pad_train(arrays, cap),
        n=n,
        n_steps=T,
        n_blocks=T // every,
        capacity=cap,
        seeds=seed_arr,
        lrs=lr_arr,
        run_seeds=np.concatenate([np.repeat(seed_arr, P), np.repeat(seed_arr[:1], pad)]),
        run_lrs=np.concatenate([np.tile(lr_arr, S), np.repeat(lr_arr[:1], pad)]),
        return_params=check_bool("return_params", return_params),
    )

