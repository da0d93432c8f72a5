"""The race map's pictures: trails that grow with every step kept, the step arrows, a run that stays put."""

from __future__ import annotations

import json

import numpy as np
import plotly.io as pio
import pytest

from figures.growing_layers import BASE_PREFIX, blocks_of
from figures.landscape import landscape_layers
from figures.race import FULL_PATH, race_figure
from figures.runs import run_paths
from figures.spec import unpacked
from figures.staying_put import STAYS_PUT_SHARE, stays_put
from figures.step_arrows import MAX_ARROWS, ArrowsFor, arrow_steps
from figures.style import Look
from optimizers.settings import OptimizerSettings
from optimizers.step_parts import step_parts
from optimizers.trajectory import run_trajectories
from surfaces.catalogue import get_surface
from surfaces.grid import loss_grid

HIMMELBLAU = get_surface("himmelblau")
RACE = (OptimizerSettings("gd", 0.01), OptimizerSettings("momentum", 0.01), OptimizerSettings("rmsprop", 0.05),
        OptimizerSettings("adam", 0.1))


@pytest.fixture(scope="module")
def landscape():
    return landscape_layers(*loss_grid(HIMMELBLAU, 60))


def race_of(settings, steps, surface=HIMMELBLAU, start=(-0.5, 0.5)):
    trajectories = run_trajectories(surface.loss, np.tile(start, (len(settings), 1)), settings, steps,
                                    surface.domain.padded(1.0).bounds)
    return trajectories, run_paths(trajectories, [s.kind.label for s in settings])


def shown_at(figure: dict, name: str) -> list[dict]:
    """The traces as plotly.js draws them once it animated to frame ``name``: the figure's data, with the
    frame merged over its base frame merged over it (``Plots.computeFrame``), arrays decoded."""
    frames = {frame["name"]: frame for frame in figure["frames"]}
    chain = [frames[name]]
    while "baseframe" in chain[-1]:
        chain.append(frames[chain[-1]["baseframe"]])
    traces = [dict(trace) for trace in figure["data"]]
    for frame in reversed(chain):
        for index, update in zip(frame["traces"], frame["data"]):
            traces[index].update(update)
    return [{key: unpacked(value) for key, value in trace.items()} for trace in traces]


def animation(figure: dict) -> list[str]:
    """The frames ▶ plays, in order."""
    return figure["layout"]["updatemenus"][0]["buttons"][0]["args"][0]


def trail_points(traces: list[dict], run: int, runs: int) -> np.ndarray:
    """The points of run ``run``'s trail: its settled part, then its fresh part without the joining point."""
    settled, fresh = traces[1 + run], traces[1 + runs + run]
    xs, ys = np.asarray(settled["x"], float), np.asarray(settled["y"], float)
    fresh_xs, fresh_ys = np.asarray(fresh["x"], float), np.asarray(fresh["y"], float)
    if len(fresh_xs) and len(xs):
        assert (fresh_xs[0], fresh_ys[0]) == (xs[-1], ys[-1])  # the parts join
        fresh_xs, fresh_ys = fresh_xs[1:], fresh_ys[1:]
    return np.c_[np.r_[xs, fresh_xs], np.r_[ys, fresh_ys]]


def test_every_frame_draws_each_trail_up_to_its_step_with_every_step_kept(landscape):
    trajectories, runs = race_of(RACE, 300)
    figure = race_figure(landscape, runs)
    played = animation(figure)
    assert played[0] == "0" and played[-1] == "300" and not any(name.startswith(BASE_PREFIX) for name in played)
    for name in played:
        traces = shown_at(figure, name)
        step = int(name)
        for run in range(len(runs)):
            expected = trajectories.theta[run, : step + 1].astype(np.float32)
            np.testing.assert_array_equal(trail_points(traces, run, len(runs)), expected, err_msg=f"frame {name}")
        heads = traces[-1]
        np.testing.assert_allclose(np.c_[heads["x"], heads["y"]], trajectories.theta[:, step])


def test_the_trail_grows_between_two_frames_and_the_frames_touch_only_small_traces(landscape):
    _, runs = race_of(RACE, 300)
    figure = race_figure(landscape, runs)
    played = animation(figure)
    lengths = [len(trail_points(shown_at(figure, name), 0, len(runs))) for name in played]
    assert lengths == sorted(lengths) and lengths[0] == 1 and lengths[-1] == 301
    for frame in figure["frames"]:
        assert 0 not in frame["traces"]  # never the iso-lines: the landscape stays drawn with redraw=False
    assert figure["layout"]["updatemenus"][0]["buttons"][0]["args"][1]["frame"]["redraw"] is False


