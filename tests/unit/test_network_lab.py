"""The Network Lab's core (scenes.network_lab, scenes.lab_pictures) against oracles: torch.optim on a quadratic
for the stability limits, the training's own model for rebuilt points, PCA's projection for the paths, planes
built from known coordinates, and a linear classifier's closed-form boundary."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from networks.models import ModelSettings
from networks.training import TrainingSettings, data_tensors, loss_function, model_at
from optimizers.settings import OptimizerKind, OptimizerSettings
from scenes import network_lab
from scenes.lab_pictures import centre_run, decision_boundary, finite_snapshots, plane_setup

TINY = TrainingSettings(data="moons", model=ModelSettings(widths=(4,)), epochs=3, snapshots=12)


@pytest.fixture(scope="module")
def tiny_run():
    return network_lab.train_job(TINY)


def settings_with(kind: OptimizerKind, lr: float, **knobs) -> TrainingSettings:
    return replace(TINY, optimizer=OptimizerSettings(kind, lr, **knobs))


@pytest.mark.parametrize(("kind", "knobs"), [(OptimizerKind.GD, {}), (OptimizerKind.MOMENTUM, {"momentum": 0.9}),
                                             (OptimizerKind.MOMENTUM, {"momentum": 0.5}),
                                             (OptimizerKind.NESTEROV, {"momentum": 0.9}),
                                             (OptimizerKind.NESTEROV, {"momentum": 0.3})])
def test_the_stability_limit_is_where_torch_optim_starts_to_diverge_on_a_quadratic(kind, knobs):
    rate = 0.1
    limit = network_lab.stability_limit(settings_with(kind, rate, **knobs), np.array([rate]))[0]
    for curvature, grows in ((0.98 * limit, False), (1.02 * limit, True)):
        x = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
        optimizer = torch.optim.SGD([x], lr=rate, momentum=knobs.get("momentum", 0.0),
                                    nesterov=kind is OptimizerKind.NESTEROV)
        for _ in range(3000):
            optimizer.zero_grad()
            (0.5 * curvature * x ** 2).sum().backward()
            optimizer.step()
        assert (abs(x.item()) > 1.0) == grows, (curvature, limit, x.item())


def test_adaptive_rules_have_no_single_stability_limit():
    assert network_lab.stability_limit(settings_with(OptimizerKind.ADAM, 0.01), np.array([0.01])) is None


def test_a_point_rebuilt_from_its_snapshot_is_the_trainings_own_model(tiny_run):
    inputs, targets, _, _ = data_tensors(TINY)
    for index in (0, len(tiny_run.snapshots) - 1):
        rebuilt = network_lab.model_at_point(TINY, tiny_run.snapshots[index], tiny_run.buffers[index])
        with torch.no_grad():
            assert torch.equal(rebuilt(inputs), model_at(tiny_run, index)(inputs))
        assert not rebuilt.training


def test_the_nearest_snapshot_of_an_update(tiny_run):
    updates = tiny_run.snapshot_updates
    assert network_lab.nearest_snapshot(tiny_run, 0) == 0
    assert network_lab.nearest_snapshot(tiny_run, int(updates[-1]) + 50) == len(updates) - 1
    middle = (int(updates[3]) + int(updates[4])) // 2
    assert network_lab.nearest_snapshot(tiny_run, middle) in (3, 4)
    assert abs(updates[network_lab.nearest_snapshot(tiny_run, middle)] - middle) == min(
        abs(updates[3] - middle), abs(updates[4] - middle))


def test_sharpness_rows_are_spread_over_the_run_and_keep_its_ends(tiny_run):
    rows = network_lab.sharpness_rows(tiny_run)
    assert rows[0] == 0 and rows[-1] == len(tiny_run.snapshots) - 1
    assert len(rows) == min(network_lab.SHARPNESS_POINTS, len(tiny_run.snapshots))


def test_the_pca_plane_is_centred_on_the_end_and_holds_the_projected_paths(tiny_run):
    setup = plane_setup([tiny_run], network_lab.model_at_point(TINY, tiny_run.snapshots[0], {}), "pca")
    np.testing.assert_allclose(setup.paths[0][-1], 0.0, atol=1e-9)  # the end is the centre
    np.testing.assert_allclose(setup.directions @ setup.directions.T, np.eye(2), atol=1e-9)
    offsets = tiny_run.snapshots.astype(np.float64) - setup.centre
    np.testing.assert_allclose(setup.paths[0], offsets @ setup.directions.T, atol=1e-9)
    low_alpha, high_alpha, low_beta, high_beta = setup.extent
    assert low_alpha <= setup.paths[0][:, 0].min() and setup.paths[0][:, 0].max() <= high_alpha
    assert low_beta <= setup.paths[0][:, 1].min() and setup.paths[0][:, 1].max() <= high_beta
    assert 0.0 < setup.explained.sum() <= 1.0 + 1e-12


def test_points_on_a_random_plane_get_their_own_coordinates_back(tiny_run):
    model = network_lab.model_at_point(TINY, tiny_run.snapshots[-1], tiny_run.buffers[-1])
    setup = plane_setup([tiny_run], model, "random", seed=3)
    known = np.array([[0.3, -0.2], [-1.0, 0.5]])
    fake = replace(tiny_run, snapshots=np.vstack([setup.point(*row) for row in known] + [setup.centre]).astype(np.float32),
                   snapshot_updates=np.arange(3), buffers=tiny_run.buffers[-3:])
    again = plane_setup([fake], model, "random", seed=3)
    np.testing.assert_allclose(again.paths[0][:2], known, atol=1e-4)


def test_a_run_that_diverged_from_the_start_gives_no_centre(tiny_run):
    broken = replace(tiny_run, snapshots=np.full_like(tiny_run.snapshots, np.nan), diverged_at=1)
    assert len(finite_snapshots(broken)) == 0 and centre_run([broken]) is None
    with pytest.raises(ValueError, match="every run diverged"):
        plane_setup([broken], network_lab.model_at_point(TINY, tiny_run.snapshots[0], {}), "pca")


def test_the_decision_boundary_of_a_linear_classifier_is_its_closed_form_line():
    """With no hidden layer, p₁ = σ((w₁ − w₀)·x + b₁ − b₀): p₁ = ½ exactly on that line."""
    settings = replace(TINY, model=ModelSettings(widths=()), epochs=2)
    run = network_lab.train_job(settings)
    inputs = data_tensors(settings)[0]
    boundary = decision_boundary(run, network_lab.model_at_point(settings, run.snapshots[0], {}), inputs,
                                 lambda row: run.buffers[row], points=21)
    weights = run.snapshots[-1].astype(np.float64)
    w, b = weights[:4].reshape(2, 2), weights[4:6]
    grid_x, grid_y = np.meshgrid(boundary.xs, boundary.ys)
    margin = (w[1, 0] - w[0, 0]) * grid_x + (w[1, 1] - w[0, 1]) * grid_y + b[1] - b[0]
    np.testing.assert_allclose(boundary.probability[-1], 1 / (1 + np.exp(-margin)), atol=1e-5)


def test_an_inspection_reads_the_loss_and_slope_of_its_slices_at_the_point(tiny_run):
    inspection = network_lab.inspection_job(TINY, tiny_run.snapshots[-1], tiny_run.buffers[-1])
    report = inspection.report
    for (steps, loss), slope in ((inspection.top_line, inspection.top_slope),
                                 (inspection.bottom_line, inspection.bottom_slope)):
        middle = int(np.argmin(np.abs(steps)))
        assert steps[middle] == pytest.approx(0.0, abs=1e-12)
        assert loss[middle] == pytest.approx(report.loss, rel=1e-5)
        assert abs(slope) <= report.gradient_norm * (1 + 1e-6)  # |g·u| ≤ ‖g‖ for a unit u
    inputs, targets = network_lab.curvature_batch(TINY)
    gradient = network_lab.loss_gradient(network_lab.model_at_point(TINY, tiny_run.snapshots[-1], {}),
                                         loss_function(TINY), inputs, targets)
    assert np.linalg.norm(gradient) == pytest.approx(report.gradient_norm, rel=1e-4)


def test_the_interpolation_line_passes_through_the_start_and_the_end(tiny_run):
    steps, loss = network_lab.interpolation_job(TINY, tiny_run.snapshots[0], tiny_run.snapshots[-1], tiny_run.buffers[-1])
    inputs, targets = network_lab.curvature_batch(TINY)
    for step, snapshot in ((0.0, 0), (1.0, -1)):
        model = network_lab.model_at_point(TINY, tiny_run.snapshots[snapshot], tiny_run.buffers[-1])
        with torch.no_grad():
            expected = float(loss_function(TINY)(model(inputs), targets))
        assert loss[int(np.argmin(np.abs(steps - step)))] == pytest.approx(expected, rel=1e-5)


def test_the_initialization_reads_no_global_random_state(monkeypatch):
    """The page trains its optimizers from threads of one process: a training that seeded torch's global
    generator could draw numbers another thread had just reseeded (the paths of two optimizers once started
    at different points). Here every default initialization first reseeds the global generator, as such a
    thread would: the network must come out the same."""
    alone = network_lab.train_job(TINY).snapshots[0]
    original = torch.nn.Linear.reset_parameters

    def reseeded(layer):
        torch.manual_seed(12345)
        original(layer)

    monkeypatch.setattr(torch.nn.Linear, "reset_parameters", reseeded)
    torch.manual_seed(999)
    np.testing.assert_array_equal(network_lab.train_job(TINY).snapshots[0], alone)
