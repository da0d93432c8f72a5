"""Typing formulas into the box of each page that takes one (explorer, inspector), in real headless Chromium:
a formula that is not finite somewhere says what and where, a typo keeps the last formula that worked
with the error under the box, and the chart stays on the page throughout."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.plotly_dom import trace_xy, wait_for_chart, wait_until_settled
from tests.browser.server import ARTIFACTS

pytestmark = pytest.mark.browser

ALERTS = "[data-testid='stAlert']"
SIDEBAR_ALERTS = "[data-testid='stSidebar'] [data-testid='stAlert']"


def type_formula(page, formula: str) -> None:
    box = page.locator(".st-key-formula input")
    box.fill(formula)
    box.press("Enter")


def wait_for_text(page, selector: str, expected: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = " ".join(page.locator(selector).all_text_contents())
        if expected in shown:
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{selector} never said {expected!r}; last: {shown!r}")


def shared_formula(page) -> list[str]:
    link = page.locator(".st-key-share_link code").inner_text().replace("\n", "").strip()
    return parse_qs(urlsplit(link).query).get("formula", [])


def test_typing_log_x_then_a_typo_in_the_explorer_gives_messages_and_keeps_the_race(page, app_server):
    page.goto(f"{app_server.url}/?surface=own&steps=300")
    wait_for_chart(page, "race_chart")
    type_formula(page, "log(x) + y^2")
    text = wait_for_text(page, ALERTS, "cannot be drawn on 50 % of the domain")
    assert "It is shown blank there." in text
    wait_until_settled(page)
    path = trace_xy(page, "race_chart", 1)
    assert len(path[0]) > 1  # the race is drawn: log(x) is defined at the start (0.93, 0.81)
    assert shared_formula(page) == ["log(x) + y^2"]

    type_formula(page, "log(x) + y^2 + z")
    error = wait_for_text(page, SIDEBAR_ALERTS, "unknown name 'z' at column 16")
    assert "The page still shows the last formula that worked: log(x) + y^2" in error
    wait_until_settled(page)
    assert trace_xy(page, "race_chart", 1) == path  # the same race, still on the page
    assert page.locator(".st-key-formula input").input_value() == "log(x) + y^2 + z"  # the typed text is kept
    assert shared_formula(page) == ["log(x) + y^2"]  # the link shares what the page shows
    assert page.locator(".st-key-steps [data-testid='stSliderThumbValue']").inner_text() == "300"
    page.screenshot(path=str(ARTIFACTS / "explorer_formula_typo.png"), full_page=True)


def test_typing_a_formula_undefined_at_the_inspected_point_says_why_and_keeps_the_map(page, app_server):
    page.goto(f"{app_server.url}/inspector?surface=own&px=0&py=0.5")
    wait_for_chart(page, "inspector_chart")
    type_formula(page, "sqrt(x*x) + y^2")
    wait_for_text(page, ALERTS, "There is nothing to inspect at (0, 0.5). L = 0.25 there, but its gradient is not "
                                "a finite number")
    type_formula(page, "log(x) + y^2")
    text = wait_for_text(page, ALERTS, "There is nothing to inspect at (0, 0.5). L is not a finite number there")
    assert "cannot be drawn on 50 % of the domain" in text
    wait_until_settled(page)
    wait_for_chart(page, "inspector_chart")
    type_formula(page, "log(x) + y^")
    wait_for_text(page, SIDEBAR_ALERTS, "The page still shows the last formula that worked: log(x) + y^2")
    wait_until_settled(page)
    wait_for_chart(page, "inspector_chart")
    assert "There is nothing to inspect at (0, 0.5)" in " ".join(page.locator(ALERTS).all_text_contents())
    page.screenshot(path=str(ARTIFACTS / "inspector_formula_messages.png"), full_page=True)
