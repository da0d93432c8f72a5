"""The tour's previews and controls: each picture is drawn from the scene's real runs, and shows its claim."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from figures.runs import run_labels
from figures.spec import as_figure, unpacked
from figures.style import Look, run_colour
from figures.tour_previews import wrapped
from i18n import text
from scenes.tour import COMPARE, EXPERIMENT, EXPLORER, INSPECTOR, LAB, SCENE_LIST, SCENES, race_on, run_scene
from scenes.tour_controls import CONTROLS, SceneControl, changed_controls, scene_controls, with_values
from scenes.tour_previews import PLANS, Curve, basins, basins_caption, curve_values, preview_spec, seeded_runs
from scenes.explorer import surface_view
from ui.tour_links import widget_state

RACES = [scene for scene in SCENE_LIST if scene.page in (EXPLORER, COMPARE)]


def spec_of(scene, look=Look()):
    choices = (scene.surface,) if scene.other is None else (scene.surface, scene.other)
    return preview_spec(scene, [surface_view(choice).landscape for choice in choices],
                        run_labels(scene.optimizers, look.language),
                        [text(f"surfaces.{choice.key}.name", look.language) for choice in choices], look=look)


def panel_series(spec, panel_index):
    """The (x, y) of every line drawn on curve panel ``panel_index`` (its axes are numbered after the maps)."""
    axis = f"y{panel_index}"
    return [(unpacked(trace["x"]), unpacked(trace["y"])) for trace in spec["data"] if trace.get("yaxis") == axis]


def test_every_race_scene_has_a_plan_and_the_others_none():
    assert set(PLANS) == {scene.key for scene in RACES}
    assert {scene.page for scene in SCENE_LIST if scene.key not in PLANS} == {INSPECTOR, LAB, EXPERIMENT}
    with pytest.raises(ValueError, match="unknown curve"):
        Curve("speed")


@pytest.mark.parametrize("scene", RACES, ids=lambda scene: scene.key)
@pytest.mark.parametrize("look", [Look(), Look(language="zh", projector=True)], ids=["laptop", "projector-zh"])
def test_every_preview_is_valid_plotly_with_one_map_per_surface_and_its_plan_s_curves(scene, look):
    spec = spec_of(scene, look)
    as_figure(spec)  # raises on any invalid property
    maps = 1 if scene.other is None else 2
    assert len(spec["layout"]["images"]) == maps
    titles = [annotation["text"] for annotation in spec["layout"]["annotations"]]
    for curve in PLANS[scene.key].curves:
        assert any(title.startswith(text(f"tour.curves.{curve.kind}", look.language)) for title in titles)


def test_curve_values_are_the_run_s_losses_coordinates_and_step_lengths():
    (race,) = run_scene(SCENES["decay"]).runs
    for run in range(2):
        path = race.path(run)
        steps, lengths = curve_values(race, run, "step")
        np.testing.assert_allclose(lengths, [np.hypot(*(b - a)) for a, b in zip(path[:-1], path[1:])], rtol=1e-14)
        np.testing.assert_array_equal(steps, np.arange(len(path) - 1))
        np.testing.assert_array_equal(curve_values(race, run, "loss")[1], race.losses(run))
        np.testing.assert_array_equal(curve_values(race, run, "y")[1], path[:, 1])


def test_the_decay_preview_shows_the_bursts_the_map_hides():
    """On the preview's own lines: the constant-η loss leaves 10⁻⁸ and comes back above 1; the decayed one stays low."""
    scene = SCENES["decay"]
    (race,) = run_scene(scene).runs
    spec = spec_of(scene)
    (loss_steps, constant), (_, decayed) = panel_series(spec, 2)
    np.testing.assert_array_equal(constant, race.losses(0))
    assert constant[40] < 1e-8 and constant[41:].max() > 1 and decayed[40:].max() < 1e-4
    (_, constant_steps), (_, decayed_steps) = panel_series(spec, 3)
    np.testing.assert_array_equal(constant_steps, np.linalg.norm(np.diff(race.path(0), axis=0), axis=1))
    assert constant_steps[41:].max() > 1e3 * constant_steps[30:41].min()  # the bursts, as steps
    assert spec["layout"]["yaxis2"]["type"] == spec["layout"]["yaxis3"]["type"] == "log"


