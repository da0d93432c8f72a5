"""Reading and poking Plotly charts of a Streamlit page from Playwright."""

from __future__ import annotations

import json
import time

PLOT = ".st-key-{key} .js-plotly-plot"
# Streamlit shows its status widget while the script runs; a live chart is marked while it draws.
BUSY = """() => document.querySelector('[data-testid="stStatusWidget"]') !== null
                || document.querySelector('.live-chart[data-drawing]') !== null"""


def wait_for_chart(page, key: str, timeout: float = 60_000) -> None:
    page.wait_for_selector(PLOT.format(key=key) + " .main-svg", timeout=timeout)


def wait_until_settled(page, quiet: float = 0.5, timeout: float = 30.0) -> None:
    """Wait until no script runs and no chart draws, and it stays so for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    calm_since = None
    while time.monotonic() < deadline:
        if page.evaluate(BUSY):
            calm_since = None
        elif calm_since is None:
            calm_since = time.monotonic()
        elif time.monotonic() - calm_since >= quiet:
            return
        time.sleep(0.05)
    raise AssertionError(f"the page was still busy after {timeout} s")


def trace_xy(page, key: str, trace: int) -> tuple[list[float], list[float]]:
    """The x and y arrays plotly.js currently draws for ``trace`` of the chart with Streamlit key ``key``.

    Read from ``_fullData``: ``data`` may still hold the base64 form (``{dtype, bdata}``) that
    plotly.py sends numpy arrays in; ``_fullData`` has them decoded.
    """
    data = page.evaluate(
        """([selector, trace]) => {
            const plot = document.querySelector(selector);
            if (!plot || !plot._fullData || !plot._fullData[trace]) return null;
            const shown = plot._fullData[trace];
            return JSON.stringify({x: Array.from(shown.x), y: Array.from(shown.y)});
        }""",
        [PLOT.format(key=key), trace],
    )
    if data is None:
        return [], []
    parsed = json.loads(data)
    return parsed["x"], parsed["y"]


def plot_area(page, key: str) -> dict:
    """Pixel box of the cartesian plot area (the drag layer) and the axis ranges shown in it."""
    return page.evaluate(
        """(selector) => {
            const plot = document.querySelector(selector);
            const box = plot.querySelector('.nsewdrag').getBoundingClientRect();
            const layout = plot._fullLayout;
            return {left: box.left, top: box.top, width: box.width, height: box.height,
                    x_range: layout.xaxis.range.slice(), y_range: layout.yaxis.range.slice()};
        }""",
        PLOT.format(key=key),
    )


def pixel_of(area: dict, x: float, y: float) -> tuple[float, float]:
    """Page pixel of the data point (x, y) in a plot area from ``plot_area``."""
    (x0, x1), (y0, y1) = area["x_range"], area["y_range"]
    return (area["left"] + (x - x0) / (x1 - x0) * area["width"],
            area["top"] + (y1 - y) / (y1 - y0) * area["height"])
