"""``components.plotly_click`` in headless Chromium, on the demo page ``click_demo_app.py``.

The oracle for a flat chart is the axis itself: a click at the page pixel of the data point
(x, y), computed from the drag layer's box and the axis range, must come back as (x, y) to within
one pixel's worth of data units. On the 3D surface the reported point must be a vertex of the
surface's grid with z = f(x, y).
"""

from __future__ import annotations

import math
import re
import statistics
import time

import numpy as np
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from components.plotly_click import ClickedPoint, ClickPayloadError, chart_css_class, plotly_click, point_from_payload
from tests.browser.click_demo_app import SURFACE_RANGE, bowl
from tests.browser.server import ARTIFACTS, StreamlitServer, fresh_page
from tests.browser.plotly_dom import pixel_of, plot_area, wait_for_chart

REPORT = ".st-key-click_report"
CLICKED = re.compile(r"clicked: x=([^,]+), y=([^,]+), z=([^,]+), chart=(\w+), source=(\w+)")
LATENCY_CLICKS = 20


# --- the payload, without a browser ---------------------------------------------------------

def test_a_payload_becomes_a_clicked_point():
    assert point_from_payload(None) is None
    assert point_from_payload({"x": 1, "y": -2.5, "z": None, "source": "plane"}) == ClickedPoint(1.0, -2.5, None, "plane")
    assert point_from_payload({"x": 0.5, "y": 0.25, "z": 3.0, "source": "surface"}).z == 3.0


@pytest.mark.parametrize("payload", [
    [1.0, 2.0],
    {"x": 1.0, "y": 2.0, "z": None, "source": "volume"},
    {"x": float("nan"), "y": 2.0, "z": None, "source": "plane"},
    {"x": True, "y": 2.0, "z": None, "source": "plane"},
    {"x": 1.0, "y": "2", "z": None, "source": "plane"},
    {"x": 1.0, "y": 2.0, "z": float("inf"), "source": "surface"},
])
def test_a_malformed_payload_is_refused(payload):
    with pytest.raises(ClickPayloadError):
        point_from_payload(payload)


def test_chart_css_class_matches_streamlit_key_classes():
    assert chart_css_class("race_chart") == "st-key-race_chart"
    assert chart_css_class(" map view/2 ") == "st-key-map-view-2"


def test_the_listener_needs_its_own_key():
    with pytest.raises(ValueError, match="differ"):
        plotly_click("map", key="map")
    with pytest.raises(ValueError, match="chart key"):
        plotly_click("map", key=" ")


# --- the real page ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(browser):
    server = StreamlitServer("tests/browser/click_demo_app.py")
    try:
        with fresh_page(browser, height=1000) as tab:
            tab.goto(server.url)
            for chart in ("contour", "image"):
                wait_for_chart(tab, f"{chart}_chart")
            yield tab
    finally:
        server.close()


def read_report(page) -> dict:
    text = page.locator(REPORT).inner_text()
    clicked = CLICKED.search(text)
    return {
        "count": int(re.search(r"count: (\d+)", text).group(1)),
        "fresh": re.search(r"fresh: ([^;\n]+)", text).group(1).strip(),
        "point": None if clicked is None else {
            "x": float(clicked[1]), "y": float(clicked[2]),
            "z": None if clicked[3] == "none" else float(clicked[3]),
            "chart": clicked[4], "source": clicked[5],
        },
    }


def wait_for_count(page, count: int) -> None:
    page.wait_for_function(
        """([selector, count]) => {
            const text = document.querySelector(selector)?.innerText || "";
            const found = text.match(/count: (\\d+)/);
            return found !== null && Number(found[1]) >= count;
        }""",
        arg=[REPORT, count], timeout=15_000,
    )


def click_and_read(page, x: float, y: float) -> tuple[dict, float]:
    """Click page pixel (x, y); the report once it counts that click, and the seconds it took."""
    before = read_report(page)["count"]
    started = time.perf_counter()
    page.mouse.click(x, y)
    wait_for_count(page, before + 1)
    elapsed = time.perf_counter() - started
    report = read_report(page)
    assert report["count"] == before + 1, "one click must be reported exactly once"
    return report, elapsed


