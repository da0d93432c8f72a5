"""A classroom screen, measured in headless Chromium (issue 13): on every page, at 1280×720 and 1600×1000, in
normal and projector mode, in English and Chinese, the main figure and the controls a student changes most
lie on the first screen together; no text is clipped (there and in projector mode at 1920×1080); projector
mode's main figure is at least as large as normal mode's.

The pages, their figures and controls are the table ``tests/browser/classroom_screens.py``. Each address
(page × mode × language) is loaded once; its viewports are measured on that load, after resizing.
"""

from __future__ import annotations

import itertools

import pytest

from tests.browser.classroom_screens import (
    LANGUAGES,
    MODES,
    ONE_SCREEN_VIEWPORTS,
    PROJECTOR_VIEWPORTS,
    SCREEN_NAMES,
    VIEWPORTS,
    key,
    open_screen,
    screen_named,
    viewport_name,
)
from tests.browser.plotly_dom import trace_xy, wait_until_settled
from tests.browser.screen_geometry import TOLERANCE, Box, Layout, describe_clipped, measure, measure_when_still
from tests.browser.server import fresh_page
from tests.browser.test_explorer_e2e import FIRST_PATH, wait_until_changed

pytestmark = pytest.mark.browser

SHOWN_CLIPPED = 12  # offenders listed in a failure message; the rest are counted


class Measurements:
    """Each address loaded once in one reused tab, all its viewports measured on that load."""

    def __init__(self, tab, base_url: str) -> None:
        self.tab, self.base_url = tab, base_url
        self.layouts: dict[tuple[str, str, str], dict[tuple[int, int], Layout] | Exception] = {}

    def layout(self, name: str, viewport: tuple[int, int], mode: str, language: str) -> Layout:
        address = (name, mode, language)
        if address not in self.layouts:
            screen = screen_named(name)
            try:
                open_screen(self.tab, self.base_url, screen, mode, language, VIEWPORTS[0])
                measured = {}
                for size in VIEWPORTS:
                    self.tab.set_viewport_size({"width": size[0], "height": size[1]})
                    measured[size] = measure_when_still(self.tab, key(screen.figure), screen.controls)
            except Exception as error:  # told once per test of this address, not waited for again each time
                self.layouts[address] = error
                raise
            self.layouts[address] = measured
        if isinstance(found := self.layouts[address], Exception):
            raise AssertionError(f"{name} {mode} {language} could not be measured: {found}")
        return found[viewport]


@pytest.fixture(scope="module")
def measurements(browser, app_server):
    with fresh_page(browser, *VIEWPORTS[0]) as tab:
        yield Measurements(tab, app_server.url)


def _cases(viewports) -> list:
    return [pytest.param(name, size, mode, language, id=f"{name}-{viewport_name(size)}-{mode}-{language}")
            for name, size, mode, language in itertools.product(SCREEN_NAMES, viewports, MODES, LANGUAGES)]


@pytest.mark.parametrize(("name", "viewport", "mode", "language"), _cases(ONE_SCREEN_VIEWPORTS))
def test_the_figure_and_the_controls_are_on_the_first_screen(measurements, name, viewport, mode, language):
    layout = measurements.layout(name, viewport, mode, language)
    if problems := layout.one_screen_problems():
        pytest.fail(f"{name} {viewport_name(viewport)} {mode} {language}:\n  " + "\n  ".join(problems), pytrace=False)


CLIPPING_CASES = _cases(ONE_SCREEN_VIEWPORTS) + [
    case for case in _cases(PROJECTOR_VIEWPORTS) if case.values[2] == "projector"]


@pytest.mark.parametrize(("name", "viewport", "mode", "language"), CLIPPING_CASES)
def test_no_text_is_clipped(measurements, name, viewport, mode, language):
    layout = measurements.layout(name, viewport, mode, language)
    assert layout.texts_read["html"] >= 10 and layout.texts_read["plotly"] >= 5, \
        f"the clipping check saw too few texts to prove anything: {layout.texts_read}"
    lines = [describe_clipped(offender) for offender in layout.clipped[:SHOWN_CLIPPED]]
    if len(layout.clipped) > SHOWN_CLIPPED:
        lines.append(f"… and {len(layout.clipped) - SHOWN_CLIPPED} more")
    if layout.clipped:
        pytest.fail(f"{name} {viewport_name(viewport)} {mode} {language}: {len(layout.clipped)} clipped:\n  "
                    + "\n  ".join(lines), pytrace=False)


