r"""The compiled programs of Algorithm 1: every run (seed x learning rate) in one jit.

A *run* is one seed and one learning-rate constant. ``init_program`` draws every run's
network and measures its initial test error; ``advance_program`` carries every run
through ``blocks_per_call`` evaluation blocks of ``eval_every`` SGD steps (the carried
state donated, so the same compiled program is called again for the next chunk). Runs
are ``jax.vmap``-ed in batches of ``seed_batch``; the batches are a ``lax.map`` inside
the same program (on a CPU each batch's W matrices then stay in cache across its steps).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax
from jax import lax
from jaxtyping import Array, Float, Int

from rnn_ntk._config import RNNConfig
from rnn_ntk.finite import apply, empirical_ntk, init_params
from rnn_ntk.theory._sgd_step import output_scale, sample_gradient, step_size

__all__ = ["Program", "RunState", "advance_program", "init_program"]

#: The arrays every SGD step reads: (x_train, y_train, x_test, y_test, x_probe).
Data = tuple[Array, Array, Array, Array, Array]


@dataclasses.dataclass(frozen=True)
class Program:
    """Everything that fixes the compiled programs' shapes (their jit cache key).

    Attributes:
      cfg: the network.
      m: width.
      L: steps per sequence.
      d: features per step.
      dtype: compute dtype name.
      eval_every: SGD steps per evaluation block.
      blocks_per_call: evaluation blocks per call of ``advance_program``.
      scaling: ``"paper"`` or ``"standard"``.
      seed_batch: runs vmapped together (a divisor of the padded run count).
    """

    cfg: RNNConfig
    m: int
    L: int
    d: int
    dtype: str
    eval_every: int
    blocks_per_call: int
    scaling: str
    seed_batch: int


class RunState(NamedTuple):
    """Per-run training state carried between calls.

    Attributes:
      params: the network (W trained, the other blocks frozen).
      W0: W at initialisation, (m, m).
      opt_state: the optax SGD state.
      theta0: the W-block empirical NTK on the probe set at initialisation.
      order: the training-sample index of every step, (capacity,).
      mistakes: online mistakes 1{y_t f(W_{t-1}, x_t) <= 0} so far.
    """

    params: dict
    W0: Array
    opt_state: optax.OptState
    theta0: Array
    order: Int[Array, " T"]
    mistakes: Int[Array, ""]


def _forward(p: Program, params, x):
    return output_scale(p.m, p.scaling) * apply(params, x, p.cfg)


def _theta(p: Program, params, x_probe):
    return empirical_ntk(params, x_probe, cfg=p.cfg, blocks=("W",))


def _test_error(p: Program, params, x_test, y_test) -> Float[Array, ""]:
    f = _forward(p, params, x_test)
    return jnp.mean((~(y_test * f > 0)).astype(f.dtype))  # NaN outputs count as errors


def _init_one(p: Program, key, lr, order, x_probe) -> RunState:
    params = init_params(key, p.cfg, m=p.m, d=p.d, L=p.L, dtype=p.dtype)
    opt = optax.sgd(step_size(p.m, p.scaling, lr))
    return RunState(
        params=params,
        W0=params["W"],
        opt_state=opt.init(params["W"]),
        theta0=_theta(p, params, x_probe),
        order=order,
        mistakes=jnp.zeros((), jnp.int32),
    )


def _advance_one(p: Program, state: RunState, lr, block0, data: Data):
    """``blocks_per_call`` evaluation blocks of ``eval_every`` SGD steps for one run."""
    x_train, y_train, x_test, y_test, x_probe = data
    opt = optax.sgd(step_size(p.m, p.scaling, lr))

    def sgd_step(carry, i):
        params, opt_state, mistakes = carry
        f, loss, grad = sample_gradient(
            params, x_train[i], y_train[i], cfg=p.cfg, scaling=p.scaling
        )
        updates, opt_state = opt.update(grad, opt_state, params["W"])
        params = {**params, "W": optax.apply_updates(params["W"], updates)}
        return (params, opt_state, mistakes + (~(y_train[i] * f > 0)).astype(jnp.int32)), loss

    def block(carry, b):
        idx = lax.dynamic_slice_in_dim(state.order, b * p.eval_every, p.eval_every)
        carry, losses = lax.scan(sgd_step, carry, idx)
        params, _, mistakes = carry
        theta = _theta(p, params, x_probe)
        out = (
            jnp.mean(losses),
            _test_error(p, params, x_test, y_test),
            mistakes / ((b + 1) * p.eval_every),
            jnp.linalg.norm(params["W"] - state.W0),
            jnp.linalg.norm(theta - state.theta0) / jnp.linalg.norm(state.theta0),
        )
        return carry, out

    blocks = block0 + jnp.arange(p.blocks_per_call)
    carry = (state.params, state.opt_state, state.mistakes)
    (params, opt_state, mistakes), outs = lax.scan(block, carry, blocks)
    return state._replace(params=params, opt_state=opt_state, mistakes=mistakes), outs


def _batched(p: Program, fn: Callable, *args):
    """``fn`` vmapped over runs, in batches of ``p.seed_batch`` runs mapped one by one.

    Every leaf of ``args`` has the run axis first (R = batches * seed_batch). Within a
    batch the runs are ``jax.vmap``-ed; the batches are a ``lax.map`` (a loop inside the
    same program). With one batch this is a plain vmap over all runs.
    """
    R = jax.tree.leaves(args)[0].shape[0]
    G = p.seed_batch
    if G >= R:
        return jax.vmap(fn)(*args)
    split = jax.tree.map(lambda a: a.reshape((R // G, G) + a.shape[1:]), args)
    out = lax.map(lambda a: jax.vmap(fn)(*a), split)
    return jax.tree.map(lambda a: a.reshape((R,) + a.shape[2:]), out)


@functools.partial(jax.jit, static_argnums=0)
def init_program(
    p: Program, keys, lrs, orders, x_test, y_test, x_probe
) -> tuple[RunState, Float[Array, " R"]]:
    """Every run's initial state and held-out 0-1 error at initialisation.

    Args:
      p: the program.
      keys: one PRNG key per run, (R,).
      lrs: one learning-rate constant per run, (R,).
      orders: each run's sample order, (R, capacity).
      x_test: held-out sequences, (n_test, L, d).
      y_test: their labels, (n_test,).
      x_probe: probe sequences of the NTK drift, (n_probe, L, d).
    Returns:
      (state, error): the stacked ``RunState`` and the initial test errors (R,).
    """

    def one(key, lr, order):
        s = _init_one(p, key, lr, order, x_probe)
        return s, _test_error(p, s.params, x_test, y_test)

    return _batched(p, one, keys, lrs, orders)


@functools.partial(jax.jit, static_argnums=0, donate_argnums=1)
def advance_program(p: Program, state: RunState, lrs, block0, data: Data):
    """Every run through the next ``blocks_per_call`` evaluation blocks (state donated).

    Args:
      p: the program.
      state: the stacked ``RunState`` of every run.
      lrs: one learning-rate constant per run, (R,).
      block0: index of the first block of this call.
      data: (x_train, y_train, x_test, y_test, x_probe).
    Returns:
      (state, outs): the new state and, per run and block, (loss, test error, online
      error, ||W_t - W_0||_F, NTK drift), each of shape (R, blocks_per_call).
    """

    def one(s, lr):
        return _advance_one(p, s, lr, block0, data)

    return _batched(p, one, state, lrs)