def click_data_point(page, chart: str, x: float, y: float) -> tuple[dict, dict, float]:
    area = plot_area(page, f"{chart}_chart")
    report, elapsed = click_and_read(page, *pixel_of(area, x, y))
    return report, area, elapsed


def assert_within_a_pixel(report: dict, area: dict, chart: str, x: float, y: float) -> None:
    (x0, x1), (y0, y1) = area["x_range"], area["y_range"]
    # one pixel in data units, plus the 3 decimals the page prints
    x_tolerance = abs(x1 - x0) / area["width"] + 5e-4
    y_tolerance = abs(y1 - y0) / area["height"] + 5e-4
    point = report["point"]
    assert point["chart"] == chart and point["source"] == "plane" and point["z"] is None
    assert point["x"] == pytest.approx(x, abs=x_tolerance)
    assert point["y"] == pytest.approx(y, abs=y_tolerance)
    assert report["fresh"] == chart


@pytest.mark.browser
@pytest.mark.parametrize("target", [(-2.2, 1.3), (0.77, -0.41), (2.61, 1.87), (-2.95, -1.95)])
def test_a_click_on_the_contour_reports_its_exact_data_coordinates(demo, target):
    report, area, _ = click_data_point(demo, "contour", *target)
    assert_within_a_pixel(report, area, "contour", *target)


@pytest.mark.browser
@pytest.mark.parametrize("target", [(3.2, 1.4), (-0.6, 5.1), (1.5, 3.0)])  # (1.5, 3.0) is on the line
def test_a_click_on_an_image_background_reports_its_coordinates(demo, target):
    report, area, _ = click_data_point(demo, "image", *target)
    assert_within_a_pixel(report, area, "image", *target)


@pytest.mark.browser
def test_clicking_the_same_place_twice_reports_both_clicks(demo):
    first, area, _ = click_data_point(demo, "contour", 1.25, 0.5)
    second, _ = click_and_read(demo, *pixel_of(area, 1.25, 0.5))
    assert second["point"] == first["point"]
    assert second["count"] == first["count"] + 1


@pytest.mark.browser
def test_a_drag_is_a_zoom_not_a_click(demo):
    area = plot_area(demo, "image_chart")
    before = read_report(demo)["count"]
    start = pixel_of(area, 0.0, 4.5)
    demo.mouse.move(*start)
    demo.mouse.down()
    demo.mouse.move(start[0] + 80, start[1] + 60, steps=6)
    demo.mouse.up()
    zoomed = plot_area(demo, "image_chart")
    assert zoomed["x_range"] != pytest.approx(area["x_range"]), "the drag should have zoomed in"
    # Had the drag been reported, its rerun would land before this click's and count twice.
    target = (sum(zoomed["x_range"]) / 2, sum(zoomed["y_range"]) / 2)
    report, _ = click_and_read(demo, *pixel_of(zoomed, *target))
    assert report["count"] == before + 1
    assert_within_a_pixel(report, zoomed, "image", *target)
    demo.locator(".st-key-image_chart .modebar-btn[data-title='Reset axes']").click()
    assert plot_area(demo, "image_chart")["x_range"] == pytest.approx(area["x_range"])


def hover_until_picked(page, chart_key: str, x: float, y: float, timeout: float = 20.0) -> None:
    """Hover (x, y) until the 3D scene shows a hover label: gl3d picks on its next rendered frame,
    which in software WebGL can be seconds away while the scene is still being drawn."""
    label = f".st-key-{chart_key} .hovertext"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.mouse.move(x - 3, y)
        page.mouse.move(x, y, steps=2)
        try:
            page.wait_for_selector(label, state="attached", timeout=1_000)
            return
        except PlaywrightTimeoutError:
            continue
    raise AssertionError(f"no hover label on {chart_key} in {timeout} s")


def surface_pixel(page) -> tuple[float, float]:
    """A page pixel on the surface in its initial view (below the middle of the scene)."""
    page.wait_for_selector(".st-key-surface_chart .gl-container canvas", timeout=60_000)
    box = page.locator(".st-key-surface_chart .js-plotly-plot").bounding_box()
    return box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.75


