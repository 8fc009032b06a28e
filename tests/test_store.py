"""Grams on disk (SPEC §8): one zarr chunk per tile, resumable, refusing other computations.

The tiler-level tests count the calls of a plain tile function (a matrix product, the
independent reference), so "no tile computed twice" is checked directly; the ntk-level
tests compare a resumed store with an uninterrupted one and with the in-memory Gram (the
same tile program on the same numbers: equal bit for bit).
"""

import os

import jax
import numpy as np
import pytest
import zarr
from conftest import random_sequences

import rnn_ntk
import rnn_ntk._tiling as tiling
from rnn_ntk._store import DONE, GramStore
from rnn_ntk._tiling import TilePlan, tiled_gram
from rnn_ntk.experiments import write_gram

SHAPE = jax.ShapeDtypeStruct((), np.float64)


@pytest.fixture(autouse=True)
def xla_tile(monkeypatch):
    """The XLA tile for in-memory Grams too (a store always uses it), so the two are
    equal bit for bit; the compiled CPU tile is compared with it in its own tests."""
    monkeypatch.setenv("RNN_NTK_COMPILED", "0")


class Stop(Exception):
    pass


def _stop_after(k):
    """A progress callback raising Stop once k tiles of this run are done."""
    state = {}

    def progress(done, total):
        state.setdefault("start", done)
        if done - state["start"] >= k:
            raise Stop

    return progress


def test_tiles_resume_without_recomputing(tmp_path):
    rng = np.random.default_rng(0)
    p = rng.normal(size=(11, 3))
    calls = []

    def tile(r, c):
        calls.append(1)
        return np.asarray(r) @ np.asarray(c).T

    plan = TilePlan.make(11, 11, 4, symmetric=True)
    n_tiles = len(plan.tiles)  # 3 x 3 blocks: 6 upper tiles
    meta = {"kernel": "test"}
    store = GramStore(tmp_path / "g", progress=_stop_after(2))
    with pytest.raises(Stop):
        tiled_gram(tile, p, None, tile_size=4, lead_shapes=SHAPE, workers=1,
                   sink=store.bind(meta))
    assert len(calls) == 2 and len(os.listdir(tmp_path / "g" / DONE)) == 2
    first = {f: os.stat(tmp_path / "g" / DONE / f).st_mtime_ns
             for f in os.listdir(tmp_path / "g" / DONE)}
    seen = []
    out = tiled_gram(tile, p, None, tile_size=4, lead_shapes=SHAPE, workers=2,
                     sink=GramStore(tmp_path / "g", progress=lambda d, t: seen.append((d, t)))
                     .bind(meta))
    assert len(calls) == n_tiles  # the 2 finished tiles were not computed again
    assert seen[0] == (2, n_tiles) and seen[-1] == (n_tiles, n_tiles)
    assert all(os.stat(tmp_path / "g" / DONE / f).st_mtime_ns == t for f, t in first.items())
    np.testing.assert_allclose(out[...], p @ p.T, rtol=1e-15, atol=1e-15)
    np.testing.assert_array_equal(zarr.open(str(tmp_path / "g"))[...], out[...])
    assert out.chunks == (4, 4)
    # a third run computes nothing
    tiled_gram(tile, p, None, tile_size=4, lead_shapes=SHAPE, sink=GramStore(tmp_path / "g")
               .bind(meta))
    assert len(calls) == n_tiles


