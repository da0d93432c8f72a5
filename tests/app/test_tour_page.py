"""The lecture tour through AppTest: every scene renders its preview and controls, and its button opens the
page with its preset, or with what the controls changed."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from figures.runs import run_labels
from i18n import text
from scenes.tour import COMPARE, EXPERIMENT, INSPECTOR, LAB, SCENE_LIST, SCENES, run_scene
from scenes.tour_controls import scene_controls, with_values
from scenes.tour_previews import basins_caption
from tests.app.conftest import APP, TIMEOUT, drawn_charts, page_text, plotly_values
from ui.tour_links import widget_state


def tour(scene_key: str | None = None, language: str = "en") -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params["lang"] = language
    app.switch_page("pages/tour.py").run()
    assert not app.exception, app.exception
    if scene_key is not None:
        app.selectbox(key="scene").set_value(scene_key).run()
        assert not app.exception, app.exception
    return app


def widget_value(app: AppTest, key: str):
    for kind in ("slider", "select_slider", "selectbox", "number_input", "segmented_control"):
        try:
            return getattr(app, kind)(key=key).value
        except KeyError:
            continue
    raise KeyError(key)


@pytest.mark.parametrize("scene", SCENE_LIST, ids=lambda scene: scene.key)
def test_each_scene_opens_its_page_with_every_preset_value(scene):
    app = tour(scene.key)
    button = f"open_{scene.key}" if scene.page != COMPARE else f"open_{scene.key}_{scene.surface.key}"
    app.button(key=button).click().run()
    assert not app.exception, app.exception
    if scene.page == EXPERIMENT:
        assert app.title[0].value == f"🔬 {text('experiments.title')}"
        assert app.selectbox(key="exp").value == scene.experiment
        assert text(f"exp.{scene.experiment}.claim") in page_text(app)
        return
    if scene.page == LAB:
        assert app.title[0].value == f"🧪 {text('lab.title')}"
        return
    shown = {}
    for key, value in widget_state(scene).items():
        try:
            shown[key] = widget_value(app, key)
        except KeyError:
            continue  # a knob the page does not draw for this rule (e.g. α of gradient descent)
    expected = {key: value for key, value in widget_state(scene).items() if key in shown}
    assert shown == pytest.approx(expected) if all(isinstance(v, float) for v in expected.values()) else shown == expected
    assert {"surface", "x0" if scene.page != INSPECTOR else "px"} <= set(shown)


def test_the_tour_is_in_chinese_too():
    app = tour("momentum", language="zh")
    assert app.title[0].value.endswith("课程导览")
    assert "动量" in app.subheader[0].value


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_decay_preview_names_its_two_runs_as_the_explorer_does(language):
    """Both runs use one rule: the preview names them by what differs, with the explorer's labels."""
    scene = SCENES["decay"]
    app = tour("decay", language=language)
    paths = drawn_charts(app)["tour_decay"]["figure"]["data"][1:3]  # after the iso-lines, one path per run
    names = [trace["name"] for trace in paths]
    assert names == run_labels(scene.optimizers, language) and len(set(names)) == 2
    rule = text("optimizers.rms", language)
    assert names[0] == rule and names[1].startswith(rule) and "0.98" in names[1]


@pytest.mark.parametrize("scene", SCENE_LIST, ids=lambda scene: scene.key)
def test_each_scene_draws_its_preview_beside_its_own_controls(scene):
    app = tour(scene.key)
    charts = drawn_charts(app)
    assert (f"tour_{scene.key}" in charts) == (scene.page != LAB)  # an experiment's from its results file
    assert [slider.key for slider in app.select_slider] == [control.key(scene) for control in scene_controls(scene)]
    assert [slider.value for slider in app.select_slider] == [control.preset(scene) for control in scene_controls(scene)]
    assert not app.warning  # at the preset: no note


def changed_decay(language: str = "en") -> AppTest:
    app = tour("decay", language=language)
    app.select_slider(key="tour_decay_gamma").set_value(0.9).run()
    assert not app.exception, app.exception
    return app


def decay_loss(app: AppTest) -> np.ndarray:
    traces = drawn_charts(app)["tour_decay"]["figure"]["data"]
    return plotly_values([trace for trace in traces if trace.get("yaxis") == "y2"][1]["y"])


def test_changing_a_control_reruns_the_preview_and_says_the_claim_is_about_the_preset():
    preset = decay_loss(tour("decay"))
    app = changed_decay()
    changed = decay_loss(app)
    expected = run_scene(with_values(SCENES["decay"], {"gamma": 0.9})).runs[0].losses(1)
    np.testing.assert_array_equal(changed, expected)
    assert not np.array_equal(changed, preset)
    (note,) = app.warning
    assert "γ = 0.9" in note.value and "γ = 0.98" in note.value


def test_a_link_with_a_changed_control_reproduces_the_view():
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params.update({"scene": "decay", "tour_decay_gamma": "0.9"})
    app.switch_page("pages/tour.py").run()
    assert not app.exception, app.exception
    assert app.select_slider(key="tour_decay_gamma").value == 0.9 and len(app.warning) == 1
    np.testing.assert_array_equal(decay_loss(app), decay_loss(changed_decay()))


def test_the_open_button_opens_the_explorer_with_the_changed_settings():
    app = changed_decay()
    app.button(key="open_decay").click().run()
    assert not app.exception, app.exception
    assert app.slider(key="gamma1").value == pytest.approx(0.9)
    assert app.select_slider(key="lr1").value == pytest.approx(0.5)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_reset_button_restores_the_preset(language):
    app = changed_decay(language)
    assert text("tour.reset", language) == app.button(key="tour_reset_decay").label
    app.button(key="tour_reset_decay").click().run()
    assert not app.exception, app.exception
    assert app.select_slider(key="tour_decay_gamma").value == 0.98 and not app.warning
    np.testing.assert_array_equal(decay_loss(app), run_scene(SCENES["decay"]).runs[0].losses(1))


def test_the_batch_noise_caption_states_the_seed_counts_in_chinese_too():
    app = tour("batch_noise", language="zh")
    scene = SCENES["batch_noise"]
    caption = basins_caption(scene, run_labels(scene.optimizers, "zh"), "zh")
    assert caption in [element.value for element in app.caption]
