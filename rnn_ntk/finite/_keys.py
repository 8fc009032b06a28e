r"""The parameter keys of the finite network (SPEC §1, §7) and the NTK blocks they form.

One direction of the network holds, in draw order,

    "W" (m, m), "A" (m, d), "b" (m,), "M0" (m,), "B" (m,)          layer 1 and the output
    "W_k" (m, m), "A_k" (m, m), "b_k" (m,), "M0_k" (m,)            layer k = 2..depth

and a bidirectional network adds the reversed RNN's parameters, the same keys with the
prefix "rev_" ("rev_W", "rev_A_2", "rev_B", ...). The NTK blocks of the contract map
onto them: "W" is every layer's and both directions' W, "W_k" layer k's W in both
directions, "B" both output vectors (see ``block_keys``).

Two finite networks realise the kernels (SPEC §7). ReLU (the paper's) keeps the SPEC §1
convention: every block N(0, sigma^2/m), hidden entries O(m^-1/2). Any other activation
uses the O(1)-pre-activation network: N(0, 1) times sqrt(sw2/m) for W_k, sqrt(sa2[k]/m)
for A_k (k > 1) and sqrt(sB2/m) for B, but sqrt(sa2) for A_1, sqrt(sb2) for b_k and
sqrt(s02) for M0_k (``init_scale``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from rnn_ntk._activations import activation_name
from rnn_ntk._config import PARAMETERIZATIONS, RNNConfig, layer_weights
from rnn_ntk._validate import check_choice

__all__ = [
    "REV",
    "block_keys",
    "check_parameterization",
    "direction_keys",
    "init_scale",
    "init_variance",
    "key_block",
    "key_weights",
    "layer_key",
    "network_weights",
    "ntk_output_scale",
    "o1_network",
    "param_keys",
]

#: Prefix of the reversed RNN's parameters (bidirectional networks).
REV = "rev_"
_LAYER_KEY = re.compile(r"^(W|A|b|M0)(?:_([2-9]|[1-9][0-9]+))?$")


def o1_network(cfg: RNNConfig) -> bool:
    """True when the finite network has O(1) pre-activations (every activation but ReLU)."""
    return not (isinstance(cfg.activation, str) and cfg.activation == "relu")


def layer_key(base: str, k: int) -> str:
    """The key of layer k's block ``base`` ("W", "A", "b", "M0"): "W" for k = 1, "W_k" else."""
    return base if k == 1 else f"{base}_{k}"


def direction_keys(cfg: RNNConfig) -> tuple[str, ...]:
    """The keys of one direction, in draw order (layer 1, B, then layers 2..depth)."""
    keys = ["W", "A", "b", "M0", "B"]
    for k in range(2, cfg.depth + 1):
        keys += [layer_key(base, k) for base in ("W", "A", "b", "M0")]
    return tuple(keys)


def param_keys(cfg: RNNConfig) -> tuple[str, ...]:
    """Every key of ``init_params(key, cfg, ...)``: one direction, then "rev_" ones."""
    keys = direction_keys(cfg)
    return keys + tuple(REV + k for k in keys) if cfg.bidirectional else keys


def key_block(key: str) -> tuple[str, int]:
    """(base block, layer) of a parameter key, e.g. "rev_A_2" -> ("A", 2), "B" -> ("B", 0)."""
    name = key[len(REV) :] if key.startswith(REV) else key
    if name == "B":
        return "B", 0
    match = _LAYER_KEY.match(name)
    if match is None:
        raise ValueError(f"{key!r} is not a parameter key of the RNN.")
    return match.group(1), int(match.group(2) or 1)


