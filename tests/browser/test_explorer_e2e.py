"""The Surface Explorer in real headless Chromium: drag a slider, click the map, press play."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from components.plotly_library import TRACES, plotly_library_file
from tests.browser.server import ARTIFACTS, fresh_page
from tests.browser.plotly_dom import pixel_of, plot_area, trace_xy, wait_for_chart

pytestmark = pytest.mark.browser

FIRST_PATH = 1  # trace 0 is the iso-lines, then one path per optimizer


def open_explorer(page, app_server, query: str = "") -> None:
    page.goto(f"{app_server.url}/{query}")  # the explorer is the default page, at /
    wait_for_chart(page, "race_chart")


def slider_thumb(page, key: str):
    """The visible thumb of a Streamlit slider (its ``input type=range`` is a 1-pixel hidden element)."""
    return page.locator(f".st-key-{key} input[type=range]").locator("xpath=../..")


def wait_until_changed(read, before, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = read()
        if now != before and now != ([], []):
            return now
        time.sleep(0.1)
    raise AssertionError(f"nothing changed in {timeout} s")


def test_dragging_the_learning_rate_slider_changes_the_path(page, app_server):
    open_explorer(page, app_server)
    before = trace_xy(page, "race_chart", FIRST_PATH)
    box = slider_thumb(page, "lr0").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    after = wait_until_changed(lambda: trace_xy(page, "race_chart", FIRST_PATH), before)
    assert after[0][0] == pytest.approx(before[0][0])  # same start point
    assert after[0][-1] != pytest.approx(before[0][-1])  # different path end


def test_clicking_the_contour_moves_the_start_point(page, app_server):
    open_explorer(page, app_server)
    area = plot_area(page, "race_chart")
    target = (-2.5, 2.0)
    page.mouse.click(*pixel_of(area, *target))
    after = wait_until_changed(lambda: trace_xy(page, "race_chart", FIRST_PATH)[0][:1], [])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        xs, ys = trace_xy(page, "race_chart", FIRST_PATH)
        if xs and abs(xs[0] - target[0]) < 0.1 and abs(ys[0] - target[1]) < 0.1:
            break
        time.sleep(0.2)
    assert xs[0] == pytest.approx(target[0], abs=0.1) and ys[0] == pytest.approx(target[1], abs=0.1), after


BACKGROUND = """() => {
    const images = document.querySelectorAll('.st-key-race_chart .js-plotly-plot .imagelayer image');
    return Array.from(images).map(image => {
        const box = image.getBoundingClientRect();
        return {png: (image.getAttribute('href') || '').startsWith('data:image/png'), width: box.width};
    });
}"""


def test_play_advances_the_animation_and_keeps_the_background(page, app_server):
    open_explorer(page, app_server)
    heads = page.evaluate("() => document.querySelector('.st-key-race_chart .js-plotly-plot').data.length - 1")
    before = trace_xy(page, "race_chart", heads)
    page.locator(".st-key-race_chart .updatemenu-button").first.click()
    seen = []
    for _ in range(4):  # while it plays, the heads move and the landscape image stays drawn
        time.sleep(0.4)
        seen.append(trace_xy(page, "race_chart", heads))
        background = page.evaluate(BACKGROUND)
        assert len(background) == 1 and background[0]["png"] and background[0]["width"] > 300, background
    page.screenshot(path=str(ARTIFACTS / "explorer_playing.png"), full_page=False)
    assert seen[0] != before and seen[-1] != seen[0]
    page.screenshot(path=str(ARTIFACTS / "explorer.png"), full_page=True)


# The boxes of the race chart's animation controls and of the x-axis title, in page pixels.
CONTROL_BOXES = """() => {
    const plot = document.querySelector('.st-key-race_chart .js-plotly-plot');
    const box = element => { const r = element.getBoundingClientRect();
                             return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
    const all = selector => Array.from(plot.querySelectorAll(selector)).map(box);
    return {buttons: all('.updatemenu-button'), rail: all('.slider-rail-rect'), thumb: all('.slider-grip-rect'),
            labels: all('.slider-label'), current: all('.slider-current-value'), axis: all('.xtitle')};
}"""


def _overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.mark.parametrize("width, query", [(1600, ""), (1100, "?n=4"), (1280, "?surface=ravine")],
                         ids=["laptop", "narrow-four-optimizers", "wide-map-lower-chart"])
def test_the_play_buttons_cover_neither_the_scrubber_nor_the_axis_title(browser, app_server, width, query):
    """Play/Pause used to sit beside the scrubber and hid its start, thumb included, on a chart under ~750 px;
    a narrow chart whose legend wraps onto four rows is the tightest case."""
    with fresh_page(browser, width=width) as page:
        open_explorer(page, app_server, query)
        boxes = page.evaluate(CONTROL_BOXES)
    assert len(boxes["buttons"]) == 2 and boxes["rail"] and boxes["thumb"] and boxes["labels"], boxes
    others = boxes["rail"] + boxes["thumb"] + boxes["labels"] + boxes["current"] + boxes["axis"]
    for button in boxes["buttons"]:
        assert not any(_overlap(button, other) for other in others), (button, others)
    for slider_part in boxes["rail"] + boxes["current"]:
        assert not any(_overlap(slider_part, axis) for axis in boxes["axis"]), (slider_part, boxes["axis"])


def test_the_in_figure_sweep_slider_morphs_the_path(page, app_server):
    """Each step of the sweep's slider shows another learning rate's whole path, already in the page."""
    open_explorer(page, app_server, "?show3d=false")
    wait_for_chart(page, "sweep_chart")
    chart = page.locator(".st-key-sweep_chart .js-plotly-plot")
    chart.scroll_into_view_if_needed()
    ticks = chart.locator(".slider-container .slider-tick-rect")
    rail = chart.locator(".slider-container .slider-rail-rect").bounding_box()
    seen = []
    for index in (0, ticks.count() - 1, 0):
        box = ticks.nth(index).bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, rail["y"] + rail["height"] / 2)
        time.sleep(0.5)
        seen.append(trace_xy(page, "sweep_chart", 1))
    assert seen[0] != seen[1], "the largest learning rate should draw another path than the smallest"
    assert seen[2] == seen[0], "going back shows the first path again"
    assert len(seen[0][0]) > 1 and len(seen[1][0]) > 1


# Notes, on the page's own clock, when each live chart finishes a draw and when plotly.js was requested.
DRAW_LOG = """
window.__draws = [];
new MutationObserver(records => {
    for (const record of records) {
        const host = record.target.closest('[class*="st-key-"]');
        const key = host && [...host.classList].find(name => name.startsWith('st-key-'));
        window.__draws.push({key: key && key.slice(7), at: performance.now(),
                             revision: record.target.dataset.revision});
    }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-revision']});
"""
DRAWN_CHARTS = ("race_chart", "surface_chart", "curves_chart", "sweep_chart")  # in page order


def test_charts_draw_one_at_a_time_from_the_top_and_plotly_js_is_preloaded(page, app_server):
    page.add_init_script(DRAW_LOG)
    open_explorer(page, app_server)
    for key in DRAWN_CHARTS:
        wait_for_chart(page, key)
    page.wait_for_function("() => document.querySelector('.live-chart[data-drawing]') === null")
    first_draws = {}
    draws = page.evaluate("() => window.__draws")
    for draw in draws:
        first_draws.setdefault(draw["key"], draw["at"])
    assert sorted(first_draws, key=first_draws.get) == list(DRAWN_CHARTS), draws
    # the page asked for plotly.js by itself (app.py's preload), and fetched it once
    assert page.evaluate("() => performance.getEntriesByName('live-chart:preload').length") == 1
    fetched = page.evaluate("""() => performance.getEntriesByType('resource')
        .filter(entry => /plotly-[^/]*\\.min\\.js$/.test(entry.name)).map(entry => entry.name)""")
    assert len(fetched) == 1 and fetched[0].endswith(f"/app/static/{plotly_library_file()}")
    # the app's slim plotly.js: exactly the trace types the figures use (components.plotly_library)
    assert sorted(page.evaluate("() => Object.keys(window.Plotly.PlotSchema.get().traces)")) == sorted(TRACES)
    assert page.locator(".st-key-plotly_preload").is_hidden()
    # a rerun does not load or warm it up again
    revision = "() => Number(document.querySelector('.st-key-race_chart .live-chart').dataset.revision)"
    before = page.evaluate(revision)
    page.locator(".st-key-x0 input[type=range]").press("ArrowRight")
    page.wait_for_function(f"() => ({revision})() > {before}")
    page.wait_for_function("() => document.querySelector('.live-chart[data-drawing]') === null")
    assert page.evaluate("() => performance.getEntriesByName('live-chart:preload').length") == 1


def test_the_chart_toolbar_saves_the_race_as_a_png(page, app_server):
    open_explorer(page, app_server)
    chart = page.locator(".st-key-race_chart .js-plotly-plot")
    chart.hover()  # plotly shows its toolbar on hover
    camera = chart.locator(".modebar-btn[data-title='Download plot'], .modebar-btn[data-title='Download plot as a PNG']")
    with page.expect_download(timeout=30_000) as download:
        camera.first.click()
    saved = download.value
    assert saved.suggested_filename.endswith(".png")
    data = Path(saved.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a real picture, not an empty canvas
