"""The Network Lab's landscape: the training loss on a plane through the parameter space, with the runs' paths.

The plane is θ(α, β) = θ_c + α d₁ + β d₂ (``scenes.lab_pictures``). The colour is log₁₀ L, because a
network's loss spans orders of magnitude between a minimum and the plane's edge; the hover shows L.
A click anywhere on the map picks θ(α, β) for the Hessian.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from analysis.landscape_planes import LossPlane
from figures.curves import positive_or_gap
from figures.style import Look, dress, run_colour
from scenes.lab_pictures import PlaneSetup

COLOUR_SCALE = "Viridis"


def _log_loss(loss: np.ndarray) -> np.ndarray:
    """log₁₀ L, with gaps where L is not a positive finite number."""
    return np.log10(positive_or_gap(loss))


def _axis_titles(setup: PlaneSetup, look: Look) -> tuple[str, str]:
    if setup.explained is None:
        return look.text("lab.figures.random_axis", index=1), look.text("lab.figures.random_axis", index=2)
    return tuple(look.text("lab.figures.pca_axis", index=index + 1, share=f"{100 * setup.explained[index]:.0f}")
                 for index in range(2))


def landscape_figure(plane: LossPlane, setup: PlaneSetup, labels: Sequence[str], *,
                     chosen: tuple[float, float] | None = None, height: int = 560, look: Look = Look()) -> go.Figure:
    """Contours of log₁₀ L on the plane, each run's projected path (circles at its snapshots, a diamond at
    its start, a square at its end) and the chosen point (a cross)."""
    figure = go.Figure(go.Contour(
        x=plane.alphas, y=plane.betas, z=_log_loss(plane.loss), customdata=np.asarray(plane.loss, dtype=float),
        colorscale=COLOUR_SCALE, ncontours=24, line={"width": 0.5}, connectgaps=False,
        colorbar={"title": {"text": "log₁₀ L", "side": "right"}, "thickness": 14},
        hovertemplate="α = %{x:.3g}<br>β = %{y:.3g}<br>L = %{customdata:.4g}<extra></extra>", name="L"))
    for index, path, updates in zip(setup.runs, setup.paths, setup.path_updates, strict=True):
        colour, label = run_colour(index), labels[index]
        figure.add_trace(go.Scatter(
            x=path[:, 0], y=path[:, 1], mode="lines+markers", name=label, customdata=updates,
            line={"color": colour, "width": look.line(2.5)}, marker={"size": look.marker(5), "color": colour},
            hovertemplate=look.text("lab.figures.path_hover", update="%{customdata}", alpha="%{x:.3g}", beta="%{y:.3g}") + "<extra></extra>"))
        for row, symbol in ((0, "diamond"), (-1, "square")):
            figure.add_trace(go.Scatter(x=[path[row, 0]], y=[path[row, 1]], mode="markers", showlegend=False,
                                        marker={"symbol": symbol, "size": look.marker(11), "color": colour,
                                                "line": {"color": look.palette.ink, "width": 1}},
                                        hoverinfo="skip"))
    if chosen is not None:
        figure.add_trace(go.Scatter(x=[chosen[0]], y=[chosen[1]], mode="markers", name=look.text("lab.figures.chosen"),
                                    marker={"symbol": "x", "size": look.marker(14), "color": look.palette.ink}))
    x_title, y_title = _axis_titles(setup, look)
    figure.update_layout(
        height=height, margin=look.margin(l=60, r=10, t=10, b=50),
        xaxis={"title": x_title, "range": list(setup.extent[:2]), "constrain": "domain"},
        yaxis={"title": y_title, "range": list(setup.extent[2:]), "scaleanchor": "x", "scaleratio": 1,
               "constrain": "domain"},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0}, uirevision="lab-landscape")
    return dress(figure, look)


def interpolation_figure(lines: Sequence[tuple[np.ndarray, np.ndarray]], labels: Sequence[str], *,
                         height: int = 360, look: Look = Look()) -> go.Figure:
    """Each run's loss on the straight line from its start (t = 0) through its end (t = 1), on a log axis."""
    figure = go.Figure()
    for index, ((steps, loss), label) in enumerate(zip(lines, labels, strict=True)):
        loss = np.asarray(loss, dtype=float)
        figure.add_trace(go.Scatter(x=steps, y=positive_or_gap(loss), mode="lines",
                                    name=label, line={"color": run_colour(index), "width": look.line(2.5)},
                                    hovertemplate="t = %{x:.2f}<br>L = %{y:.4g}<extra></extra>"))
    for step in (0, 1):
        figure.add_vline(x=step, line={"color": look.palette.ink, "dash": "dot", "width": look.line(1)})
    figure.update_layout(height=height, margin=look.margin(l=60, r=10, t=10, b=50),
                         xaxis={"title": look.text("lab.figures.interpolation_axis")},
                         yaxis={"title": look.text("lab.figures.loss"), "type": "log", "exponentformat": "power"},
                         legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0}, uirevision="lab-line")
    return dress(figure, look)


def landscape_surface_figure(plane: LossPlane, setup: PlaneSetup, *, height: int = 460, look: Look = Look()) -> go.Figure:
    """The same plane as a 3-D surface of log₁₀ L."""
    x_title, y_title = _axis_titles(setup, look)
    figure = go.Figure(go.Surface(x=plane.alphas, y=plane.betas, z=_log_loss(plane.loss), colorscale=COLOUR_SCALE,
                                  showscale=False, hovertemplate="α = %{x:.3g}<br>β = %{y:.3g}<br>log₁₀ L = %{z:.3g}"
                                                                 "<extra></extra>"))
    figure.update_layout(height=height, margin=look.margin(l=0, r=0, t=10, b=0), uirevision="lab-surface",
                         scene={"xaxis": {"title": {"text": x_title}}, "yaxis": {"title": {"text": y_title}},
                                "zaxis": {"title": {"text": "log₁₀ L"}}})
    return dress(figure, look)
