"""Colours, sizes and the frame budget shared by every figure.

Colours are the Okabe-Ito palette (safe for colour-blind viewers and readable on a projector).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RUN_COLOURS = ("#E69F00", "#56B4E9", "#D55E00", "#CC79A7", "#009E73", "#0072B2")
START_COLOUR = "#ffffff"
MAX_FRAMES = 120
MAX_PATH_POINTS = 400
SWEEP_PATH_POINTS = 160


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


@dataclass(frozen=True)
class Look:
    """How a figure is dressed for its audience: the language of its text, projector mode, dark theme.

    Projector mode is for a classroom wall: larger fonts, thicker lines and bigger markers. ``dark``
    follows the app's theme. Figures take ``look: Look = Look()``; the defaults are a laptop in English.
    """

    language: str = "en"
    projector: bool = False
    dark: bool = False

    @property
    def font_size(self) -> int:
        return 20 if self.projector else 13

    @property
    def line_width(self) -> float:
        return 4.5 if self.projector else 2.5

    @property
    def marker_size(self) -> int:
        return 16 if self.projector else 10

    @property
    def template(self) -> str:
        return "plotly_dark" if self.dark else "plotly_white"