def test_a_diverged_run_stops_growing_where_it_stopped(landscape):
    settings = (OptimizerSettings("gd", 1.0), OptimizerSettings("adam", 0.1))
    trajectories, runs = race_of(settings, 200)
    length = int(trajectories.lengths[0])
    assert length < 50
    figure = race_figure(landscape, runs)
    last = shown_at(figure, animation(figure)[-1])
    np.testing.assert_array_equal(trail_points(last, 0, 2), trajectories.theta[0, :length].astype(np.float32))
    for name in animation(figure):
        for trace in shown_at(figure, name)[1:5]:
            assert np.isfinite(np.asarray(trace["x"], float)).all()


def test_the_map_opens_on_the_complete_picture_with_the_scrubber_on_the_last_step(landscape):
    trajectories, runs = race_of(RACE, 300)
    for trail in ("growing", FULL_PATH):
        figure = race_figure(landscape, runs, trail=trail)
        data = [{key: unpacked(value) for key, value in trace.items()} for trace in figure["data"]]
        for run in range(len(runs)):  # traces 1 … n: each run's whole path, every step
            np.testing.assert_array_equal(np.c_[data[1 + run]["x"], data[1 + run]["y"]], trajectories.theta[run])
        np.testing.assert_allclose(np.c_[data[-1]["x"], data[-1]["y"]], trajectories.theta[:, -1])
        slider = figure["layout"]["sliders"][0]
        assert slider["active"] == len(slider["steps"]) - 1 and slider["steps"][-1]["label"] == "300"


def test_the_full_path_is_todays_picture_and_costs_what_it_did(landscape):
    _, runs = race_of(RACE, 1000)
    full = race_figure(landscape, runs, trail=FULL_PATH)
    heads = len(full["data"]) - 1
    assert all(frame["traces"] == [heads] for frame in full["frames"])
    growing = race_figure(landscape, runs)
    frames = [frame for frame in growing["frames"] if not frame["name"].startswith(BASE_PREFIX)]
    assert len(frames) == 120 and len({frame["baseframe"] for frame in frames}) == len(blocks_of(120)) == 11
    # A trail of L points sits in the frames about √F times (F = 120 frames), not F/2 = 60 times as whole trails
    carried = sum(len(unpacked(update["x"])) for frame in growing["frames"]
                  for index, update in zip(frame["traces"], frame["data"]) if 1 <= index <= 2 * len(runs))
    assert carried <= 1.2 * np.sqrt(120) * 1001 * len(runs), carried / (1001 * len(runs))
    full_bytes, growing_bytes = (len(pio.to_json(spec, validate=False)) for spec in (full, growing))
    assert growing_bytes - full_bytes < 4 * 4 * 1001 * 2 * 1.2 * np.sqrt(120) * 1.4  # float32, base64, a little JSON


def test_a_run_stays_put_when_it_never_leaves_its_start_by_half_a_percent_of_the_map():
    x_range, y_range = (-3.0, 3.0), (-4.0, 4.0)  # diagonal 10
    limit = STAYS_PUT_SHARE * 10
    assert stays_put(np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]), x_range, y_range)
    assert stays_put(np.array([[1.0, 1.0], [1.0 + 0.99 * limit, 1.0], [1.0, 1.0]]), x_range, y_range)
    assert not stays_put(np.array([[1.0, 1.0], [1.0, 1.0 + 1.01 * limit], [1.0, 1.0]]), x_range, y_range)
    assert not stays_put(np.array([[1.0, 1.0]]), x_range, y_range)  # no update made: nothing to say
    # trembling in place: a long path that never gets far
    trembling = np.c_[1.0 + 0.5 * limit * (-1.0) ** np.arange(200), np.ones(200)]
    assert stays_put(trembling, x_range, y_range)


def test_gradient_descent_on_the_saddle_is_marked_as_staying_at_its_start(landscape):
    """The lecture toy's saddle: ‖g‖ = 0, gradient descent never moves, momentum from elsewhere does."""
    toy = get_surface("lecture_toy")
    toy_landscape = landscape_layers(*loss_grid(toy, 40))
    trajectories = run_trajectories(toy.loss, [(0.0, 0.0), (0.5, -0.3)], RACE[:2], 200, toy.domain.padded(1.0).bounds)
    runs = run_paths(trajectories, ["GD", "Momentum"])
    for language, words, norm in (("en", "stays at its start", "‖g‖ = 0 here"),
                                  ("zh", "停在起点", "这里 ‖g‖ = 0")):
        figure = race_figure(toy_landscape, runs, look=Look(language=language))
        names = [trace.get("name") for trace in figure["data"][1:3]]
        assert names == [f"GD — {words}", "Momentum"]
        notes = [note for note in figure["layout"]["annotations"] if note.get("xref") == "x"]
        assert len(notes) == 1 and norm in notes[0]["text"] and (notes[0]["x"], notes[0]["y"]) == (0.0, 0.0)
        assert notes[0]["bordercolor"] == runs[0].colour
        ring = next(trace for trace in figure["data"] if trace.get("marker", {}).get("symbol") == "circle-open"
                    and trace["marker"].get("color") == [runs[0].colour])
        assert (ring["x"], ring["y"]) == ([0.0], [0.0])


