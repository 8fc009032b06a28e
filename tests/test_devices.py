"""Tiles over several devices (SPEC §8): the same Gram as on one device.

jax in this process has one CPU device, so the multi-device runs happen in one
subprocess started with ``XLA_FLAGS=--xla_force_host_platform_device_count=4``; it saves
every Gram computed with ``devices=`` and with ``devices=None`` (today's single-device
path) and the device of every tile, and this process compares them. Every device runs
the same compiled tile program on the same numbers, so the agreement is exact; the
issue's bound, 1e-14 relative, is asserted.
"""

import os
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest
from conftest import random_sequences

import rnn_ntk
from rnn_ntk._devices import resolve_devices
from rnn_ntk._tiling import tiled_gram

SCRIPT = textwrap.dedent(
    """
    import sys
    import jax
    jax.config.update("jax_enable_x64", True)
    import numpy as np
    import rnn_ntk
    from rnn_ntk._tiling import tiled_gram

    assert len(jax.devices()) == 4, jax.devices()
    x = np.random.default_rng(1).normal(size=(40, 6, 3))  # random_sequences(40, 6, 3, 1)
    y = np.random.default_rng(2).normal(size=(13, 6, 3))
    deep = rnn_ntk.RNNConfig(depth=2)
    mesh = jax.sharding.Mesh(np.array(jax.devices()).reshape(2, 2), ("a", "b"))
    out = {}
    for name, f, devices in [
        ("ntk", lambda d: rnn_ntk.ntk(x, tile_size=8, devices=d), 4),
        ("mesh", lambda d: rnn_ntk.ntk(x, y, tile_size=8, devices=d), mesh),
        ("deep", lambda d: rnn_ntk.ntk(x, y, cfg=deep, tile_size=8, devices=d),
         jax.devices()[1:3]),
        ("nngp", lambda d: rnn_ntk.nngp(x, tile_size=8, devices=d), 3),
        ("K", lambda d: rnn_ntk.kernels(y, tile_size=8, devices=d).K, 2),
    ]:
        out[name] = f(devices)
        out[name + "_one"] = f(None)  # today's path: jax's default device

    def where(r, c):  # the device id of this tile's inputs, as a tile
        (d,) = r.devices()
        return np.full((r.shape[0], c.shape[0]), float(d.id))

    s = jax.ShapeDtypeStruct((), np.float64)
    out["where"] = tiled_gram(where, np.zeros((40, 1)), np.zeros((40, 1)), tile_size=8,
                              lead_shapes=s, devices=jax.devices())
    np.savez(sys.argv[1], **{k: np.asarray(v) for k, v in out.items()})
    """
)


@pytest.fixture(scope="module")
def four(tmp_path_factory):
    path = tmp_path_factory.mktemp("devices") / "out.npz"
    # RNN_NTK_COMPILED=0: devices=None gets the XLA tile too (the numba CPU tile has its
    # own tests against it), which keeps numba's compile out of this test's time
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4",
               JAX_PLATFORMS="cpu", RNN_NTK_COMPILED="0")
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(path)], env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(path) as f:
        return dict(f)


def _close(got, want):
    """<= 1e-14 relative to the Gram's largest entry (the issue's bound)."""
    assert got.shape == want.shape and np.all(np.isfinite(want)) and np.any(want != 0)
    assert np.max(np.abs(got - want)) <= 1e-14 * np.max(np.abs(want))


def test_devices_equal_one_device(four):
    for name in ("ntk", "mesh", "deep", "nngp", "K"):
        _close(four[name], four[name + "_one"])
    assert four["deep"].shape == (40, 13) and four["K"].shape == (7, 13, 13)


def test_tiles_are_spread_over_the_devices(four):
    # 5 x 5 tiles of 8 x 8, tile k on device k % 4, read off each tile's top-left entry
    ids = four["where"][::8, ::8].ravel()
    np.testing.assert_array_equal(ids, np.arange(25) % 4)


def test_bad_devices_are_refused():
    with pytest.raises(ValueError, match="devices must be between 1 and"):
        resolve_devices(len(jax.local_devices()) + 1)
    with pytest.raises(TypeError, match="devices must be None, an int"):
        resolve_devices("gpu")
    with pytest.raises(TypeError, match="jax.Device objects"):
        resolve_devices([0, 1])
    with pytest.raises(ValueError, match="twice"):
        resolve_devices(jax.devices() * 2)
    assert resolve_devices(None) is None and resolve_devices(1) == jax.local_devices()[:1]
    x = random_sequences(3, 4, 2)
    with pytest.raises(ValueError, match="eager calls only"):
        jax.jit(lambda a: rnn_ntk.ntk(a, devices=1))(x)


def test_one_listed_device_is_the_default_path(monkeypatch):
    # devices=1 goes through the device executor with the XLA tile: the same numbers as
    # the default path's XLA tile (RNN_NTK_COMPILED=0 keeps the numba CPU tile out)
    monkeypatch.setenv("RNN_NTK_COMPILED", "0")
    x = random_sequences(11, 5, 2, seed=3)
    want = np.asarray(rnn_ntk.ntk(x, tile_size=4))
    np.testing.assert_array_equal(np.asarray(rnn_ntk.ntk(x, tile_size=4, devices=1)), want)
    s = jax.ShapeDtypeStruct((), np.float64)
    got = tiled_gram(lambda r, c: r @ c.T, np.eye(5), None, tile_size=2, lead_shapes=s,
                     devices=jax.devices())
    np.testing.assert_array_equal(np.asarray(got), np.eye(5))