def test_a_run_that_stays_put_shows_steps_of_length_zero_on_a_linear_axis():
    scene = SCENES["escape_saddle"]
    spec = spec_of(scene)
    (_, stuck), (_, noisy) = panel_series(spec, 3)
    assert np.all(stuck == 0.0) and noisy.max() > 0
    assert spec["layout"]["yaxis3"].get("type") != "log"
    ends = [trace for trace in spec["data"] if trace.get("name") == text("figures.end")][0]
    assert (ends["x"][0], ends["y"][0]) == scene.start  # its end marker sits on its start


def test_seeded_runs_end_where_each_seed_run_alone_ends_and_seed_zero_is_the_scene_s_run():
    scene = SCENES["batch_noise"]
    runs = seeded_runs(scene, 5)
    for arm, settings in enumerate(scene.optimizers):
        for offset in (0, 3):
            alone = race_on(scene.surface, (dataclasses.replace(settings, seed=settings.seed + offset),),
                            scene.start, scene.steps)
            np.testing.assert_array_equal(runs.ends(arm)[offset], alone.path(0)[-1])
    np.testing.assert_array_equal(runs.trajectories.path(runs.run(1, 0)), run_scene(scene).runs[0].path(1))


def test_runs_that_leave_the_map_are_counted_in_neither_basin():
    """With the scene's own controls at σ = 5, η = 0.2 every noisy run leaves the map within 300 steps; those
    used to be counted in the basin on the side of the saddle where they stopped."""
    scene = with_values(SCENES["batch_noise"], {"noise": 5.0, "lr": 0.2})
    seeds = PLANS["batch_noise"].seeds
    runs = seeded_runs(scene, seeds)
    counted = basins(scene, runs)
    stopped = sum(runs.trajectories.diverged_at[runs.run(1, k)] is not None for k in range(seeds))
    assert stopped > 0 and counted.left[1] == stopped
    assert counted.flat[1] + counted.sharp[1] + counted.left[1] == seeds
    caption = basins_caption(scene, run_labels(scene.optimizers, "en"), "en")
    assert text("tour.curves.basin_left", "en", left=stopped) in caption


def test_batch_noise_preview_counts_the_basins_of_twenty_seeds_and_its_caption_says_them():
    scene = SCENES["batch_noise"]
    seeds = PLANS["batch_noise"].seeds
    runs = seeded_runs(scene, seeds)
    counted = basins(scene, runs)
    assert counted.sharp_minimum[0] == pytest.approx(1.4896, abs=1e-3)   # the deeper, narrow well
    assert counted.flat_minimum[0] == pytest.approx(-1.3625, abs=1e-3)
    for arm in range(2):
        ends_x = runs.ends(arm)[:, 0]
        assert counted.flat[arm] == int(np.sum(ends_x < counted.saddle_x)) == seeds - counted.sharp[arm]
        assert counted.left[arm] == 0  # at the preset every run runs all its steps
    assert counted.sharp[0] == seeds  # without noise every seed is the same run, in the sharp well
    assert counted.flat[1] > seeds / 2  # with σ = 2 most leave it (measured: 19 of 20)
    for language in ("en", "zh"):
        caption = basins_caption(scene, run_labels(scene.optimizers, language), language)
        for label, flat, sharp in zip(run_labels(scene.optimizers, language), counted.flat, counted.sharp):
            assert text("tour.curves.basin_count", language, label=label, flat=flat, sharp=sharp, count=seeds) in caption
    spec = spec_of(scene)
    ends = [unpacked(trace["x"]) for trace in spec["data"] if trace.get("mode") == "markers"
            and trace.get("marker", {}).get("opacity") == 0.85]
    np.testing.assert_array_equal(ends[1], runs.ends(1)[:, 0])
    (boundary,) = spec["layout"]["shapes"]  # the x panel's dotted line: the saddle between the basins
    assert boundary["y0"] == boundary["y1"] == counted.saddle_x == pytest.approx(0.7996, abs=1e-3)


def test_compare_previews_name_each_map_by_its_surface_in_the_colour_of_its_curve():
    scene = SCENES["loss_function"]
    spec = spec_of(scene)
    mse, cross_entropy = run_scene(scene).runs
    titles = [annotation for annotation in spec["layout"]["annotations"] if annotation["font"].get("color")]
    assert [title["font"]["color"] for title in titles] == [run_colour(0), run_colour(1)]
    assert titles[1]["text"] == wrapped(text("surfaces.classifier_ce.name"))
    (_, mse_loss), (_, cross_entropy_loss) = panel_series(spec, 3)
    np.testing.assert_array_equal(mse_loss, mse.losses(0))
    assert mse_loss[-1] > 0.99 * mse_loss[0] and cross_entropy_loss[-1] < 0.1 * cross_entropy_loss[0]
    assert spec["layout"]["showlegend"] is False