@pytest.mark.browser
def test_a_click_on_the_3d_surface_reports_a_vertex_of_its_grid(demo):
    x, y = surface_pixel(demo)
    hover_until_picked(demo, "surface_chart", x, y)
    report, _ = click_and_read(demo, x, y)
    point = report["point"]
    assert point["chart"] == "surface" and point["source"] == "surface" and report["fresh"] == "surface"
    grid = np.linspace(*SURFACE_RANGE["x"], 21)
    assert np.min(np.abs(grid - point["x"])) < 1e-3 and np.min(np.abs(grid - point["y"])) < 1e-3
    assert point["z"] == pytest.approx(float(bowl(np.float64(point["x"]), np.float64(point["y"]))), abs=2e-3)


@pytest.mark.browser
def test_rotating_the_3d_surface_is_not_a_click(demo):
    camera = "() => JSON.stringify(document.querySelector('.st-key-surface_chart .js-plotly-plot')" \
             "._fullLayout.scene._scene.getCamera())"
    x, y = surface_pixel(demo)
    hover_until_picked(demo, "surface_chart", x, y)
    before = read_report(demo)["count"]
    view = demo.evaluate(camera)
    # gl3d emits plotly_click as soon as the button is down on the surface, rotation or not.
    demo.mouse.down()
    demo.mouse.move(x + 40, y - 30, steps=2)
    demo.mouse.up()
    assert demo.evaluate(camera) != view, "the drag should have rotated the scene"
    # Had the rotation been reported, its rerun would land before this click's and count twice.
    report, area, _ = click_data_point(demo, "contour", 0.1, 0.2)
    assert report["count"] == before + 1
    assert_within_a_pixel(report, area, "contour", 0.1, 0.2)


@pytest.mark.browser
def test_reruns_do_not_repeat_a_click_and_clicks_keep_working_after_them(demo):
    clicked, _, _ = click_data_point(demo, "contour", -1.0, 1.0)
    demo.get_by_role("button", name="Rerun").click()
    demo.wait_for_function("s => document.querySelector(s).innerText.includes('fresh: none')", arg=REPORT)
    after_rerun = read_report(demo)
    assert after_rerun["count"] == clicked["count"] and after_rerun["point"] == clicked["point"]

    # New plot elements and a fresh mount of every listener: still exactly one report per click.
    old_plot = demo.evaluate_handle("() => document.querySelector('.st-key-contour_chart .js-plotly-plot')")
    checkbox = demo.get_by_text("Show the contour")
    checkbox.click()
    demo.wait_for_selector(".st-key-contour_chart", state="detached")
    checkbox.click()
    wait_for_chart(demo, "contour_chart")
    assert demo.evaluate("""old => old !== document.querySelector('.st-key-contour_chart .js-plotly-plot')""",
                         old_plot)
    # click_and_read checks each count goes up by exactly one: a duplicated report of the first
    # click (a leftover listener) would be counted before the second click's.
    for target in [(0.4, -1.2), (-0.3, 0.9)]:
        report, area, _ = click_data_point(demo, "contour", *target)
        assert_within_a_pixel(report, area, "contour", *target)


@pytest.mark.browser
def test_click_to_report_latency(demo):
    area = plot_area(demo, "contour_chart")
    (x0, x1), (y0, y1) = area["x_range"], area["y_range"]
    latencies = []
    for index in range(LATENCY_CLICKS):
        fraction = (index + 0.5) / LATENCY_CLICKS
        target = (x0 + fraction * (x1 - x0), y1 - fraction * (y1 - y0) * 0.9)
        report, elapsed = click_and_read(demo, *pixel_of(area, *target))
        assert_within_a_pixel(report, area, "contour", *target)
        latencies.append(elapsed)
    p50 = statistics.median(latencies)
    p95 = sorted(latencies)[math.ceil(0.95 * len(latencies)) - 1]
    summary = f"click -> report over {len(latencies)} clicks: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
    print(summary)
    (ARTIFACTS / "click_latency.txt").write_text(summary + "\n")
    demo.screenshot(path=str(ARTIFACTS / "click_demo.png"), full_page=True)
    assert p95 < 3.0, summary
