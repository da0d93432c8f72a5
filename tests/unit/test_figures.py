"""The explorer's figure builders, called as plain functions: traces, frames, sliders, no NaN."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from figures.curves import curves_figure
from figures.landscape import landscape_layers
from figures.race import race_figure
from figures.runs import run_paths
from figures.style import MAX_FRAMES, MAX_PATH_POINTS, subsample
from figures.surface3d import surface_figure
from figures.sweep import final_losses, sweep_figure
from optimizers.settings import OptimizerSettings, learning_rate_sweep
from optimizers.trajectory import run_trajectories
from surfaces.catalogue import get_surface
from surfaces.grid import loss_grid

HIMMELBLAU = get_surface("himmelblau")
RACE = (
    OptimizerSettings("gd", 0.01),
    OptimizerSettings("momentum", 0.01),
    OptimizerSettings("rmsprop", 0.05),
    OptimizerSettings("adam", 0.1),
)


@pytest.fixture(scope="module")
def landscape():
    return landscape_layers(*loss_grid(HIMMELBLAU, 120))


def race_of(settings, steps, start=(-0.5, 0.5)):
    trajectories = run_trajectories(HIMMELBLAU.loss, np.tile(start, (len(settings), 1)), settings, steps,
                                    HIMMELBLAU.domain.padded(1.0).bounds)
    return trajectories, run_paths(trajectories, [s.kind.label for s in settings])


def numbers_of(trace) -> list[np.ndarray]:
    """Every numeric coordinate array a trace sends to the browser."""
    arrays = []
    for name in ("x", "y", "z"):
        values = getattr(trace, name, None)
        if values is not None:
            arrays.append(np.asarray(values, dtype=float))
    return arrays


def assert_no_nan(traces) -> None:
    for trace in traces:
        for values in numbers_of(trace):
            assert np.isfinite(values).all(), f"{trace.name} carries a non-finite value"


def test_race_figure_animates_only_the_heads_and_keeps_the_background(landscape):
    trajectories, runs = race_of(RACE, 300)
    figure = race_figure(landscape, runs)
    # Background: one image under the traces, iso-lines as the first trace.
    assert len(figure.layout.images) == 1 and figure.layout.images[0].layer == "below"
    names = [trace.name for trace in figure.data]
    assert names[1:5] == [run.label for run in runs]
    heads = len(figure.data) - 1
    assert len(figure.frames) == len(subsample(301, MAX_FRAMES)) <= MAX_FRAMES
    for frame in figure.frames:
        assert list(frame.traces) == [heads] and len(frame.data) == 1
    # The last frame puts every head on its run's last point; the first on the start.
    last = figure.frames[-1].data[0]
    np.testing.assert_allclose(np.c_[last.x, last.y], trajectories.theta[:, -1])
    np.testing.assert_allclose(np.c_[figure.data[heads].x, figure.data[heads].y], np.tile((-0.5, 0.5), (4, 1)))
    # Play/pause with redraw False (a redraw per frame would cost ~200 ms), and a scrubber per frame.
    play = figure.layout.updatemenus[0].buttons[0]
    assert play.args[1]["frame"]["redraw"] is False
    assert len(figure.layout.sliders[0].steps) == len(figure.frames)
    assert_no_nan(figure.data[1:])


def test_race_figure_subsamples_long_paths_but_keeps_their_ends(landscape):
    trajectories, runs = race_of(RACE[:1], 1000)
    path = race_figure(landscape, runs).data[1]
    assert len(path.x) == MAX_PATH_POINTS
    assert (path.x[0], path.y[0]) == tuple(trajectories.theta[0, 0])
    assert (path.x[-1], path.y[-1]) == tuple(trajectories.theta[0, -1])


def test_a_diverged_run_brings_no_nan_into_any_figure(landscape):
    settings = (OptimizerSettings("gd", 1.0), OptimizerSettings("adam", 0.1))
    trajectories, runs = race_of(settings, 200)
    assert trajectories.diverged_at[0] is not None and trajectories.diverged_at[1] is None
    assert runs[0].note.startswith("diverged at step") and runs[0].note in runs[0].label
    race = race_figure(landscape, runs)
    assert_no_nan(race.data[1:])
    for frame in race.frames:
        assert_no_nan(frame.data)
    xs, ys, z = loss_grid(HIMMELBLAU, 40)
    assert_no_nan(surface_figure(xs, ys, z, runs).data[1:])


def test_surface_figure_lifts_each_path_onto_the_surface():
    trajectories, runs = race_of(RACE[:2], 100)
    xs, ys, z = loss_grid(HIMMELBLAU, 50)
    figure = surface_figure(xs, ys, z, runs)
    assert isinstance(figure.data[0], go.Surface)
    paths = [trace for trace in figure.data if isinstance(trace, go.Scatter3d)]
    assert len(paths) >= 2
    low, high = figure.layout.scene.zaxis.range
    for run, path in zip(runs, paths[::2]):
        shown = np.minimum(run.losses[subsample(len(run.losses), MAX_PATH_POINTS)], np.max(path.z))
        lift = np.asarray(path.z) - shown
        # Every point sits the same small height above the (clipped) surface, so it stays visible.
        assert np.ptp(lift) < 1e-9 and 0 < lift[0] < 0.02 * (high - low)
        np.testing.assert_allclose(shown[0], HIMMELBLAU.loss_at(*run.points[0]))


def test_sweep_figure_holds_every_learning_rate_and_starts_at_the_chosen_one(landscape):
    swept = OptimizerSettings("momentum", 0.01)
    rates = learning_rate_sweep(swept)
    assert len(rates) == 32 and 0.01 in rates
    trajectories, _ = race_of(tuple(swept.with_lr(rate) for rate in rates), 200)
    runs = run_paths(trajectories, ["momentum"] * len(rates))
    active = rates.index(0.01)
    figure = sweep_figure(landscape, rates, runs, active, colour="#E69F00")
    slider = figure.layout.sliders[0]
    assert slider.active == active and len(slider.steps) == 32
    path_index = next(i for i, trace in enumerate(figure.data) if trace.name == "path")
    np.testing.assert_allclose(figure.data[path_index].x[-1], trajectories.theta[active, -1, 0])
    # Each slider step restyles the path into that learning rate's own run.
    for step, run in zip(slider.steps, runs):
        data, layout, indices = step.args
        assert list(indices) == [path_index, path_index + 1]
        assert data["x"][0][-1] == run.points[-1, 0] and list(data["y"][1]) == [run.points[-1, 1]]
        assert f"{float(step.label):.2g}" == step.label
        assert_no_nan([go.Scatter(x=data["x"][0], y=data["y"][0])])
    # A larger learning rate reaches a different end point: the sweep really varies.
    assert len({tuple(np.round(run.points[-1], 6)) for run in runs}) > 5
    assert final_losses(runs).shape == (32,)


def test_sweep_figure_refuses_mismatched_inputs(landscape):
    with pytest.raises(ValueError):
        sweep_figure(landscape, [0.1, 0.2], [], 0, colour="#000000")


def test_curves_figure_has_four_panels_per_run_with_gaps_only_for_non_positive_values():
    trajectories, runs = race_of(RACE, 150)
    figure = curves_figure(trajectories, [run.label for run in runs])
    assert len(figure.data) == 4 * 5  # loss, ‖g‖, η, η/σ for x and y
    loss = figure.data[0]
    np.testing.assert_allclose(loss.y, trajectories.loss[0])
    rate = figure.data[2]
    np.testing.assert_allclose(rate.y, trajectories.learning_rate[0])
    for trace in figure.data:
        values = np.asarray(trace.y, dtype=float)
        assert not np.isinf(values).any()


def test_curves_figure_shows_adaptive_steps_per_axis():
    settings = (OptimizerSettings("rmsprop", 0.01),)
    trajectories = run_trajectories(get_surface("ravine").loss, [(-4.0, 1.0)], settings, 50,
                                    get_surface("ravine").domain.padded(1.0).bounds)
    figure = curves_figure(trajectories, ["RMSProp"])
    step_x, step_y = np.asarray(figure.data[3].y), np.asarray(figure.data[4].y)
    # On a ravine the steep axis gets a smaller η/σ than the flat one: the per-parameter rate.
    assert not np.allclose(step_x, step_y)
