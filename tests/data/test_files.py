"""rnn_ntk.data.read_sequences: a user's own .npy/.npz/.csv/.ts file as Sequences."""

import importlib.util
import pickle
import re

import numpy as np
import pytest

from rnn_ntk.data import read_sequences

requires_aeon = pytest.mark.skipif(
    importlib.util.find_spec("aeon") is None,
    reason="needs aeon (the data extra: pip install -e '.[data]')",
)

#: A hand-written multivariate .ts file (2 channels) of series of lengths 3 and 2.
TS_RAGGED = """\
@problemName toy
@timeStamps false
@univariate false
@dimensions 2
@equalLength false
@classLabel true a b
@data
1.0,2.0,3.0:4.0,5.0,6.0:a
-1.5,2.5:7.0,8.0:b
"""


def _ragged(rng):
    """(4, 5, 2) with NaN end padding: lengths 5, 2, 4, 1."""
    x = rng.normal(size=(4, 5, 2))
    lengths = np.array([5, 2, 4, 1])
    for i, T in enumerate(lengths):
        x[i, T:] = np.nan
    return x, lengths


def test_npy_three_and_two_dimensional(tmp_path, rng):
    x = rng.normal(size=(3, 4, 2))
    np.save(tmp_path / "x.npy", x)
    s = read_sequences(tmp_path / "x.npy")
    np.testing.assert_array_equal(s.x, x)
    assert s.lengths is None
    u = rng.integers(-5, 5, size=(3, 4))  # integers are read as float64
    with open(tmp_path / "u.NPY", "wb") as f:  # np.save would append ".npy"
        np.save(f, u)
    s = read_sequences(str(tmp_path / "u.NPY"))
    assert s.x.dtype == np.float64 and s.x.shape == (3, 4, 1)
    np.testing.assert_array_equal(s.x[..., 0], u)


def test_nan_end_padding_gives_lengths(tmp_path, rng):
    x, lengths = _ragged(rng)
    np.save(tmp_path / "x.npy", x)
    s = read_sequences(tmp_path / "x.npy")
    np.testing.assert_array_equal(s.lengths, lengths)
    for i, T in enumerate(lengths):
        np.testing.assert_array_equal(s.x[i, :T], x[i, :T])


def test_npz_single_array_or_key(tmp_path, rng):
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(4, 3, 2))
    np.savez(tmp_path / "one.npz", only=a)
    np.testing.assert_array_equal(read_sequences(tmp_path / "one.npz").x[..., 0], a)
    np.savez_compressed(tmp_path / "two.npz", a=a, b=b)
    np.testing.assert_array_equal(read_sequences(tmp_path / "two.npz", key="b").x, b)
    with pytest.raises(ValueError, match=r"holds 2 arrays \['a', 'b'\]; name the one"):
        read_sequences(tmp_path / "two.npz")
    with pytest.raises(ValueError, match=r"has no array 'c'; it holds \['a', 'b'\]"):
        read_sequences(tmp_path / "two.npz", key="c")


def test_csv_rows_header_and_ragged_rows(tmp_path):
    (tmp_path / "x.csv").write_text("t1,t2,t3\n1,2,3\n4.5, -5\n\n6,,\n")
    s = read_sequences(tmp_path / "x.csv")
    assert s.x.shape == (3, 3, 1)
    np.testing.assert_array_equal(s.lengths, [3, 2, 1])
    np.testing.assert_array_equal(s.x[0, :, 0], [1, 2, 3])
    np.testing.assert_array_equal(s.x[1, :2, 0], [4.5, -5])
    assert s.x[2, 0, 0] == 6 and np.isnan(s.x[2, 1:]).all()


def test_csv_numeric_first_row_is_data(tmp_path):
    (tmp_path / "x.csv").write_text("0,1,2\n7,8,9\n")
    s = read_sequences(tmp_path / "x.csv")
    np.testing.assert_array_equal(s.x[..., 0], [[0, 1, 2], [7, 8, 9]])
    assert s.lengths is None


