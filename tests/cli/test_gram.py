"""``rnn-ntk gram INPUT [--x2 OTHER] --out STORE`` (issue 12, item 4).

Each input format goes end to end through the command, and the store it writes
(``zarr.open(STORE)[...]``) is compared with ``rnn_ntk.ntk`` / ``rnn_ntk.nngp`` of the
arrays the test wrote (not read back from the files). The command and the library run the
same float64 recursion per pair, differing only in how pairs are grouped into tiles, so
the entries agree to round-off: rtol 1e-12 (observed: bitwise equal). Bad inputs end in
one line on stderr with status 2 before any work.
"""

import importlib.util

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import zarr

import rnn_ntk
from rnn_ntk import RNNConfig, Sequences
from rnn_ntk.cli import main

RTOL = 1e-12
N, L = 6, 5

requires_aeon = pytest.mark.skipif(
    importlib.util.find_spec("aeon") is None,
    reason="needs aeon (the data extra: pip install -e '.[data]')",
)


def _gram(store) -> np.ndarray:
    return np.asarray(zarr.open_array(str(store), mode="r")[...])


def _run(args, capsys) -> tuple[int, str, str]:
    code = main(["gram", *map(str, args), "--quiet"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _padded(rng, lengths, d):
    """(n, max(lengths), d) Gaussian sequences, NaN after each one's length."""
    x = rng.normal(size=(len(lengths), max(lengths), d))
    for i, T in enumerate(lengths):
        x[i, T:] = np.nan
    return x


def test_npy_symmetric_gram_matches_ntk(tmp_path, rng, capsys):
    x = rng.normal(size=(N, L, 2))
    np.save(tmp_path / "x.npy", x)
    store = tmp_path / "g.zarr"
    code, out, err = _run([tmp_path / "x.npy", "--out", store], capsys)
    assert code == 0, err
    np.testing.assert_allclose(_gram(store), np.asarray(rnn_ntk.ntk(x)), rtol=RTOL, atol=0)
    assert len(out.splitlines()) == 1
    assert f"NTK Gram {N} x {N} float64" in out and f"zarr.open({str(store)!r})[...]" in out


def test_npz_keys_rectangular_nngp_with_network_options(tmp_path, rng, capsys):
    a, b = rng.normal(size=(N, L)), rng.normal(size=(4, L - 1))  # univariate, L differs
    np.savez(tmp_path / "xy.npz", a=a, b=b)
    store = tmp_path / "g.zarr"
    code, out, err = _run([tmp_path / "xy.npz", "--key", "a", "--x2", tmp_path / "xy.npz",
                           "--x2-key", "b", "--out", store, "--kernel", "nngp", "--depth",
                           "2", "--sb2", "0.1", "--h0", "zero", "--devices", "1"], capsys)
    assert code == 0, err
    cfg = RNNConfig(depth=2, sb2=0.1, h0="zero")
    # sequences of different lengths meet at their last step (SPEC §6)
    want = rnn_ntk.nngp(Sequences(a[..., None], np.full(N, L)),
                        Sequences(b[..., None], np.full(4, L - 1)), cfg=cfg)
    np.testing.assert_allclose(_gram(store), np.asarray(want), rtol=RTOL, atol=0)
    assert f"NNGP Gram {N} x 4" in out


def test_csv_ragged_rows_with_blocks_and_tiles(tmp_path, rng, capsys):
    lengths = np.array([5, 3, 5, 2, 4, 1])
    x = _padded(rng, lengths, 1)
    rows = [",".join(f"{v:.17g}" for v in x[i, :T, 0]) for i, T in enumerate(lengths)]
    (tmp_path / "x.csv").write_text("\n".join(["s1,s2,s3,s4,s5", *rows]) + "\n")
    store = tmp_path / "g.zarr"
    code, _, err = _run([tmp_path / "x.csv", "--out", store, "--blocks", "W", "b",
                         "--parameterization", "ntk", "--tile-size", "4"], capsys)
    assert code == 0, err
    assert zarr.open_array(str(store), mode="r").chunks == (4, 4)  # one chunk a tile
    want = rnn_ntk.ntk(Sequences(x, lengths), blocks=("W", "b"), parameterization="ntk")
    np.testing.assert_allclose(_gram(store), np.asarray(want), rtol=RTOL, atol=0)


@requires_aeon
def test_ts_multivariate_ragged(tmp_path, rng, capsys):
    lengths = np.array([5, 2, 4])
    x = _padded(rng, lengths, 2)
    lines = [":".join(",".join(f"{v:.17g}" for v in x[i, :T, c]) for c in range(2)) + ":yes"
             for i, T in enumerate(lengths)]
    head = ["@problemName toy", "@timeStamps false", "@univariate false", "@dimensions 2",
            "@equalLength false", "@classLabel true yes no", "@data"]
    (tmp_path / "x.ts").write_text("\n".join(head + lines) + "\n")
    store = tmp_path / "g.zarr"
    code, _, err = _run([tmp_path / "x.ts", "--out", store], capsys)
    assert code == 0, err
    want = rnn_ntk.ntk(Sequences(x, lengths))
    np.testing.assert_allclose(_gram(store), np.asarray(want), rtol=RTOL, atol=0)


@pytest.fixture
def restore_x64():
    yield
    jax.config.update("jax_enable_x64", True)  # --dtype float32 switched it off


def test_float32_store(tmp_path, rng, capsys, restore_x64):
    x = rng.normal(size=(N, L, 2))
    np.save(tmp_path / "x.npy", x)
    store = tmp_path / "g.zarr"
    code, out, err = _run([tmp_path / "x.npy", "--out", store, "--dtype", "float32"], capsys)
    assert code == 0, err
    got = _gram(store)
    assert got.dtype == np.float32 and "float32" in out
    # The same float32 recursion; tiles may round differently: a few ulps of the entries.
    want = np.asarray(rnn_ntk.ntk(x, dtype=jnp.float32))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=0)


def test_resume_refuses_another_computation_until_no_resume(tmp_path, rng, capsys):
    x = rng.normal(size=(N, L, 2))
    np.save(tmp_path / "x.npy", x)
    store = tmp_path / "g.zarr"
    args = [tmp_path / "x.npy", "--out", store, "--tile-size", "3"]
    assert _run(args, capsys)[0] == 0
    first = _gram(store)
    code, _, err = _run(args, capsys)  # the same computation: resumed, nothing left to do
    assert code == 0, err
    np.testing.assert_array_equal(_gram(store), first)
    code, out, err = _run([*args, "--sw2", "1.5"], capsys)
    assert code == 1 and out == "" and len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("rnn-ntk gram: error: argument --out:") and "--no-resume" in err
    np.testing.assert_array_equal(_gram(store), first)  # the store is untouched
    code, _, err = _run([*args, "--sw2", "1.5", "--no-resume"], capsys)
    assert code == 0, err
    want = rnn_ntk.ntk(x, cfg=RNNConfig(sw2=1.5))
    np.testing.assert_allclose(_gram(store), np.asarray(want), rtol=RTOL, atol=0)


def _files(tmp_path):
    """The files the bad-input cases name; {name} in a case is tmp_path / name."""
    np.save(tmp_path / "x.npy", np.ones((3, 4, 2)))
    np.save(tmp_path / "u.npy", np.ones((3, 4)))
    np.save(tmp_path / "r4.npy", np.ones((2, 2, 2, 2)))
    np.save(tmp_path / "mid.npy", np.array([[1.0, np.nan, 2.0]]))
    np.save(tmp_path / "obj.npy", np.array([1.0, None], dtype=object), allow_pickle=True)
    np.savez(tmp_path / "two.npz", a=np.ones((2, 3)), b=np.ones((2, 3)))
    (tmp_path / "empty.npy").write_bytes(b"")
    (tmp_path / "word.csv").write_text("1,2\n3,oops\n")
    (tmp_path / "x.txt").write_text("1,2\n")
    (tmp_path / "file").write_text("a regular file")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("not a store")


BAD = [
    (["{missing.npy}"], "argument INPUT: {missing.npy}: no such file"),
    (["{x.txt}"], "unknown file type '.txt'"),
    (["{empty.npy}"], "{empty.npy} is empty (0 bytes)"),
    (["{obj.npy}"], "holds Python objects (pickled data), which are never unpickled"),
    (["{r4.npy}"], "shape (2, 2, 2, 2); it must be (n, L)"),
    (["{mid.npy}"], "missing values (NaN) inside sequences (first: sequence 0, step 1)"),
    (["{word.csv}"], "line 2, column 2: 'oops' is not a number"),
    (["{two.npz}"], "holds 2 arrays ['a', 'b']; name the one to read"),
    (["{x.npy}", "--key", "a"], "argument --key: only for a .npz file"),
    (["{x.npy}", "--x2", "{u.npy}"], "argument --x2: its sequences have d = 1"),
    (["{x.npy}", "--x2", "{obj.npy}"], "argument --x2: {obj.npy} holds Python objects"),
    (["{x.npy}", "--out", "{file}"], "argument --out: {file} is a file"),
    (["{x.npy}", "--out", "{file}/g.zarr"], "argument --out: cannot make the folder {file}"),
    (["{x.npy}", "--out", "{other}"], "argument --out: {other} is a folder that is not a"),
    (["{x.npy}", "--out", "{other}", "--no-resume"], "its files are never overwritten"),
    (["{x.npy}", "--kernel", "nngp", "--blocks", "b"], "argument --blocks: only for --kernel"),
    (["{x.npy}", "--blocks", "Q"], "argument --blocks: unknown block 'Q'"),
    (["{x.npy}", "--blocks", "M0", "--h0", "zero"], "argument --blocks: block 'M0' exists"),
    (["{x.npy}", "--bidirectional"], "argument --bidirectional: the Gram store does not"),
    (["{x.npy}", "--devices", "64"], "argument --devices: 64 asked, but jax sees"),
    (["{x.npy}", "--tile-size", "0"], "argument --tile-size: must be an int >= 1, got 0"),
    (["{x.npy}", "--dtype", "float16"], "argument --dtype: invalid choice"),
    (["{x.npy}", "--kernel", "rbf"], "argument --kernel: invalid choice"),
    ([], "the following arguments are required: INPUT, --out"),
]


@pytest.mark.parametrize("args, message", BAD, ids=[" ".join(a) or "none" for a, _ in BAD])
def test_bad_inputs_end_in_one_line_with_status_2(args, message, tmp_path, monkeypatch,
                                                  capsys):
    def work_started(*a, **k):
        raise AssertionError("the work started before the arguments were checked")

    monkeypatch.setattr("rnn_ntk.cli._gram.write_gram", work_started)
    _files(tmp_path)

    def fill(text):
        for name in ("missing.npy", "x.txt", "empty.npy", "obj.npy", "r4.npy", "mid.npy",
                     "word.csv", "two.npz", "x.npy", "u.npy", "file", "other"):
            text = text.replace("{" + name + "}", str(tmp_path / name))
        return text

    args = [fill(a) for a in args]
    if args and "--out" not in args:
        args += ["--out", str(tmp_path / "g.zarr")]
    code = main(["gram", *args])
    captured = capsys.readouterr()
    err = captured.err
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("rnn-ntk gram: error: "), err
    assert fill(message) in err, err
    assert captured.out == ""
    assert not (tmp_path / "g.zarr").exists()  # nothing written
