"""A loss grid as a colour image: the background of the animated contour maps.

Plotly animations that redraw only the moving traces (``redraw=False``) lose a ``go.Contour``
background once Play starts, but keep a layout image. So the landscape is painted here as a PNG
(a ``data:`` URI for ``layout.images``) and its iso-lines are drawn as one plain line trace
(:mod:`figures.isolines`).

Heights reach the colour scale through a :class:`HeightScale`, shared with the iso-line levels so
that colour bands and lines agree. Loss surfaces often span orders of magnitude (Rosenbrock goes
from 0 to ~2500 while half its grid lies below ~140): a linear map would paint every basin the
same dark colour, so wide ranges get a logarithmic scale whose knee is chosen from the data.
"""

from __future__ import annotations

import base64
import functools
import io
from dataclasses import dataclass
from typing import Literal

import numpy as np
import plotly.colors
from PIL import Image
from plotly.exceptions import PlotlyError

WIDE_RANGE_RATIO = 5.0
COLOUR_STEPS = 255
TRANSPARENT_INDEX = COLOUR_STEPS  # the one palette entry left for non-finite heights

LogScale = bool | Literal["auto"]


@dataclass(frozen=True)
class HeightScale:
    r"""Maps heights to fractions of the colour scale, 0 at the lowest finite value and 1 at the highest.

    Linear (``knee is None``): :math:`f(z) = (z - z_{\min}) / S` with :math:`S = z_{\max} - z_{\min}`.

    Logarithmic: :math:`f(z) = \log(1 + (z - z_{\min})/k) \,/\, \log(1 + S/k)`. Heights well below
    the knee :math:`k` are spread linearly, heights above it by their order of magnitude.
    """

    minimum: float
    span: float
    knee: float | None = None

    @property
    def logarithmic(self) -> bool:
        return self.knee is not None

    def fraction(self, z: np.ndarray) -> np.ndarray:
        """Where each height falls on the colour scale, in [0, 1]; non-finite heights give NaN."""
        shifted = np.asarray(z, dtype=float) - self.minimum
        finite = np.isfinite(shifted)
        shifted = np.where(finite, shifted, 0.0)
        if self.span <= 0:
            fraction = np.zeros_like(shifted)
        elif self.knee is None:
            fraction = shifted / self.span
        else:
            fraction = np.log1p(np.maximum(shifted, 0.0) / self.knee) / np.log1p(self.span / self.knee)
        return np.where(finite, np.clip(fraction, 0.0, 1.0), np.nan)

    def height(self, fraction: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`fraction`: the height at each fraction of the colour scale."""
        fraction = np.asarray(fraction, dtype=float)
        if self.knee is None:
            return self.minimum + fraction * self.span
        return self.minimum + self.knee * np.expm1(fraction * np.log1p(self.span / self.knee))


def height_scale(z: np.ndarray, log_scale: LogScale = "auto") -> HeightScale:
    r"""The scale for the finite heights of ``z``.

    ``log_scale="auto"`` chooses the logarithmic scale when the range :math:`S` exceeds
    ``WIDE_RANGE_RATIO`` (5) times the median height above the minimum :math:`m`, that is when a
    linear map would squeeze half the grid into the bottom fifth of the colours. The knee
    :math:`k = m^2 / (S - 2m)` puts the median exactly halfway up the colour scale
    (solve :math:`\log(1 + m/k) = \tfrac12 \log(1 + S/k)`), whatever the units of the loss.
    """
    if not (isinstance(log_scale, bool) or log_scale == "auto"):
        raise ValueError(f"log_scale must be True, False or 'auto', got {log_scale!r}")
    finite = np.asarray(z, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return HeightScale(0.0, 0.0)
    minimum = float(finite.min())
    span = float(finite.max()) - minimum
    median = float(np.median(finite - minimum))
    wide = span > WIDE_RANGE_RATIO * median
    if span <= 0 or log_scale is False or (log_scale == "auto" and not wide):
        return HeightScale(minimum, span)
    # Keep the knee positive: more than half the grid at the exact minimum leaves no median to
    # place (use a tiny knee); a forced log scale on a narrow range gets the knee S/3.
    median = min(max(median, span * 1e-6), span / 3)
    # m² / (S − 2m) as m · (m / (S − 2m)): the same knee, and no overflow for heights past 1e154.
    return HeightScale(minimum, span, median * (median / (span - 2 * median)))


@functools.lru_cache(maxsize=32)
def colour_stops(colorscale: str) -> tuple[np.ndarray, np.ndarray]:
    """Positions in [0, 1] and RGB rows (0-255) of a Plotly named colour scale ("Viridis", "RdBu_r", …)."""
    try:
        stops = plotly.colors.get_colorscale(colorscale)
    except (PlotlyError, AttributeError, TypeError):
        raise ValueError(f"unknown colour scale {colorscale!r}; try 'Viridis', 'Cividis' or 'RdBu_r'") from None
    positions = np.array([float(position) for position, _ in stops])
    colours = plotly.colors.convert_colors_to_same_type([colour for _, colour in stops], colortype="tuple")[0]
    return positions, 255 * np.array(colours, dtype=float)


def _palette(colorscale: str) -> list[int]:
    """``COLOUR_STEPS`` evenly spaced colours of the scale, then black for the transparent entry."""
    positions, rgb = colour_stops(colorscale)
    samples = np.linspace(0.0, 1.0, COLOUR_STEPS)
    channels = [np.interp(samples, positions, rgb[:, channel]) for channel in range(3)]
    palette = np.rint(np.stack(channels, axis=1)).astype(np.uint8)
    return [*palette.ravel().tolist(), 0, 0, 0]


def raster_indices(z: np.ndarray, scale: HeightScale) -> np.ndarray:
    """Palette index of every grid value, rows flipped so that ``z[0]`` (``y_min``) is the image's bottom row."""
    fraction = scale.fraction(z)
    indices = np.full(fraction.shape, TRANSPARENT_INDEX, dtype=np.uint8)
    finite = np.isfinite(fraction)
    indices[finite] = np.rint(fraction[finite] * (COLOUR_STEPS - 1)).astype(np.uint8)
    return indices[::-1]


def colour_raster(z: np.ndarray, *, colorscale: str = "Viridis", log_scale: LogScale = "auto") -> str:
    """The grid ``z`` (rows follow y, columns follow x) as a ``data:image/png;base64,…`` URI.

    One pixel per grid value, coloured by :func:`height_scale`; non-finite values are fully
    transparent. The PNG is palette-based (255 colour steps + transparency), which keeps it
    about four times smaller than RGBA at no visible cost for a one-dimensional colour scale.
    """
    z = np.asarray(z, dtype=float)
    if z.ndim != 2 or min(z.shape) < 1:
        raise ValueError(f"the loss grid must be a 2D array (rows follow y), got shape {z.shape}")
    indices = raster_indices(z, height_scale(z, log_scale))
    image = Image.frombytes("P", (indices.shape[1], indices.shape[0]), indices.tobytes())
    image.putpalette(_palette(colorscale))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", transparency=TRANSPARENT_INDEX)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