@requires_aeon
def test_ts_multivariate_ragged(tmp_path):
    (tmp_path / "x.ts").write_text(TS_RAGGED)
    s = read_sequences(tmp_path / "x.ts")
    assert s.x.shape == (2, 3, 2)
    np.testing.assert_array_equal(s.lengths, [3, 2])
    np.testing.assert_array_equal(s.x[0], [[1, 4], [2, 5], [3, 6]])
    np.testing.assert_array_equal(s.x[1, :2], [[-1.5, 7], [2.5, 8]])


def _object_npy(path):
    np.save(path, np.array([1.0, "a", None], dtype=object), allow_pickle=True)


def _pickle_as_npy(path):
    path.write_bytes(pickle.dumps([1.0, 2.0]))


def _object_npz(path):
    np.savez(path, x=np.array([[1.0], [None]], dtype=object))


BAD = [
    ("missing.npy", None, "no such file"),
    ("x.txt", lambda p: p.write_text("1,2"), "unknown file type '.txt'; give a .npy"),
    ("x", lambda p: p.write_text("1,2"), "unknown file type '(no extension)'"),
    ("dir.npy", lambda p: p.mkdir(), "is a folder"),
    ("empty.npy", lambda p: p.write_bytes(b""), "is empty (0 bytes)"),
    ("empty.csv", lambda p: p.write_text("\n\n"), "holds no rows of numbers"),
    ("obj.npy", _object_npy, "holds Python objects (pickled data), which are never unpickled"),
    ("pickle.npy", _pickle_as_npy, "holds Python objects (pickled data)"),
    ("obj.npz", _object_npz, "holds Python objects (pickled data)"),
    ("r1.npy", lambda p: np.save(p, np.ones(3)), "shape (3,); it must be (n, L)"),
    ("r4.npy", lambda p: np.save(p, np.ones((2, 2, 2, 2))), "shape (2, 2, 2, 2)"),
    ("n0.npy", lambda p: np.save(p, np.ones((0, 3))), "holds no sequences"),
    ("str.npy", lambda p: np.save(p, np.array(["a", "b"])), "must hold real numbers"),
    ("mid.npy", lambda p: np.save(p, np.array([[1.0, np.nan, 2.0]])),
     r"NaN\) inside sequences \(first: sequence 0, step 1\)"),
    ("inf.npy", lambda p: np.save(p, np.array([[1.0, np.inf]])), "contains inf"),
    ("mid.csv", lambda p: p.write_text("1,2,3\n4,,6\n"), "NaN) inside sequences"),
    ("word.csv", lambda p: p.write_text("1,2,3\n4,x,6\n"),
     "line 2, column 2: 'x' is not a number"),
    ("key.npy", lambda p: np.save(p, np.ones((2, 3))), "key='a' is only for .npz files"),
]


@pytest.mark.parametrize("name, make, message", BAD, ids=[b[0] for b in BAD])
def test_bad_files_are_refused_naming_the_file(name, make, message, tmp_path):
    path = tmp_path / name
    if make is not None:
        make(path)
    with pytest.raises(ValueError) as e:
        read_sequences(path, key="a" if name == "key.npy" else None)
    text = str(e.value)
    assert message in text or re.search(message, text), text
    assert str(path) in text and "\n" not in text


@requires_aeon
def test_bad_ts_file_is_refused(tmp_path):
    (tmp_path / "x.ts").write_text("@problemName toy\n@data\n1.0,x,3.0:a\n")
    with pytest.raises(ValueError, match="is not a readable .ts file"):
        read_sequences(tmp_path / "x.ts")
    (tmp_path / "y.ts").write_text("nothing here\n")
    with pytest.raises(ValueError, match="holds no series"):
        read_sequences(tmp_path / "y.ts")


def test_arguments_of_the_wrong_type():
    with pytest.raises(TypeError, match="path must be a file path"):
        read_sequences(3)
    with pytest.raises(TypeError, match="key must be the name of an array"):
        read_sequences("x.npz", key=1)
