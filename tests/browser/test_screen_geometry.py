"""``screen_geometry`` on a page clipped on purpose (``clipping_demo_app.py``): it finds every clipped text and
no other, and places controls below the fold, scrolled out of a box, hidden or folded where they are.

Without this, a one-screen test that finds nothing clipped could be a detector that finds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.plotly_dom import wait_for_chart, wait_until_settled
from tests.browser.screen_geometry import describe_clipped, measure_when_still
from tests.browser.server import StreamlitServer, fresh_page

pytestmark = pytest.mark.browser

VIEWPORT = (1280, 720)
CONTROLS = {"fits": ".st-key-fits_button", "below the fold": ".st-key-below_fold",
            "scrolled away": ".st-key-in_scroll_box", "hidden": ".st-key-hidden_button",
            "folded": ".st-key-folded_button"}


@pytest.fixture(scope="module")
def layout(browser) -> Iterator:
    server = StreamlitServer("tests/browser/clipping_demo_app.py")
    try:
        with fresh_page(browser, *VIEWPORT) as tab:
            tab.goto(server.url)
            wait_for_chart(tab, "cut_chart")
            wait_until_settled(tab)
            yield measure_when_still(tab, ".st-key-fits_chart", CONTROLS)
    finally:
        server.close()


def _finding(offender: dict) -> str:
    """What a clipped text belongs to: the demo's ``cut_`` element, the scroll box, or else its own key."""
    if offender["clip"] and "st-key-scroll_box" in offender["clip"]["by"]:
        return "scroll_box"
    return offender["key"]


def test_every_clipped_text_is_found_and_nothing_that_fits(layout):
    found = {_finding(offender) for offender in layout.clipped}
    listing = "\n  ".join(describe_clipped(offender) for offender in layout.clipped)
    assert found == {"cut_button", "cut_formula", "cut_count", "cut_chart", "scroll_box"}, listing
    assert layout.texts_read["html"] > 20 and layout.texts_read["plotly"] > 10, layout.texts_read


def test_a_clipped_text_is_described_with_its_text_and_both_boxes(layout):
    (button,) = [offender for offender in layout.clipped if offender["key"] == "cut_button"]
    line = describe_clipped(button)
    assert "Trajectories of every optimizer" in line and "reaches out of its container" in line, line
    assert button["box"]["right"] > button["clip"]["right"] + 50, line  # the label is far wider than its button
    (chart,) = [offender for offender in layout.clipped if offender["key"] == "cut_chart"]
    assert "reaches out of the figure" in describe_clipped(chart) and "diverged" in chart["text"], chart


def test_controls_are_placed_where_a_reader_can_or_cannot_see_them(layout):
    assert layout.figure is not None and layout.figure.area > 100 * 100, layout.figure
    assert layout.off_screen("fits", layout.controls["fits"]) == []
    (below,) = layout.off_screen("below", layout.controls["below the fold"])
    assert "bottom at" in below and "> 720" in below, below
    problems = layout.off_screen("scrolled", layout.controls["scrolled away"])
    assert any("partly hidden by" in problem and "scroll_box" in problem for problem in problems), problems
    assert layout.controls["hidden"] is None and layout.controls["folded"] is None, layout.controls
    assert "not found" in layout.off_screen("hidden", None)[0]
