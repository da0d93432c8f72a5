"""Loss planes and lines of real networks (analysis.landscape_planes) against closed forms and plain evaluations."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from analysis.landscape_planes import (
    LossPlane,
    filter_normalized_direction,
    loss_line,
    loss_plane,
    random_directions,
    trajectory_directions,
    trajectory_extent,
)

mse = torch.nn.functional.mse_loss
cross_entropy = torch.nn.functional.cross_entropy


def flat_parameters(model: torch.nn.Module) -> np.ndarray:
    return torch.cat([parameter.detach().reshape(-1) for parameter in model.parameters()]).numpy()


def loss_with(model: torch.nn.Module, flat: np.ndarray, loss_fn, inputs, targets) -> float:
    """The oracle: a deep copy with the flat parameters written in, called the ordinary way."""
    other = copy.deepcopy(model)
    torch.nn.utils.vector_to_parameters(torch.as_tensor(flat, dtype=inputs.dtype), other.parameters())
    with torch.no_grad():
        return float(loss_fn(other(inputs), targets))


def mlp(dtype=torch.float64, batch_norm=False, seed=0) -> torch.nn.Sequential:
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(5, 6)] + ([torch.nn.BatchNorm1d(6)] if batch_norm else []) + [
        torch.nn.Tanh(), torch.nn.Linear(6, 3)]
    return torch.nn.Sequential(*layers).to(dtype)


def classification_data(dtype=torch.float64, count=40, features=5, classes=3, seed=1):
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(count, features, generator=generator, dtype=dtype)
    return inputs, torch.randint(0, classes, (count,), generator=generator)


def test_a_linear_models_mse_plane_is_its_closed_form_quadratic():
    """f(x) = Wx + b is linear in θ, so r(α, β) = r₀ + α r₁ + β r₂ and L = mean(r²) is a quadratic in (α, β)."""
    torch.manual_seed(3)
    model = torch.nn.Linear(4, 2).double()
    inputs = torch.randn(30, 4, dtype=torch.float64)
    targets = torch.randn(30, 2, dtype=torch.float64)
    center = flat_parameters(model)
    directions = np.random.default_rng(0).normal(size=(2, center.size))
    plane = loss_plane(model, mse, inputs, targets, center, directions, extent=(-2.0, 1.0, -0.5, 3.0), points=7)

    x, y = inputs.numpy(), targets.numpy()

    def outputs(flat):  # nn.Linear's order: weight (2, 4) then bias (2,)
        return x @ flat[:8].reshape(2, 4).T + flat[8:]

    r0, r1, r2 = outputs(center) - y, outputs(directions[0]), outputs(directions[1])
    alpha, beta = np.meshgrid(plane.alphas, plane.betas)
    closed = (np.mean(r0 * r0) + 2 * alpha * np.mean(r0 * r1) + 2 * beta * np.mean(r0 * r2)
              + alpha**2 * np.mean(r1 * r1) + 2 * alpha * beta * np.mean(r1 * r2) + beta**2 * np.mean(r2 * r2))
    np.testing.assert_allclose(plane.loss, closed, rtol=1e-12)
    assert plane.loss.shape == (7, 7) and plane.alphas[0] == -2.0 and plane.betas[-1] == 3.0


@pytest.mark.parametrize("factor_first_layer", [True, False])
def test_every_grid_point_equals_the_loss_of_a_model_with_those_parameters(factor_first_layer):
    model = mlp()
    inputs, targets = classification_data()
    center = flat_parameters(model)
    directions = random_directions(model, seed=4)
    plane = loss_plane(model, cross_entropy, inputs, targets, center, directions, extent=0.8, points=5,
                       batch=7, factor_first_layer=factor_first_layer)
    for i, beta in enumerate(plane.betas):
        for j, alpha in enumerate(plane.alphas):
            expected = loss_with(model, center + alpha * directions[0] + beta * directions[1],
                                 cross_entropy, inputs, targets)
            assert plane.loss[i, j] == pytest.approx(expected, rel=1e-12)


def test_the_center_is_the_models_own_loss_and_the_grid_middle():
    model = mlp()
    inputs, targets = classification_data()
    plane = loss_plane(model, cross_entropy, inputs, targets, flat_parameters(model), random_directions(model, 0),
                       extent=1.0, points=9)
    with torch.no_grad():
        direct = float(cross_entropy(model(inputs), targets))
    assert plane.center_loss == pytest.approx(direct, rel=1e-14)
    assert plane.loss[4, 4] == pytest.approx(direct, rel=1e-14)
    assert plane.kind == "random" and plane.explained is None and plane.not_finite_count == 0


@pytest.mark.parametrize("loss_fn", [
    cross_entropy,
    torch.nn.CrossEntropyLoss(),
    torch.nn.CrossEntropyLoss(label_smoothing=0.2),
    lambda outputs, targets: cross_entropy(outputs, targets),
])
def test_cross_entropy_computed_for_a_whole_chunk_equals_the_loss_of_each_model(loss_fn):
    """Plain mean cross-entropy against class indices is computed for a chunk at once; anything else per point."""
    model = mlp()
    inputs, targets = classification_data()
    center, directions = flat_parameters(model), random_directions(model, 5)
    plane = loss_plane(model, loss_fn, inputs, targets, center, directions, extent=2.0, points=4, batch=5)
    for i, beta in enumerate(plane.betas):
        for j, alpha in enumerate(plane.alphas):
            expected = loss_with(model, center + alpha * directions[0] + beta * directions[1], loss_fn, inputs, targets)
            assert plane.loss[i, j] == pytest.approx(expected, rel=1e-12)


def test_a_convolutional_first_layer_factored_or_not_gives_the_same_plane():
    torch.manual_seed(5)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(3 * 4 * 4, 4)).double()
    inputs = torch.randn(12, 1, 6, 6, dtype=torch.float64)
    targets = torch.randint(0, 4, (12,))
    center, directions = flat_parameters(model), random_directions(model, 1)
    factored = loss_plane(model, cross_entropy, inputs, targets, center, directions, points=6)
    plain = loss_plane(model, cross_entropy, inputs, targets, center, directions, points=6, factor_first_layer=False)
    np.testing.assert_allclose(factored.loss, plain.loss, rtol=1e-12)
    assert factored.loss[2, 3] == pytest.approx(loss_with(
        model, center + factored.alphas[3] * directions[0] + factored.betas[2] * directions[1],
        cross_entropy, inputs, targets), rel=1e-12)


@pytest.mark.parametrize("training", [False, True])
def test_the_model_its_mode_buffers_and_hooks_are_left_unchanged(training):
    model = mlp(batch_norm=True).train(training)
    inputs, targets = classification_data()
    with torch.no_grad():  # non-trivial running statistics, as after training
        model.train()(inputs * 2 + 1)
    model.train(training)
    before = copy.deepcopy(model.state_dict())
    grads = [parameter.requires_grad for parameter in model.parameters()]
    reference = copy.deepcopy(model)
    with torch.no_grad():
        direct = float(cross_entropy(reference(inputs), targets))
    plane = loss_plane(model, cross_entropy, inputs, targets, flat_parameters(model), random_directions(model, 2),
                       points=5)
    loss_line(model, cross_entropy, inputs, targets, flat_parameters(model), random_directions(model, 3)[0],
              kind="direction", points=4)
    assert model.training == training and all(module.training == training for module in model.modules())
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), name
    assert [parameter.requires_grad for parameter in model.parameters()] == grads
    assert all(not module._forward_hooks for module in model.modules())
    # In training mode BatchNorm normalizes with the batch's statistics, as the model itself does.
    assert plane.center_loss == pytest.approx(direct, rel=1e-13)
    assert plane.loss[2, 2] == pytest.approx(direct, rel=1e-13)


def test_a_float32_model_is_evaluated_in_float32_and_chunks_do_not_change_the_values():
    model = mlp(dtype=torch.float32)
    inputs, targets = classification_data(dtype=torch.float32)
    center, directions = flat_parameters(model), random_directions(model, 6)
    assert directions.dtype == np.float32
    one_by_one = loss_plane(model, cross_entropy, inputs, targets, center, directions, points=6, batch=1)
    chunked = loss_plane(model, cross_entropy, inputs, targets, center, directions, points=6, batch=13)
    np.testing.assert_allclose(chunked.loss, one_by_one.loss, rtol=1e-6)
    with torch.no_grad():
        assert one_by_one.center_loss == float(cross_entropy(model(inputs), targets))


def test_filter_normalization_gives_each_row_the_norm_of_the_models_row_and_zero_to_biases_and_batch_norm():
    torch.manual_seed(7)
    model = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                                torch.nn.Flatten(), torch.nn.Linear(4 * 3 * 3, 5)).double()
    direction = filter_normalized_direction(model, seed=11)
    assert direction.shape == (sum(parameter.numel() for parameter in model.parameters()),)
    offset = 0
    for parameter in model.parameters():
        piece = direction[offset:offset + parameter.numel()].reshape(parameter.shape)
        offset += parameter.numel()
        if parameter.dim() <= 1:
            assert not piece.any()
            continue
        rows = parameter.detach().numpy().reshape(len(parameter), -1)
        np.testing.assert_allclose(np.linalg.norm(piece.reshape(len(piece), -1), axis=1),
                                   np.linalg.norm(rows, axis=1), rtol=1e-12)
    np.testing.assert_array_equal(filter_normalized_direction(model, seed=11), direction)
    assert not np.array_equal(filter_normalized_direction(model, seed=12), direction)
    pair = random_directions(model, seed=11)
    np.testing.assert_array_equal(pair[0], direction)
    assert not np.array_equal(pair[1], direction)


@pytest.mark.parametrize("end", [-1, 4])
def test_trajectory_directions_match_numpy_svd(end):
    rng = np.random.default_rng(8)
    snapshots = np.cumsum(rng.normal(size=(12, 30)) * np.linspace(3, 0.1, 30), axis=0)
    directions, explained, coordinates = trajectory_directions(snapshots, end=end)
    offsets = snapshots - snapshots[end]
    centered = offsets - offsets.mean(axis=0)
    _, singular, right = np.linalg.svd(centered, full_matrices=False)
    np.testing.assert_allclose(directions @ directions.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(explained, singular[:2] ** 2 / np.sum(singular**2), rtol=1e-10)
    for found, expected in zip(directions, right[:2]):
        np.testing.assert_allclose(found * np.sign(found @ expected), expected, atol=1e-10)
    np.testing.assert_allclose(coordinates, offsets @ directions.T, atol=1e-12)
    np.testing.assert_allclose(coordinates[end], 0.0, atol=1e-12)
    low_alpha, high_alpha, low_beta, high_beta = trajectory_extent(coordinates)
    assert low_alpha < coordinates[:, 0].min() and high_alpha > coordinates[:, 0].max()
    assert low_beta < coordinates[:, 1].min() and high_beta > coordinates[:, 1].max()


def test_a_pca_plane_records_its_explained_variance():
    model = mlp()
    inputs, targets = classification_data()
    center = flat_parameters(model)
    snapshots = center + np.random.default_rng(9).normal(size=(6, center.size)) * 0.1
    directions, explained, coordinates = trajectory_directions(snapshots)
    plane = loss_plane(model, cross_entropy, inputs, targets, snapshots[-1], directions,
                       extent=trajectory_extent(coordinates), points=5, kind="pca", explained=explained)
    assert plane.kind == "pca"
    np.testing.assert_array_equal(plane.explained, explained)


def test_losses_that_are_not_finite_are_nan_in_the_grid():
    model = mlp()
    inputs, targets = classification_data()

    def exploding(outputs, targets):  # overflows to +∞ where the mean output is above ~7
        return torch.exp(100 * outputs.mean())

    directions = np.zeros((2, flat_parameters(model).size))
    directions[0, -3:] = 1.0  # the output biases: the mean output moves by α
    plane = loss_plane(model, exploding, inputs, targets, flat_parameters(model), directions, extent=20.0, points=11)
    assert np.isnan(plane.loss[:, -1]).all() and not np.isinf(plane.loss).any()
    assert np.isfinite(plane.loss[:, 0]).all()
    assert plane.not_finite_count == np.isnan(plane.loss).sum() > 0


def test_interpolation_passes_through_start_and_end_and_a_direction_slice_is_its_closed_form():
    model = mlp()
    inputs, targets = classification_data()
    start = flat_parameters(model)
    end = flat_parameters(mlp(seed=1))
    t, values = loss_line(model, cross_entropy, inputs, targets, start, end, points=9, extent=(-0.5, 1.5))
    np.testing.assert_allclose(t, np.linspace(-0.5, 1.5, 9))
    assert values[2] == pytest.approx(loss_with(model, start, cross_entropy, inputs, targets), rel=1e-12)
    assert values[6] == pytest.approx(loss_with(model, end, cross_entropy, inputs, targets), rel=1e-12)

    torch.manual_seed(10)
    linear = torch.nn.Linear(3, 1).double()
    x, y = torch.randn(20, 3, dtype=torch.float64), torch.randn(20, 1, dtype=torch.float64)
    direction = np.array([1.0, -2.0, 0.5, 1.0]) / np.sqrt(6.25)
    t, values = loss_line(linear, mse, x, y, flat_parameters(linear), direction, points=5, extent=2.0,
                          kind="direction")
    center = flat_parameters(linear)
    r0 = x.numpy() @ center[:3] + center[3] - y.numpy()[:, 0]
    r1 = x.numpy() @ direction[:3] + direction[3]
    np.testing.assert_allclose(values, [np.mean((r0 + step * r1) ** 2) for step in t], rtol=1e-12)


@pytest.mark.parametrize("change, message", [
    ({"points": 52}, "2 to 51 points"),
    ({"points": 1}, "2 to 51 points"),
    ({"extent": float("nan")}, "finite"),
    ({"extent": (1.0, 0.0, -1.0, 1.0)}, "start before its end"),
    ({"extent": (1.0, 2.0)}, "half-width"),
    ({"directions": np.zeros((3, 4))}, "two directions"),
    ({"directions": np.zeros((2, 5))}, "the model's 4 parameters"),
    ({"center": np.full(4, np.nan)}, "finite"),
    ({"kind": "hessian"}, "kind"),
    ({"batch": 0}, "batch"),
])
def test_bad_input_gets_a_clear_message(change, message):
    model = torch.nn.Linear(3, 1).double()
    arguments = dict(center=flat_parameters(model), directions=np.ones((2, 4)), extent=1.0, points=5)
    arguments.update(change)
    with pytest.raises(ValueError, match=message):
        loss_plane(model, mse, torch.zeros(2, 3, dtype=torch.float64), torch.zeros(2, 1, dtype=torch.float64),
                   **arguments)


@pytest.mark.parametrize("snapshots, message", [
    (np.zeros((2, 5)), "at least 3"),
    (np.zeros((4, 5)), "did not move"),
    (np.array([[0.0, 1.0], [np.nan, 0.0], [1.0, 1.0]]), "not finite"),
])
def test_bad_trajectories_get_a_clear_message(snapshots, message):
    with pytest.raises(ValueError, match=message):
        trajectory_directions(snapshots)


def test_loss_plane_is_a_dataclass_with_the_documented_fields():
    assert list(LossPlane.__dataclass_fields__) == ["alphas", "betas", "loss", "center_loss", "kind", "explained"]
