"""A quantity measured over several seeds, drawn as a line with a band, in one of two ways.

``band_traces``: the mean with its 95 % Student-t band (:mod:`experiments.statistics`), for numbers whose
spread over seeds is about normal; ``seed_band``: the median with the band from the smallest to the
largest seed, for curves spanning decades on a log axis (a mean ± interval there dips below zero).
``rows``/``curves`` hold one curve per seed (equal lengths, NaN where a run stopped).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from scipy import stats

from experiments.statistics import CONFIDENCE
from figures.curves import positive_or_gap
from figures.style import Look, subsample

CURVE_POINTS = 300  # points per drawn curve of seed_band: enough for the eye, a small figure


def band_traces(x: Sequence[float], rows: Sequence[Sequence[float]], colour: str, name: str, look: Look, *,
                dash: str = "solid", group: str | None = None, show_legend: bool = True,
                hover: str = "%{y:.4g}", log_axis: bool = False) -> list[go.Scatter]:
    """The mean line (named, in the legend) and its band (a filled polygon around it, no hover).

    On a log axis (``log_axis``) the band stops at a tenth of the mean where the interval reaches 0 or below.
    """
    mean, half_width = column_intervals(rows)
    low, high = mean - half_width, mean + half_width
    if log_axis:
        low = np.where(low > mean / 10, low, mean / 10)
    x = np.asarray(x, dtype=float)
    group = group or name
    band = go.Scatter(x=np.concatenate([x, x[::-1]]), y=np.concatenate([high, low[::-1]]), fill="toself",
                      fillcolor=_transparent(colour), line={"width": 0}, hoverinfo="skip", showlegend=False,
                      legendgroup=group, name=name)
    line = go.Scatter(x=x, y=mean, mode="lines", name=name, legendgroup=group, showlegend=show_legend,
                      line={"color": colour, "width": look.line(2), "dash": dash},
                      hovertemplate=f"{name}: {hover}<extra></extra>")
    return [band, line]


def column_intervals(rows: Sequence[Sequence[float]]) -> tuple[np.ndarray, np.ndarray]:
    """(mean, half width) of each column's finite values: :func:`experiments.statistics.mean_interval` for a
    whole array at once (one Student-t quantile per count, not per column; a test checks they agree)."""
    array = np.asarray(rows, dtype=float).reshape(len(rows), -1)
    finite = np.isfinite(array)
    count = finite.sum(axis=0)
    values = np.where(finite, array, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, values.sum(axis=0) / count, np.nan)
        squares = np.where(finite, (array - mean) ** 2, 0.0).sum(axis=0)
        spread = np.sqrt(squares / (count - 1)) / np.sqrt(count)
    quantiles = {n: stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) for n in np.unique(count[count > 1]).tolist()}
    quantile = np.array([quantiles.get(n, 0.0) for n in count.tolist()])
    half_width = np.where(count > 1, quantile * np.where(count > 1, spread, 0.0), np.where(count == 1, 0.0, np.nan))
    return mean, half_width


def _transparent(colour: str, opacity: float = 0.2) -> str:
    red, green, blue = (int(colour[index:index + 2], 16) for index in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {opacity})"


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
