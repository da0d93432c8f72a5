"""A curve measured over several seeds, drawn as its median with the band from the smallest to the largest seed."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from figures.curves import positive_or_gap
from figures.style import Look, subsample

CURVE_POINTS = 300  # points per drawn curve: enough for the eye, a small figure


def seed_band(curves: list[list[float]], colour: str, name: str, look: Look, *, log: bool = True,
              x_offset: int = 0, showlegend: bool = True) -> list[go.Scatter]:
    """Median over seeds (line) and the min–max band (filled); x = update index + ``x_offset``.

    On a log axis non-positive values become gaps (``positive_or_gap``); the median ignores NaN.
    """
    values = np.asarray(curves, dtype=float)
    kept = subsample(values.shape[1], CURVE_POINTS)
    values = values[:, kept]
    if log:
        values = positive_or_gap(values)
    with np.errstate(all="ignore"):
        low, middle, high = np.nanmin(values, axis=0), np.nanmedian(values, axis=0), np.nanmax(values, axis=0)
    x = (kept + x_offset).tolist()
    band = go.Scatter(x=x + x[::-1], y=np.concatenate([high, low[::-1]]), fill="toself", fillcolor=colour,
                      opacity=0.2, line={"width": 0}, hoverinfo="skip", showlegend=False, legendgroup=name)
    line = go.Scatter(x=x, y=middle, mode="lines", name=name, line={"color": colour, "width": look.line(2)},
                      legendgroup=name, showlegend=showlegend,
                      hovertemplate=f"{name}<br>%{{x}}: %{{y:.4g}}<extra></extra>")
    return [band, line]
