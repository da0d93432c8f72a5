"""The explorer's figure builders, called as plain functions: traces, frames, sliders, no NaN."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from figures.curves import curves_figure
from figures.landscape import landscape_layers
from figures.growing_layers import BASE_PREFIX
from figures.race import FULL_PATH, MAX_SCRUB_STEPS, race_figure
from figures.runs import run_paths
from figures.spec import as_figure
from figures.style import LIGHT, MAX_FRAMES, Look, subsample
from figures.surface3d import surface_figure
from figures.sweep import final_losses, sweep_figure
from i18n import text
from optimizers.settings import OptimizerSettings, learning_rate_sweep
from optimizers.trajectory import REASONS, run_trajectories
from scenes.explorer import explorer_figures, race, surface_view
from surfaces.catalogue import get_surface
from surfaces.choice import SurfaceChoice
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


def test_race_figure_with_full_paths_animates_only_the_heads_and_keeps_the_background(landscape):
    trajectories, runs = race_of(RACE, 300)
    figure = as_figure(race_figure(landscape, runs, trail=FULL_PATH))
    # Background: one image under the traces, iso-lines as the first trace.
    assert len(figure.layout.images) == 1 and figure.layout.images[0].layer == "below"
    names = [trace.name for trace in figure.data]
    assert names[1:5] == [run.label for run in runs]
    heads = len(figure.data) - 1
    assert len(figure.frames) == len(subsample(301, MAX_FRAMES)) <= MAX_FRAMES
    for frame in figure.frames:
        assert list(frame.traces) == [heads] and len(frame.data) == 1
    # The last frame puts every head on its run's last point, and so does the figure as it opens (the
    # complete picture); the first frame puts them on the start.
    last = figure.frames[-1].data[0]
    np.testing.assert_allclose(np.c_[last.x, last.y], trajectories.theta[:, -1])
    np.testing.assert_allclose(np.c_[figure.data[heads].x, figure.data[heads].y], trajectories.theta[:, -1])
    first = figure.frames[0].data[0]
    np.testing.assert_allclose(np.c_[first.x, first.y], np.tile((-0.5, 0.5), (4, 1)))
    # Play/pause with redraw False (a redraw per frame would cost ~200 ms), and a scrubber over the frames:
    # at most MAX_SCRUB_STEPS of them, from the first to the last.
    play = figure.layout.updatemenus[0].buttons[0]
    assert play.args[1]["frame"]["redraw"] is False
    scrubbed = [step.args[0][0] for step in figure.layout.sliders[0].steps]
    frame_names = [frame.name for frame in figure.frames]
    assert len(scrubbed) == MAX_SCRUB_STEPS < len(frame_names)
    assert set(scrubbed) <= set(frame_names) and scrubbed[0] == frame_names[0] and scrubbed[-1] == frame_names[-1]
    assert scrubbed == sorted(scrubbed, key=int)
    assert figure.layout.sliders[0].active == len(scrubbed) - 1
    assert_no_nan(figure.data[1:])


def test_race_figure_and_the_3d_view_draw_every_step_of_a_long_path(landscape):
    trajectories, runs = race_of(RACE[:1], 1000)
    path = as_figure(race_figure(landscape, runs)).data[1]
    np.testing.assert_array_equal(np.c_[path.x, path.y], trajectories.theta[0])
    xs, ys, z = loss_grid(HIMMELBLAU, 20)
    path_3d = as_figure(surface_figure(xs, ys, z, runs)).data[1]
    np.testing.assert_array_equal(np.c_[path_3d.x, path_3d.y], trajectories.theta[0])


def test_a_diverged_run_brings_no_nan_into_any_figure(landscape):
    settings = (OptimizerSettings("gd", 1.0), OptimizerSettings("adam", 0.1))
    trajectories, runs = race_of(settings, 200)
    assert trajectories.diverged_at[0] is not None and trajectories.diverged_at[1] is None
    assert runs[0].note.startswith("diverged at step") and runs[0].note in runs[0].label
    race = as_figure(race_figure(landscape, runs))
    assert_no_nan(race.data[1:])
    for frame in race.frames:
        assert_no_nan(frame.data)
    xs, ys, z = loss_grid(HIMMELBLAU, 40)
    assert_no_nan(as_figure(surface_figure(xs, ys, z, runs)).data[1:])


def test_surface_figure_lifts_each_path_onto_the_surface():
    trajectories, runs = race_of(RACE[:2], 100)
    xs, ys, z = loss_grid(HIMMELBLAU, 50)
    figure = as_figure(surface_figure(xs, ys, z, runs))
    assert isinstance(figure.data[0], go.Surface)
    paths = [trace for trace in figure.data if isinstance(trace, go.Scatter3d)]
    assert len(paths) >= 2
    low, high = figure.layout.scene.zaxis.range
    for run, path in zip(runs, paths[::2]):
        shown = np.minimum(run.losses, np.max(path.z))
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
    figure = as_figure(sweep_figure(landscape, rates, runs, active, colour="#E69F00"))
    slider = figure.layout.sliders[0]
    assert slider.active == active and len(slider.steps) == 32
    path_index = next(i for i, trace in enumerate(figure.data) if trace.name == "path")
    np.testing.assert_allclose(figure.data[path_index].x[-1], trajectories.theta[active, -1, 0], rtol=1e-6)
    # Each slider step jumps, without a redraw, to the frame that holds that learning rate's own run.
    frames = {frame.name: frame for frame in figure.frames}
    assert len(frames) == 32
    for step, run, rate in zip(slider.steps, runs, rates):
        assert step.method == "animate" and step.args[1]["frame"]["redraw"] is False
        frame = frames[step.args[0][0]]
        assert list(frame.traces) == [path_index, path_index + 1]
        path, end = frame.data
        assert path.x[-1] == np.float32(run.points[-1, 0]) and list(end.y) == [run.points[-1, 1]]
        assert step.label.startswith(f"η = {rate:.3g}: ")  # the caption, shown as the slider's current value
        assert_no_nan([go.Scatter(x=path.x, y=path.y)])
    assert "diverged" in slider.steps[-1].label and "final loss" in slider.steps[active].label
    # A larger learning rate reaches a different end point: the sweep really varies.
    assert len({tuple(np.round(run.points[-1], 6)) for run in runs}) > 5
    assert final_losses(runs).shape == (32,)


def test_the_sweep_draws_every_step_of_gradient_descent_zig_zagging_across_the_ravine():
    """The lecture's picture: with η past 1/κ, gradient descent on ½(x² + κy²) overshoots the valley floor and
    y changes sign at every step. The path kept at 160 of its 301 points crossed 18 times, not 300: a smooth curve."""
    choice = SurfaceChoice("ravine")
    swept = OptimizerSettings("gd", 0.09)  # y ← (1 − 0.09·20) y = −0.8 y
    result = race(choice, get_surface("ravine").starts[0], (swept,), 300, 0)
    figures = explorer_figures(surface_view(choice, 40), result, ["GD"], 0)
    sweep = as_figure(figures.sweep)
    frames = {frame.name: frame for frame in sweep.frames}
    for index, rate in enumerate(result.sweep_rates):
        run = result.optimizer_count + index
        real = result.trajectories.theta[run, :result.trajectories.lengths[run]]
        path = frames[sweep.layout.sliders[0].steps[index].args[0][0]].data[0]
        drawn = np.c_[path.x, path.y]
        assert len(drawn) == len(real), f"η = {rate:.3g}: {len(drawn)} of {len(real)} points drawn"
        np.testing.assert_array_equal(drawn, real.astype(np.float32))
        crossings = np.count_nonzero(np.diff(np.sign(drawn[:, 1])))
        assert crossings == np.count_nonzero(np.diff(np.sign(real[:, 1].astype(np.float32))))
    chosen = frames[sweep.layout.sliders[0].steps[result.sweep_active].args[0][0]].data[0]
    assert result.sweep_rates[result.sweep_active] == 0.09
    assert np.all(np.diff(np.sign(chosen.y)) != 0)  # the chosen run crosses the floor at each of its 300 steps


def test_sweep_figure_refuses_mismatched_inputs(landscape):
    with pytest.raises(ValueError):
        sweep_figure(landscape, [0.1, 0.2], [], 0, colour="#000000")


def test_curves_figure_has_four_panels_per_run_with_gaps_only_for_non_positive_values():
    trajectories, runs = race_of(RACE, 150)
    figure = as_figure(curves_figure(trajectories, [run.label for run in runs]))
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
    figure = as_figure(curves_figure(trajectories, ["RMSProp"]))
    step_x, step_y = np.asarray(figure.data[3].y), np.asarray(figure.data[4].y)
    # On a ravine the steep axis gets a smaller η/σ than the flat one: the per-parameter rate.
    assert not np.allclose(step_x, step_y)


# The look: language, projector mode, dark theme ----------------------------------------------------

CHINESE = re.compile(r"[\u4e00-\u9fff]")
PROJECTOR, DARK, CHINESE_LOOK = Look(projector=True), Look(dark=True), Look(language="zh")


def explorer_of(look: Look, steps: int = 120):
    """The explorer's four figures for a small Himmelblau race, dressed in ``look``."""
    choice = SurfaceChoice("himmelblau")
    result = race(choice, (-0.5, 0.5), RACE[:3], steps, 1)
    figures = explorer_figures(surface_view(choice, resolution=80), result, [s.kind.label for s in RACE[:3]], 1,
                               look=look)
    return dataclasses.replace(figures, **{name: as_figure(getattr(figures, name))
                                           for name in ("race", "surface", "curves", "sweep")})