def test_arrows_show_the_triangle_of_the_momentum_picture(landscape):
    trajectories, runs = race_of(RACE, 300)
    parts = step_parts(trajectories, 1, RACE[1])
    figure = race_figure(landscape, runs, arrows=ArrowsFor(1, parts), trail=FULL_PATH)
    drawn = {trace["name"]: trace for trace in figure["data"] if trace.get("legend") == "legend2"
             and trace.get("showlegend", True)}
    assert set(drawn) == {"step (sum)", "momentum term", "gradient term"}
    steps = arrow_steps(parts)
    assert 2 < len(steps) <= MAX_ARROWS and steps[0] == 0

    def arrows(name):
        rows = np.c_[unpacked(drawn[name]["x"]), unpacked(drawn[name]["y"])].reshape(-1, 7, 2).astype(float)
        return rows[:, 0], rows[:, 1], unpacked(drawn[name]["customdata"]).reshape(-1, 7, 5)[:, 0]

    step_tails, step_tips, step_hover = arrows("step (sum)")
    momentum_tails, momentum_tips, momentum_hover = arrows("momentum term")
    gradient_tails, gradient_tips, _ = arrows("gradient term")
    np.testing.assert_allclose(step_tails, trajectories.theta[1, steps], rtol=1e-6)
    np.testing.assert_allclose(momentum_tails, step_tails, rtol=1e-6)  # both from θ_k
    np.testing.assert_allclose(gradient_tails, momentum_tips, rtol=1e-6, atol=1e-6)  # head to tail
    np.testing.assert_allclose(gradient_tips, step_tips, rtol=1e-5, atol=1e-5)  # the triangle closes
    # the hover carries the true vectors: the step taken and λ times the previous movement
    np.testing.assert_array_equal(step_hover[:, 0], steps)
    np.testing.assert_allclose(step_hover[:, 1:3], np.diff(trajectories.theta[1], axis=0)[steps], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(momentum_hover[:, 1:3], parts.momentum_term[steps], rtol=1e-6, atol=1e-9)
    # the drawn arrows are the true ones times one factor per step, at least 1
    factors = np.hypot(*(step_tips - step_tails).T) / np.hypot(*step_hover[:, 1:3].T)
    assert (factors > 1 - 1e-4).all()


def test_adaptive_arrows_put_minus_eta_g_beside_the_step_taken(landscape):
    trajectories, runs = race_of(RACE, 200)
    parts = step_parts(trajectories, 2, RACE[2])
    figure = race_figure(landscape, runs, arrows=ArrowsFor(2, parts), look=Look(language="zh"))
    drawn = {trace["name"]: trace for trace in figure["data"] if trace.get("legend") == "legend2"
             and trace.get("showlegend", True)}
    assert set(drawn) == {"−ηg（不除以 σ）", "实际一步 −ηg/σ"}
    hover = unpacked(drawn["实际一步 −ηg/σ"]["customdata"]).reshape(-1, 7, 5)[:, 0]
    steps = hover[:, 0].astype(int)
    np.testing.assert_allclose(hover[:, 3:5], trajectories.effective_step[2, steps], rtol=1e-6)  # η/σ per axis
    assert "η/σ" in drawn["实际一步 −ηg/σ"]["hovertemplate"]
    plain = unpacked(drawn["−ηg（不除以 σ）"]["customdata"]).reshape(-1, 7, 5)[:, 0]
    np.testing.assert_allclose(plain[:, 1:3], -RACE[2].lr * trajectories.gradient[2, steps], rtol=1e-6)
    assert figure["layout"]["legend2"]["title"]["text"].startswith("RMSProp")


def test_arrows_are_drawn_whole_and_no_frame_touches_them_and_a_run_that_does_not_move_gets_none(landscape):
    trajectories, runs = race_of(RACE, 300)
    figure = race_figure(landscape, runs, arrows=ArrowsFor(1, step_parts(trajectories, 1, RACE[1])))
    arrow_traces = {index for index, trace in enumerate(figure["data"]) if trace.get("legend") == "legend2"}
    assert len(arrow_traces) == 4  # the halo, the step, the momentum term, the gradient term
    for frame in figure["frames"]:
        assert not arrow_traces & set(frame["traces"])
    json.dumps(figure["layout"])  # plain JSON
    toy = get_surface("saddle")
    still = run_trajectories(toy.loss, [(0.0, 0.0)], RACE[:1], 50, toy.domain.padded(1.0).bounds)
    none = race_figure(landscape_layers(*loss_grid(toy, 30)), run_paths(still, ["GD"]),
                       arrows=ArrowsFor(0, step_parts(still, 0, RACE[0])))
    assert not any(trace.get("legend") == "legend2" for trace in none["data"]) and "legend2" not in none["layout"]
