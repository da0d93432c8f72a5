"""The screens a teacher projects, as data: each page's address, main figure and the controls a student changes most.

Read by the one-screen browser tests (``test_one_screen_e2e.py``) and by the layout screenshots
(``docs/make_layout_screenshots.py``). When a page's layout changes, change its row here: a figure or
a control is named by its Streamlit key (``key=...`` in ``pages/*.py``), or by any CSS selector.

Each address is opened once per mode and language, at the first viewport; the other viewports are
measured on the same load after resizing the window (``test_one_screen_e2e`` checks that a resized
page measures as a freshly opened one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.plotly_dom import wait_for_chart, wait_until_settled


def key(name: str) -> str:
    """The CSS selector of the element Streamlit draws for the widget or container with key ``name``."""
    return f".st-key-{name}"


@dataclass(frozen=True)
class Screen:
    """A page as the tests see it: where it is, its main figure's key, its controls (name → CSS selector)."""

    name: str
    path: str
    query: Mapping[str, str]
    figure: str
    controls: Mapping[str, str]

    def address(self, mode: str, language: str) -> str:
        """Path and query of this page in ``mode`` (a key of MODES) and ``language`` (a key of LANGUAGES)."""
        query = {**self.query, **MODES[mode], **LANGUAGES[language]}
        return self.path + (f"?{urlencode(query)}" if query else "")


def _tour(scene: str, figure: str, opens: tuple[str, ...]) -> Screen:
    """A tour scene: its preview, the scene menu and its open button(s)."""
    return Screen(f"tour-{scene}", "/tour", {"scene": scene}, figure,
                  {"scene menu": key("scene_menu"), **{f"open {name}": key(name) for name in opens}})


SCREENS = (
    # Optimizer 1 as momentum, so that it has the rule menu, η and the momentum slider (GD, its default, has no λ).
    Screen("explorer", "/", {"opt0": "momentum"}, "race_chart",
           {"rule": key("opt0_menu"), "learning rate": key("lr0"), "momentum": key("mom0"),
            "start x": key("x0"), "start y": key("y0")}),
    Screen("inspector", "/inspector", {}, "inspector_chart",
           {"point x": key("px"), "point y": key("py"),
            "verdict": f"{key('point_report')} [data-testid='stAlert']"}),
    Screen("network", "/network", {}, "network_scatter",
           {"runs": key("net_runs"), "hidden units": key("net_hidden"), "training steps": key("net_steps"),
            "run": key("net_run_menu")}),
    Screen("lab", "/lab", {}, "lab_chart",
           {"data": key("lab_data_menu"), "width": key("lab_width"), "rule": key("lab_opt0_menu"),
            "learning rate": key("lab_lr0"), "epochs": key("lab_epochs")}),
    Screen("experiment", "/experiment", {"exp": "batch_size"}, "exp_batch_size_slice",
           {"experiment": key("exp_menu"), "figure": key("exp_view_menu"), "results": key("exp_src_menu")}),
    _tour("momentum", "tour_momentum", ("open_momentum",)),
    _tour("real_batch_size", "tour_real_batch_size", ("open_real_batch_size",)),
    _tour("decay", "tour_decay", ("open_decay",)),
    _tour("loss_function", "tour_loss_function",
          ("open_loss_function_classifier_mse", "open_loss_function_classifier_ce")),
)
SCREEN_NAMES = tuple(screen.name for screen in SCREENS)

ONE_SCREEN_VIEWPORTS = ((1280, 720), (1600, 1000))  # figure and controls together, nothing clipped
PROJECTOR_VIEWPORTS = ((1920, 1080),)  # projector mode here: nothing clipped, the figure no smaller
VIEWPORTS = ONE_SCREEN_VIEWPORTS + PROJECTOR_VIEWPORTS
MODES = {"normal": {}, "projector": {"proj": "true"}}
LANGUAGES = {"en": {}, "zh": {"lang": "zh"}}


def screen_named(name: str) -> Screen:
    return next(screen for screen in SCREENS if screen.name == name)


def viewport_name(viewport: tuple[int, int]) -> str:
    return "{}x{}".format(*viewport)


def open_screen(tab, base_url: str, screen: Screen, mode: str, language: str, viewport: tuple[int, int],
                timeout: float = 60_000) -> None:
    """Load the page at ``viewport`` and wait until its main figure is drawn and Streamlit has finished.

    A figure that never appears is not an error here: the measurement then reports it as not found,
    which says more than a timeout.
    """
    tab.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    tab.goto(base_url + screen.address(mode, language))
    try:
        wait_for_chart(tab, screen.figure, timeout=timeout)
    except PlaywrightTimeoutError:
        pass
    wait_until_settled(tab, quiet=0.5, timeout=60.0)
