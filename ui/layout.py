"""The classroom screen: every page opens on one screen holding its main figure and the controls a
student changes most, at 1280×720 as at 1600×1000, in projector mode too.

A page is laid out as

    stage    the main figure | the title, the formula and the controls changed most
             (side by side from the top of the screen, visible without scrolling)
    details  everything else: more figures, exports, explanations (below, scrolled to)

Projector mode (``?proj=true``) is for the back row: the root font grows (every rem-sized thing with
it), the figures draw thicker lines and larger text (``figures.style.Look``), and the sidebar folds away
(its » arrow opens it again) so that the figure gets the width the larger controls take.
"""

from __future__ import annotations

import streamlit as st

from figures.style import Look
from scenes.explorer import MAP_HEIGHT

# Streamlit's wide layout pads the main block 6rem at the top (under the top navigation bar, ~3.75rem)
# and 5rem at each side; the classroom screen needs those pixels for the figure.
COMPACT_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding: 4.25rem 1.5rem 2rem 1.5rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.6rem; padding: 0.1rem 0 0.2rem 0; }
[data-testid="stMainBlockContainer"] [data-testid="stHeadingWithActionElements"] h1 + div { display: none; }
[data-testid="stMainBlockContainer"] .katex-display { margin: 0.2em 0; }
</style>
"""
PROJECTOR_CSS = """
<style>
html { font-size: 20px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.1rem; }
[data-testid="stWidgetLabel"] p { font-size: 1.0rem; }
</style>
"""
# The stage's columns: the figure's share of the width against the controls'. The projector's larger
# controls need more of the width, which the folded sidebar gives back.
STAGE_WIDTHS = {False: (1.0, 1.0), True: (1.1, 1.0)}
# The main figure's height in pixels as the server draws it (exports, tests); the browser then fits it to
# the window (``screen_fit``): header + figure fit a 720 px high window, and fill a 1080 px one.
STAGE_FIGURE_HEIGHT = {False: MAP_HEIGHT, True: 540}
FIT_MIN_HEIGHT = 380  # below this a map is too small to read: the page scrolls instead
FIT_MAX_HEIGHT = 1400
FIT_GAP = 12  # pixels left free under the figure, at the window's bottom edge
LEGEND_ROOM = 30  # pixels a one-row legend takes above a map, with laptop fonts
LEGEND_ROW = 20  # pixels each further row takes


def screen_css(look: Look) -> str:
    """The style rules of the classroom screen for ``look`` (compact margins; larger text on a projector)."""
    return COMPACT_CSS + (PROJECTOR_CSS if look.projector else "")


def sidebar_state(projector: bool) -> str:
    """How the sidebar starts: folded away on a projector, open on a laptop."""
    return "collapsed" if projector else "expanded"


def page_header(title: str, latex: str | None = None) -> None:
    """The page's title and, under it, its formula (if any): at the top of the stage's control column, so
    that the figure beside them starts at the top of the screen and gets its whole height."""
    st.title(title)
    if latex is not None:
        st.latex(latex)


def stage(look: Look, widths: tuple[float, float] | None = None):
    """The two columns of the stage: ``(figure, controls)``, both starting at the top of the screen;
    ``widths`` their shares of the width, when a page's figure wants more of it than a map does."""
    return st.columns(widths or STAGE_WIDTHS[look.projector], gap="medium")


def screen_fit(look: Look, aspect: float | None = None, below: int = 0, legend_rows: int = 1) -> dict:
    """How the browser sizes the stage's figure (``components.live_chart``): as high as the window leaves
    room for under the figure's top, less ``below`` pixels (laptop fonts) for a caption under it; a map
    (``aspect``: its drawn height over its width) no higher than its width needs, plus its legend's
    ``legend_rows`` above it."""
    fit = {"min": FIT_MIN_HEIGHT, "max": FIT_MAX_HEIGHT, "gap": FIT_GAP + round(below * look.font_scale)}
    if aspect is not None:
        legend = LEGEND_ROOM + LEGEND_ROW * max(legend_rows - 1, 0)
        fit |= {"aspect": aspect, "extra": round(legend * look.font_scale)}
    return fit


def legend_entries(figure: dict) -> int:
    """How many entries a figure spec's legend lists (the inspector's long names stand one per row)."""
    return sum(1 for trace in figure["data"] if trace.get("showlegend") is not False and trace.get("name"))


def stage_figure_height(look: Look) -> int:
    """How high the stage's figure is drawn (pixels, before a map's own aspect lowers it)."""
    return STAGE_FIGURE_HEIGHT[look.projector]