def test_wrapped_titles_fit_their_width():
    assert wrapped("Tiny classifier under cross-entropy") == "Tiny classifier under<br>cross-entropy"
    assert wrapped("二次曲面") == "二次曲面"


@pytest.mark.parametrize("scene", RACES, ids=lambda scene: scene.key)
def test_each_control_starts_at_the_preset_and_sets_only_its_runs(scene):
    controls = scene_controls(scene)
    assert 1 <= len(controls) <= 3
    explorer_keys = set(widget_state(scene))
    for control in controls:
        assert control.preset(scene) in control.options
        assert control.key(scene).startswith("tour_") and control.key(scene) not in explorer_keys
        other = next(option for option in control.options if option != control.preset(scene))
        changed = with_values(scene, {control.knob: other})
        for slot, (before, after) in enumerate(zip(scene.optimizers, changed.optimizers)):
            assert (before != after) == (slot in control.slots)
        assert changed_controls(scene, {control.knob: other}) == (control,)
    presets = {control.knob: control.preset(scene) for control in controls}
    assert with_values(scene, presets) == scene and changed_controls(scene, presets) == ()


def test_controls_reach_the_explorer_s_widgets():
    """A changed control travels in the open link: the explorer's γ, warm-up and η widgets get the new values."""
    decay = with_values(SCENES["decay"], {"gamma": 0.95, "lr": 0.2})
    state = widget_state(decay)
    assert state["gamma1"] == 0.95 and state["lr0"] == state["lr1"] == 0.2
    assert widget_state(with_values(SCENES["warmup"], {"warmup": 10}))["warm1"] == 10
    assert set(CONTROLS) <= set(SCENES)


def test_controls_are_checked_on_construction():
    with pytest.raises(ValueError, match="unknown knob"):
        SceneControl("temperature", (0,), (1.0,))
    with pytest.raises(ValueError, match="increasing, distinct"):
        SceneControl("lr", (0,), (0.1, 0.01))


def test_the_momentum_preview_zooms_on_where_the_runs_end_and_says_from_which_step():
    """A first drop from L = 31 would squash −0.22 and −1.03 into one line: the y axis spans steps ≥ 60 only."""
    scene = SCENES["momentum"]
    (race,) = run_scene(scene).runs
    spec = spec_of(scene)
    low, high = spec["layout"]["yaxis2"]["range"]
    assert race.losses(0)[0] > high  # the start runs off the top
    for run in range(2):
        assert low < race.losses(run)[-1] < high and low < race.losses(run)[60:].min()
        assert race.losses(run)[60:].max() < high
    assert abs(race.losses(0)[-1] - race.losses(1)[-1]) > 0.5 * (high - low)  # the two ends far apart on screen
    title = text("tour.curves.zoomed", title=text("tour.curves.loss"), step=60)
    assert title in [annotation["text"] for annotation in spec["layout"]["annotations"]]


@pytest.mark.parametrize("look", [Look(), Look(projector=True)], ids=["laptop", "projector"])
def test_curves_stand_beside_a_square_map_and_under_a_wide_one_never_overlapping(look):
    """Rosenbrock's map (4 × 4) keeps the full height with the curves stacked on its right; the ravine's (10 × 4,
    drawn 0.4 high for its width) keeps the full width with the curves in a row under it."""
    for key, beside in (("warmup", True), ("decay", False), ("loss_function", False)):
        layout = spec_of(SCENES[key], look)["layout"]
        maps = 1 if SCENES[key].other is None else 2
        boxes = [(layout[f"xaxis{i if i > 1 else ''}"]["domain"], layout[f"yaxis{i if i > 1 else ''}"]["domain"])
                 for i in range(1, maps + 1 + len(PLANS[key].curves))]
        for first, (x_a, y_a) in enumerate(boxes):
            for x_b, y_b in boxes[first + 1:]:
                assert x_a[1] <= x_b[0] or x_b[1] <= x_a[0] or y_a[1] <= y_b[0] or y_b[1] <= y_a[0], key
        (map_x, map_y), (curve_x, curve_y) = boxes[0], boxes[maps]
        assert (curve_x[0] > map_x[1]) == beside and (curve_y[1] < map_y[0]) == (not beside), key
