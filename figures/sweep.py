"""The learning-rate sweep: one optimizer's whole path morphing live as a slider changes η.

All paths are computed on the server at once; the slider inside the figure swaps them in the
browser with ``update`` (restyle the path, relayout the title), so dragging needs no round trip.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from figures.landscape import Landscape, add_landscape
from figures.runs import RunPath
from figures.style import SWEEP_PATH_POINTS, subsample


def _caption(learning_rate: float, run: RunPath) -> str:
    outcome = run.note or f"final loss {run.losses[-1]:.4g} after {len(run.losses) - 1} steps"
    return f"η = {learning_rate:.3g}: {outcome}"


def sweep_figure(landscape: Landscape, learning_rates: Sequence[float], runs: Sequence[RunPath],
                 active: int, *, colour: str, height: int = 520) -> go.Figure:
    """Contour map with the path for ``learning_rates[active]`` and an in-figure slider over all of them."""
    if len(learning_rates) != len(runs) or not runs:
        raise ValueError("need one run per learning rate, and at least one")
    shown = [run.points[subsample(len(run.points), SWEEP_PATH_POINTS)] for run in runs]
    figure = go.Figure()
    add_landscape(figure, landscape)
    path_index = len(figure.data)
    figure.add_trace(go.Scatter(
        x=shown[active][:, 0], y=shown[active][:, 1], mode="lines+markers", name="path",
        line={"color": colour, "width": 3}, marker={"size": 4, "color": colour}, showlegend=False,
        hovertemplate="(%{x:.3f}, %{y:.3f})<extra></extra>",
    ))
    figure.add_trace(go.Scatter(
        x=[shown[active][-1, 0]], y=[shown[active][-1, 1]], mode="markers", name="end", showlegend=False,
        marker={"size": 14, "color": colour, "symbol": "x", "line": {"color": "#111111", "width": 1.5}},
        hovertemplate="end (%{x:.3f}, %{y:.3f})<extra></extra>",
    ))
    steps = []
    for rate, points, run in zip(learning_rates, shown, runs):
        steps.append({
            "label": f"{rate:.2g}",
            "method": "update",
            "args": [
                {"x": [points[:, 0], [points[-1, 0]]], "y": [points[:, 1], [points[-1, 1]]]},
                {"title.text": _caption(rate, run)},
                [path_index, path_index + 1],
            ],
        })
    figure.update_layout(
        height=height, margin={"l": 50, "r": 10, "t": 50, "b": 90},
        title={"text": _caption(learning_rates[active], runs[active]), "x": 0.01, "font": {"size": 15}},
        sliders=[{
            "active": active, "steps": steps, "y": -0.06, "yanchor": "top", "pad": {"t": 0},
            "currentvalue": {"prefix": "learning rate η = ", "visible": True},
        }],
        xaxis_title="x (w₁)", yaxis_title="y (w₂)", clickmode="none",
    )
    return figure


def final_losses(runs: Sequence[RunPath]) -> np.ndarray:
    """Each run's last finite loss (for tables and tests)."""
    return np.array([run.losses[-1] for run in runs])
