"""The race map's pictures in Chromium: the trail grows as the scrubber moves and as it plays, the arrows show."""

from __future__ import annotations

import time

import pytest

from tests.browser.plotly_dom import wait_for_chart, wait_until_settled
from tests.browser.server import ARTIFACTS, fresh_page
from tests.browser.test_explorer_e2e import CONTROL_BOXES, _overlap

pytestmark = pytest.mark.browser

# Per trace of the race map: how many points plotly.js holds now, and how many of them are numbers (arrows
# hold a NaN between two strokes), with the trace's legend.
POINTS = """() => {
    const plot = document.querySelector('.st-key-race_chart .js-plotly-plot');
    return plot._fullData.map(trace => ({
        points: trace.x ? trace.x.length : 0,
        finite: trace.x ? Array.from(trace.x).filter(Number.isFinite).length : 0,
        legend: trace.legend || 'legend', name: trace.name}));
}"""


def trail_points(page, runs: int) -> list[int]:
    """How many steps of each run's trail are drawn: its settled part (trace 1 + run) and its fresh part (trace
    1 + runs + run), which starts at the settled part's last point."""
    traces = page.evaluate(POINTS)
    return [traces[1 + run]["points"] + max(traces[1 + runs + run]["points"] - 1, 0) for run in range(runs)]


def click_tick(page, index: int) -> None:
    """Click the scrubber of the race map on its tick ``index`` (negative: from the end)."""
    chart = page.locator(".st-key-race_chart .js-plotly-plot")
    chart.scroll_into_view_if_needed()
    ticks = chart.locator(".slider-container .slider-tick-rect")
    rail = chart.locator(".slider-container .slider-rail-rect").bounding_box()
    box = ticks.nth(index if index >= 0 else ticks.count() + index).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, rail["y"] + rail["height"] / 2)
    time.sleep(0.4)


def test_the_trail_grows_with_the_scrubber_and_while_playing_and_the_arrows_show(browser, app_server):
    with fresh_page(browser, width=1280, height=720) as page:
        page.goto(f"{app_server.url}/?n=2&arrows=2&show3d=false")
        wait_for_chart(page, "race_chart")
        wait_until_settled(page)
        page.locator(".st-key-race_chart").scroll_into_view_if_needed()
        opened = trail_points(page, 2)
        assert opened == [201, 201], opened  # the complete picture: every step of both runs (200 steps)
        arrows = [trace for trace in page.evaluate(POINTS) if trace["legend"] == "legend2" and trace["finite"]]
        assert {trace["name"] for trace in arrows} >= {"step (sum)", "momentum term", "gradient term"}, arrows
        assert page.locator(".st-key-race_chart .legend2text", has_text="momentum term").count() == 1
        page.screenshot(path=str(ARTIFACTS / "race_picture_arrows.png"))

        click_tick(page, 0)  # the scrubber back to step 0: only the start is drawn
        at_start = trail_points(page, 2)
        click_tick(page, 10)
        later = trail_points(page, 2)
        assert all(a < b for a, b in zip(at_start, later)) and later[0] < 201, (at_start, later)
        page.screenshot(path=str(ARTIFACTS / "race_picture_scrubbed.png"))

        page.locator(".st-key-race_chart .updatemenu-button").first.click()  # ▶ plays on from the scrubber's step
        seen = []
        for _ in range(3):
            time.sleep(0.5)
            seen.append(trail_points(page, 2)[0])
        assert seen[0] < seen[-1], seen  # the trail grew while it played
        assert page.evaluate("() => document.querySelectorAll('.st-key-race_chart .imagelayer image').length") == 1
        deadline = time.monotonic() + 60  # to the end (~5 s of frames; longer on a busy machine): the whole path
        while trail_points(page, 2) != [201, 201] and time.monotonic() < deadline:
            time.sleep(0.25)
        assert trail_points(page, 2) == [201, 201]


def test_a_new_learning_rate_shows_its_whole_path_at_once_even_after_scrubbing(page, app_server):
    """The student scrubbed back, then changes η: the new map opens on the complete new picture, no ▶ needed."""
    page.goto(f"{app_server.url}/?n=2&show3d=false")
    wait_for_chart(page, "race_chart")
    wait_until_settled(page)
    click_tick(page, 5)
    before = page.evaluate(POINTS)[1]
    assert trail_points(page, 2)[0] < 201
    revision = "() => Number(document.querySelector('.st-key-race_chart .live-chart').dataset.revision)"
    drawn = page.evaluate(revision)
    page.locator(".st-key-lr0 input[type=range]").press("ArrowRight")
    page.wait_for_function(f"() => ({revision})() > {drawn}")
    wait_until_settled(page)
    assert trail_points(page, 2) == [201, 201]
    current = page.locator(".st-key-race_chart .slider-label").first.text_content()  # plotly.js's "step 200"
    assert current.strip().endswith(" 200"), current
    assert page.evaluate(POINTS)[1] != before


@pytest.mark.parametrize("query", ["?n=4", "?n=4&proj=true&lang=zh"], ids=["laptop", "projector-chinese"])
def test_play_and_pause_sit_beside_the_scrubber_and_cover_nothing(browser, app_server, query):
    """On the scrubber's row, left of its rail (they had a row of their own under it: 60 px of height)."""
    with fresh_page(browser, width=1280, height=720) as page:
        page.goto(f"{app_server.url}/{query}")
        wait_for_chart(page, "race_chart")
        wait_until_settled(page)
        boxes = page.evaluate(CONTROL_BOXES)
    (rail,) = boxes["rail"]
    buttons = boxes["buttons"]
    assert len(buttons) == 2 and all(button["right"] <= rail["left"] for button in buttons), boxes
    middle = (rail["top"] + rail["bottom"]) / 2
    assert min(button["top"] for button in buttons) <= middle <= max(button["bottom"] for button in buttons), boxes
    others = boxes["rail"] + boxes["thumb"] + boxes["labels"] + boxes["current"] + boxes["axis"]
    for button in buttons:
        assert not any(_overlap(button, other) for other in others), (button, others)
    assert rail["right"] - rail["left"] > 100, rail  # a rail one can still scrub
