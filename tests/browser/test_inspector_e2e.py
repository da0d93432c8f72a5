"""The Hessian inspector in real headless Chromium: click a point, read the verdict."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.plotly_dom import pixel_of, plot_area, wait_for_chart
from tests.browser.server import ARTIFACTS, fresh_page

pytestmark = pytest.mark.browser

VERDICT = "[data-testid='stAlert']"


def open_inspector(page, app_server, query: str) -> None:
    page.goto(f"{app_server.url}/inspector?{query}")
    wait_for_chart(page, "inspector_chart")


def legend(page) -> str:
    return " ".join(page.locator(".st-key-inspector_chart .legendtext").all_text_contents())


def click_map_and_wait(page, x: float, y: float, expected: str, timeout: float = 30.0) -> str:
    """Click the data point (x, y) of the inspector's map; wait until the verdict box contains ``expected``."""
    area = plot_area(page, "inspector_chart")
    page.mouse.click(*pixel_of(area, x, y))
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = " ".join(page.locator(VERDICT).all_text_contents())
        if expected in text and f"({x:.3f}" in legend(page).replace("−", "-"):
            return text
        time.sleep(0.1)
    raise AssertionError(f"verdict never said {expected!r}; last: {text!r}, legend: {legend(page)!r}")


def test_clicking_himmelblau_near_3_2_says_local_minimum(page, app_server):
    open_inspector(page, app_server, "surface=himmelblau")
    assert "local minimum" not in " ".join(page.locator(VERDICT).all_text_contents())  # starts at a saddle
    click_map_and_wait(page, 3.0, 2.0, "Local minimum. Every eigenvalue")
    page.screenshot(path=str(ARTIFACTS / "inspector_himmelblau.png"), full_page=True)


def test_clicking_the_plain_saddle_origin_says_saddle_with_eigenvalues_plus_minus_two(page, app_server):
    open_inspector(page, app_server, "surface=saddle&px=1&py=1")
    assert "Not a critical point" in " ".join(page.locator(VERDICT).all_text_contents())
    click_map_and_wait(page, 0.0, 0.0, "Saddle. H has eigenvalues of both signs")
    labels = legend(page)
    assert re.search(r"λ = −2\.00, curves down", labels) and re.search(r"λ = 2\.00, curves up", labels), labels


def test_a_clicked_point_goes_into_the_url_as_the_inputs_show_it(page, app_server):
    open_inspector(page, app_server, "surface=saddle")
    click_map_and_wait(page, 0.8, 0.8, "Not a critical point")
    deadline = time.monotonic() + 10
    while "px=" not in page.url and time.monotonic() < deadline:
        time.sleep(0.1)
    query = parse_qs(urlparse(page.url).query)
    for key in ("px", "py"):
        (raw,) = query[key]
        assert re.fullmatch(r"-?\d+(\.\d{1,4})?", raw), f"{key}={raw}: more decimals than the input shows"
        assert float(raw) == pytest.approx(0.8, abs=0.02)


def test_a_click_snapped_to_an_irrational_minimum_says_minimum_and_so_does_its_link(page, app_server, browser):
    """Himmelblau's minimum at (−2.805118…, 3.131312…): rounded to the inputs' 4 decimals, ‖g‖ was 1.5e-3 and
    the verdict said "not a critical point" right after the click had snapped there."""
    open_inspector(page, app_server, "surface=himmelblau")
    area = plot_area(page, "inspector_chart")
    page.mouse.click(*pixel_of(area, -2.79, 3.12))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not ("px=" in page.url and "(-2.805" in legend(page).replace("−", "-")):
        time.sleep(0.1)
    assert "Local minimum. Every eigenvalue" in " ".join(page.locator(VERDICT).all_text_contents())
    query = parse_qs(urlparse(page.url).query)
    assert float(query["px"][0]) == pytest.approx(-2.805118, abs=1e-6)
    assert float(query["py"][0]) == pytest.approx(3.131312, abs=1e-6)
    with fresh_page(browser) as shared:
        shared.goto(page.url)
        wait_for_chart(shared, "inspector_chart")
        shared.wait_for_selector(VERDICT)
        assert "Local minimum. Every eigenvalue" in " ".join(shared.locator(VERDICT).all_text_contents())


def test_typing_a_formula_then_clicking_its_origin_says_saddle(page, app_server):
    open_inspector(page, app_server, "surface=booth")
    option = page.get_by_role("option", name="✎ Your own formula")
    for _ in range(3):  # once in 18 runs here the menu stayed shut after the click: open it again, not fail
        page.locator(".st-key-surface_menu").click()
        try:
            option.wait_for(timeout=10_000)
            break
        except PlaywrightTimeoutError:
            continue
    option.click()
    box = page.locator(".st-key-formula input")
    box.fill("x**2 - y**2")
    box.press("Enter")
    page.wait_for_function("() => document.querySelector('h1') && document.querySelector('h1')"
                           ".textContent.includes('Your formula')", timeout=30_000)
    wait_for_chart(page, "inspector_chart")
    time.sleep(0.5)
    click_map_and_wait(page, 0.0, 0.0, "Saddle. H has eigenvalues of both signs")
    page.screenshot(path=str(ARTIFACTS / "inspector_own_formula.png"), full_page=True)
