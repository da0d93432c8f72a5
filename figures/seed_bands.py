"""A quantity over seeds drawn as its mean with the 95 % Student-t band (``experiments.statistics``).

For the experiments' figures: ``rows`` holds one curve per seed (equal lengths, NaN where a run stopped);
the line is the mean of the finite values at each x, the shaded band mean ± the interval's half width.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from scipy import stats

from experiments.statistics import CONFIDENCE
from figures.style import Look


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
