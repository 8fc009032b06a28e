"""RNNConfig: validated once, frozen, hashable, static under jit; block weights."""

import jax
import pytest

from rnn_ntk import RNNConfig


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"sw2": -1.0}, ValueError, "sw2 must be a finite variance >= 0"),
        ({"sb2": float("nan")}, ValueError, "sb2 must be a finite variance"),
        ({"sB2": float("inf")}, ValueError, "sB2 must be a finite variance"),
        ({"s02": "2"}, TypeError, "s02 must be a real number"),
        ({"sw2": True}, TypeError, "sw2 must be a real number"),
        ({"sa2": "Paper"}, ValueError, "sa2 must be a variance >= 0 or the string 'paper'"),
        ({"sa2": -0.1}, ValueError, "sa2 must be a finite variance"),
        ({"h0": "ones"}, ValueError, "h0 must be one of"),
    ],
)
def test_config_validation(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        RNNConfig(**kwargs)


def test_config_is_frozen_hashable_and_resolves_sa2():
    cfg = RNNConfig()
    with pytest.raises(AttributeError):
        cfg.sw2 = 1.0
    assert hash(cfg) == hash(RNNConfig()) and cfg == RNNConfig(sw2=2)
    assert cfg.resolve_sa2(4) == 2.0 / 64
    assert RNNConfig(sa2=0.3).resolve_sa2(4) == 0.3
    assert cfg.k0 == 1.0 and RNNConfig(h0="zero").k0 == 0.0
    assert jax.tree_util.tree_leaves(cfg) == []  # static under jit
