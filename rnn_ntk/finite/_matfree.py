r"""Matrix-free m x m weights: W kept as a key and regenerated tile by tile (SPEC §1).

A ``MatrixFreeWeight`` stands for the matrix W = scale * Z with Z standard normal,
entrywise a function of (key, row, column) alone. Every product with it (``h @ W.T``,
``g @ W``) regenerates W in tiles of T rows inside a ``lax.scan`` and never stores it:
memory O(N m + T m) for N vectors (x @ W takes T columns at a time, so neither product
accumulates). The stored W of ``init_params(...,
matrix_free=False)`` is ``materialize`` of the same object, so both are the same matrix.

The generator (counter-based, 32-bit integer arithmetic only, so it runs without x64 and
on any backend, and is unchanged under ``jax.vmap``):

    (k0, k1)   = jax.random.bits(key, (2,), uint32)              threefry, once per W
    a_i, b_i   = mix(i ^ k0), mix(mix(i ^ k0) + k1)              per row i
    s_ic       = mix(mix(c ^ a_i) + b_i),  t_ic = mix(s_ic ^ 0x9e3779b9)
    u = (s_ic >> 8 + 1/2) 2^-24 in (0, 1),  w = (t_ic >> 8) 2^-24 - 1/2 in [-1/2, 1/2)
    Z[i, c]    = sqrt(-2 log u) cos(2 pi w)                      (Box-Muller)

with ``mix`` the lowbias32 integer hash (C. Wellons' hash prospector: xorshift-multiply,
a bijection of uint32) and cos(2 pi w) = 1 - 2 sin^2(pi w) from a Taylor polynomial
accurate to 1e-9 (below float32 rounding). One normal per entry (the sine is not used:
each entry is one independent draw, so any block of rows or columns is generated alone).
Z is float32 whatever the compute dtype (its entries are exact in float64, so a float32
and a float64 network of one key hold the same Z); W = scale * Z in the compute dtype.

Speed (CPU, XLA, 2 shared cores; measured with ``benchmarks/bench_matrix_free.py``): this
generator with its product ran at ~350-390 M entries per CPU-second, the same hash with
``lax.erf_inv`` (inverse CDF) at ~270-300 M and ``jax.random.normal`` (threefry-2x32 per
entry) at ~70-80 M per wall-second; the regeneration is the cost of a matrix-free
product.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jaxtyping import Array, Float

__all__ = [
    "MatrixFreeWeight",
    "default_tile",
    "hash_bits",
    "is_matrix_free",
    "materialize",
    "matrix_free_weight",
    "standard_normal_cols",
    "standard_normal_rows",
]

#: Bytes of one regenerated tile (T rows or columns of W in the compute dtype) by default.
TILE_BYTES = 1 << 24

_U = np.uint32
_C1, _C2 = _U(0x7FEB352D), _U(0x846CA68B)
_GOLDEN = _U(0x9E3779B9)
# Taylor coefficients of sin(pi w) / w in w^2, |w| <= 1/2 (error < 1e-9).
_SIN = tuple((-1) ** k * math.pi ** (2 * k + 1) / math.factorial(2 * k + 1) for k in range(7))


def _mix(x: jax.Array) -> jax.Array:
    """lowbias32: a bijective avalanche hash of uint32 (xorshift-multiply-xorshift)."""
    x = x ^ (x >> 16)
    x = x * _C1
    x = x ^ (x >> 15)
    x = x * _C2
    return x ^ (x >> 16)


def _horner(coeffs: tuple[float, ...], z: jax.Array) -> jax.Array:
    out = jnp.full_like(z, coeffs[-1])
    for c in coeffs[-2::-1]:
        out = out * z + np.float32(c)
    return out


def _cos2pi(w: jax.Array) -> jax.Array:
    """cos(2 pi w) = 1 - 2 sin^2(pi w) for |w| <= 1/2 (float32, no range reduction)."""
    s = w * _horner(_SIN, w * w)
    return np.float32(1.0) - np.float32(2.0) * s * s


def _u24(bits: jax.Array) -> jax.Array:
    """The top 24 bits of uint32 ``bits`` as float32 integers 0 .. 2^24 - 1."""
    return (bits >> 8).astype(jnp.int32).astype(jnp.float32)


def hash_bits(
    words: jax.Array, rows: jax.Array, cols: jax.Array
) -> jax.Array:
    """The counter hash s_ic = mix(mix(c ^ a_i) + b_i) of the given rows and columns.

    Args:
      words: the matrix's two uint32 key words, shape (2,).
      rows: row indices i, shape (r, 1) (uint32).
      cols: column indices c, shape (1, k) (uint32).
    Returns:
      uint32 bits, shape (r, k) (module doc).
    """
    words = jnp.asarray(words, jnp.uint32)
    a = _mix(rows ^ words[0])
    b = _mix(a + words[1])
    return _mix(_mix(cols ^ a) + b)


def _normals(bu: jax.Array) -> jax.Array:
    """Box-Muller of the counter hash (module doc): one standard normal per entry."""
    bv = _mix(bu ^ _GOLDEN)
    u = (_u24(bu) + np.float32(0.5)) * np.float32(2.0**-24)  # (0, 1)
    w = _u24(bv) * np.float32(2.0**-24) - np.float32(0.5)  # [-1/2, 1/2)
    return jnp.sqrt(np.float32(-2.0) * jnp.log(u)) * _cos2pi(w)


def _range(start, count: int) -> jax.Array:
    return jnp.asarray(start, jnp.uint32) + jnp.arange(count, dtype=jnp.uint32)


def standard_normal_rows(
    words: jax.Array, start: jax.Array | int, rows: int, m: int
) -> Float[Array, "rows m"]:
    """Rows start..start+rows-1 of the standard-normal matrix Z of ``words`` (float32).

    Args:
      words: the matrix's two uint32 key words, shape (2,).
      start: the first row (an int or a traced integer).
      rows: how many rows (static).
      m: the number of columns (static).
    Returns:
      Z[start : start + rows], shape (rows, m), float32; entry (i, c) depends on
      (words, i, c) only (module doc).
    """
    return _normals(hash_bits(words, _range(start, rows)[:, None], _range(0, m)[None, :]))


def standard_normal_cols(
    words: jax.Array, start: jax.Array | int, cols: int, m: int
) -> Float[Array, "m cols"]:
    """Columns start..start+cols-1 of Z (float32): the same entries as its rows give.

    Args:
      words: the matrix's two uint32 key words, shape (2,).
      start: the first column (an int or a traced integer).
      cols: how many columns (static).
      m: the number of rows (static).
    Returns:
      Z[:, start : start + cols], shape (m, cols), float32.
    """
    return _normals(hash_bits(words, _range(0, m)[:, None], _range(start, cols)[None, :]))


@jax.tree_util.register_pytree_node_class
@dataclasses.dataclass(frozen=True)
class MatrixFreeWeight:
    """An m x m weight W = scale * Z held as two key words (a jax pytree).

    Attributes:
      words: uint32 key words, shape (2,) (the only array: vmapped, jitted, traced).
      m: the width.
      scale: the factor of the standard-normal entries (sqrt of the variance).
      dtype_name: the compute dtype's name ("float32", "float64").
      tile: rows (for x @ W^T) or columns (for x @ W) regenerated per step of a product
        (speed and memory only; the matrix does not depend on it).
      transposed: this object stands for W^T (``.T``).
    """

    words: jax.Array
    m: int
    scale: float
    dtype_name: str
    tile: int
    transposed: bool = False

    def tree_flatten(self):
        return (self.words,), (self.m, self.scale, self.dtype_name, self.tile, self.transposed)

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(children[0], *aux)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.m, self.m)

    @property
    def ndim(self) -> int:
        return 2

    @property
    def dtype(self) -> jnp.dtype:
        return jnp.dtype(self.dtype_name)

    @property
    def T(self) -> MatrixFreeWeight:  # noqa: N802 (numpy's name)
        return dataclasses.replace(self, transposed=not self.transposed)

    def astype(self, dtype) -> MatrixFreeWeight:
        """The same matrix computed in ``dtype``.

        Args:
          dtype: the compute dtype (float32 or float64).
        Returns:
          The weight with that dtype (the same key, scale and tile).
        """
        return dataclasses.replace(self, dtype_name=jnp.dtype(dtype).name)

    def __rmatmul__(self, x: jax.Array) -> jax.Array:
        """x @ W (or x @ W^T for the transposed view), regenerating W tile by tile.

        Args:
          x: vectors, shape (..., m).
        Returns:
          The product, shape (..., m), in the promoted dtype of x and the weight.
        Raises:
          ValueError: x's last axis is not m.
        """
        x = jnp.asarray(x)
        if x.shape[-1] != self.m:
            raise ValueError(f"x @ W needs x of shape (..., {self.m}), got {x.shape}.")
        dt = jnp.promote_types(x.dtype, self.dtype)
        flat = x.reshape(-1, self.m).astype(dt)
        meta = (self.m, self.scale, jnp.dtype(dt).name, self.tile, self.transposed)
        return _product(self.words, flat, meta).reshape(x.shape[:-1] + (self.m,))

    def __matmul__(self, x: jax.Array) -> jax.Array:
        """W @ x.

        Args:
          x: shape (m,) or (m, k).
        Returns:
          W @ x, shape (m,) or (m, k).
        """
        x = jnp.asarray(x)
        if x.ndim == 1:
            return x @ self.T
        return (x.T @ self.T).T

    def __array__(self, dtype=None, copy=None):
        return np.asarray(materialize(self), dtype=dtype)


def default_tile(m: int, itemsize: int) -> int:
    """Rows (columns) per regenerated tile: T m itemsize ~ ``TILE_BYTES``, 8 <= T <= m.

    Args:
      m: the width.
      itemsize: bytes per entry of the compute dtype.
    Returns:
      T.
    """
    return int(max(1, min(m, max(8, TILE_BYTES // max(m * itemsize, 1)))))


def matrix_free_weight(key: jax.Array, m: int, scale: float, dtype, tile: int | None = None):
    """The ``MatrixFreeWeight`` of a jax PRNG key (its two words drawn by threefry).

    Args:
      key: a jax PRNG key.
      m: the width.
      scale: the entries' standard deviation.
      dtype: the compute dtype.
      tile: rows per regenerated tile; default ``default_tile``.
    Returns:
      The weight.
    """
    dt = jnp.dtype(dtype)
    words = jax.random.bits(key, (2,), jnp.uint32)
    T = default_tile(m, dt.itemsize) if tile is None else int(tile)
    return MatrixFreeWeight(words, int(m), float(scale), dt.name, T)


def is_matrix_free(w: object) -> bool:
    """True for a ``MatrixFreeWeight``.

    Args:
      w: anything.
    Returns:
      Whether ``w`` is a ``MatrixFreeWeight``.
    """
    return isinstance(w, MatrixFreeWeight)


def _tile_rows(words, t, m, scale, dt, T):
    """Rows t T .. t T + T - 1 of W in ``dt`` (rows past m are generated and unused)."""
    z = standard_normal_rows(words, t * T, T, m)
    return z.astype(dt) * jnp.asarray(scale, dt)


def materialize(w: MatrixFreeWeight | Array) -> Float[Array, "m m"]:
    """The stored matrix of a matrix-free weight (tile by tile, as every product sees it).

    Args:
      w: a ``MatrixFreeWeight`` (an array is returned unchanged).
    Returns:
      W, shape (m, m), in the weight's dtype (W^T for a transposed view).
    """
    if not is_matrix_free(w):
        return w
    m, T, dt = w.m, w.tile, w.dtype
    nt = -(-m // T)
    tiles = lax.map(
        lambda t: _tile_rows(w.words, t.astype(jnp.uint32), m, w.scale, dt, T),
        jnp.arange(nt),
    )
    W = tiles.reshape(nt * T, m)[:m]
    return W.T if w.transposed else W


def _times_wt(words, x, m, scale, dt, T):
    """x @ W^T, x (N, m): one regeneration of W, T rows at a time."""
    nt = -(-m // T)

    def body(_, t):
        return None, x @ _tile_rows(words, t, m, scale, dt, T).T  # (N, T)

    _, ys = lax.scan(body, None, jnp.arange(nt, dtype=jnp.uint32))
    return jnp.moveaxis(ys, 0, 1).reshape(x.shape[0], nt * T)[:, :m]


def _times_w(words, x, m, scale, dt, T):
    """x @ W, x (N, m): one regeneration of W, T columns at a time."""
    nt = -(-m // T)

    def body(_, t):
        cols = standard_normal_cols(words, t * T, T, m).astype(dt) * jnp.asarray(scale, dt)
        return None, x @ cols  # (N, T)

    _, ys = lax.scan(body, None, jnp.arange(nt, dtype=jnp.uint32))
    return jnp.moveaxis(ys, 0, 1).reshape(x.shape[0], nt * T)[:, :m]


@functools.partial(jax.custom_vjp, nondiff_argnums=(2,))
def _product(words, x, meta):
    """x @ W^T (meta's transposed flag set: the view W^T) or x @ W; reverse mode by the
    other product (W itself is not differentiable: it is a key)."""
    m, scale, dtype_name, T, transposed = meta
    dt = jnp.dtype(dtype_name)
    fn = _times_wt if transposed else _times_w
    return fn(words, x, m, scale, dt, T)


def _product_fwd(words, x, meta):
    return _product(words, x, meta), words


def _product_bwd(meta, words, g):
    flipped = meta[:4] + (not meta[4],)
    return None, _product(words, g, flipped)


_product.defvjp(_product_fwd, _product_bwd)
