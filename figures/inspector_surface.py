r"""The Hessian inspector in 3D: the loss surface, and the Taylor quadric at θ′ laid over it.

The quadric is the second-order model

.. math::

    q(\theta) = L(\theta') + (\theta - \theta')^\top g + \tfrac12 (\theta - \theta')^\top H (\theta - \theta'),

drawn translucent over a square around θ′, so the student sees where it hugs the surface and where
it parts from it. The eigenvectors are drawn as lines lying on the surface through θ′.
"""

from __future__ import annotations

import numpy as np
import torch

from analysis.point_report import PointReport
from figures.inspector import eigen_directions, neighbourhood_radius, point_style, positive_length
from figures.spec import FigureSpec, packed
from figures.style import Look
from figures.surface3d import display_heights, surface_figure

QUADRIC_COLOUR = "#E69F00"
QUADRIC_OPACITY = 0.5
QUADRIC_SAMPLES = 41
LINE_SAMPLES = 81
# Lines and the point float this fraction of the z range above the surface, so it does not hide them.
LIFT_FRACTION = 0.01


def grid_heights(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of ``z[i, j]`` (at ``xs[j], ys[i]``) at points (n, 2) inside the grid."""
    column = np.clip(np.searchsorted(xs, points[:, 0]) - 1, 0, len(xs) - 2)
    row = np.clip(np.searchsorted(ys, points[:, 1]) - 1, 0, len(ys) - 2)
    across = (points[:, 0] - xs[column]) / (xs[column + 1] - xs[column])
    up = (points[:, 1] - ys[row]) / (ys[row + 1] - ys[row])
    lower = (1 - across) * z[row, column] + across * z[row, column + 1]
    upper = (1 - across) * z[row + 1, column] + across * z[row + 1, column + 1]
    return (1 - up) * lower + up * upper


def quadric_patch(xs: np.ndarray, ys: np.ndarray, report: PointReport, radius: float,
                  samples: int = QUADRIC_SAMPLES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(patch_xs, patch_ys, heights)``: the Taylor quadric on the square of half-side ``radius`` around θ′,
    cut to the grid's rectangle, ``heights[i, j]`` at ``patch_xs[j], patch_ys[i]`` (unclipped)."""
    patch_xs = np.linspace(max(report.x - radius, xs[0]), min(report.x + radius, xs[-1]), samples)
    patch_ys = np.linspace(max(report.y - radius, ys[0]), min(report.y + radius, ys[-1]), samples)
    points = torch.stack(torch.meshgrid(torch.from_numpy(patch_xs), torch.from_numpy(patch_ys), indexing="xy"), -1)
    return patch_xs, patch_ys, report.taylor_approximation(points).numpy()


def inspector_surface_figure(xs, ys, z, report: PointReport, *, radius: float | None = None,
                             height: int = 560, look: Look = Look()) -> FigureSpec:
    """The surface of :func:`figures.surface3d.surface_figure` with the Taylor quadric at θ′, θ′ and the eigenvectors.

    ``radius`` is the half-side of the quadric's square and the reach of the eigenvector lines (default:
    ``neighbourhood_radius`` of the grid). The quadric's heights are clipped to the displayed z range,
    as the surface's are, so a steep quadric cannot stretch the scale. Raises ``ValueError`` when θ′
    lies outside the grid. A plain spec (:mod:`figures.spec`): plotly's objects took ~30 ms a click.
    """
    xs, ys, z = (np.asarray(values, dtype=float) for values in (xs, ys, z))
    x_range, y_range = (float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1]))
    if not (x_range[0] <= report.x <= x_range[1] and y_range[0] <= report.y <= y_range[1]):
        raise ValueError(f"the point ({report.x:g}, {report.y:g}) lies outside the drawn grid {x_range} × {y_range}")
    reach = positive_length(radius, neighbourhood_radius(x_range, y_range), "radius")
    shown, (low, high) = display_heights(z)
    lift = LIFT_FRACTION * (high - low)
    figure = surface_figure(xs, ys, z, (), height=height, look=look)

    patch_xs, patch_ys, quadric = quadric_patch(xs, ys, report, reach)
    traces = [{
        "type": "surface", "x": packed(patch_xs), "y": packed(patch_ys), "z": packed(np.clip(quadric, low, high)),
        "name": look.text("figures.quadric.name"), "showlegend": True,
        "colorscale": [[0, QUADRIC_COLOUR], [1, QUADRIC_COLOUR]], "showscale": False, "opacity": QUADRIC_OPACITY,
        "hovertemplate": look.text("figures.quadric.hover") + "<br>(%{x:.3f}, %{y:.3f}) q=%{z:.4g}<extra></extra>",
    }]
    centre, steps = np.array([report.x, report.y]), np.linspace(-reach, reach, LINE_SAMPLES)
    for direction in eigen_directions(report, look.language):
        points = centre + steps[:, None] * direction.vector
        inside = ((points[:, 0] >= x_range[0]) & (points[:, 0] <= x_range[1])
                  & (points[:, 1] >= y_range[0]) & (points[:, 1] <= y_range[1]))
        points = points[inside]
        heights = grid_heights(xs, ys, shown, points)
        finite = np.isfinite(heights)
        traces.append({
            "type": "scatter3d", "x": packed(points[finite, 0]), "y": packed(points[finite, 1]),
            "z": packed(heights[finite] + lift), "mode": "lines", "name": direction.label,
            "line": {"color": direction.colour, "width": look.line(7)}, "hoverinfo": "skip",
        })
    traces.append({
        "type": "scatter3d", "x": [report.x], "y": [report.y], "z": [min(report.loss, high) + lift], "mode": "markers",
        "name": "θ′", "marker": point_style(6, look),
        "hovertemplate": f"θ′ (%{{x:.4f}}, %{{y:.4f}})<br>L = {report.loss:.6g}<extra></extra>",
    })
    layout = figure["layout"] | {
        "showlegend": True, "uirevision": "inspector-surface", "margin": look.margin(l=0, r=0, t=30, b=0),
        "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
    }
    return {"data": [*figure["data"], *traces], "layout": layout}