def _size(box: Box) -> str:
    width, height = box.right - box.left, box.bottom - box.top
    return f"{width:.0f}×{height:.0f} = {box.area:,.0f} px²"


@pytest.mark.parametrize(("name", "viewport", "language"), [
    pytest.param(name, size, language, id=f"{name}-{viewport_name(size)}-{language}")
    for name, size, language in itertools.product(SCREEN_NAMES, VIEWPORTS, LANGUAGES)])
def test_projector_mode_draws_the_figure_at_least_as_large(measurements, name, viewport, language):
    normal = measurements.layout(name, viewport, "normal", language).figure
    projected = measurements.layout(name, viewport, "projector", language).figure
    assert normal is not None and projected is not None, f"figure not found: normal {normal}, projector {projected}"
    rounding = 2 * TOLERANCE * (normal.right - normal.left + normal.bottom - normal.top)
    if projected.area < normal.area - rounding:
        pytest.fail(f"{name} {viewport_name(viewport)} {language}: projector figure {_size(projected)} "
                    f"< normal {_size(normal)}", pytrace=False)
    # ... and on the explorer, the page the class watches, so is what it draws on: larger fonts must not eat
    # the map inside a larger chart. (The inspector's six-row legend and the tour's panels do, at 1280×720.)
    if name != "explorer":
        return
    normal_plot = measurements.layout(name, viewport, "normal", language).plot_area
    projected_plot = measurements.layout(name, viewport, "projector", language).plot_area
    assert normal_plot > 0, f"{name}: no plot area found"
    if projected_plot < normal_plot * 0.99:
        pytest.fail(f"{name} {viewport_name(viewport)} {language}: projector plot area {projected_plot:,.0f} px² "
                    f"< normal {normal_plot:,.0f} px²", pytrace=False)


def test_a_resized_page_measures_as_a_freshly_opened_one(browser, app_server, measurements):
    """The harness measures the later viewports after resizing the window: that must be what a teacher who
    opens the page at that size sees."""
    screen, viewport = screen_named("explorer"), VIEWPORTS[1]
    resized = measurements.layout(screen.name, viewport, "normal", "en")
    with fresh_page(browser, *viewport) as tab:
        open_screen(tab, app_server.url, screen, "normal", "en", viewport)
        fresh = measure_when_still(tab, key(screen.figure), screen.controls)
    for what, one, other in [("figure", resized.figure, fresh.figure),
                             *((name, resized.controls[name], fresh.controls[name]) for name in screen.controls)]:
        assert one is not None and other is not None, (what, one, other)
        for side in ("left", "top", "right", "bottom"):
            assert getattr(one, side) == pytest.approx(getattr(other, side), abs=TOLERANCE), (what, one, other)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_changing_the_learning_rate_shows_the_new_path_without_scrolling(browser, app_server, mode, language):
    """A teacher at 1280×720 moves optimizer 1's η with the keyboard: the race map's path changes and the map
    stays wholly on the screen, the page unscrolled (focusing a control below the fold would scroll to it),
    in both modes and both languages."""
    with fresh_page(browser, *ONE_SCREEN_VIEWPORTS[0]) as tab:
        tab.goto(app_server.url + screen_named("explorer").address(mode, language))
        tab.wait_for_selector(f"{key('race_chart')} .main-svg", timeout=60_000)
        wait_until_settled(tab)
        before = trace_xy(tab, "race_chart", FIRST_PATH)
        assert before[0], "the race map shows no path for optimizer 1"
        tab.locator(f"{key('lr0')} input[type='range']").focus()  # scrolls the page if the slider is off screen
        tab.keyboard.press("ArrowRight")
        after = wait_until_changed(lambda: trace_xy(tab, "race_chart", FIRST_PATH), before)
        wait_until_settled(tab)
        layout = measure(tab, key("race_chart"), {"learning rate": key("lr0")}, to_top=False)
    assert (after[0][0], after[1][0]) == (before[0][0], before[1][0]) and after != before  # same start, new path
    problems = layout.one_screen_problems()
    if layout.scroll:
        problems.insert(0, f"the page scrolled by {layout.scroll:.0f} px")
    if problems:
        pytest.fail(f"explorer 1280x720 {mode} {language} after a change of η:\n  " + "\n  ".join(problems), pytrace=False)
