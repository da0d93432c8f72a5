"""The static background of the contour maps: a colour image of the loss plus its iso-lines.

Why not ``go.Contour``: in an animation whose frames redraw only the moving traces
(``redraw=False``), a contour background vanishes once Play starts. A layout image and one plain
line trace stay, and keep each frame cheap (~31 ms, see ``/work/shared/FINDINGS.md``).

Build the layers once per surface with :func:`landscape_layers` (cacheable: it holds only arrays,
numbers and a string), then draw them under a spec's traces with :func:`landscape_parts`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from figures.isolines import contour_levels, iso_lines
from figures.map_scale import MapScale, map_scale
from figures.raster import LogScale, colour_raster, height_scale
from figures.spec import packed
from figures.style import LIGHT, Look

ISOLINE_COLOUR = LIGHT.isoline
ISOLINE_WIDTH = 1.0


@dataclass(frozen=True, eq=False)
class Landscape:
    """A loss grid ready to draw: its colour image, its iso-lines and where both belong.

    ``x_range``/``y_range`` run from the first to the last grid point (the axis ranges).
    The image reaches half a cell further on each side, so that every pixel is centred on its
    grid point. ``line_x``/``line_y`` hold all iso-lines, NaN between polylines (float32: the
    coordinates are already rounded to a twentieth of a cell, and the figure JSON halves).
    """

    image_uri: str
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    image_x_range: tuple[float, float]
    image_y_range: tuple[float, float]
    line_x: np.ndarray
    line_y: np.ndarray
    levels: np.ndarray
    z_min: float
    z_max: float
    logarithmic: bool

    @property
    def scale(self) -> MapScale:
        """How the map is drawn: to scale, or with y stretched by a round factor (:mod:`figures.map_scale`)."""
        return map_scale(self.x_range, self.y_range)


def _even_spacing(values: np.ndarray, name: str) -> float:
    """The step of an evenly spaced, increasing coordinate array (an image has square-cut pixels)."""
    steps = np.diff(values)
    if len(values) < 2 or not np.all(np.isfinite(values)) or steps[0] <= 0 \
            or not np.allclose(steps, steps[0], rtol=1e-6, atol=0.0):
        raise ValueError(f"{name} must be at least 2 evenly spaced, increasing, finite values")
    return float(steps[0])


def _read_only(values: np.ndarray) -> np.ndarray:
    values.setflags(write=False)
    return values


def landscape_layers(xs, ys, z, *, colorscale: str = "Viridis", level_count: int = 15,
                     log_scale: LogScale = "auto") -> Landscape:
    """Colour image and iso-lines of ``z[i, j] = L(xs[j], ys[i])``, both on the same height scale.

    ``log_scale="auto"`` switches to a logarithmic scale for wide ranges (see
    :func:`figures.raster.height_scale`); the levels are then log-spaced too.
    """
    xs, ys, z = (np.asarray(values, dtype=float) for values in (xs, ys, z))
    if xs.ndim != 1 or ys.ndim != 1 or z.shape != (len(ys), len(xs)):
        raise ValueError(f"need z of shape (len(ys), len(xs)); got z {z.shape}, xs {xs.shape}, ys {ys.shape}")
    half_x, half_y = _even_spacing(xs, "xs") / 2, _even_spacing(ys, "ys") / 2
    scale = height_scale(z, log_scale)
    levels = contour_levels(z, level_count, log_scale)
    line_x, line_y = iso_lines(xs, ys, z, levels)
    return Landscape(
        image_uri=colour_raster(z, colorscale=colorscale, log_scale=log_scale),
        x_range=(float(xs[0]), float(xs[-1])),
        y_range=(float(ys[0]), float(ys[-1])),
        image_x_range=(float(xs[0] - half_x), float(xs[-1] + half_x)),
        image_y_range=(float(ys[0] - half_y), float(ys[-1] + half_y)),
        line_x=_read_only(line_x.astype(np.float32)),
        line_y=_read_only(line_y.astype(np.float32)),
        levels=_read_only(levels),
        z_min=scale.minimum,
        z_max=scale.minimum + scale.span,
        logarithmic=scale.logarithmic,
    )


def _isoline_style(look: Look) -> dict:
    """How the iso-lines are drawn: thin, dark on a light look and light on a dark one, no hover."""
    return {"mode": "lines", "name": "iso-lines", "connectgaps": False, "hoverinfo": "skip", "showlegend": False,
            "line": {"color": look.palette.isoline, "width": look.line(ISOLINE_WIDTH)}}


def _image_and_axes(landscape: Landscape, xref: str, yref: str) -> tuple[dict, dict]:
    """The layout image on axes ``xref``/``yref`` and the settings of both axes (``{"x": ..., "y": ...}``:
    the grid's range, no autorange padding, no grid lines, the map's scale). The image is placed in data
    units, so it stays on the grid when the scale shrinks an axis's domain."""
    (image_x0, image_x1), (image_y0, image_y1) = landscape.image_x_range, landscape.image_y_range
    image = {
        "source": landscape.image_uri, "xref": xref, "yref": yref, "x": image_x0, "y": image_y1,
        "sizex": image_x1 - image_x0, "sizey": image_y1 - image_y0, "xanchor": "left", "yanchor": "top",
        "sizing": "stretch", "layer": "below",
    }
    fixed = {"autorange": False, "showgrid": False, "zeroline": False}
    x_scale, y_scale = landscape.scale.axes()
    y_scale = {**y_scale, "scaleanchor": xref}
    return image, {"x": {"range": list(landscape.x_range), **fixed, **x_scale},
                   "y": {"range": list(landscape.y_range), **fixed, **y_scale}}


def landscape_parts(landscape: Landscape, *, look: Look = Look(), xref: str = "x",
                    yref: str = "y") -> tuple[dict, dict, dict]:
    """The landscape as spec parts on axes ``xref``/``yref``: the iso-line trace, the layout image and
    the settings both axes take.

    Returns ``(trace, image, axes)`` with ``axes = {"x": {...}, "y": {...}}``.
    """
    trace = {"type": "scatter", "x": packed(landscape.line_x, np.float32), "y": packed(landscape.line_y, np.float32),
             "xaxis": xref, "yaxis": yref, **_isoline_style(look)}
    return (trace, *_image_and_axes(landscape, xref, yref))
