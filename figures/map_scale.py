r"""One unit of x as long on screen as one unit of y: the scale of every contour map.

A direction on a map is only the direction it names when both axes have the same pixels per unit.
With plotly's default (each axis fills its side) the lecture toy's escape along (1, 1) was drawn at
~25° on a wide chart, and "the gradient is perpendicular to the contour" looked false. So the y axis
is tied to the x axis (``scaleanchor``) and plotly shrinks the axis with room to spare
(``constrain="domain"``: the ranges stay those of the grid, so the landscape image still lines up).

A domain far longer than it is high (a formula on x ∈ [−100, 100], y ∈ [−1, 1]) would be drawn as a
line. Beyond ``EQUAL_SCALE_LIMIT`` the y axis is stretched by a round factor k (``scaleratio``: one
unit of y spans k times the pixels of one unit of x, or 1/k the other way round), so that the drawn
map is at most ``EQUAL_SCALE_LIMIT`` times longer than high, and the map says so in a note.
Every built-in surface is within the limit (the ravine, 10 × 4, is the widest).

The figure's height follows the drawn aspect: a wide map in a chart as tall as a square one would
float in empty space, so :func:`fitted_height` lowers the chart to what a typical width needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from figures.style import Look

EQUAL_SCALE_LIMIT = 3.0  # the longest side of a drawn map over its shortest, before the axes stop being to scale
ROUND_FACTORS = (1.0, 2.0, 5.0)  # stretch factors are 1, 2 or 5 times a power of ten


def _round_up(value: float) -> float:
    """The smallest 1, 2 or 5 × 10ⁿ that is at least ``value`` (> 0)."""
    power = 10.0 ** math.floor(math.log10(value))
    for factor in (*ROUND_FACTORS, 10.0):
        if factor * power >= value * (1 - 1e-12):
            return factor * power
    raise AssertionError("unreachable: 10 × 10ⁿ ≥ value")


@dataclass(frozen=True)
class MapScale:
    r"""How a map of ``x_range`` × ``y_range`` is drawn.

    ``y_stretch`` = (pixels per unit of y) / (pixels per unit of x): 1 when the map is to scale. The
    drawn aspect (height over width, on screen) is :math:`\frac{\Delta y}{\Delta x}\cdot` ``y_stretch``.
    """

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    y_stretch: float

    @property
    def to_scale(self) -> bool:
        return self.y_stretch == 1.0

    @property
    def drawn_aspect(self) -> float:
        """Height over width of the drawn map."""
        return (self.y_range[1] - self.y_range[0]) / (self.x_range[1] - self.x_range[0]) * self.y_stretch

    def axes(self) -> tuple[dict, dict]:
        """The plotly settings of the x and the y axis that draw the map at this scale."""
        return ({"constrain": "domain"},
                {"scaleanchor": "x", "scaleratio": self.y_stretch, "constrain": "domain"})

    def note(self, look: Look = Look()) -> str | None:
        """What a student must know about a map not to scale (``None`` when it is to scale)."""
        if self.to_scale:
            return None
        stretched, other = ("y", "x") if self.y_stretch > 1 else ("x", "y")
        factor = max(self.y_stretch, 1 / self.y_stretch)
        return look.text("figures.not_to_scale", stretched=stretched, other=other, factor=f"{factor:g}")


def map_scale(x_range: tuple[float, float], y_range: tuple[float, float]) -> MapScale:
    """Equal scales when the domain is at most ``EQUAL_SCALE_LIMIT`` times longer than high (or high than
    long), else the round stretch of y that brings the drawn map within the limit."""
    width, height = x_range[1] - x_range[0], y_range[1] - y_range[0]
    if not (width > 0 and height > 0 and math.isfinite(width) and math.isfinite(height)):
        raise ValueError(f"a map needs increasing, finite ranges, got x {x_range}, y {y_range}")
    aspect = height / width
    if aspect > EQUAL_SCALE_LIMIT:
        stretch = 1 / _round_up(aspect / EQUAL_SCALE_LIMIT)
    elif aspect < 1 / EQUAL_SCALE_LIMIT:
        stretch = _round_up(1 / (aspect * EQUAL_SCALE_LIMIT))
    else:
        stretch = 1.0
    return MapScale(tuple(x_range), tuple(y_range), stretch)


def fitted_height(scale: MapScale, height: int, margin: dict, typical_width: float) -> int:
    """The chart height (pixels) for a map drawn ``typical_width`` pixels wide, at most ``height``.

    ``margin`` holds the top and bottom margins (``t``, ``b``); a map higher than it is wide keeps
    ``height`` (it is then the width that shrinks).
    """
    plot_height = height - margin["t"] - margin["b"]
    needed = math.ceil(typical_width * scale.drawn_aspect)
    return height if needed >= plot_height else height - plot_height + needed


def note_annotation(scale: MapScale, look: Look = Look()) -> list[dict]:
    """The note of a map not to scale, inside the map's top left corner (none when it is to scale)."""
    note = scale.note(look)
    if note is None:
        return []
    return [{"text": note, "xref": "x domain", "yref": "y domain", "x": 0.01, "y": 0.99, "xanchor": "left",
             "yanchor": "top", "showarrow": False, "align": "left", "bgcolor": look.palette.legend_background,
             "font": {"color": look.palette.ink}}]