@pytest.fixture(scope="module")
def laptop_figures():
    return explorer_of(Look())


def line_widths(figure) -> list[float]:
    return [trace.line.width for trace in figure.data if getattr(trace, "line", None) is not None
            and trace.line.width is not None]


def marker_sizes(figure) -> list[float]:
    sizes = []
    for trace in figure.data:
        size = getattr(getattr(trace, "marker", None), "size", None)
        if isinstance(size, (int, float)):
            sizes.append(size)
    return sizes


def test_the_default_look_is_a_laptop_in_english(laptop_figures):
    assert laptop_figures.race.layout.template.layout.paper_bgcolor == "white"  # plotly_white
    assert laptop_figures.race.layout.font.size == Look().font_size
    assert laptop_figures.race.layout.xaxis.title.text == "x (w₁)"
    assert laptop_figures.race.layout.updatemenus[0].buttons[0].label == "▶ Play"
    assert laptop_figures.race.layout.sliders[0].currentvalue.prefix == "step "
    assert [a.text for a in laptop_figures.curves.layout.annotations][:4] == [
        "Loss L(θᵗ)", "Gradient norm ‖gᵗ‖", "Learning rate ηᵗ", "Step size per parameter η/σ"]


def test_projector_mode_enlarges_fonts_lines_and_markers(laptop_figures):
    projected = explorer_of(PROJECTOR)
    for name in ("race", "surface", "curves", "sweep"):
        laptop, projector = getattr(laptop_figures, name), getattr(projected, name)
        assert projector.layout.font.size == PROJECTOR.font_size > laptop.layout.font.size
        thin, thick = line_widths(laptop), line_widths(projector)
        assert len(thin) == len(thick) > 0 and all(b > a for a, b in zip(thin, thick)), name
    assert all(b > a for a, b in zip(marker_sizes(laptop_figures.race), marker_sizes(projected.race)))
    assert projected.race.data[-1].marker.size > laptop_figures.race.data[-1].marker.size  # the heads
    # Subplot titles and the sweep's title grow too, and the margins make room for the larger text.
    assert projected.curves.layout.annotations[0].font.size > laptop_figures.curves.layout.annotations[0].font.size
    assert projected.sweep.layout.sliders[0].currentvalue.font.size > laptop_figures.sweep.layout.sliders[0].currentvalue.font.size
    assert projected.race.layout.margin.b > laptop_figures.race.layout.margin.b
    # The controls hang under the plot (y = 0, anchored at their top: in pixels, whatever height the browser
    # fits the chart to) and move down with the larger font.
    for figure in (laptop_figures.race, projected.race):
        assert (figure.layout.sliders[0].y, figure.layout.sliders[0].yanchor) == (0.0, "top")
        assert (figure.layout.updatemenus[0].y, figure.layout.updatemenus[0].yanchor) == (0.0, "top")
    assert projected.race.layout.sliders[0].pad.t > laptop_figures.race.layout.sliders[0].pad.t > 0
    assert projected.race.layout.updatemenus[0].pad.t > laptop_figures.race.layout.updatemenus[0].pad.t > 0


