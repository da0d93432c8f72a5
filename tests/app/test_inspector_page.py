"""The Hessian inspector page through AppTest: verdicts at known points, the atlas, bad points."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, TIMEOUT


def inspector(query: dict[str, str]) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params.update(query)
    app.switch_page("pages/inspector.py").run()
    assert not app.exception, app.exception
    return app


def boxes(app) -> str:
    return " ".join(str(box.value) for group in (app.success, app.warning, app.info, app.error) for box in group)


def button_keys(app) -> list[str]:
    return [button.key for button in app.button]


def latex(app) -> str:
    return " ".join(str(element.value) for element in app.latex)


def test_the_plain_saddle_origin_is_a_saddle_with_eigenvalues_plus_minus_two():
    app = inspector({"surface": "saddle", "px": "0", "py": "0"})
    assert "**Saddle.** H has eigenvalues of both signs" in boxes(app)
    assert r"\lambda_1 = -2.00" in latex(app) and r"\lambda_2 = 2.00" in latex(app)
    assert app.button(key="escape_button")


def test_himmelblau_near_its_minimum_is_a_local_minimum():
    app = inspector({"surface": "himmelblau", "px": "3", "py": "2"})
    assert "**Local minimum.** Every eigenvalue of H is positive" in boxes(app)
    assert boxes(app).lower().count("local minimum") == 1  # the title, not repeated by the sentence
    assert len(app.dataframe) == 1 and len(app.dataframe[0].value) == 9  # 4 minima, 1 maximum, 4 saddles
    assert "escape_button" not in button_keys(app)  # a minimum has no way down


def test_a_minimum_typed_to_the_inputs_decimals_is_a_minimum_within_the_precision_shown():
    """(−2.8051, 3.1313): ‖g‖ = 1.5e-3 next to eigenvalues 65 and 81, what rounding to 4 decimals leaves.
    It was "Not a critical point: the gradient is clearly non-zero"."""
    app = inspector({"surface": "himmelblau", "px": "-2.8051", "py": "3.1313"})
    assert "**Local minimum, within the precision shown.**" in boxes(app)
    assert "Not a critical point" not in boxes(app)


def test_a_slope_shows_no_escape_step():
    """At (0.5, 0.3) on x² − y² an eigenvalue is negative, but the gradient is not zero: no saddle to escape."""
    app = inspector({"surface": "saddle", "px": "0.5", "py": "0.3"})
    assert "Not a critical point" in boxes(app)
    assert "escape_button" not in button_keys(app)
    assert "Escape" not in " ".join(str(element.value) for element in app.markdown)


def test_a_point_of_the_lecture_toys_valley_is_a_minimum_with_a_singular_hessian():
    app = inspector({"surface": "lecture_toy", "px": "0.5", "py": "2"})
    assert "**Local minimum.**" in boxes(app) and "singular Hessian" in boxes(app)
    assert "so every point of the set is a minimum" in " ".join(str(c.value) for c in app.caption)


def test_a_point_off_the_critical_points_says_so_and_names_the_nearest_one():
    app = inspector({"surface": "himmelblau", "px": "2.5", "py": "2.5"})
    text = boxes(app)
    assert "Not a critical point" in text and "nearest critical point is a local minimum at (3.000, 2.000)" in text


def test_moving_the_point_updates_the_verdict():
    app = inspector({"surface": "saddle"})
    assert "**Saddle.**" in boxes(app)
    app.number_input(key="px").set_value(0.5).run()
    assert "Not a critical point" in boxes(app)


def test_the_monkey_saddle_origin_is_degenerate():
    app = inspector({"surface": "monkey_saddle", "px": "0", "py": "0"})
    assert "Hessian cannot decide" in boxes(app)


@pytest.mark.parametrize("formula, message", [("abs(x) + y**2", "Hessian is undefined"),
                                              ("sqrt(x**2 + y**2)", "L = 0 there, but its gradient is not a finite")])
def test_a_point_where_the_hessian_is_undefined_gets_a_message(formula, message):
    app = inspector({"surface": "own", "formula": formula, "px": "0", "py": "0"})
    assert message in boxes(app)


def test_the_users_own_formula_is_inspected_like_a_built_in_surface():
    app = inspector({"surface": "own", "formula": "x**2 - y**2", "px": "0", "py": "0"})
    assert "**Saddle.** H has eigenvalues of both signs" in boxes(app)


def test_the_escape_button_opens_the_explorer_at_the_escape_point():
    app = inspector({"surface": "saddle", "px": "0", "py": "0"})
    app.button(key="escape_button").click().run()
    assert not app.exception, app.exception
    assert app.title[0].value.endswith("Saddle")
    assert app.slider(key="x0").value == pytest.approx(0.0) and app.slider(key="y0").value > 0.5


def test_links_made_before_the_url_carried_keys_still_work():
    app = inspector({"surface": "Saddle", "px": "0", "py": "0"})
    assert app.title[0].value.endswith("Saddle")
    assert "**Saddle.** H has eigenvalues of both signs" in boxes(app)


def test_shrinking_the_formulas_domain_pulls_the_inspected_point_inside_instead_of_raising():
    app = inspector({"surface": "own", "formula": "x**2 - y**2", "px": "2.5", "py": "0"})
    app.number_input(key="xmax").set_value(1.0).run()
    assert not app.exception, app.exception
    assert app.number_input(key="px").value == 1.0
