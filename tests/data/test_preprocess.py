"""rnn_ntk.data's preprocessing of end-padded sequences (NaN padding, z-normalisation,
resampling)."""

import numpy as np
import pytest

from rnn_ntk import Sequences, data


def test_lengths_from_nan():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 6, 2))
    np.testing.assert_array_equal(data.lengths_from_nan(x), [6, 6, 6, 6])
    x[1, 3:] = np.nan
    x[3, 1:] = np.nan
    np.testing.assert_array_equal(data.lengths_from_nan(x), [6, 3, 6, 1])
    bad = x.copy()
    bad[2, 2, 1] = np.nan  # one feature missing inside a sequence
    with pytest.raises(ValueError, match=r"missing values \(NaN\).*sequence 2, step 2"):
        data.lengths_from_nan(bad)
    bad = x.copy()
    bad[1, 4, 0] = 0.5  # a value after the padding started: the NaN is inside
    with pytest.raises(ValueError, match=r"missing values.*sequence 1, step 3"):
        data.lengths_from_nan(bad)
    bad = x.copy()
    bad[0, 5, 1] = np.nan  # last step, one feature only: missing, not padding
    with pytest.raises(ValueError, match=r"missing values.*sequence 0, step 5"):
        data.lengths_from_nan(bad)
    bad = x.copy()
    bad[2] = np.nan
    with pytest.raises(ValueError, match="sequence 2 holds no values"):
        data.lengths_from_nan(bad)
    bad = x.copy()
    bad[2, 0, 0] = -np.inf
    with pytest.raises(ValueError, match="inf"):
        data.lengths_from_nan(bad)
    with pytest.raises(ValueError, match="shape"):
        data.lengths_from_nan(x[0])


def test_check_finite_sequences_common_padding():
    x = np.ones((2, 5, 1))
    x[:, 3:] = np.nan
    with pytest.raises(ValueError, match=r"NaN padding after step 3.*X\[:, :3\]"):
        data.check_finite_sequences(x)
    x[0, 3] = 1.0
    with pytest.raises(ValueError, match=r"different lengths \(3 to 4 steps\).*lengths_from_nan"):
        data.check_finite_sequences(x)


def test_znormalize_and_resample_ragged():
    rng = np.random.default_rng(2)
    x = 3.0 + 2.0 * rng.normal(size=(3, 8, 2))
    lengths = np.array([8, 5, 2])
    xn = x.copy()
    for i, li in enumerate(lengths):
        xn[i, li:] = np.nan
    z = data.znormalize(xn)  # lengths read from the padding, which stays NaN
    for i, li in enumerate(lengths):
        np.testing.assert_allclose(z[i, :li], data.znormalize(x[None, i, :li])[0], rtol=1e-12)
        assert np.isnan(z[i, li:]).all()
    np.testing.assert_array_equal(data.znormalize(Sequences(x, np.full(3, 8))).x,
                                  data.znormalize(x))
    # Resampling: a line stays a line, endpoints are kept, one step becomes constant.
    t = np.arange(8.0)
    line = np.stack([t, -2 * t], axis=-1)[None].repeat(3, axis=0)
    line[1, 5:] = np.nan
    line[2, 1:] = np.nan
    r = data.resample(line, 11)
    assert r.shape == (3, 11, 2) and np.isfinite(r).all()
    np.testing.assert_allclose(r[0, :, 0], np.linspace(0, 7, 11), rtol=1e-12)
    np.testing.assert_allclose(r[1, :, 1], -2 * np.linspace(0, 4, 11), rtol=1e-12)
    np.testing.assert_array_equal(r[2], np.zeros((11, 2)))
    np.testing.assert_array_equal(data.resample(x, 8), x)
    with pytest.raises(ValueError, match="length must be an int >= 1"):
        data.resample(x, 0)


def test_znormalize():
    rng = np.random.default_rng(1)
    x = 5.0 + 3.0 * rng.normal(size=(3, 50, 2))
    x[1, :, 1] = 7.0  # a constant feature is only centred
    z = data.znormalize(x)
    np.testing.assert_allclose(z.mean(axis=1), 0.0, atol=1e-12)
    sd = z.std(axis=1)
    np.testing.assert_allclose(np.delete(sd.ravel(), 3), 1.0, rtol=1e-12)
    assert np.all(z[1, :, 1] == 0.0)


def test_znormalize_and_resample_take_sequences():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 8, 2))
    lengths = np.array([8, 5, 2])
    xn, junk = x.copy(), x.copy()
    for i, li in enumerate(lengths):
        xn[i, li:] = np.nan
        junk[i, li:] = 1e6  # padding that is not NaN is never read
    z = data.znormalize(Sequences(junk, lengths))
    assert isinstance(z, Sequences) and z.lengths is lengths
    valid = np.arange(8)[None, :] < lengths[:, None]
    np.testing.assert_array_equal(z.x[valid], data.znormalize(xn)[valid])
    np.testing.assert_array_equal(z.x[~valid], junk[~valid])
    np.testing.assert_array_equal(data.resample(Sequences(junk, lengths), 11),
                                  data.resample(xn, 11))
    with pytest.raises(ValueError, match=r"x\.lengths must lie in \[1, 8\]"):
        data.resample(Sequences(x, np.array([8, 9, 2])), 4)


def test_preprocessing_arguments_are_named():
    x = np.random.default_rng(0).normal(size=(2, 4, 1))
    for bad, exc in ((-1.0, ValueError), (np.nan, ValueError), (True, TypeError),
                     ("1", TypeError), ([1e-8], TypeError)):
        with pytest.raises(exc, match="eps must be"):
            data.znormalize(x, eps=bad)
    np.testing.assert_array_equal(data.znormalize(x, eps=np.float32(1e-8)), data.znormalize(x))
    for bad in ("x", None):
        with pytest.raises(TypeError, match="X must be an array of real numbers"):
            data.check_finite_sequences(bad)
        with pytest.raises(TypeError, match="x must be an array of real numbers"):
            data.resample(bad, 3)
    assert data.resample(np.zeros((0, 4, 1)), 3).shape == (0, 3, 1)
    assert data.znormalize(np.zeros((0, 4, 1))).shape == (0, 4, 1)
