"""What a student feels in the browser: cold start, slider → chart latency, the in-figure sweep.

Run: ``.venv/bin/python benchmarks/bench_browser.py`` (needs /usr/bin/chromium). Starts its own
server on 127.0.0.1, drives headless Chromium, prints a table and stops the server.

Every latency below the cold start ends at the frame that paints the change, on the page's clock
(``benchmarks.frame_clock``).

* cold start: ``streamlit run app.py`` launched → the race chart's first draw done (on the page's clock),
  in a fresh browser context each time (nothing cached), ``COLD_STARTS`` times; the median and each.
* slider → chart: the start-point slider x₀ moved one notch with the keyboard → the race chart's first
  path drawn anew (its SVG). First pass: new values (the server computes); second pass: the same values
  again (served from the bounded cache), both with the presses back to back; third pass: one change at a
  time, each after the page has settled.
* sweep frame: one step of the slider inside the sweep chart, pointer down → the animated path
  painted, for every one of its 32 steps; and Chromium's own Event Timing of the same clicks.
* the slider pass again with the 3D view switched off (``?show3d=false``).
* inspector click: a click on Himmelblau's map in the Hessian inspector → the numbers panel shows the new
  θ′ (its formulas change), and → the map redrawn with the new θ′ (its legend names θ′'s coordinates),
  20 points across the map.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from benchmarks.frame_clock import FRAME_CLOCK  # noqa: E402
from benchmarks.measure import percentile  # noqa: E402
from tests.browser.plotly_dom import pixel_of, plot_area, wait_until_settled  # noqa: E402
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, StreamlitServer  # noqa: E402

CHANGES = 20
COLD_STARTS = 5
RACE = ".st-key-race_chart .js-plotly-plot"
SWEEP = ".st-key-sweep_chart .js-plotly-plot"

# The drawn path of trace ``index`` of the plot ``gd`` (its SVG ``d``): what the student sees move.
LINE_OF = "(gd, index) => { const cd = gd && gd.calcdata && gd.calcdata[index]; " \
          "const line = cd && cd[0].node3 && cd[0].node3.node().querySelector('path.js-line'); " \
          "return line ? line.getAttribute('d') : null; }"

# Each watcher is returned wrapped in an object: evaluate_handle awaits a promise it is given, and the
# watcher must start before the input and be awaited after it. ``__timeChange``: ``benchmarks.frame_clock``.
WATCH_LINE = """([selector, index, inFrame, limit]) => {
    const lineOf = %s;
    const plot = () => document.querySelector(selector);
    const before = lineOf(plot(), index);
    return {done: window.__timeChange(plot().parentElement, () => {
        const now = lineOf(plot(), index);
        return now !== null && now !== before;
    }, inFrame, limit)};
}""" % LINE_OF


def summary(values: list[float]) -> str:
    if not values:
        return "no measurement (nothing changed within the time limit)"
    return f"p50 {statistics.median(values):6.0f} ms   p95 {percentile(values, 0.95):6.0f} ms   (n = {len(values)})"


# When the race chart's first draw ends, on the page's clock (Playwright's own wait for it can notice it
# only after the page's next long task, the 3D view's first draw: seconds later).
FIRST_RACE_DRAW = """
new MutationObserver((records, observer) => {
    if (document.querySelector('.st-key-race_chart .live-chart[data-revision]')) {
        window.__raceDrawnAt = performance.timeOrigin + performance.now();
        observer.disconnect();
    }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-revision']});
"""


def cold_start(browser) -> float:
    """Seconds from launching ``streamlit run app.py`` to the end of the race chart's first draw."""
    began = time.time()
    server = StreamlitServer("app.py")
    page = browser.new_page(viewport={"width": 1600, "height": 1100})
    page.add_init_script(FIRST_RACE_DRAW)
    try:
        page.goto(f"{server.url}/")
        page.wait_for_function("() => window.__raceDrawnAt !== undefined", timeout=120_000)
        return page.evaluate("() => window.__raceDrawnAt") / 1000 - began
    finally:
        page.close()  # left open, it stays the foreground tab and the next page's animation frames never run
        server.close()


def slider_latencies(page, key: str, passes: tuple[str, ...], settle: bool = False) -> dict[str, list[float]]:
    """Key presses on the slider ``key``, one pass of CHANGES per direction in ``passes``.

    Back to back (default): the next press follows as soon as the race holds the new path, while the other
    charts may still be redrawing and the server finishing the run. ``settle``: each press waits until no
    script runs and no chart draws (for 0.3 s), a student who moves a slider and looks.
    """
    thumb = page.locator(f".st-key-{key} input[type=range]")
    results = {}
    for direction in passes:
        timings = []
        for _ in range(CHANGES):
            if settle:
                wait_until_settled(page, quiet=0.3)
            watcher = page.evaluate_handle(WATCH_LINE, [RACE, 1, False, 30_000])
            thumb.press(direction)
            elapsed = page.evaluate("watcher => watcher.done", watcher)
            if elapsed >= 0:
                timings.append(elapsed)
        results[direction] = timings
    return results


# Chromium's own measure of each click on the sweep: pointer down → the end of the next paint after its handlers
# (Event Timing, in steps of 8 ms; clicks under 16 ms are not reported).
EVENT_TIMING = """() => { window.__clicks = [];
    new PerformanceObserver(list => { for (const entry of list.getEntries())
        if (entry.name === 'pointerdown') window.__clicks.push(entry.duration); })
    .observe({type: 'event', durationThreshold: 16}); }"""


def sweep_frames(page) -> tuple[list[float], list[float]]:
    """Drag through the sweep's slider by clicking each of its ticks: pointer → the frame painting the new
    path, and Chromium's Event Timing of the same clicks."""
    time.sleep(2.0)  # the last slider change's rerun may still be replacing the charts
    page.wait_for_selector(SWEEP + " .main-svg", timeout=60_000)
    page.locator(SWEEP).scroll_into_view_if_needed()
    ticks = page.locator(SWEEP + " .slider-container .slider-tick-rect")
    rail = page.locator(SWEEP + " .slider-container .slider-rail-rect").bounding_box()
    count = ticks.count()
    page.evaluate(EVENT_TIMING)
    timings = []
    for index in list(range(count)) + list(range(count - 2, -1, -1)):
        box = ticks.nth(index).bounding_box()
        x, y = box["x"] + box["width"] / 2, rail["y"] + rail["height"] / 2
        handle = page.evaluate_handle(WATCH_LINE, [SWEEP, 1, True, 5_000])
        page.mouse.click(x, y)
        elapsed = page.evaluate("watcher => watcher.done", handle)
        if elapsed >= 0:
            timings.append(elapsed)
    time.sleep(0.5)  # Event Timing entries arrive after the paint
    return timings, page.evaluate("() => window.__clicks")


# The text of the elements ``selector`` finds changed: the map's legend (it names θ′ with its coordinates),
# or the numbers panel's formulas.
WATCH_TEXT = """selector => {
    const text = () => Array.from(document.querySelectorAll(selector)).map(e => e.textContent).join(' ');
    const before = text();
    return {done: window.__timeChange(document.body, () => text() !== before, false)};
}"""


def inspector_clicks(page, base_url: str) -> tuple[list[float], list[float]]:
    """Click 20 points across Himmelblau's map in the inspector: pointer down → the numbers panel shows the
    new θ′, and pointer down → the map redrawn at the new θ′."""
    page.goto(f"{base_url}/inspector?surface=himmelblau")
    page.wait_for_selector(".st-key-inspector_chart .js-plotly-plot .main-svg", timeout=120_000)
    time.sleep(2.0)
    panel_timings, map_timings = [], []
    for index in range(CHANGES):
        area = plot_area(page, "inspector_chart")
        fraction = (index + 0.5) / CHANGES
        target = (-4.5 + 9 * fraction, 4.0 - 8 * ((index * 7) % CHANGES + 0.5) / CHANGES)
        panel = page.evaluate_handle(WATCH_TEXT, ".st-key-point_report .katex")
        legend = page.evaluate_handle(WATCH_TEXT, ".st-key-inspector_chart .legendtext")
        page.mouse.click(*pixel_of(area, *target))
        for watcher, timings in ((panel, panel_timings), (legend, map_timings)):
            elapsed = page.evaluate("watcher => watcher.done", watcher)
            if elapsed >= 0:
                timings.append(elapsed)
        time.sleep(0.3)
    return panel_timings, map_timings


def main() -> None:
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        starts = [cold_start(browser) for _ in range(COLD_STARTS)]
        start = statistics.median(starts)
        each = ", ".join(f"{value:.1f}" for value in starts)
        print(f"cold start measured: median {start:.1f} s ({each})", flush=True)
        server = StreamlitServer("app.py")
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1100})
            page.add_init_script(FRAME_CLOCK)
            page.goto(f"{server.url}/")
            page.wait_for_selector(RACE + " .main-svg", timeout=120_000)
            page.wait_for_selector(SWEEP + " .main-svg", timeout=120_000)
            latencies = slider_latencies(page, "x0", ("ArrowRight", "ArrowLeft"))
            print(f"slider → chart, new values: {summary(latencies['ArrowRight'])}", flush=True)
            print(f"slider → chart, cached values: {summary(latencies['ArrowLeft'])}", flush=True)
            settled = slider_latencies(page, "x0", ("ArrowRight",), settle=True)["ArrowRight"]
            print(f"slider → chart, one change at a time: {summary(settled)}", flush=True)
            frames, clicks_timed = sweep_frames(page)
            print(f"sweep slider → path painted: {summary(frames)}", flush=True)
            print(f"sweep slider, Chromium's Event Timing: {summary(clicks_timed)}", flush=True)
            page.goto(f"{server.url}/?show3d=false")
            page.wait_for_selector(RACE + " .main-svg", timeout=120_000)
            time.sleep(2.0)
            without_3d = slider_latencies(page, "x0", ("ArrowRight",))["ArrowRight"]
            print(f"slider → chart, 3D view off: {summary(without_3d)}", flush=True)
            panel_clicks, clicks = inspector_clicks(page, server.url)
        finally:
            server.close()
            browser.close()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"commit {commit}, headless Chromium ({CHROMIUM}), software rendering, 2 cores")
    print(f"cold start (command → first chart)   median {start:4.1f} s   ({each} s)")
    print(f"slider → chart, new values           {summary(latencies['ArrowRight'])}")
    print(f"slider → chart, cached values        {summary(latencies['ArrowLeft'])}")
    print(f"slider → chart, one at a time        {summary(settled)}")
    print(f"sweep slider → path painted          {summary(frames)}")
    print(f"  (Chromium's Event Timing, ±8 ms)   {summary(clicks_timed)}")
    print(f"slider → chart, 3D view off          {summary(without_3d)}")
    print(f"inspector click → numbers shown      {summary(panel_clicks)}")
    print(f"inspector click → map redrawn        {summary(clicks)}")


if __name__ == "__main__":
    main()
