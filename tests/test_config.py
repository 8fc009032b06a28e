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


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"depth": 0}, ValueError, "depth must be"),
        ({"depth": 2.0}, TypeError, "depth must be an int"),
        ({"depth": 2, "sw2": (1.0, 2.0, 3.0)}, ValueError, "sw2 has 3 entries but depth=2"),
        ({"depth": 2, "sa2": ("paper", "Paper")}, ValueError, r"sa2\[1\] must be a variance"),
        ({"depth": 2, "sb2": (0.0, -1.0)}, ValueError, r"sb2\[1\] must be a finite variance"),
        ({"sw2": "paper"}, TypeError, "sw2 must be a real number"),
        ({"activation": "swish2"}, ValueError, "not an elementwise function"),
        ({"activation": 1}, TypeError, "activation name"),
        ({"readout": "max"}, ValueError, "readout must be one of"),
        ({"bidirectional": 1}, TypeError, "bidirectional must be True or False"),
    ],
)
def test_architecture_validation(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        RNNConfig(**kwargs)


def test_per_layer_variances_resolve_and_weigh_blocks():
    from rnn_ntk._config import layer_weights

    cfg = RNNConfig(depth=3, sw2=(2.0, 1.0, 0.5), sa2=("paper", 1.0, "paper"), sb2=0.1)
    assert cfg.layer("sa2", 2) == (0.25, 1.0, 0.25) and cfg.layer("sb2", 2) == (0.1,) * 3
    assert cfg.variance("W_3", 2) == 0.5 and cfg.variance("A", 2) == 0.25
    assert RNNConfig().is_paper_architecture and not cfg.is_paper_architecture
    w = layer_weights(cfg, 2, ("W", "A_2", "B"), "ntk")
    assert w.W == (2.0, 1.0, 0.5) and w.A == (0.0, 1.0, 0.0) and w.B == 1.0
    assert layer_weights(cfg, 2, ("b_1",), "standard").b == (1.0, 0.0, 0.0)
    assert hash(cfg) == hash(RNNConfig(depth=3, sw2=[2.0, 1.0, 0.5], sa2=("paper", 1, "paper"),
                                       sb2=0.1))
