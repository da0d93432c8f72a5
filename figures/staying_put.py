"""A run that stays put, marked so: otherwise its path hides under the start marker and it looks missing.

Gradient descent started exactly on a saddle (the lecture toy's (0, 0)) has ‖g‖ = 0 and never moves: the
lecture's point, and the map must show it. A run *stays put* when it made at least one update and no
point of its path is farther from its start than ``STAYS_PUT_SHARE`` of the map's diagonal: what decides
whether its trail shows beyond the start marker (0.5 % is ~3 px of a 520 px map, under the marker's
7 px radius). The farthest point, not the path's length: a run trembling in place is as hidden as one
that never moved.

Each such run gets a ring in its colour around the start (rings of several such runs nest) and, per
start point, a note with a dot in the colour of each run that stays there: that they stay put, and ‖g‖
there (the same for runs from the same start).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from figures.numbers import format_number
from figures.runs import RunPath
from figures.style import Look

STAYS_PUT_SHARE = 0.005
RING_SIZE = 24  # laptop pixels across the innermost ring (the start marker is 14)
RING_STEP = 9  # each further ring is this much wider
NOTE_OFFSET = 36  # pixels from the start up (or down) to the first note
NOTE_SPACING = 26  # pixels between two notes


def stays_put(points: np.ndarray, x_range: tuple[float, float], y_range: tuple[float, float]) -> bool:
    """Whether a path (n, 2) made at least one update and never got farther from its start than
    ``STAYS_PUT_SHARE`` of the diagonal of the map ``x_range`` × ``y_range``."""
    if len(points) < 2:
        return False
    diagonal = math.hypot(x_range[1] - x_range[0], y_range[1] - y_range[0])
    farthest = float(np.max(np.hypot(*(points - points[0]).T)))
    return farthest <= STAYS_PUT_SHARE * diagonal


def _gradient_words(run: RunPath, look: Look) -> str:
    if run.gradient_norms is None or not len(run.gradient_norms):
        return ""
    norm = float(run.gradient_norms[0])
    return look.text("race_picture.stays_put.gradient", norm="0" if norm == 0 else format_number(norm))


def staying_put_marks(runs: Sequence[RunPath], still: Sequence[bool], x_range: tuple[float, float],
                      y_range: tuple[float, float], look: Look) -> tuple[list[dict], list[dict]]:
    """The ring trace (none when no run stays put) and the notes: one per start point where runs stay put
    (``still[i]``), a dot in each such run's colour, then what it is."""
    staying = [run for run, stays in zip(runs, still) if stays]
    if not staying:
        return [], []
    starts = np.array([run.points[0] for run in staying])
    ring = {
        "type": "scatter", "x": starts[:, 0].tolist(), "y": starts[:, 1].tolist(), "mode": "markers",
        "name": look.text("race_picture.stays_put.legend"), "showlegend": False, "hoverinfo": "skip",
        "marker": {"symbol": "circle-open", "color": [run.colour for run in staying],
                   "size": [look.marker(RING_SIZE + RING_STEP * order) for order in range(len(staying))],
                   "line": {"width": look.line(2.5)}},
    }
    places: dict[tuple[float, float], list[RunPath]] = {}
    for run in staying:
        places.setdefault((float(run.points[0, 0]), float(run.points[0, 1])), []).append(run)
    notes = []
    for order, ((x, y), together) in enumerate(places.items()):
        upper_half = y > (y_range[0] + y_range[1]) / 2
        side = min(int(3 * (x - x_range[0]) / (x_range[1] - x_range[0])), 2)  # which third of the map's width
        dots = "".join(f"<span style='color:{run.colour}'>●</span>" for run in together)
        notes.append({
            "x": x, "y": y, "xref": "x", "yref": "y",
            "text": f"{dots} {look.text('race_picture.stays_put.note')}{_gradient_words(together[0], look)}",
            "showarrow": True, "arrowhead": 0, "arrowcolor": look.palette.ink, "arrowwidth": look.line(1), "ax": 0,
            # notes go towards the map's middle, not off its edge
            "ay": (1 if upper_half else -1) * (NOTE_OFFSET + NOTE_SPACING * order) * look.font_scale,
            "xanchor": ("left", "center", "right")[side], "font": {"color": look.palette.ink},
            "bgcolor": look.palette.legend_background, "bordercolor": together[0].colour,
            "borderwidth": look.line(1.5), "borderpad": 2,
        })
    return [ring], notes
