"""Typing formulas into the box, as a new user would: every formula that parses gets a message that says
what is wrong and where, the rest of the page still renders, and the other controls keep their values.

A typo keeps the last formula that worked on the page (and in the share link), with the error under the
box. Only the explorer and the inspector take formulas: the tour and the network page have no formula box.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, TIMEOUT, drawn_charts
from tests.app.test_language import interface_texts, untranslated
from tests.unit.commonmark_emphasis import render
from ui.page import ROUTED
from ui.url_choice import menu_key

PAGES = Path(APP).parent / "pages"
# Formulas that parse but are unusable somewhere: overflow, division by zero, outside the real domain,
# NaN everywhere, finite only at one point, infinite only in the derivatives, a kink.
HOSTILE = ["1/x", "log(x)", "sqrt(x)", "exp(exp(x*y))", "1/(x-0.5)", "x**y", "log(0*x)", "exp(100*x)", "0/0*x",
           "1/(x*x+y*y)", "abs(x)+y", "x**0.5*y", "tan(x)", "sqrt(-(x-0.93)^2-(y-0.81)^2)", "sqrt(x*x)", "(x*x)**0.25"]


def open_page(page: str, query: dict[str, str]) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params.update(query)
    app.switch_page(f"pages/{page}.py").run()
    assert not app.exception, app.exception
    return app


def boxes(app: AppTest, *kinds: str) -> str:
    return " ".join(str(box.value) for kind in kinds or ("error", "warning", "info", "success")
                    for box in getattr(app, kind))


def shared_query(app: AppTest) -> dict[str, list[str]]:
    return parse_qs(urlsplit(app.sidebar.code[0].value).query)


@pytest.mark.parametrize("page", ["explorer", "inspector"])
@pytest.mark.parametrize("formula", HOSTILE)
def test_a_formula_that_parses_never_ends_in_a_traceback_and_the_map_is_drawn(page, formula):
    app = open_page(page, {"surface": "own", "formula": formula})
    assert not app.exception, app.exception
    assert {"explorer": "race_chart", "inspector": "inspector_chart"}[page] in drawn_charts(app)


def test_the_explorer_says_where_the_loss_is_not_finite_and_keeps_the_map_to_pick_another_start():
    app = open_page("explorer", {"surface": "own", "formula": "log(x)", "steps": "500", "x0": "-1", "y0": "0.5"})
    text = boxes(app)
    assert "L(x, y) cannot be drawn on 50 % of the domain" in text and "It is shown blank there." in text
    assert "No optimizer can start at (-1, 0.5). L is not a finite number there: it is undefined (NaN)" in text
    assert {"race_chart", "surface_chart"} <= set(drawn_charts(app)) and "curves_chart" not in drawn_charts(app)
    app.slider(key="x0").set_value(1.5).run()  # where log(x) is defined: the race runs, nothing was lost
    assert not app.exception, app.exception
    assert "No optimizer can start" not in boxes(app)
    assert {"race_chart", "surface_chart", "curves_chart", "sweep_chart"} <= set(drawn_charts(app))
    assert app.slider(key="steps").value == 500 and app.text_input(key="formula").value == "log(x)"


def test_a_start_where_only_the_gradient_is_undefined_says_so():
    app = open_page("explorer", {"surface": "own", "formula": "sqrt(x*x) + y^2", "x0": "0", "y0": "0.5"})
    assert "No optimizer can start at (0, 0.5). L = 0.25 there, but its gradient is not a finite number" in boxes(app)


def test_a_run_that_walks_into_a_blank_part_of_the_map_says_where_it_stopped():
    app = open_page("explorer", {"surface": "own", "formula": "log(x) + y^2", "x0": "0.5", "y0": "0.5"})
    stopped = [box.value for box in app.warning if "right after (" in box.value]
    assert stopped and all("its last point where L and its gradient are finite numbers" in box for box in stopped)
    assert "**Gradient descent**: diverged at step 14: the loss became infinite or undefined, right after (0.07794, " \
           "0.3845)" in stopped[0]


def test_a_formula_that_is_nowhere_finite_says_so_and_still_draws_the_page():
    app = open_page("explorer", {"surface": "own", "formula": "0/0*x"})
    assert "L(x, y) cannot be drawn anywhere in this domain" in boxes(app, "error")
    assert {"race_chart", "surface_chart"} <= set(drawn_charts(app))


def test_an_overflow_on_part_of_the_domain_is_shown_blank_with_a_message():
    app = open_page("explorer", {"surface": "own", "formula": "exp(exp(x*y))"})
    overflow = "it overflows (to ±∞, or beyond ±1e300: too large to draw). It is shown blank there."
    assert overflow in boxes(app, "warning")
    assert {"race_chart", "surface_chart", "curves_chart", "sweep_chart"} <= set(drawn_charts(app))


def test_a_typo_keeps_the_last_surface_that_worked_and_the_link_shares_that_one():
    app = open_page("explorer", {"surface": "own"})
    app.slider(key="steps").set_value(400)
    app.text_input(key="formula").set_value("x^2 + 3y").run()
    assert not app.error and shared_query(app)["formula"] == ["x^2 + 3y"]
    latex = app.latex[0].value
    app.text_input(key="formula").set_value("x^2 + 3*z").run()
    assert not app.exception, app.exception
    error = render(app.sidebar.error[0].value)  # under the box; the value is markdown, escaped
    assert "unknown name 'z' at column 9" in error and "the last formula that worked: <code>x^2 + 3y</code>" in error
    assert app.latex[0].value == latex  # the page still shows x² + 3y, with every chart
    assert {"race_chart", "surface_chart", "curves_chart", "sweep_chart"} <= set(drawn_charts(app))
    assert app.text_input(key="formula").value == "x^2 + 3*z" and app.slider(key="steps").value == 400
    assert shared_query(app)["formula"] == ["x^2 + 3y"]  # a shared link never opens on an error


def test_a_link_with_a_typo_opens_on_the_default_formula_with_the_error_under_the_box():
    app = open_page("explorer", {"surface": "own", "formula": "x^2 - z"})
    assert "unknown name 'z'" in render(app.sidebar.error[0].value)
    assert app.text_input(key="formula").value == "x^2 - z"
    assert "race_chart" in drawn_charts(app) and "formula" not in shared_query(app)


def test_an_empty_domain_keeps_the_last_domain_that_worked():
    app = open_page("explorer", {"surface": "own", "formula": "x^2 + y^2"})
    app.number_input(key="xmax").set_value(2.0).run()
    app.number_input(key="xmin").set_value(2.5).run()  # x from 2.5 to 2: no domain
    assert not app.exception, app.exception
    assert "the last domain that worked: x from -3 to 2, y from -3 to 3" in render(app.sidebar.error[0].value)
    assert "race_chart" in drawn_charts(app) and app.slider(key="x0").max == 2.0
    assert shared_query(app)["xmax"] == ["2.0"] and "xmin" not in shared_query(app)


@pytest.mark.parametrize("formula", ["sin(3x) + y^2/4", "(1 - x*y)^2", "2(x + y)^2 - 3sin(x)"])
def test_the_readmes_formulas_and_implicit_products_are_drawn(formula):
    app = open_page("explorer", {"surface": "own", "formula": formula})
    assert not app.error and "race_chart" in drawn_charts(app)


def test_the_inspector_says_why_there_is_nothing_to_inspect_and_where():
    app = open_page("inspector", {"surface": "own", "formula": "log(x) + y^2", "px": "-1", "py": "0.5"})
    text = boxes(app)
    assert "There is nothing to inspect at (-1, 0.5). L is not a finite number there: it is undefined (NaN)" in text
    assert "L(x, y) cannot be drawn on 50 % of the domain" in text
    assert "leaves out the places where L or its derivatives are not finite" in " ".join(c.value for c in app.caption)
    assert "inspector_chart" in drawn_charts(app)
    app.number_input(key="px").set_value(1.0).run()
    assert "There is nothing to inspect" not in boxes(app) and "Not a critical point" in boxes(app)


def test_the_inspector_keeps_the_last_surface_that_worked_on_a_typo():
    app = open_page("inspector", {"surface": "own", "formula": "x^2 - y^2", "px": "0", "py": "0"})
    app.text_input(key="formula").set_value("x^2 - y^").run()
    assert not app.exception, app.exception
    assert "the last formula that worked: <code>x^2 - y^2</code>" in render(app.sidebar.error[0].value)
    assert "**Saddle.** H has eigenvalues of both signs" in boxes(app)


@pytest.mark.parametrize("page", ["tour", "network"])
def test_the_tour_and_the_network_page_take_no_formula(page):
    app = AppTest.from_file(str(PAGES / f"{page}.py"), default_timeout=TIMEOUT)
    app.session_state[ROUTED] = True
    app.query_params.update({"surface": "own", "formula": "log(x)", "net_runs": "2", "net_hidden": "2",
                             "net_steps": "50"})
    app.run()
    assert not app.exception, app.exception
    assert not [box for box in app.text_input if box.key == "formula"]
    assert not [box for box in app.selectbox if box.key in ("surface", menu_key("surface"))]


@pytest.mark.parametrize(("page", "query", "expected"), [
    ("explorer", {"formula": "log(x) + y^2", "x0": "-1", "y0": "0.5"},
     "没有优化器能从 (-1, 0.5) 出发。那里的 L 不是有限的数"),
    ("explorer", {"formula": "log(x) + y^2", "x0": "0.5", "y0": "0.5"}, "那是它最后一个 L 和梯度都是有限数的点"),
    ("inspector", {"formula": "sqrt(x*x) + y^2", "px": "0", "py": "0.5"},
     "(0, 0.5) 处没有可以检查的。那里 L = 0.25"),
    ("explorer", {"formula": "x^2 + z"}, "页面仍然显示上一个可用的公式"),
])
def test_the_messages_speak_chinese(page, query, expected):
    app = open_page(page, {"lang": "zh", "surface": "own", **query})
    assert expected in boxes(app)
    assert untranslated(interface_texts(app)) == []


@pytest.mark.parametrize("page", ["explorer", "inspector"])
def test_a_typo_message_shows_the_asterisk_it_asks_for(page):
    """The parser says "write x*y"; unescaped, markdown turned the two asterisks into italics and ate them."""
    app = open_page(page, {"surface": "own", "formula": "x^2 - y^2"})
    app.text_input(key="formula").set_value("xy").run()
    assert not app.exception, app.exception
    message = app.sidebar.error[0].value
    assert "write x*y" in render(message) and r"write x\*y" in message  # escaped, so not italics
