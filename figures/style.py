"""Colours, sizes and the frame budget shared by every figure, and the :class:`Look` that dresses them.

Colours are the Okabe-Ito palette (safe for colour-blind viewers and readable on a projector).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from i18n import LANGUAGES, text

RUN_COLOURS = ("#E69F00", "#56B4E9", "#D55E00", "#CC79A7", "#009E73", "#0072B2")
START_COLOUR = "#ffffff"
MAX_FRAMES = 120


def run_colour(index: int) -> str:
    """Colour of the ``index``-th optimizer, the same on every chart of a page."""
    return RUN_COLOURS[index % len(RUN_COLOURS)]


def subsample(length: int, budget: int) -> np.ndarray:
    """At most ``budget`` increasing indices into ``range(length)``, always keeping the first and last."""
    if length <= 0:
        return np.zeros(0, dtype=int)
    if length <= budget:
        return np.arange(length)
    return np.unique(np.linspace(0, length - 1, budget).round().astype(int))


# The trace types the figures draw: the only ones whose defaults the templates keep.
DRAWN_TRACES = ("scatter", "scatter3d", "surface", "contour", "heatmap", "bar")


def slim_template(name: str) -> go.layout.Template:
    """Plotly's template ``name`` keeping the layout and the defaults of only the trace types drawn here.

    Plotly deep-copies a template every time a figure gets one (every new figure gets the default
    one, then ``dress`` sets the look's); its built-in templates carry defaults for some forty trace
    types, and copying them took a third of the explorer's figure building (measured: 240 → 150 ms).
    """
    full = pio.templates[name]
    return go.layout.Template(layout=full.layout, data={kind: full.data[kind] for kind in DRAWN_TRACES})


TEMPLATES = {False: "lab_light", True: "lab_dark"}
pio.templates[TEMPLATES[False]] = slim_template("plotly_white")
pio.templates[TEMPLATES[True]] = slim_template("plotly_dark")
pio.templates.default = TEMPLATES[False]


@dataclass(frozen=True)
class Palette:
    """The colours that follow the theme.

    ``ink`` draws lines and outlines on the figure's own background (slices, outlines, the escape
    arrow), ``paper`` fills markers that must stand out against the ink. The run colours and the
    landscape's raster are the same in both themes.
    """

    ink: str
    paper: str
    isoline: str
    start: str
    legend_background: str


LIGHT = Palette(ink="#111111", paper="#ffffff", isoline="rgba(25, 25, 25, 0.45)", start=START_COLOUR,
                legend_background="rgba(255,255,255,0.6)")
DARK = Palette(ink="#f0f0f0", paper="#111111", isoline="rgba(240, 240, 240, 0.45)", start="#F0E442",
               legend_background="rgba(14,17,23,0.6)")


@dataclass(frozen=True)
class Look:
    """How a figure is dressed for its audience: the language of its text, projector mode, dark theme.

    Projector mode is for a classroom wall: larger fonts, thicker lines and bigger markers. ``dark``
    follows the app's theme. Figures take ``look: Look = Look()``; the defaults are a laptop in English.
    """

    language: str = "en"
    projector: bool = False
    dark: bool = False

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown language {self.language!r}; choose one of: {', '.join(LANGUAGES)}")

    @property
    def font_size(self) -> int:
        # 18 on a projector (×1.4): at 20 the margins, which grow with the font, took so much of a 720 px
        # window that the explorer's map itself came out smaller than on a laptop.
        return 18 if self.projector else 13

    @property
    def line_width(self) -> float:
        return 4.5 if self.projector else 2.5

    @property
    def marker_size(self) -> int:
        return 16 if self.projector else 10

    @property
    def template(self) -> str:
        return TEMPLATES[self.dark]

    @property
    def palette(self) -> Palette:
        return DARK if self.dark else LIGHT

    @property
    def font_scale(self) -> float:
        """Font size relative to a laptop's (1.0 there): margins and control offsets grow with it."""
        return self.font_size / LAPTOP_FONT_SIZE

    def line(self, width: float) -> float:
        """A line drawn ``width`` pixels wide on a laptop, as wide as this look draws it (×1.8 on a projector)."""
        return width * self.line_width / LAPTOP_LINE_WIDTH

    def marker(self, size: float) -> float:
        """A marker ``size`` pixels across on a laptop, as big as this look draws it (×1.6 on a projector)."""
        return size * self.marker_size / LAPTOP_MARKER_SIZE

    def margin(self, **sides: float) -> dict[str, float]:
        """Plot margins (``l``, ``r``, ``t``, ``b`` in laptop pixels) grown with the font."""
        return {side: round(pixels * self.font_scale) for side, pixels in sides.items()}

    def text(self, key: str, /, **values: object) -> str:
        """The catalogue text of ``key`` in this look's language (see :func:`i18n.text`)."""
        return text(key, self.language, **values)


LAPTOP_FONT_SIZE = 13
LAPTOP_LINE_WIDTH = 2.5
LAPTOP_MARKER_SIZE = 10


@cache
def _template_spec(dark: bool) -> dict:
    return copy.deepcopy(pio.templates[TEMPLATES[dark]].to_plotly_json())


def look_layout(look: Look, **layout: object) -> dict:
    """A spec's ``layout`` dressed like :func:`dress` does a figure: the look's template (as a dict:
    plotly.js knows no template names) and font sizes, then ``layout``.

    The template dict is shared by every spec of the same theme: read it, never change it.
    """
    return {"template": _template_spec(look.dark), "font": {"size": look.font_size},
            "hoverlabel": {"font": {"size": look.font_size}}, **layout}


def dress(figure: go.Figure, look: Look) -> go.Figure:
    """Give a finished figure the look's template and font size (axes, legend, hover labels, controls).

    Annotations (subplot titles) keep their own size, a little above the body text. Returns ``figure``.
    """
    look_settings = {"font": {"size": look.font_size}, "hoverlabel": {"font": {"size": look.font_size}}}
    # Every new figure already holds a copy of the default template: copying it again cost a sixth of
    # an inspector rerun (plotly deep-copies a template each time one is set).
    if look.template != pio.templates.default:
        look_settings["template"] = look.template
    figure.update_layout(**look_settings)
    figure.update_annotations(font_size=look.font_size + 2)
    return figure
