"""The contour maps in headless Chromium: one unit of x as many pixels as one unit of y, the landscape on its grid.

Before, each axis filled its side of the chart: in a 1600 × 1000 window the lecture toy's square domain was drawn
1.37:1 on the race, 2.86:1 on the sweep and 1.41:1 on the inspector, so the escape along (1, 1) was drawn at
35° on the inspector (19° on the sweep) and the gradient did not look perpendicular to the contours.
"""

from __future__ import annotations

import pytest

from tests.browser.plotly_dom import PLOT, wait_for_chart, wait_until_settled
from tests.browser.server import ARTIFACTS, fresh_page

pytestmark = pytest.mark.browser

DRAWN_SCALE = """(selector) => {
    const plot = document.querySelector(selector);
    const layout = plot._fullLayout, xaxis = layout.xaxis, yaxis = layout.yaxis, placed = layout.images[0];
    const image = plot.querySelector('.imagelayer image').getBoundingClientRect();
    const origin = plot.querySelector('.main-svg').getBoundingClientRect();
    return {
        x_pixels_per_unit: xaxis._length / (xaxis.range[1] - xaxis.range[0]),
        y_pixels_per_unit: yaxis._length / (yaxis.range[1] - yaxis.range[0]),
        width: xaxis._length, height: yaxis._length,
        image: [image.left - origin.left, image.right - origin.left, image.top - origin.top, image.bottom - origin.top],
        grid: [xaxis._offset + xaxis.d2p(placed.x), xaxis._offset + xaxis.d2p(placed.x + placed.sizex),
               yaxis._offset + yaxis.d2p(placed.y), yaxis._offset + yaxis.d2p(placed.y - placed.sizey)],
    };
}"""


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1600, 1000)])
def test_the_lecture_toy_is_drawn_to_scale_on_the_explorer_and_the_inspector(browser, app_server, width, height):
    with fresh_page(browser, width=width, height=height) as page:
        for address, charts in (("/?surface=lecture_toy", ("race_chart", "sweep_chart")),
                                ("/inspector?surface=lecture_toy&px=0&py=0", ("inspector_chart",))):
            page.goto(app_server.url + address)
            for chart in charts:
                wait_for_chart(page, chart)
            wait_until_settled(page)
            for chart in charts:
                drawn = page.evaluate(DRAWN_SCALE, PLOT.format(key=chart))
                assert drawn["x_pixels_per_unit"] == pytest.approx(drawn["y_pixels_per_unit"], rel=1e-3), (chart, drawn)
                assert drawn["width"] >= 300, f"{chart}: the map became small: {drawn}"
                # The landscape image covers exactly the grid (to a pixel) once the scale has shrunk an axis.
                assert drawn["image"] == pytest.approx(drawn["grid"], abs=1.0), (chart, drawn)
            page.screenshot(path=str(ARTIFACTS / f"map_scale_{address.split('?')[0].strip('/') or 'explorer'}_{width}.png"))
