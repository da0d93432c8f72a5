"""The lecture tour through AppTest: every scene renders, and its button opens the page with its preset."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from figures.runs import run_labels
from i18n import text
from scenes.tour import COMPARE, INSPECTOR, NETWORK, SCENE_LIST, SCENES
from tests.app.conftest import APP, TIMEOUT, drawn_charts
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
    if scene.page == NETWORK:
        assert app.title[0].value == f"🧠 {text('network.title')}"
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
