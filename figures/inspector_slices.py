r"""The loss along each Hessian eigenvector through θ′, beside what the Taylor expansion predicts.

For a unit eigenvector u with eigenvalue λ, the slice and its second-order prediction are

.. math::

    t \mapsto L(\theta' + t u)
    \qquad\text{and}\qquad
    t \mapsto L(\theta') + t\, g^\top u + \tfrac12 \lambda t^2 .

They agree to second order at t = 0; how far apart they drift shows how far the quadric can be trusted.
"""

from __future__ import annotations

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from analysis.derivatives import Loss
from analysis.point_report import PointReport
from figures.inspector import eigen_directions, positive_length
from figures.style import LIGHT, Look, dress

DEFAULT_HALF_WIDTH = 1.0
SLICE_COLOUR = LIGHT.ink  # the look's ink: dark on a light background, light on a dark one


def loss_slice(loss: Loss, report: PointReport, vector: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
    """L(θ′ + t·u) for every t in ``steps``, in one batched float64 call without autograd."""
    points = torch.tensor([report.x, report.y], dtype=torch.float64) + steps.unsqueeze(-1) * vector
    with torch.no_grad():
        return torch.broadcast_to(torch.as_tensor(loss(points), dtype=torch.float64), steps.shape)


def slice_figure(loss: Loss, report: PointReport, *, half_width: float | None = None, samples: int = 121,
                 height: int = 340, look: Look = Look()) -> go.Figure:
    """One panel per eigenvector u: the loss along t ↦ θ′ + t·u (solid), the Taylor parabola (dashed), θ′ at t = 0.

    ``t`` runs over [−half_width, half_width] (default ``DEFAULT_HALF_WIDTH``; a page passes
    ``neighbourhood_radius`` of its domain). Where the loss is not a finite number the samples are
    left out, so the solid line may have a straight stretch but never carries a NaN.
    """
    reach = positive_length(half_width, DEFAULT_HALF_WIDTH, "slice half-width")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 3:
        raise ValueError(f"the number of samples along a slice must be a whole number ≥ 3, got {samples!r}")
    directions = eigen_directions(report, look.language)
    palette = look.palette
    taylor = look.text("figures.slices.taylor_hover")
    figure = make_subplots(rows=1, cols=len(directions), horizontal_spacing=0.1,
                           subplot_titles=[look.text("figures.slices.title", direction=direction.label)
                                           for direction in directions])
    steps = torch.linspace(-reach, reach, samples, dtype=torch.float64)
    for column, direction in enumerate(directions, start=1):
        values = loss_slice(loss, report, torch.from_numpy(direction.vector), steps)
        finite = torch.isfinite(values)
        prediction = report.loss + direction.slope * steps + 0.5 * direction.eigenvalue * steps**2
        first = column == 1
        figure.add_trace(go.Scatter(
            x=steps[finite].numpy(), y=values[finite].numpy(), mode="lines", name=look.text("figures.slices.loss"),
            legendgroup="slice", showlegend=first, line={"color": palette.ink, "width": look.line(2.5)},
            hovertemplate="t=%{x:.3f}<br>L=%{y:.5g}<extra></extra>",
        ), row=1, col=column)
        figure.add_trace(go.Scatter(
            x=steps.numpy(), y=prediction.numpy(), mode="lines", name=look.text("figures.slices.taylor"),
            legendgroup="taylor", showlegend=first,
            line={"color": direction.colour, "width": look.line(2.5), "dash": "dash"},
            hovertemplate=f"t=%{{x:.3f}}<br>{taylor}=%{{y:.5g}}<extra></extra>",
        ), row=1, col=column)
        figure.add_trace(go.Scatter(
            x=[0.0], y=[report.loss], mode="markers", name="θ′", legendgroup="point", showlegend=first,
            marker={"size": look.marker(10), "color": palette.paper,
                    "line": {"color": palette.ink, "width": look.line(2)}},
            hovertemplate="θ′ (t = 0)<br>L=%{y:.5g}<extra></extra>",
        ), row=1, col=column)
        figure.update_xaxes(title_text=look.text("figures.slices.t_axis", name=direction.name), row=1, col=column)
    figure.update_yaxes(title_text=look.text("figures.loss_axis"), row=1, col=1)
    figure.update_layout(
        height=height, margin=look.margin(l=50, r=10, t=50, b=40), uirevision="inspector-slices",
        legend={"orientation": "h", "y": -0.25 * look.font_scale, "x": 0},
    )
    return dress(figure, look)
