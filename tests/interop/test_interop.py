"""neural-tangents through rnn_ntk.interop (the compat shim) on the jax the core uses."""

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg
from conftest import random_sequences

import rnn_ntk
from rnn_ntk import interop
from rnn_ntk.finite import reparameterized
from rnn_ntk.finite._network import forward

ALL = ("W", "A", "b", "B", "M0")
CFG = rnn_ntk.RNNConfig(sa2=0.6, sb2=0.3)
IMPLS = ("jacobian_contraction", "ntk_vector_products", "structured_derivatives")


@pytest.fixture(scope="module")
def nt():
    return interop.neural_tangents()


@pytest.fixture(scope="module")
def setup():
    x1 = jnp.asarray(random_sequences(3, 4, 2, seed=1))
    x2 = jnp.asarray(random_sequences(2, 4, 2, seed=2))
    p = rnn_ntk.init_params(jax.random.key(7), CFG, m=6, d=2, L=4)
    return p, x1, x2


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


def test_importing_rnn_ntk_does_not_import_neural_tangents():
    code = (
        "import sys, rnn_ntk, rnn_ntk.interop, rnn_ntk.finite;"
        "bad = [m for m in sys.modules if m.startswith('neural_tangents') or m == 'jax.util'];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_neural_tangents_is_patched_module(nt):
    assert nt.__name__ == "neural_tangents" and nt.__version__ == "0.6.5"
    assert interop.neural_tangents() is nt  # idempotent
    assert hasattr(nt, "empirical_ntk_fn") and hasattr(nt.predict, "gradient_descent_mse")


def _nt_per_block(nt, p, x1, x2, impl, steps):
    """nt's kernel of each block separately, from one compiled nt function.

    g(th) = f(theta + s * (th - theta)) has dg/dth_P = s_P df/dP at th = theta, so its
    NTK is sum_P s_P^2 Theta_P: a one-hot s picks one block.
    """
    f, theta = reparameterized(p, CFG, L=x1.shape[1], blocks=ALL, steps=steps, unroll=True)
    impl = nt.NtkImplementation[impl.upper()]

    @jax.jit
    def kernel(x1, x2, theta, scales):
        def g(th, x):
            return f({b: theta[b] + scales[b] * (th[b] - theta[b]) for b in ALL}, x)

        fn = nt.empirical_ntk_fn(
            g,
            trace_axes=(),
            diagonal_axes=(1,) if steps else (),
            vmap_axes=0,
            implementation=impl,
        )
        k = fn(x1, x2, theta)
        return jnp.moveaxis(k, -1, 0) if steps else k

    one_hot = {b: {c: jnp.float64(b == c) for c in ALL} for b in ALL}
    return {b: kernel(x1, x2, theta, one_hot[b]) for b in ALL}


@pytest.mark.filterwarnings("ignore:No Jacobian rule found for select_n")
@pytest.mark.parametrize("impl", IMPLS)
def test_every_nt_implementation_matches_structured_float64(nt, setup, impl):
    p, x1, x2 = setup
    for steps in (False, True):
        got = _nt_per_block(nt, p, x1, x2, impl, steps)
        for b in ALL:
            want = rnn_ntk.empirical_ntk(p, x1, x2, cfg=CFG, blocks=(b,), steps=steps)
            assert got[b].shape == want.shape
            assert _rel(got[b], want) <= 1e-10, (b, steps)
    # and the public entry point, all blocks summed, per step
    want = rnn_ntk.empirical_ntk(p, x1, x2, cfg=CFG, blocks=ALL, steps=True)
    got = interop.empirical_ntk_nt(
        p, x1, x2, cfg=CFG, blocks=ALL, steps=True, implementation=impl
    )
    assert _rel(got, want) <= 1e-10


@pytest.mark.filterwarnings("ignore:No Jacobian rule found for select_n")
@pytest.mark.parametrize("impl", IMPLS)
def test_nt_on_the_scanned_network_and_ntk_parameterization(nt, setup, impl):
    # unroll=False hands nt the lax.scan network: structured derivatives then transpose
    # scan/slice equations through jax's newer "fancy" transpose rules (patched in).
    p, x1, x2 = setup
    kw = dict(blocks=ALL, steps=True, parameterization="ntk")
    want = rnn_ntk.empirical_ntk(p, x1, x2, cfg=CFG, **kw)
    got = interop.empirical_ntk_nt(p, x1, x2, cfg=CFG, implementation=impl, unroll=False, **kw)
    assert _rel(got, want) <= 1e-10


@pytest.mark.filterwarnings("ignore:No Jacobian rule found for select_n")
def test_method_neural_tangents_and_float32(nt, setup):
    p, x1, x2 = setup
    want = rnn_ntk.empirical_ntk(p, x1, x2, cfg=CFG, blocks=ALL)
    got = rnn_ntk.empirical_ntk(p, x1, x2, cfg=CFG, blocks=ALL, method="neural_tangents")
    assert _rel(got, want) <= 1e-10
    p32 = {k: v.astype(jnp.float32) for k, v in p.items()}
    s32 = rnn_ntk.empirical_ntk(p32, x1, x2, cfg=CFG, blocks=ALL, steps=True)
    for impl in IMPLS:
        n32 = interop.empirical_ntk_nt(
            p32,
            x1.astype(jnp.float32),
            x2.astype(jnp.float32),
            cfg=CFG,
            blocks=ALL,
            steps=True,
            implementation=impl,
        )
        assert n32.dtype == jnp.float32
        assert _rel(n32, s32) <= 1e-5, impl


def test_bad_implementation_name(nt, setup):
    p, x1, x2 = setup
    with pytest.raises(ValueError, match="implementation must be one of"):
        interop.empirical_ntk_nt(p, x1, x2, cfg=CFG, implementation="fastest")


def test_predict_gradient_descent_mse(nt):
    # Closed forms of gradient flow on nt's MSE loss ||f - y||^2 / (2 N), N = y.size:
    # with f_0 = 0, f_train(t) = (I - exp(-eta K t / N)) y; at t = inf f_test = K_* K^-1 y.
    rng = np.random.default_rng(0)
    z = rng.normal(size=(6, 3))
    K = z @ z.T + 0.5 * np.eye(6)
    y = rng.normal(size=(6, 1))
    k_test = rng.normal(size=(2, 6))
    predict = nt.predict.gradient_descent_mse(jnp.asarray(K), jnp.asarray(y), learning_rate=1.0)
    t = 0.7
    f_train = predict(t, jnp.zeros((6, 1)))
    want = (np.eye(6) - scipy.linalg.expm(-t * K / y.size)) @ y
    np.testing.assert_allclose(f_train, want, rtol=1e-8, atol=1e-10)
    _, f_test = predict(None, jnp.zeros((6, 1)), jnp.zeros((2, 1)), jnp.asarray(k_test))
    np.testing.assert_allclose(f_test, k_test @ np.linalg.solve(K, y), rtol=1e-8, atol=1e-10)


def test_batch_and_monte_carlo(nt, setup):
    p, x1, _ = setup
    L = x1.shape[1]
    fn, theta = interop.ntk_fn_nt(p, CFG, L=L, blocks=ALL)
    x = jnp.concatenate([x1, x1[:1]])  # 4 samples: batches of 2
    full = fn(x, None, theta)
    batched = nt.batch(lambda a, b, t: fn(a, b, t), batch_size=2, device_count=0)(x, x, theta)
    assert _rel(batched, full) < 1e-12

    # monte_carlo_kernel_fn with our init/apply: with n_samples = 2 it averages the
    # empirical NTK of the networks drawn from nt's keys (split as nt 0.6.5 does).
    def init_fn(key, input_shape):
        return (input_shape[0],), rnn_ntk.init_params(key, CFG, m=6, d=2, L=L)

    def apply_fn(params, x, **kwargs):
        return forward(params, x, CFG)

    key = jax.random.PRNGKey(3)
    mc = nt.monte_carlo_kernel_fn(
        init_fn, apply_fn, key, 2, device_count=0, trace_axes=(), vmap_axes=0
    )
    got = mc(x1, None, "ntk")
    want, k = [], key
    for _ in range(2):
        k, split = jax.random.split(k)
        init_key, _ = jax.random.split(split)
        params = init_fn(init_key, x1.shape)[1]
        want.append(rnn_ntk.empirical_ntk(params, x1, cfg=CFG, blocks=ALL))
    assert _rel(got, np.mean(want, axis=0)) < 1e-10


def test_auto_implementation_works_on_this_jax(nt, setup, capsys):
    """nt's AUTO read jax's cost analysis as a list (KeyError: 0 on this jax)."""
    p, x1, x2 = setup
    got = interop.empirical_ntk_nt(p, x1, x2, cfg=CFG, implementation="auto")
    want = rnn_ntk.empirical_ntk(p, x1, x2, cfg=CFG)
    assert _rel(got, want) < 1e-10
    assert "flops" not in capsys.readouterr().out  # nt's timing printout stays quiet


def test_nt_options_are_checked(nt, setup):
    p, x1, x2 = setup
    with pytest.raises(TypeError, match="implementation must be one of"):
        interop.empirical_ntk_nt(p, x1, x2, cfg=CFG, implementation=3)
    for bad, exc in (("a", TypeError), (True, TypeError), (1, ValueError)):
        with pytest.raises(exc, match="vmap_axes must be"):
            interop.empirical_ntk_nt(p, x1, x2, cfg=CFG, vmap_axes=bad)
    for flag in ("steps", "unroll"):
        with pytest.raises(TypeError, match=f"{flag} must be True or False"):
            interop.empirical_ntk_nt(p, x1, x2, cfg=CFG, **{flag: "no"})
    with pytest.raises(TypeError, match="blocks must be a sequence of block names"):
        interop.empirical_ntk_nt(p, x1, x2, cfg=CFG, blocks=None)
    a = interop.empirical_ntk_nt(p, x1, x2, cfg=CFG, vmap_axes=None)
    assert _rel(a, interop.empirical_ntk_nt(p, x1, x2, cfg=CFG, vmap_axes=np.int64(0))) < 1e-12


def test_no_samples_with_the_neural_tangents_method(setup):
    p, x1, _ = setup
    x0 = np.zeros((0, 4, 2))
    assert rnn_ntk.empirical_ntk(p, x0, cfg=CFG, method="neural_tangents").shape == (0, 0)
    got = rnn_ntk.empirical_ntk(p, x1, x0, cfg=CFG, method="neural_tangents", steps=True)
    assert got.shape == (4, 3, 0)