def test_dark_mode_changes_the_template_and_the_colours_on_the_background(laptop_figures):
    dark = explorer_of(DARK)
    for name in ("race", "surface", "curves", "sweep"):
        assert getattr(dark, name).layout.template.layout.paper_bgcolor == "rgb(17,17,17)"  # plotly_dark
    assert dark.race.data[0].line.color == DARK.palette.isoline != laptop_figures.race.data[0].line.color
    start = next(trace for trace in dark.race.data if trace.name == "start")
    assert start.marker.color == DARK.palette.start != LIGHT.start
    assert dark.race.layout.legend.bgcolor != laptop_figures.race.layout.legend.bgcolor
    # The landscape's raster is the same image in both themes.
    assert dark.race.layout.images[0].source == laptop_figures.race.layout.images[0].source


def test_chinese_figures_carry_chinese_text_and_still_animate(laptop_figures):
    chinese = explorer_of(CHINESE_LOOK)
    race_layout = chinese.race.layout
    assert CHINESE.search(race_layout.xaxis.title.text) and CHINESE.search(race_layout.yaxis.title.text)
    assert [button.label for button in race_layout.updatemenus[0].buttons] == ["▶ 播放", "❚❚ 暂停"]
    assert CHINESE.search(race_layout.sliders[0].currentvalue.prefix)
    assert all(CHINESE.search(annotation.text) for annotation in chinese.curves.layout.annotations)
    assert CHINESE.search(chinese.curves.layout.xaxis3.title.text)
    assert CHINESE.search(chinese.surface.layout.scene.xaxis.title.text)
    assert all(CHINESE.search(step.label) for step in chinese.sweep.layout.sliders[0].steps)
    # Optimizer labels stay as the page gave them; frames and sliders are the same as in English.
    assert [trace.name for trace in chinese.race.data[1:4]] == [s.kind.label for s in RACE[:3]]
    assert len(chinese.race.frames) == len(laptop_figures.race.frames)
    assert [step.args for step in race_layout.sliders[0].steps] == \
        [step.args for step in laptop_figures.race.layout.sliders[0].steps]
    heads = len(chinese.race.data) - 1
    for frame, english in zip(chinese.race.frames, laptop_figures.race.frames):
        assert frame.traces == english.traces and 0 not in frame.traces  # never the iso-lines
        assert heads in frame.traces or frame.name.startswith(BASE_PREFIX)
        assert_no_nan(frame.data)
    for figure in (chinese.race, chinese.surface, chinese.curves, chinese.sweep):
        assert_no_nan(figure.data[1:])


def test_a_diverged_run_says_so_in_the_looks_language(landscape):
    settings = (OptimizerSettings("gd", 1.0), OptimizerSettings("adam", 0.1))
    trajectories, english = race_of(settings, 200)
    chinese = run_paths(trajectories, [s.kind.label for s in settings], language="zh")
    assert english[0].note == trajectories.message(0)  # the catalogue's English is the trajectory's own
    assert chinese[0].note.startswith(f"在第 {trajectories.diverged_at[0]} 步发散") and chinese[1].note == ""
    assert chinese[0].label.startswith("Gradient descent — 在第")
    every_reason = {name: text(f"figures.reason.{name}", "en") for name in REASONS}
    assert every_reason == dict(REASONS)
    figure = as_figure(race_figure(landscape, chinese, look=Look(language="zh", projector=True, dark=True)))
    assert_no_nan(figure.data[1:])
    for frame in figure.frames:
        assert_no_nan(frame.data)


def test_a_look_with_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown language"):
        Look(language="xx")
