"""The loss surface in 3D with the optimizers' paths lying on it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from figures.runs import RunPath
from figures.spec import FigureSpec, packed
from figures.style import Look, look_layout

SURFACE_COLOURSCALE = "Viridis"


def display_heights(z: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """Heights to draw and the z-range: non-finite cells become gaps, extreme tails are clipped.

    A handful of huge values (Rosenbrock's corners) would flatten everything else, so the range is
    capped at the 99th percentile of the finite heights.
    """
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return np.full_like(z, np.nan), (0.0, 1.0)
    low, high = float(finite.min()), float(np.percentile(finite, 99))
    if high <= low:
        high = low + 1.0
    shown = np.where(np.isfinite(z), np.minimum(z, high), np.nan)
    return shown, (low, high)


def surface_figure(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, runs: Sequence[RunPath],
                   *, height: int = 560, look: Look = Look()) -> FigureSpec:
    """``go.Surface`` of ``z`` over the grid (``z[i, j]`` at ``xs[j], ys[i]``) and each run as a 3D line."""
    shown, (low, high) = display_heights(z)
    data = [{
        "type": "surface", "x": packed(xs), "y": packed(ys), "z": packed(shown),
        "colorscale": SURFACE_COLOURSCALE, "showscale": False, "opacity": 0.92,
        "contours": {"z": {"show": True, "usecolormap": True, "project": {"z": True}, "width": 1}},
        "hovertemplate": "x=%{x:.3f}<br>y=%{y:.3f}<br>L=%{z:.4g}<extra></extra>", "name": look.text("figures.surface_name"),
    }]
    lift = 0.01 * (high - low)
    for run in runs:  # every step, as on the map
        points, losses = run.points, np.minimum(run.losses, high)
        data.append({
            "type": "scatter3d", "x": packed(points[:, 0]), "y": packed(points[:, 1]), "z": packed(losses + lift),
            "mode": "lines+markers", "name": run.label,
            "line": {"color": run.colour, "width": look.line(6)}, "marker": {"size": look.marker(2.5), "color": run.colour},
            "hovertemplate": "(%{x:.3f}, %{y:.3f}) L=%{z:.4g}<extra></extra>",
        })
        data.append({
            "type": "scatter3d", "x": [float(points[-1, 0])], "y": [float(points[-1, 1])],
            "z": [float(losses[-1] + lift)], "mode": "markers", "showlegend": False,
            "marker": {"size": look.marker(6), "color": run.colour, "line": {"color": look.palette.ink, "width": 1}},
            "hoverinfo": "skip",
        })
    layout = look_layout(
        look, height=height, margin={"l": 0, "r": 0, "t": 10, "b": 0}, showlegend=False,
        scene={
            "xaxis": {"title": {"text": look.text("figures.x_axis")}},
            "yaxis": {"title": {"text": look.text("figures.y_axis")}},
            "zaxis": {"title": {"text": look.text("figures.loss_axis")}, "range": [low - 2 * lift, high + 5 * lift]},
            "camera": {"eye": {"x": 1.5, "y": -1.5, "z": 1.1}}, "aspectmode": "manual",
            "aspectratio": {"x": 1, "y": 1, "z": 0.6},
        },
        uirevision="surface3d",
    )
    return {"data": data, "layout": layout}
