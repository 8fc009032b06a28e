"""The numba tile of the eager CPU path against the XLA tile (rnn_ntk/infinite/_compiled.py).

Both evaluate the same operations in the same order (XLA:CPU contracts a * b + c into an
FMA and rewrites x / pi as x * (1/pi); the compiled kernel does the same), so they
agree to a few ulp per step and the recursion does not amplify that (SPEC §3): the bound
is 1e-14 relative to the largest entry in float64 (measured when written: <= 5e-16).
float32 is held to the float32 targets of test_float32.py against float64 (1e-5).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import rnn_ntk
from rnn_ntk.infinite._compiled import ENV, compiled_tile, select_tile
from rnn_ntk.infinite._masking import PLAIN, RAGGED
from rnn_ntk.infinite._readout import READOUTS
from rnn_ntk.infinite._recursion import tile

ALL = ("W", "A", "b", "B", "M0")


def _rel(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def _both(monkeypatch, fn):
    """fn() on the compiled path and on the XLA path (RNN_NTK_COMPILED=0)."""
    monkeypatch.setenv(ENV, "1")
    fast = np.asarray(fn())
    monkeypatch.setenv(ENV, "0")
    xla = np.asarray(fn())
    return fast, xla


@pytest.mark.parametrize(
    "cfg, blocks, param, L",
    [
        (rnn_ntk.RNNConfig(), ("W",), "standard", 64),
        (rnn_ntk.RNNConfig(), ALL, "standard", 16),
        (rnn_ntk.RNNConfig(), ALL, "ntk", 16),
        (rnn_ntk.RNNConfig(h0="zero", sb2=0.3), ALL[:4], "standard", 12),
        (rnn_ntk.RNNConfig(sa2=1.0, sb2=0.5, s02=1.0, sB2=2.0), ALL, "ntk", 9),
        (rnn_ntk.RNNConfig(h0="zero"), ("W", "A"), "standard", 8),
        (rnn_ntk.RNNConfig(sw2=0.0, sa2=1.0), ("A", "B"), "standard", 6),
    ],
)
def test_compiled_equals_xla_float64(monkeypatch, cfg, blocks, param, L):
    rng = np.random.default_rng(L)
    x1 = rng.normal(size=(11, L, 3))
    x2 = rng.normal(size=(6, L, 3))
    x2[0] = -x1[0]  # rho -> -1: the other pole
    x2[1] = 0.0  # zero input (a zero-variance sample for h0="zero", sb2=0)
    x2[2] = x1[2]  # rho -> 1
    kw = {"cfg": cfg, "blocks": blocks, "parameterization": param, "tile_size": 4}
    # tile_size=4: diagonal, off-diagonal and zero-padded edge tiles all occur
    for args in ((x1,), (x1, x2)):
        fast, xla = _both(monkeypatch, lambda a=args: rnn_ntk.ntk(*a, **kw))
        assert fast.shape == xla.shape and fast.dtype == np.float64
        assert _rel(fast, xla) <= 1e-14


def test_compiled_symmetric_and_nngp(monkeypatch):
    x = np.random.default_rng(3).normal(size=(9, 20, 2))
    fast, xla = _both(monkeypatch, lambda: rnn_ntk.nngp(x, tile_size=5))
    assert _rel(fast, xla) <= 1e-14
    np.testing.assert_array_equal(fast, fast.T)  # pair(x, x') == pair(x', x) bitwise


def test_float32_stays_on_xla_and_meets_its_target(monkeypatch):
    """float32 keeps the XLA tile (it was as fast or faster than the compiled one on the
    2-core CPU measured); against the compiled float64 Gram it is within the float32
    target of test_float32.py (1e-5)."""
    x = np.random.default_rng(4).normal(size=(10, 64, 4))
    f32 = (jnp.zeros((2, 3), jnp.float32),)
    monkeypatch.delenv(ENV, raising=False)
    assert select_tile(tile, READOUTS["H"], PLAIN, f32) is tile
    monkeypatch.setenv(ENV, "1")  # forced: the compiled float32 tile (benchmarks)
    assert select_tile(tile, READOUTS["H"], PLAIN, f32) is compiled_tile
    monkeypatch.delenv(ENV)
    H32 = rnn_ntk.ntk(x, dtype=jnp.float32, blocks=ALL, tile_size=6)
    H64 = rnn_ntk.ntk(x, blocks=ALL, tile_size=6)
    assert H32.dtype == jnp.float32
    assert _rel(H32, H64) <= 1e-5


def test_compiled_equals_jit_traced_path(monkeypatch):
    """Under jax.jit the XLA tile runs (a trace cannot call numba): the same numbers."""
    monkeypatch.setenv(ENV, "1")
    cfg = rnn_ntk.RNNConfig(sb2=0.1)
    x = np.random.default_rng(5).normal(size=(7, 10, 2))
    fast = rnn_ntk.ntk(x, cfg=cfg, blocks=ALL)
    traced = jax.jit(lambda a: rnn_ntk.ntk(a, cfg=cfg, blocks=ALL))(x)
    assert _rel(fast, traced) <= 1e-14


def test_select_tile():
    H, steps = READOUTS["H"], READOUTS["steps"]
    data = (jnp.zeros((2, 3)), None)
    assert select_tile(tile, H, PLAIN, data) is compiled_tile
    assert select_tile(tile, steps, PLAIN, data) is tile
    assert select_tile(tile, H, RAGGED, data) is tile
    assert select_tile(tile, H, PLAIN, data, devices=jax.devices()[:1]) is tile
    assert select_tile(tile, H, PLAIN, data, out=object()) is tile

    def traced(a):
        assert select_tile(tile, H, PLAIN, (a, None)) is tile
        return a

    jax.jit(traced)(jnp.zeros(2))


def test_env_switch_is_read_at_call_time(monkeypatch):
    data = (jnp.zeros((2, 3)), None)
    monkeypatch.setenv(ENV, "0")
    assert select_tile(tile, READOUTS["H"], PLAIN, data) is tile
    monkeypatch.setenv(ENV, "1")
    assert select_tile(tile, READOUTS["H"], PLAIN, data) is compiled_tile


def test_import_is_light():
    import subprocess
    import sys

    code = "import sys, rnn_ntk; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
