"""The race map's picture controls on the explorer: the growing trail and the step arrows, both in the URL."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, TIMEOUT, drawn_charts
from ui.url_choice import menu_key


def race_map(test: AppTest) -> dict:
    return drawn_charts(test)["race_chart"]["figure"]


def arrow_names(figure: dict) -> list[str]:
    return [trace["name"] for trace in figure["data"] if trace.get("legend") == "legend2" and trace.get("showlegend", True)]


def grows(figure: dict) -> bool:
    """Whether the frames grow the trails: they are then merged into base frames (``figures.growing_layers``)."""
    return any("baseframe" in frame for frame in figure["frames"])


def test_the_trail_grows_by_default_and_the_toggle_draws_whole_paths_in_the_url(app):
    assert app.toggle(key="trail").value is True and grows(race_map(app))
    assert app.selectbox(key=menu_key("arrows")).value == 0 and not arrow_names(race_map(app))
    app.toggle(key="trail").set_value(False).run()
    assert not app.exception, app.exception
    heads = len(race_map(app)["data"]) - 1
    assert not grows(race_map(app)) and all(frame["traces"] == [heads] for frame in race_map(app)["frames"])
    assert "trail=false" in app.sidebar.code[0].value
    linked = AppTest.from_file(APP, default_timeout=TIMEOUT)
    linked.query_params["trail"] = "false"
    linked.run()
    assert not linked.exception and linked.toggle(key="trail").value is False and not grows(race_map(linked))


def test_the_arrows_of_a_chosen_optimizer_appear_and_live_in_the_url(app):
    app.selectbox(key=menu_key("arrows")).set_value(2).run()  # the default race's optimizer 2: momentum
    assert not app.exception, app.exception
    assert arrow_names(race_map(app)) == ["step (sum)", "momentum term", "gradient term"]
    assert race_map(app)["layout"]["legend2"]["title"]["text"].startswith("Momentum")
    assert "arrows=2" in app.sidebar.code[0].value
    chinese = AppTest.from_file(APP, default_timeout=TIMEOUT)
    chinese.query_params.update({"arrows": "1", "lang": "zh"})
    chinese.run()
    assert not chinese.exception, chinese.exception
    assert chinese.selectbox(key=menu_key("arrows")).value == 1
    assert arrow_names(race_map(chinese)) == ["实际一步 −ηg"]  # gradient descent: its step is −ηg


def test_arrows_for_an_optimizer_not_on_the_page_draw_nothing_and_stay_in_the_url():
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params.update({"n": "2", "arrows": "4"})
    app.run()
    assert not app.exception, app.exception
    assert not arrow_names(race_map(app)) and app.selectbox(key=menu_key("arrows")).value == 4
    app.segmented_control(key="n").set_value(4).run()  # optimizer 4 is back: so are its arrows
    assert not app.exception, app.exception
    assert arrow_names(race_map(app)) and "arrows=4" in app.sidebar.code[0].value


def test_gradient_descent_on_the_lecture_toys_saddle_is_said_to_stay_put():
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params.update({"surface": "lecture_toy", "x0": "0", "y0": "0", "n": "2", "opt1": "momentum",
                             "arrows": "1"})
    app.run()
    assert not app.exception, app.exception
    figure = race_map(app)
    assert [trace["name"] for trace in figure["data"][1:3]] == [
        "Gradient descent — stays at its start", "Momentum — stays at its start"]
    (note,) = [note["text"] for note in figure["layout"]["annotations"] if note.get("xref") == "x"]
    assert note.endswith("</span> stays put: ‖g‖ = 0 here") and note.count("●") == 2  # one note, a dot per run
    assert not arrow_names(figure)  # nothing moves: no arrows to draw
