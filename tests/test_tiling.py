"""The one tiler: any per-tile function becomes a Gram, symmetric or rectangular."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rnn_ntk._tiling import TilePlan, resolve_tile_size, tiled_gram


@jax.jit
def _tile(scale, r, c):
    """A per-tile function with two outputs: (T1, T2) and (2, T1, T2)."""
    g = scale * (r["a"] @ c["a"].T)
    return {"g": g, "pair": jnp.stack([g, g + r["b"][:, None] * c["b"][None, :]])}


def _shapes():
    s = jax.ShapeDtypeStruct
    return {"g": s((), jnp.float64), "pair": s((2,), jnp.float64)}


@pytest.mark.parametrize("n1, n2, T", [(7, 5, 3), (7, 7, 7), (1, 9, 4), (6, 2, 64)])
def test_tiles_equal_the_direct_gram(n1, n2, T):
    rng = np.random.default_rng(0)
    p1 = {"a": rng.normal(size=(n1, 3)), "b": rng.normal(size=(n1,))}
    p2 = {"a": rng.normal(size=(n2, 3)), "b": rng.normal(size=(n2,))}
    want = _tile(2.0, p1, p2)
    for workers in (1, 2):
        got = tiled_gram(_tile, p1, p2, tile_size=T, lead_shapes=_shapes(), args=(2.0,),
                         workers=workers)
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-15, atol=1e-15)
    # symmetric: only the upper tiles are computed, the lower ones are exact mirrors
    sym = tiled_gram(_tile, p1, None, tile_size=T, lead_shapes=_shapes(), args=(2.0,))
    np.testing.assert_array_equal(sym["g"], np.swapaxes(sym["g"], -1, -2))
    np.testing.assert_allclose(sym["pair"], _tile(2.0, p1, p1)["pair"], rtol=1e-15, atol=1e-15)
    # under a trace (lax.map over tiles), the same
    traced = jax.jit(
        lambda a, b: tiled_gram(_tile, a, b, tile_size=T, lead_shapes=_shapes(), args=(2.0,))
    )(p1, p2)
    np.testing.assert_allclose(traced["pair"], want["pair"], rtol=1e-15, atol=1e-15)


def test_plan_counts_tiles_and_empty_grams():
    plan = TilePlan.make(10, 10, 4, symmetric=True)
    assert plan.blocks == (3, 3) and len(plan.tiles) == 6  # upper triangle
    assert len(TilePlan.make(10, 5, 4, symmetric=False).tiles) == 3 * 2
    out = tiled_gram(_tile, {"a": np.zeros((0, 3)), "b": np.zeros(0)}, None, tile_size=4,
                     lead_shapes=_shapes(), args=(1.0,))
    assert out["pair"].shape == (2, 0, 0)


def test_tile_size_validation():
    assert resolve_tile_size(None) >= 1 and resolve_tile_size(np.int64(8)) == 8
    with pytest.raises(ValueError, match="tile_size must be an int >= 1"):
        resolve_tile_size(0)
    with pytest.raises(TypeError, match="tile_size must be an int"):
        resolve_tile_size(2.5)


_LONG_GRAM = """
import jax, numpy as np
jax.config.update("jax_enable_x64", True)
import rnn_ntk
x = np.random.default_rng(0).normal(size=(8000, 64, 4))
rnn_ntk.ntk(x[:64], x, tile_size=128)  # compiles every program the Gram below runs
print("start", flush=True)
rnn_ntk.ntk(x, tile_size=128)
"""


@pytest.mark.parametrize("delay", [0.2, 1.0])
def test_ctrl_c_stops_the_threads_cleanly(delay):
    """SIGINT during a threaded Gram: queued tiles are cancelled, running ones joined,
    KeyboardInterrupt propagates (exit by SIGINT), no crash at interpreter exit.

    (The programs are compiled before the signal: an interrupt that lands inside XLA's
    compiler is XLA's to survive, not the tiler's; the CLI exits hard for that case.)"""
    import signal
    import subprocess
    import sys
    import time

    p = subprocess.Popen(
        [sys.executable, "-c", _LONG_GRAM], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert p.stdout.readline().strip() == "start"
    time.sleep(delay)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=600)
    assert p.returncode in (-signal.SIGINT, 130), (p.returncode, out[-2000:])
    assert "KeyboardInterrupt" in out and "Segmentation" not in out
