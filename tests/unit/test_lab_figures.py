"""The Network Lab's figures and files, built from real runs: what each draws, that nothing non-finite is
drawn as a value, and that the exported numbers are the run's own."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import numpy as np
import pytest

from figures.lab_boundary import boundary_figure
from figures.lab_curves import gradient_figure, training_curves_figure
from figures.lab_export import runs_csv, runs_json
from figures.lab_hessian import density_figure, eigen_slices_figure
from figures.lab_landscape import landscape_figure, landscape_surface_figure
from figures.style import Look
from networks.models import ModelSettings
from networks.training import TrainingSettings, data_tensors
from optimizers.settings import OptimizerKind, OptimizerSettings
from scenes import network_lab
from scenes.lab_pictures import decision_boundary, plane_setup

SETTINGS = TrainingSettings(data="moons", model=ModelSettings(widths=(4,)), epochs=3, snapshots=10)
ADAM = replace(SETTINGS, optimizer=OptimizerSettings(OptimizerKind.ADAM, 0.01, batch_size=64))


@pytest.fixture(scope="module")
def runs():
    return [network_lab.train_job(SETTINGS), network_lab.train_job(ADAM)]


def finite_or_none(values) -> bool:
    array = np.asarray([np.nan if v is None else v for v in values], dtype=float)
    return not np.isinf(array).any()


@pytest.mark.parametrize("look", [Look(), Look(language="zh", projector=True, dark=True)])
def test_the_curves_draw_every_run_per_update_and_per_epoch(runs, look):
    figure = training_curves_figure(runs, ["1", "2"], chosen_update=5, look=look)
    per_epoch = [trace for trace in figure.data if trace.mode == "lines+markers"]
    assert len(per_epoch) == 2 * 2 * 2  # runs × (train, validation) × (loss, accuracy)
    np.testing.assert_array_equal(per_epoch[0].x, runs[0].epoch_updates)
    np.testing.assert_allclose(per_epoch[0].y, runs[0].train_loss)
    assert any(shape.type == "line" and shape.x0 == 5 for shape in figure.layout.shapes)


def test_a_loss_that_is_not_finite_is_a_gap_not_a_value(runs):
    broken = replace(runs[0], train_loss=np.where(np.arange(len(runs[0].train_loss)) == 1, np.inf, runs[0].train_loss))
    figure = training_curves_figure([broken], ["1"])
    drawn = [trace for trace in figure.data if trace.mode == "lines+markers"][0].y
    assert np.isnan(drawn[1]) and np.isfinite(np.delete(drawn, 1)).all()


def test_the_gradient_view_draws_the_limit_only_for_rules_that_have_one(runs):
    limits = [network_lab.stability_limit(run.settings, run.learning_rate) for run in runs]
    sharpness = [(np.array([0, 10]), np.array([1.0, 2.0])), None]
    figure = gradient_figure(runs, ["1", "2"], sharpness, limits)
    names = [trace.name for trace in figure.data]
    assert sum("stability limit" in name for name in names) == 1  # momentum has one, Adam none
    assert sum("λ_max" in name for name in names) == 1  # the second is still being computed
    limit = next(trace for trace in figure.data if "stability limit" in trace.name)
    rate = runs[0].learning_rate[0]
    assert limit.y[0] == pytest.approx(2 * (1 + runs[0].settings.optimizer.momentum) / rate)


def test_the_landscape_shows_the_plane_the_paths_and_the_chosen_point(runs):
    model = network_lab.model_at_point(SETTINGS, runs[0].snapshots[-1], runs[0].buffers[-1])
    setup = plane_setup(runs, model, "pca")
    plane = network_lab.plane_job(SETTINGS, setup.centre, setup.buffers, setup.directions, setup.extent, setup.kind,
                                  setup.explained)
    assert plane.loss.shape == (network_lab.PLANE_POINTS, network_lab.PLANE_POINTS)
    figure = landscape_figure(plane, setup, ["1", "2"], chosen=(0.1, 0.2))
    assert figure.data[0].type == "contour"
    paths = [trace for trace in figure.data if trace.type == "scatter" and trace.mode == "lines+markers"]
    np.testing.assert_allclose(np.column_stack([paths[0].x, paths[0].y]), setup.paths[0])
    assert "%" in figure.layout.xaxis.title.text  # the PCA axis says the share of variance it holds
    assert landscape_surface_figure(plane, setup).data[0].type == "surface"


def test_the_hessian_figures_mark_the_extreme_eigenvalues(runs):
    inspection = network_lab.inspection_job(SETTINGS, runs[0].snapshots[-1], runs[0].buffers[-1])
    density = density_figure(inspection)
    np.testing.assert_allclose(density.data[1].x, inspection.report.top_values)
    np.testing.assert_allclose(density.data[2].x, inspection.report.bottom_values)
    slices = eigen_slices_figure(inspection)
    taylor = slices.data[1]
    steps = inspection.top_line[0]
    np.testing.assert_allclose(taylor.y, inspection.report.loss + inspection.top_slope * steps
                               + 0.5 * inspection.report.top_values[0] * steps ** 2)


def test_the_boundary_has_a_frame_per_finite_snapshot(runs):
    inputs, targets, _, _ = data_tensors(SETTINGS)
    model = network_lab.model_at_point(SETTINGS, runs[0].snapshots[0], {})
    boundary = decision_boundary(runs[0], model, inputs, lambda row: runs[0].buffers[row], points=15)
    figure = boundary_figure(boundary, inputs, targets)
    assert len(figure.frames) == len(runs[0].snapshots)
    assert figure.layout.sliders[0].active == len(runs[0].snapshots) - 1


def test_the_csv_and_json_hold_the_runs_own_numbers(runs):
    rows = list(csv.DictReader(io.StringIO(runs_csv(runs, ["a", "b"]).decode())))
    epochs = [row for row in rows if row["run"] == "a" and row["record"] == "epoch"]
    updates = [row for row in rows if row["run"] == "b" and row["record"] == "update"]
    assert len(epochs) == len(runs[0].train_loss) and len(updates) == len(runs[1].update_loss)
    np.testing.assert_allclose([float(row["validation_loss"]) for row in epochs], runs[0].validation_loss, rtol=1e-8)
    np.testing.assert_allclose([float(row["gradient_norm"]) for row in updates], runs[1].gradient_norm, rtol=1e-8)
    record = json.loads(runs_json(runs, ["a", "b"]))["runs"][1]
    assert record["settings"]["optimizer"]["kind"] == "adam" and record["parameter_count"] == runs[1].parameter_count
    assert finite_or_none(record["updates"]["update_loss"])