def test_store_does_not_allocate_the_gram(tmp_path, monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("HostBuffer allocated while writing to a store")

    monkeypatch.setattr(tiling, "HostBuffer", refuse)
    p = np.arange(10.0).reshape(5, 2)
    out = tiled_gram(lambda r, c: np.asarray(r) @ np.asarray(c).T, p, p[:3], tile_size=2,
                     lead_shapes=SHAPE, sink=GramStore(tmp_path / "r").bind({}))
    np.testing.assert_array_equal(out[...], p @ p[:3].T)


def test_interrupted_ntk_resumes_to_the_same_gram(tmp_path):
    x = random_sequences(20, 5, 2, seed=4)
    whole = write_gram(tmp_path / "whole", x, tile_size=6, progress=False)[...]
    np.testing.assert_array_equal(whole, rnn_ntk.ntk(x, tile_size=6))  # 10 tiles
    path = tmp_path / "ntk"
    with pytest.raises(Stop):
        rnn_ntk.ntk(x, tile_size=6, out=GramStore(path, progress=_stop_after(3)))
    part = zarr.open(str(path))[...]
    assert np.isnan(part).any() and len(os.listdir(path / DONE)) >= 3
    first = {f: os.stat(path / DONE / f).st_mtime_ns for f in os.listdir(path / DONE)}
    got = write_gram(path, x, tile_size=6, progress=False)
    assert isinstance(got, zarr.Array)
    np.testing.assert_array_equal(zarr.open(str(path))[...], whole)  # identical
    assert len(os.listdir(path / DONE)) == 10
    assert all(os.stat(path / DONE / f).st_mtime_ns == t for f, t in first.items())


def test_mismatched_resume_is_refused(tmp_path):
    x = random_sequences(9, 4, 2, seed=5)
    path = tmp_path / "g"
    rnn_ntk.ntk(x, tile_size=4, out=GramStore(path))
    cases = {
        "config": dict(x1=x, cfg=rnn_ntk.RNNConfig(sw2=1.5)),
        "inputs_sha256": dict(x1=x + 1e-9),
        "dtype": dict(x1=x, dtype=np.float32),
        "chunks": dict(x1=x, tile_size=5),
        "blocks": dict(x1=x, blocks=("W", "B")),
    }
    for field, kw in cases.items():
        with pytest.raises(ValueError, match=f"different computation \\({field}: stored"):
            rnn_ntk.ntk(tile_size=kw.pop("tile_size", 4), out=GramStore(path), **kw)
    with pytest.raises(ValueError, match=r"different computation \(kernel: stored 'ntk'"):
        rnn_ntk.nngp(x, tile_size=4, out=GramStore(path))
    # resume=False overwrites it with the new computation
    got = rnn_ntk.nngp(x, tile_size=4, out=GramStore(path, resume=False))
    np.testing.assert_array_equal(got[...], rnn_ntk.nngp(x, tile_size=4))


def test_steps_and_rectangles_are_chunked_by_tile(tmp_path):
    x = random_sequences(7, 4, 2, seed=6)
    y = random_sequences(5, 4, 2, seed=7)
    got = rnn_ntk.ntk(x, y, steps=True, tile_size=3, out=GramStore(tmp_path / "s"))
    assert got.shape == (4, 7, 5) and got.chunks == (4, 3, 3)
    np.testing.assert_array_equal(
        zarr.open(str(tmp_path / "s"))[...], np.asarray(rnn_ntk.ntk(x, y, steps=True,
                                                                   tile_size=3)))
    meta = zarr.open(str(tmp_path / "s")).attrs["rnn_ntk"]
    assert meta["steps"] is True and meta["symmetric"] is False and meta["dtype"] == "float64"


def test_bad_outputs_are_refused(tmp_path):
    x = random_sequences(4, 3, 2)
    with pytest.raises(TypeError, match="out must be None or an rnn_ntk.GramStore"):
        rnn_ntk.ntk(x, out=str(tmp_path))
    with pytest.raises(ValueError, match="bidirectional"):
        rnn_ntk.ntk(x, cfg=rnn_ntk.RNNConfig(bidirectional=True), out=GramStore(tmp_path / "b"))
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not a GramStore"):
        rnn_ntk.ntk(x, out=GramStore(tmp_path / "full"))
    with pytest.raises(ValueError, match="not a GramStore"):  # never deleted, even so
        rnn_ntk.ntk(x, out=GramStore(tmp_path / "full", resume=False))
    assert (tmp_path / "full" / "notes.txt").read_text() == "mine"
    with pytest.raises(TypeError, match="resume must be a bool"):
        GramStore(tmp_path, resume="yes")
    with pytest.raises(ValueError, match="kernel must be 'ntk' or 'nngp'"):
        write_gram(tmp_path / "k", x, kernel="rbf")
