"""Light and dark: Streamlit's menu switches the theme, and the charts follow without a click."""

from __future__ import annotations

import time

from tests.browser.plotly_dom import wait_for_chart
from tests.browser.server import ARTIFACTS

PAGE_BACKGROUND = "() => getComputedStyle(document.querySelector('.stApp')).backgroundColor"
CHART_PAPER = "() => document.querySelector('.st-key-race_chart .js-plotly-plot')._fullLayout.paper_bgcolor"


def brightness(colour: str) -> float:
    """0 (black) to 255 (white) for a CSS ``rgb(...)`` colour or plotly's ``white``."""
    if colour == "white":
        return 255.0
    red, green, blue = (float(part) for part in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3])
    return 0.299 * red + 0.587 * green + 0.114 * blue


def choose_theme(page, name: str) -> None:
    page.locator("[data-testid='stMainMenu']").click()
    page.locator("[data-testid='stThemeSwitcher']").get_by_text(name).last.click()  # (its icon is named too)
    page.keyboard.press("Escape")


def wait_until(page, check, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the page did not follow the theme"
        time.sleep(0.2)


def test_switching_to_dark_and_back_redraws_the_charts_in_that_theme(page, app_server):
    page.goto(f"{app_server.url}/")
    wait_for_chart(page, "race_chart")
    assert brightness(page.evaluate(PAGE_BACKGROUND)) > 200 and brightness(page.evaluate(CHART_PAPER)) > 200
    choose_theme(page, "Dark")
    wait_until(page, lambda: brightness(page.evaluate(PAGE_BACKGROUND)) < 60)
    wait_until(page, lambda: brightness(page.evaluate(CHART_PAPER)) < 60)  # a rerun the page asked for
    page.screenshot(path=str(ARTIFACTS / "explorer_dark.png"), full_page=False)
    choose_theme(page, "Light")
    wait_until(page, lambda: brightness(page.evaluate(CHART_PAPER)) > 200)