def key_weights(
    cfg: RNNConfig, L: int, blocks: Sequence[str], parameterization: str
) -> dict[str, float]:
    """The weight of each parameter key in the summed NTK (SPEC §2, §7; 0: not trained).

    ``rnn_ntk._config.layer_weights`` per key: 1 (standard) or that block's sigma^2
    (NTK parameterisation of the analytic formulas), both directions alike.

    Args:
      cfg: the network.
      L: sequence length (resolves sa2="paper").
      blocks: block names of the contract ("W", "W_2", "B", ...).
      parameterization: "standard" or "ntk".
    Returns:
      ``{key: weight}`` for every key of ``param_keys(cfg)``.
    """
    w = layer_weights(cfg, L, blocks, parameterization)
    out = {}
    for key in param_keys(cfg):
        base, k = key_block(key)
        out[key] = w.B if base == "B" else getattr(w, base)[k - 1]
    return out


def block_keys(cfg: RNNConfig, L: int, blocks: Sequence[str]) -> tuple[str, ...]:
    """The parameter keys the trained ``blocks`` consist of (validated), in key order."""
    w = key_weights(cfg, L, blocks, "standard")
    return tuple(k for k in param_keys(cfg) if w[k] != 0.0)


def init_variance(cfg: RNNConfig, key: str, L: int, m: int) -> float:
    """The variance of a key's entries at initialisation (SPEC §1; §7 for non-ReLU).

    sigma^2 / m for every block of the ReLU network; for the O(1)-pre-activation network
    sigma^2 / m for W_k, A_k (k > 1) and B, sigma^2 for A_1, b_k and M0_k.
    """
    base, k = key_block(key)
    var = cfg.variance("B" if base == "B" else layer_key(base, k), L)
    fan_m = base in ("W", "B") or (base == "A" and k > 1)
    return var / m if fan_m or not o1_network(cfg) else var


def init_scale(cfg: RNNConfig, key: str, L: int, m: int) -> float:
    """The factor of a key's N(0, 1) entries at initialisation: sqrt(``init_variance``)."""
    return math.sqrt(init_variance(cfg, key, L, m))


def ntk_output_scale(cfg: RNNConfig, m: int) -> float:
    """The output factor of the NTK parameterisation: sqrt(m) (ReLU, SPEC §2), 1 (O(1) net).

    With P = P_init + ``init_scale`` * omega, <d(c g)/domega_P, ...> is the analytic
    NTK-parameterised block sigma_P^2 Theta_P in the limit for c = this factor.
    """
    return 1.0 if o1_network(cfg) else math.sqrt(m)


def network_weights(
    cfg: RNNConfig, L: int, m: int, blocks: Sequence[str], parameterization: str
) -> dict[str, float]:
    """The weight of each key's plain gradient Gram <dg/dP, dg'/dP> in the empirical NTK.

    Standard parameterisation: 1 per trained key. NTK parameterisation: (c s_P)^2 with s_P
    = ``init_scale`` and c = ``ntk_output_scale`` (sigma_P^2 for the ReLU network, SPEC
    §2; sigma_P^2 / m or sigma_P^2 for the O(1) network, SPEC §7).
    """
    if parameterization != "ntk" or not o1_network(cfg):
        return key_weights(cfg, L, blocks, parameterization)
    trained = key_weights(cfg, L, blocks, "standard")
    return {k: w * init_variance(cfg, k, L, m) for k, w in trained.items()}


def check_parameterization(cfg: RNNConfig, parameterization: object, what: str) -> str:
    """``parameterization`` ("standard" or "ntk"), refusing "standard" for the O(1) network.

    Raises:
      ValueError: an unknown value, or "standard" with an activation other than ReLU:
        that network's plain gradients grow with m (its hidden entries are O(1)), so
        only the NTK parameterisation converges to the analytic formulas (SPEC §7).
    """
    parameterization = check_choice("parameterization", parameterization, PARAMETERIZATIONS)
    if parameterization == "standard" and o1_network(cfg):
        raise ValueError(
            f"{what} with activation={activation_name(cfg.activation)!r} needs "
            "parameterization='ntk': a non-ReLU network has O(1) pre-activations (SPEC "
            "§7), its standard-parameterisation gradients grow with the width and do not "
            "converge to the analytic standard formulas; parameterization='ntk' converges "
            "to rnn_ntk.ntk(..., parameterization='ntk')."
        )
    return parameterization
