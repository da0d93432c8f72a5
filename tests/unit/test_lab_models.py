"""The Network Lab's networks: their counts against torch's, seeded initialization, BatchNorm's place."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from networks.models import ModelSettings, build_model, multiply_adds, parameter_count

SHAPES = [(64, 10, (8, 8)), (784, 10, (28, 28)), (2, 2, None)]
SETTINGS = [ModelSettings(), ModelSettings(widths=()), ModelSettings((5, 7, 3), "tanh", True),
            ModelSettings((4, 8), kind="cnn"), ModelSettings((3, 5, 2), "tanh", True, "cnn")]


@pytest.mark.parametrize("settings", SETTINGS)
@pytest.mark.parametrize("inputs, outputs, image_shape", SHAPES)
def test_counts_match_the_built_network(settings, inputs, outputs, image_shape):
    if settings.kind == "cnn" and image_shape is None:
        with pytest.raises(ValueError, match="image data"):
            build_model(settings, inputs, outputs, 0, image_shape)
        return
    model = build_model(settings, inputs, outputs, 0, image_shape)
    assert parameter_count(settings, inputs, outputs, image_shape) == sum(p.numel() for p in model.parameters())
    counted = []  # forward multiply-adds of one example, read off the layers as they run

    def count(module, arguments, output):
        if isinstance(module, nn.Linear):
            counted.append(module.in_features * module.out_features)
        elif isinstance(module, nn.Conv2d):
            counted.append(output[0].numel() * module.in_channels * 9)

    for layer in model:
        layer.register_forward_hook(count)
    outputs_of = model.eval()(torch.zeros(1, inputs))
    assert outputs_of.shape == (1, outputs)
    assert multiply_adds(settings, inputs, outputs, image_shape) == sum(counted)


def test_batch_norm_follows_each_hidden_layer_before_its_activation():
    model = build_model(ModelSettings((6, 4), "tanh", batch_norm=True), 3, 2, seed=0)
    kinds = [type(layer) for layer in model]
    assert kinds == [nn.Linear, nn.BatchNorm1d, nn.Tanh, nn.Linear, nn.BatchNorm1d, nn.Tanh, nn.Linear]


def test_the_seed_fixes_the_initialization_and_leaves_the_global_generator_alone():
    state = torch.get_rng_state()
    first = build_model(ModelSettings(), 64, 10, seed=5)
    second = build_model(ModelSettings(), 64, 10, seed=5)
    other = build_model(ModelSettings(), 64, 10, seed=6)
    assert torch.equal(torch.get_rng_state(), state)
    pairs = zip(first.parameters(), second.parameters())
    assert all(torch.equal(a, b) for a, b in pairs)
    assert not torch.equal(next(first.parameters()), next(other.parameters()))


@pytest.mark.parametrize("arguments, message", [
    ({"widths": (8,) * 9}, "at most 8"), ({"widths": (0,)}, "from 1 to 256"), ({"widths": (True,)}, "whole"),
    ({"widths": (17,), "kind": "cnn"}, "from 1 to 16"), ({"widths": (), "kind": "cnn"}, "at least one"),
    ({"activation": "sigmoid"}, "unknown activation"), ({"kind": "rnn"}, "unknown model kind"),
    ({"batch_norm": "yes"}, "True or False"), ({"widths": 8}, "sequence")])
def test_bad_settings_are_refused_clearly(arguments, message):
    with pytest.raises(ValueError, match=message):
        ModelSettings(**arguments)


@pytest.mark.parametrize("function", [build_model, parameter_count, multiply_adds])
def test_too_many_poolings_are_refused(function):
    arguments = (ModelSettings((2, 2, 2, 2), kind="cnn"), 64, 10) + ((0,) if function is build_model else ())
    with pytest.raises(ValueError, match="fewer convolutions"):
        function(*arguments, image_shape=(8, 8))
