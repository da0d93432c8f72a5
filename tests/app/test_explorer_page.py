"""The Surface Explorer page, driven through AppTest like a user changing widgets."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from components.live_chart import plotly_library_file
from i18n import text
from tests.app.conftest import APP, TIMEOUT, drawn_charts, plotly_values
from tests.unit.commonmark_emphasis import render
from ui.sidebar import DEFAULT_SURFACE, SURFACE_KEYS
from ui.url_choice import menu_key


def texts(app) -> str:
    return " ".join(str(element.value) for group in (app.markdown, app.caption, app.warning, app.error, app.title)
                    for element in group)


def test_default_page_renders_the_race(app):
    assert app.title[0].value.endswith("Himmelblau")
    assert app.slider(key="steps").value == 200
    assert app.selectbox(key="opt0").value == "gd"
    assert app.selectbox(key=menu_key("opt0")).value == "gd"
    assert not app.error


def test_the_first_thing_a_run_sends_is_the_request_to_preload_plotly_js(app):
    first = app.get("bidi_component")[0].proto
    assert first.component_name == "live_chart"
    assert json.loads(first.bytes) == {"preload": f"./app/static/{plotly_library_file()}", "dark": False}


@pytest.mark.parametrize("key", [key for key in SURFACE_KEYS if key != "own"])
def test_every_built_in_surface_renders(app, key):
    app.selectbox(key=menu_key("surface")).set_value(key).run()
    assert not app.exception, app.exception
    assert not app.error
    assert app.title[0].value.endswith(text(f"surfaces.{key}.name", "en"))
    assert app.query_params.get("surface") == (None if key == DEFAULT_SURFACE else key)  # the default is left out


def test_changing_widgets_reruns_without_error(app):
    app.slider(key="steps").set_value(500).run()
    app.selectbox(key=menu_key("opt1")).set_value("nesterov").run()
    app.slider(key="mom1").set_value(0.5).run()
    app.selectbox(key=menu_key("opt2")).set_value("adam").run()
    app.select_slider(key="lr2").set_value(0.3).run()
    assert not app.exception, app.exception
    assert app.slider(key="mom1").value == 0.5


def test_four_optimizers_with_schedules_and_noise(app):
    app.segmented_control(key="n").set_value(4).run()
    app.selectbox(key=menu_key("sched3")).set_value("warmup_cosine").run()
    app.select_slider(key="noise3").set_value(2.0).run()
    assert not app.exception, app.exception
    assert app.slider(key="warm3").value == 50


def test_a_learning_rate_that_blows_up_gets_a_message_not_a_traceback(app):
    app.select_slider(key="lr0").set_value(1.0).run()
    assert not app.exception, app.exception
    assert any("diverged at step" in str(warning.value) for warning in app.warning)


def test_zero_steps_is_fine(app):
    app.slider(key="steps").set_value(0).run()
    assert not app.exception, app.exception


def test_start_point_moves_with_the_sliders(app):
    app.slider(key="x0").set_value(-4.0).run()
    assert app.slider(key="x0").value == -4.0
    assert not app.exception, app.exception


def test_extreme_controls(app):
    app.segmented_control(key="n").set_value(4).run()
    for slot in range(4):
        app.select_slider(key=f"lr{slot}").set_value(10.0)
    app.slider(key="steps").set_value(1000).run()
    assert not app.exception, app.exception
    assert len([w for w in app.warning if "diverged" in str(w.value)]) >= 1


def test_own_formula_and_a_broken_one(app):
    app.selectbox(key=menu_key("surface")).set_value("own").run()
    assert not app.exception, app.exception
    assert not app.error
    app.text_input(key="formula").set_value("x**2 - z").run()
    assert not app.exception, app.exception
    assert "unknown name 'z'" in render(app.error[0].value)  # the value is markdown: quotes come escaped


def formula_error_page() -> None:
    """A page that shows the message of a formula error whose text holds two ``*`` (as "write 3*x" did)."""
    from unittest import mock

    from surfaces.choice import SurfaceChoice
    from surfaces.formula import FormulaError
    from ui import messages

    error = FormulaError("missing '*' at column 6: write 3*x for a product, or 2*y", 6)
    with mock.patch.object(messages, "resolve_surface", side_effect=error):
        messages.resolved_surface_or_stop(SurfaceChoice("own", formula="sin(3x) + 2y"))


def test_a_formula_error_is_shown_with_its_asterisks_not_in_italics():
    app = AppTest.from_function(formula_error_page, default_timeout=TIMEOUT).run()
    assert not app.exception, app.exception
    shown = render(app.error[0].value)
    assert shown == "Your formula cannot be used: missing '*' at column 6: write 3*x for a product, or 2*y", shown


def test_a_click_in_inspect_mode_opens_the_inspector_at_that_point(app):
    app.segmented_control(key=menu_key("click_mode")).set_value("inspect").run()
    app.session_state["inspect_request"] = (3.0, 2.0)  # what the click callback stores (AppTest cannot click)
    app.run()
    assert not app.exception, app.exception
    assert app.title[0].value.startswith("🔍 Hessian inspector")
    assert "**Local minimum.**" in " ".join(str(box.value) for box in app.success)


def test_shrinking_the_formulas_domain_pulls_the_start_point_inside_instead_of_raising(app):
    app.selectbox(key=menu_key("surface")).set_value("own").run()
    app.slider(key="x0").set_value(2.5).run()
    app.slider(key="y0").set_value(-2.5).run()
    app.number_input(key="xmax").set_value(1.0)
    app.number_input(key="ymin").set_value(-1.0).run()
    assert not app.exception, app.exception
    assert (app.slider(key="x0").value, app.slider(key="y0").value) == (1.0, -1.0)


def test_the_3d_view_can_be_turned_off_and_the_url_keeps_it(app):
    everything = {"race_chart", "surface_chart", "curves_chart", "sweep_chart"}
    assert set(drawn_charts(app)) == everything
    app.toggle(key="show3d").set_value(False).run()
    assert not app.exception, app.exception
    assert set(drawn_charts(app)) == everything - {"surface_chart"}
    linked = AppTest.from_file(APP, default_timeout=TIMEOUT)
    linked.query_params["show3d"] = "false"
    linked.run()
    assert not linked.exception and set(drawn_charts(linked)) == everything - {"surface_chart"}


def test_the_charts_get_the_new_start_point_and_keep_their_plotly_settings(app):
    """The live charts' payloads: plotly.js from static/, the race's toolbar config, the start marker at (x₀, y₀)."""
    def start_marker(test):
        race = drawn_charts(test)["race_chart"]
        marker = next(trace for trace in race["figure"]["data"] if trace.get("name") == text("figures.start", "en"))
        return float(plotly_values(marker["x"])[0]), float(plotly_values(marker["y"])[0])

    race = drawn_charts(app)["race_chart"]
    assert race["library"].startswith("./app/static/plotly-") and race["config"]["doubleClick"] is False
    assert race["config"]["toImageButtonOptions"]["filename"] == "himmelblau-race"
    app.slider(key="x0").set_value(-2.5)
    app.slider(key="y0").set_value(1.5).run()
    assert start_marker(app) == (-2.5, 1.5)


def test_the_share_link_follows_the_widgets_even_when_the_runs_query_string_lags():
    # AppTest, like a browser sending two quick changes, does not update the run's query string when a
    # widget changes: the link must come from the widgets, with defaults left out and foreign keys kept.
    linked = AppTest.from_file(APP, default_timeout=TIMEOUT)
    linked.query_params.update({"surface": "rosenbrock", "lr0": "0.015", "utm": "slides"})
    linked.run()
    linked.slider(key="steps").set_value(100).run()
    linked.select_slider(key="lr0").set_value(0.02).run()
    assert linked.query_params.get("lr0") == "0.015" and "steps" not in linked.query_params  # the lagging query
    link = linked.sidebar.code[0].value
    assert link.endswith("?surface=rosenbrock&lr0=0.02&utm=slides&steps=100"), link
    linked.slider(key="steps").set_value(200).run()  # back to the default: left out of the link
    assert linked.sidebar.code[0].value.endswith("?surface=rosenbrock&lr0=0.02&utm=slides"), linked.sidebar.code[0].value


def test_two_runs_of_one_rule_get_distinct_names_in_the_legend_and_the_rules():
    """Two Adams, one with warm-up: the legend said "Adam" twice."""
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params.update({"n": "2", "opt0": "adam", "opt1": "adam", "sched1": "warmup_cosine"})
    app.run()
    assert not app.exception, app.exception
    paths = drawn_charts(app)["race_chart"]["figure"]["data"][1:3]  # after the iso-lines, one path per run
    assert [trace["name"] for trace in paths] == ["Adam", "Adam + warm-up (50 steps), cosine decay"]
    shown = texts(app)
    assert "**Adam**" in shown and "**Adam + warm-up (50 steps), cosine decay**" in shown
    assert app.get("latex") and any(r"\eta\,\frac{t+1}{w}" in element.value for element in app.get("latex"))


def test_the_batch_size_is_offered_where_the_surface_has_examples_and_lives_in_the_url(app):
    def first_path(test: AppTest) -> np.ndarray:
        trace = drawn_charts(test)["race_chart"]["figure"]["data"][1]  # after the iso-lines: the first run's path
        assert trace["name"].startswith("Gradient descent")
        return plotly_values(trace["x"])

    assert not any(widget.key == "batch0" for widget in app.number_input)  # Himmelblau is a formula: no examples
    app.selectbox(key=menu_key("surface")).set_value("biased_toy").run()
    assert not app.exception, app.exception
    assert app.number_input(key="batch0").value == 0 and "all 8 examples" in app.number_input(key="batch0").label
    assert set(first_path(app)) == {0.0}  # from the saddle, full-batch gradient descent never moves
    app.number_input(key="batch0").set_value(1).run()
    assert not app.exception, app.exception
    assert len(set(first_path(app))) > 1  # batches of one example leave the saddle
    assert "batch0=1" in app.sidebar.code[0].value
    linked = AppTest.from_file(APP, default_timeout=TIMEOUT)
    linked.query_params.update({"surface": "biased_toy", "batch0": "1"})
    linked.run()
    assert not linked.exception and linked.number_input(key="batch0").value == 1
    refused = AppTest.from_file(APP, default_timeout=TIMEOUT)
    refused.query_params.update({"surface": "biased_toy", "batch0": "9"})
    refused.run()
    assert not refused.exception and refused.number_input(key="batch0").value == 0
    assert any("batch0=9" in str(warning.value) for warning in refused.warning)
    refused.selectbox(key=menu_key("surface")).set_value("classifier_ce").run()
    refused.number_input(key="batch0").set_value(40).run()
    refused.selectbox(key=menu_key("surface")).set_value("biased_toy").run()  # 40 > 8: held at 8, no exception
    assert not refused.exception, refused.exception
    assert refused.number_input(key="batch0").value == 8
