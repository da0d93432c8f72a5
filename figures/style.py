"""Colours, sizes and the frame budget shared by every figure.

Colours are the Okabe-Ito palette (safe for colour-blind viewers and readable on a projector).
"""

from __future__ import annotations

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
