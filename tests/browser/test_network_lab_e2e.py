"""The Network Lab in real headless Chromium: train, click an update and read its Hessian, click the
landscape, and open a shared link in a fresh browser to get the same run."""

from __future__ import annotations

import re

import pytest

from tests.browser.page_text import body, wait_for_text
from tests.browser.plotly_dom import pixel_of, plot_area, wait_for_chart, wait_until_settled
from tests.browser.server import ARTIFACTS, fresh_page

pytestmark = pytest.mark.browser

QUICK = "lab_data=moons&lab_depth=1&lab_width=8&lab_epochs=5"
VERDICT = re.compile(r"(Run \d: [^,]+, update (\d+)|Plane point \([^)]*\) α = (-?[\d.e-]+), β = (-?[\d.e-]+))")


def open_lab(page, app_server, query: str, chart: str = "lab_chart") -> None:
    page.goto(f"{app_server.url}/lab?{query}")
    wait_for_chart(page, chart)
    wait_for_chart(page, "lab_density")
    wait_until_settled(page)


def summaries(page) -> list[str]:
    """Each run's summary line, without its measured time (which differs from run to run)."""
    return [re.sub(r"in [\d.]+ s", "in … s", line) for line in body(page).splitlines()
            if re.match(r"\d: .+ updates in", line)]


def test_training_then_a_click_on_an_update_shows_the_hessian_there(page, app_server):
    open_lab(page, app_server, QUICK)
    first = wait_for_text(page, re.compile(r"Run 1: [^,]+, update (\d+)"))
    end = int(first.group(1))
    assert end > 20 and summaries(page), body(page)[:500]
    area = plot_area(page, "lab_chart")
    target = end // 4
    page.mouse.click(*pixel_of(area, target, sum(area["y_range"]) / 2))
    clicked = wait_for_text(page, re.compile(rf"Run 1: [^,]+, update (?!{end}\b)(\d+)"))
    assert abs(int(clicked.group(1)) - target) <= max(3, end // 20), (clicked.group(0), target)
    assert re.search(r"(local minimum|saddle point|not a critical point)", body(page))
    wait_for_chart(page, "lab_slices")
    page.screenshot(path=str(ARTIFACTS / "lab_clicked_update.png"), full_page=True)


def test_a_click_on_the_landscape_inspects_that_point_of_the_plane(page, app_server):
    open_lab(page, app_server, QUICK + "&lab_view=landscape", chart="lab_plane_chart")
    area = plot_area(page, "lab_plane_chart")
    (x0, x1), (y0, y1) = area["x_range"], area["y_range"]
    alpha, beta = x0 + 0.3 * (x1 - x0), y0 + 0.6 * (y1 - y0)
    page.mouse.click(*pixel_of(area, alpha, beta))
    found = wait_for_text(page, re.compile(r"Plane point \([^)]*\) α = (-?[\d.e-]+), β = (-?[\d.e-]+)"))
    assert float(found.group(1)) == pytest.approx(alpha, abs=0.02 * (x1 - x0))
    assert float(found.group(2)) == pytest.approx(beta, abs=0.02 * (y1 - y0))
    wait_until_settled(page)
    assert "lab_src=plane" in page.url
    page.screenshot(path=str(ARTIFACTS / "lab_clicked_plane.png"), full_page=True)


def test_a_shared_link_reproduces_the_run_in_a_fresh_browser(page, app_server, browser):
    open_lab(page, app_server, QUICK + "&lab_n=1&lab_seed=3&lab_upd=7")
    wait_for_text(page, re.compile(r"Run 1: [^,]+, update \d+"))
    shown = summaries(page)
    link = page.url
    with fresh_page(browser) as other:
        other.goto(link)
        wait_for_chart(other, "lab_chart")
        wait_for_chart(other, "lab_density")
        wait_until_settled(other)
        assert summaries(other) == shown
        assert VERDICT.search(body(other)).group(0) == VERDICT.search(body(page)).group(0)
