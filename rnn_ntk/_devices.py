"""Which devices the tiles of a Gram run on (SPEC §8): a count, a list, or a Mesh.

The tiles of a Gram are independent, so a device set is just another executor of the one
tiler (``rnn_ntk._tiling``): tile k runs on device ``k % len(devices)`` with its input
blocks committed there (``jax.device_put``), so every device runs the same compiled tile
program as the single-device path and the results are the same numbers.

Under ``jax.distributed`` only this process's devices (``jax.local_devices()``) can take
tiles; devices of other processes in a list or a global ``Mesh`` are skipped, and the
processes split the tiles between them by ``jax.process_index()`` instead (see
``rnn_ntk.GramStore``).
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import numpy as np

__all__ = ["resolve_devices"]


def resolve_devices(devices: object) -> list[jax.Device] | None:
    """The devices named by a ``devices=`` argument, checked.

    Args:
      devices: None (jax's default device: the single-device path), an int k >= 1 (the
        first k of this process's devices, ``jax.local_devices()``), a sequence of
        ``jax.Device``, or a ``jax.sharding.Mesh`` (its devices, flattened in order).
    Returns:
      None for None, else a non-empty list of distinct devices addressable by this process.
    """
    if devices is None:
        return None
    local = jax.local_devices()
    if isinstance(devices, jax.sharding.Mesh):
        chosen = list(np.asarray(devices.devices).ravel())
    elif isinstance(devices, (int, np.integer)) and not isinstance(devices, bool):
        k = int(devices)
        if not 1 <= k <= len(local):
            raise ValueError(
                f"devices must be between 1 and the {len(local)} device(s) of this process "
                f"({local[0].platform}), got {k}; pass fewer, or start jax with more (on CPU: "
                "XLA_FLAGS=--xla_force_host_platform_device_count=K before importing jax)."
            )
        return local[:k]
    elif isinstance(devices, Sequence) and not isinstance(devices, (str, bytes)):
        chosen = list(devices)
    else:
        raise TypeError(
            "devices must be None, an int, a list of jax.Device or a jax.sharding.Mesh, got "
            f"{type(devices).__name__}."
        )
    bad = [d for d in chosen if not isinstance(d, jax.Device)]
    if bad:
        raise TypeError(
            f"devices must hold jax.Device objects (from jax.devices()), got "
            f"{type(bad[0]).__name__}."
        )
    if len(set(chosen)) != len(chosen):
        raise ValueError("devices lists a device twice; pass each jax.Device once.")
    mine = [d for d in chosen if d.process_index == jax.process_index()]
    if not mine:
        raise ValueError(
            "devices holds no device of this process (jax.process_index() = "
            f"{jax.process_index()}); pass devices from jax.local_devices()."
        )
    return mine
