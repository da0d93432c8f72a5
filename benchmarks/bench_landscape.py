"""Cost of the landscape layers for a 200 × 200 Himmelblau grid (a script, not a test).

Run: ``.venv/bin/python benchmarks/bench_landscape.py [--screenshot]``. Prints the median of 5
timings per stage, the sizes that travel to the browser, and the colour mapping done by
``plotly.colors.sample_colorscale`` for comparison. With ``--screenshot``, also renders a figure
(Himmelblau with its four minima marked; Rosenbrock with a hole of NaN, in a second subplot)
in headless Chromium to ``artifacts/landscape.png``, for a look by eye.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import plotly.colors
import plotly.io
import plotly.graph_objects as go

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from figures.isolines import contour_levels, iso_lines  # noqa: E402
from figures.landscape import landscape_layers, landscape_parts  # noqa: E402
from figures.panels import panel_domains, panel_title  # noqa: E402
from figures.raster import colour_raster, height_scale  # noqa: E402
from figures.spec import FigureSpec, as_figure  # noqa: E402
from figures.style import Look  # noqa: E402

REPEATS = 5
RESOLUTION = 200
HIMMELBLAU_MINIMA = ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def grid(function, low: float, high: float, resolution: int = RESOLUTION):
    xs = np.linspace(low, high, resolution)
    ys = np.linspace(low, high, resolution)
    x, y = np.meshgrid(xs, ys)
    return xs, ys, function(x, y)


def himmelblau(x, y):
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def to_json(spec: FigureSpec) -> str:
    return plotly.io.to_json(spec, validate=False)


def median_milliseconds(action) -> float:
    action()  # warm-up
    timings = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return 1e3 * statistics.median(timings)


def himmelblau_figure() -> FigureSpec:
    trace, image, axes = landscape_parts(landscape_layers(*grid(himmelblau, -6.0, 6.0)))
    return {"data": [trace], "layout": {"images": [image], "xaxis": axes["x"], "yaxis": axes["y"], "width": 640,
                                        "height": 600, "margin": {"l": 40, "r": 10, "t": 10, "b": 40}}}


def screenshot_figure() -> go.Figure:
    minima = np.array(HIMMELBLAU_MINIMA)
    xs, ys, z = grid(rosenbrock, -2.0, 2.0)
    z[np.hypot(*np.meshgrid(xs - 1.0, ys + 1.0)) < 0.5] = np.nan
    panels = (("Himmelblau (× = the four minima)", landscape_layers(*grid(himmelblau, -6.0, 6.0)), minima),
              ("Rosenbrock, log colours, NaN hole", landscape_layers(xs, ys, z), np.array([[1.0, 1.0]])))
    data, layout = [], {"images": [], "annotations": [], "width": 1200, "height": 620,
                        "margin": {"l": 40, "r": 20, "t": 40, "b": 40}}
    for index, ((title, landscape, marked), domain) in enumerate(zip(panels, panel_domains(2, 0.1))):
        suffix = "" if index == 0 else str(index + 1)
        trace, image, axes = landscape_parts(landscape, xref=f"x{suffix}", yref=f"y{suffix}")
        data += [trace, {"type": "scatter", "x": marked[:, 0].tolist(), "y": marked[:, 1].tolist(),
                         "xaxis": f"x{suffix}", "yaxis": f"y{suffix}", "mode": "markers", "showlegend": False,
                         "marker": {"symbol": "x", "size": 11, "color": "white"}}]
        layout["images"].append(image)
        layout[f"xaxis{suffix}"] = {"domain": domain, "anchor": f"y{suffix}", **axes["x"]}
        layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", **axes["y"]}
        layout["annotations"].append(panel_title(title, domain, [0.0, 1.0], Look()))
    return as_figure({"data": data, "layout": layout})


def take_screenshot(figure: go.Figure, target: Path) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        page_file = Path(folder) / "landscape.html"
        figure.write_html(page_file, include_plotlyjs=True, full_html=True)
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1220, "height": 640})
            page.goto(page_file.as_uri())
            page.wait_for_selector("g.imagelayer image", state="attached", timeout=15_000)
            page.wait_for_timeout(500)
            target.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(target))
        finally:
            browser.close()


def main() -> None:
    xs, ys, z = grid(himmelblau, -6.0, 6.0)
    levels = contour_levels(z)
    line_x, _ = iso_lines(xs, ys, z, levels)
    landscape = landscape_layers(xs, ys, z)
    figure = himmelblau_figure()
    fractions = height_scale(z).fraction(z).ravel()
    contour = go.Figure(go.Contour(x=xs, y=ys, z=z, colorscale="Viridis"))
    print(f"Himmelblau {RESOLUTION}×{RESOLUTION}, {len(levels)} levels, "
          f"{'log' if landscape.logarithmic else 'linear'} colour scale, median of {REPEATS} runs")
    print(f"  colour_raster (PNG data URI)       {median_milliseconds(lambda: colour_raster(z)):7.1f} ms")
    print(f"  contour_levels                     {median_milliseconds(lambda: contour_levels(z)):7.1f} ms")
    print(f"  iso_lines                          {median_milliseconds(lambda: iso_lines(xs, ys, z, levels)):7.1f} ms")
    print(f"  landscape_layers (all of it)       {median_milliseconds(lambda: landscape_layers(xs, ys, z)):7.1f} ms")
    print(f"  landscape_parts + to_json          {median_milliseconds(lambda: to_json(himmelblau_figure())):7.1f} ms")
    began = time.perf_counter()
    plotly.colors.sample_colorscale("Viridis", list(fractions))
    print(f"  for comparison, plotly.colors.sample_colorscale on the {fractions.size} values: "
          f"{1e3 * (time.perf_counter() - began):.0f} ms (once)")
    print(f"  iso-line points {len(line_x)} ({int(np.isnan(line_x).sum()) + 1} polylines)")
    print(f"  image data URI {len(landscape.image_uri) / 1e3:.1f} kB; "
          f"figure JSON {len(to_json(figure)) / 1e3:.1f} kB "
          f"(an empty figure: {len(go.Figure().to_json()) / 1e3:.1f} kB; "
          f"a go.Contour of the same grid: {len(contour.to_json()) / 1e3:.1f} kB)")
    if "--screenshot" in sys.argv:
        take_screenshot(screenshot_figure(), ROOT / "artifacts" / "landscape.png")
        print("  screenshot: artifacts/landscape.png")


if __name__ == "__main__":
    main()
