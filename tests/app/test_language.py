"""English and 简体中文: every page in Chinese, a language switch that keeps every setting, URLs without labels."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from i18n import text
from tests.app.conftest import APP, TIMEOUT
from ui.url_choice import menu_key

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# Names and symbols that are the same in both languages (an optimizer's or a function's name, a language's own name).
LANGUAGE_NEUTRAL = re.compile(r"RMSProp|RMS|Adagrad|Adam|Nesterov|English|Himmelblau|Rosenbrock|Rastrigin|Booth")
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
TEXT_ELEMENTS = ("title", "header", "subheader", "caption", "markdown", "warning", "error", "info", "success")
WIDGETS = ("selectbox", "radio", "segmented_control", "slider", "select_slider", "number_input", "text_input",
           "button", "toggle", "checkbox")


def open_page(page: str, query: dict[str, str]) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params.update(query)
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def interface_texts(app: AppTest) -> list[str]:
    """What the user reads: text elements, expanders, and each widget's label, help and options.

    The hidden URL state of the choice widgets (``ui.url_choice``) is left out: nobody sees it.
    """
    texts = [str(element.value) for kind in TEXT_ELEMENTS for element in getattr(app, kind)]
    texts += [expander.label for expander in app.expander]
    widgets = [widget for kind in WIDGETS for widget in getattr(app, kind)]
    keys = {widget.key for widget in widgets}
    for widget in widgets:
        if menu_key(str(widget.key)) in keys:
            continue
        texts += [widget.label, getattr(widget, "help", "") or ""]
        if isinstance(getattr(widget, "options", None), list) and widget.key != "n":
            texts += [str(option) for option in widget.options]
    return [text for text in texts if text]


def untranslated(texts: list[str]) -> list[str]:
    return [text for text in texts
            if not CHINESE.search(text) and ENGLISH_WORD.search(LANGUAGE_NEUTRAL.sub("", text))]


def test_the_explorer_speaks_chinese_with_lang_zh():
    app = open_page("pages/explorer.py", {"lang": "zh"})
    assert app.title[0].value == f"🏁 {text('surfaces.himmelblau.name', 'zh')}"
    assert app.slider(key="steps").label == "步数"
    assert app.selectbox(key=menu_key("opt0")).options[0] == "梯度下降"
    assert app.radio(key=menu_key("lang")).value == "zh"
    assert untranslated(interface_texts(app)) == []


def test_every_optimizer_rule_and_schedule_shows_chinese_widgets():
    app = open_page("pages/explorer.py", {"lang": "zh", "n": "4"})
    for slot, rule in enumerate(("nesterov", "adagrad", "rmsprop", "adam")):
        app.selectbox(key=menu_key(f"opt{slot}")).set_value(rule)
    for slot, schedule in enumerate(("exponential", "step", "warmup_cosine", "warmup_inverse_sqrt")):
        app.selectbox(key=menu_key(f"sched{slot}")).set_value(schedule)
    app.select_slider(key="lr0").set_value(10.0).run()  # Nesterov diverges: a warning
    assert not app.exception, app.exception
    assert any("试试更小的学习率" in str(warning.value) for warning in app.warning)
    assert untranslated(interface_texts(app)) == []


@pytest.mark.parametrize("query", [
    {"surface": "saddle", "px": "0", "py": "0"},  # a saddle: the escape step and its button
    {"surface": "himmelblau", "px": "2.5", "py": "2.5"},  # not a critical point
    {"surface": "own", "formula": "abs(x) + y**2", "px": "0", "py": "0"},  # the Hessian is undefined
])
def test_the_inspector_speaks_chinese_with_lang_zh(query):
    app = open_page("pages/inspector.py", {"lang": "zh", **query})
    assert app.title[0].value.startswith("🔍 海森矩阵检查器：")
    assert untranslated(interface_texts(app)) == []


def test_a_broken_formula_is_reported_in_chinese():
    app = open_page("pages/explorer.py", {"lang": "zh", "surface": "own", "formula": "x**2 - z"})
    assert app.error[0].value.startswith("你的公式无法使用：")


def test_switching_the_language_keeps_every_setting():
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.run()
    app.selectbox(key=menu_key("surface")).set_value("saddle").run()  # first: a new surface resets the start
    app.segmented_control(key="n").set_value(4)
    app.slider(key="steps").set_value(500)
    app.slider(key="x0").set_value(-1.0)
    app.select_slider(key="lr0").set_value(0.3)
    app.selectbox(key=menu_key("opt1")).set_value("nesterov")
    app.selectbox(key=menu_key("sched0")).set_value("exponential")
    app.selectbox(key=menu_key("sweep")).set_value(2)
    app.segmented_control(key=menu_key("click_mode")).set_value("inspect").run()
    app.slider(key="mom1").set_value(0.5)
    app.slider(key="gamma0").set_value(0.95)
    app.number_input(key="seed3").set_value(7).run()
    assert not app.exception, app.exception

    def settings() -> dict:
        return {
            "surface": app.selectbox(key=menu_key("surface")).value, "n": app.segmented_control(key="n").value,
            "steps": app.slider(key="steps").value, "x0": app.slider(key="x0").value,
            "lr0": app.select_slider(key="lr0").value, "opt1": app.selectbox(key=menu_key("opt1")).value,
            "mom1": app.slider(key="mom1").value, "sched0": app.selectbox(key=menu_key("sched0")).value,
            "gamma0": app.slider(key="gamma0").value, "sweep": app.selectbox(key=menu_key("sweep")).value,
            "click_mode": app.segmented_control(key=menu_key("click_mode")).value,
            "seed3": app.number_input(key="seed3").value,
            "state": [app.session_state[key] for key in ("surface", "opt1", "sched0", "sweep", "click_mode")],
        }

    english = settings()
    assert english["opt1"] == "nesterov" and english["gamma0"] == 0.95 and english["seed3"] == 7
    app.radio(key=menu_key("lang")).set_value("zh").run()
    assert not app.exception, app.exception
    assert app.title[0].value == f"🏁 {text('surfaces.saddle.name', 'zh')}"
    assert app.selectbox(key=menu_key("opt1")).options[app.selectbox(key=menu_key("opt1")).index] == "Nesterov 动量"
    assert settings() == english
    app.radio(key=menu_key("lang")).set_value("en").run()
    assert app.title[0].value == "🏁 Saddle"
    assert settings() == english


def test_the_url_carries_keys_not_labels():
    app = open_page("pages/explorer.py", {"lang": "zh"})
    app.selectbox(key=menu_key("surface")).set_value("saddle").run()
    app.selectbox(key=menu_key("opt0")).set_value("adam").run()
    app.selectbox(key=menu_key("sched1")).set_value("warmup_cosine").run()
    app.selectbox(key=menu_key("sweep")).set_value(2).run()
    app.segmented_control(key=menu_key("click_mode")).set_value("inspect").run()
    app.radio(key=menu_key("lang")).set_value("en").run()
    app.radio(key=menu_key("lang")).set_value("zh").run()
    assert {key: app.query_params.get(key) for key in ("lang", "surface", "opt0", "sched1", "sweep", "click_mode")} \
        == {"lang": "zh", "surface": "saddle", "opt0": "adam", "sched1": "warmup_cosine", "sweep": "2",
            "click_mode": "inspect"}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_link_opens_the_same_view_in_either_language(language):
    app = open_page("pages/explorer.py", {"lang": language, "surface": "rosenbrock", "opt0": "adam", "sched0": "step",
                                          "sweep": "1", "click_mode": "inspect"})
    assert app.title[0].value == f"🏁 {text('surfaces.rosenbrock.name', language)}"
    assert [app.selectbox(key=menu_key(key)).value for key in ("opt0", "sched0", "sweep")] == ["adam", "step", 1]
    assert app.segmented_control(key=menu_key("click_mode")).value == "inspect"
    assert app.slider(key="every0").label == text("optimizer_panel.every", language)


def test_old_links_with_english_labels_still_open_their_view():
    app = open_page("pages/explorer.py", {"lang": "zh", "surface": "Six-hump camel", "opt0": "Momentum",
                                          "sweep": "Optimizer 2"})
    assert app.title[0].value == f"🏁 {text('surfaces.six_hump_camel.name', 'zh')}"
    assert app.selectbox(key=menu_key("opt0")).value == "momentum"
    assert app.selectbox(key=menu_key("sweep")).value == 1
    # The first run already rewrites the URL with the keys (a later rewrite raced the user's first clicks).
    assert app.query_params.get("surface") == "six_hump_camel" and app.query_params.get("opt0") == "momentum"
    assert app.query_params.get("sweep") == "1"
    app.slider(key="steps").set_value(100).run()
    assert app.query_params.get("surface") == "six_hump_camel" and app.selectbox(key=menu_key("opt0")).value == "momentum"


def test_an_unknown_language_or_value_falls_back_to_the_default():
    app = open_page("pages/explorer.py", {"lang": "fr", "surface": "nowhere", "opt0": "sgd"})
    assert app.title[0].value == "🏁 Himmelblau"
    assert app.radio(key=menu_key("lang")).value == "en"
    assert app.selectbox(key=menu_key("opt0")).value == "gd"


def test_the_inspector_keeps_its_point_across_a_language_switch():
    app = open_page("pages/inspector.py", {"surface": "saddle", "px": "0.5", "py": "-0.25"})
    app.radio(key=menu_key("lang")).set_value("zh").run()
    assert not app.exception, app.exception
    assert (app.number_input(key="px").value, app.number_input(key="py").value) == (0.5, -0.25)
    assert app.selectbox(key=menu_key("surface")).value == "saddle"
    assert app.title[0].value == f"🔍 海森矩阵检查器：{text('surfaces.saddle.name', 'zh')}"
