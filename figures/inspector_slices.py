r"""The loss along each Hessian eigenvector through θ′, beside what the Taylor expansion predicts.

For a unit eigenvector u with eigenvalue λ, the slice and its second-order prediction are

.. math::

    t \mapsto L(\theta' + t u)
    \qquad\text{and}\qquad
    t \mapsto L(\theta') + t\, g^\top u + \tfrac12 \lambda t^2 .

They agree to second order at t = 0; how far apart they drift shows how far the quadric can be trusted.
"""

from __future__ import annotations

import torch

from analysis.derivatives import Loss
from analysis.point_report import PointReport
from figures.inspector import curvature_word, eigen_directions, point_style, positive_length
from figures.numbers import format_number
from figures.panels import panel_domains, panel_title
from figures.spec import FigureSpec, packed
from figures.style import LIGHT, Look, look_layout

DEFAULT_HALF_WIDTH = 1.0
SLICE_COLOUR = LIGHT.ink  # the look's ink: dark on a light background, light on a dark one
HORIZONTAL_SPACING = 0.1


def loss_slice(loss: Loss, report: PointReport, vector: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
    """L(θ′ + t·u) for every t in ``steps``, in one batched float64 call without autograd."""
    points = torch.tensor([report.x, report.y], dtype=torch.float64) + steps.unsqueeze(-1) * vector
    with torch.no_grad():
        return torch.broadcast_to(torch.as_tensor(loss(points), dtype=torch.float64), steps.shape)


def slice_figure(loss: Loss, report: PointReport, *, half_width: float | None = None, samples: int = 121,
                 height: int = 340, look: Look = Look()) -> FigureSpec:
    """One panel per eigenvector u: the loss along t ↦ θ′ + t·u (solid), the Taylor parabola (dashed), θ′ at t = 0.

    ``t`` runs over [−half_width, half_width] (default ``DEFAULT_HALF_WIDTH``; a page passes
    ``neighbourhood_radius`` of its domain). Where the loss is not a finite number the samples are
    left out, so the solid line may have a straight stretch but never carries a NaN. A plain spec
    (:mod:`figures.spec`): building it with plotly's objects and ``make_subplots`` took ~40 ms a click.
    """
    reach = positive_length(half_width, DEFAULT_HALF_WIDTH, "slice half-width")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 3:
        raise ValueError(f"the number of samples along a slice must be a whole number ≥ 3, got {samples!r}")
    directions = eigen_directions(report, look.language)
    palette = look.palette
    taylor = look.text("figures.slices.taylor_hover")
    steps = torch.linspace(-reach, reach, samples, dtype=torch.float64)
    data, axes, titles = [], {}, []
    for column, (direction, domain) in enumerate(zip(directions, panel_domains(len(directions), HORIZONTAL_SPACING))):
        suffix = "" if column == 0 else str(column + 1)
        on_panel = {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}
        values = loss_slice(loss, report, torch.from_numpy(direction.vector), steps)
        finite = torch.isfinite(values)
        prediction = report.loss + direction.slope * steps + 0.5 * direction.eigenvalue * steps**2
        first = column == 0
        data += [{
            "type": "scatter", "x": packed(steps[finite].numpy()), "y": packed(values[finite].numpy()), "mode": "lines",
            "name": look.text("figures.slices.loss"), "legendgroup": "slice", "showlegend": first,
            "line": {"color": palette.ink, "width": look.line(2.5)},
            "hovertemplate": "t=%{x:.3f}<br>L=%{y:.5g}<extra></extra>", **on_panel,
        }, {
            "type": "scatter", "x": packed(steps.numpy()), "y": packed(prediction.numpy()), "mode": "lines",
            "name": look.text("figures.slices.taylor"), "legendgroup": "taylor", "showlegend": first,
            "line": {"color": direction.colour, "width": look.line(2.5), "dash": "dash"},
            "hovertemplate": f"t=%{{x:.3f}}<br>{taylor}=%{{y:.5g}}<extra></extra>", **on_panel,
        }, {
            "type": "scatter", "x": [0.0], "y": [report.loss], "mode": "markers", "name": "θ′", "legendgroup": "point",
            "showlegend": first,
            "marker": point_style(10, look),
            "hovertemplate": "θ′ (t = 0)<br>L=%{y:.5g}<extra></extra>", **on_panel,
        }]
        axes[f"xaxis{suffix}"] = {"domain": domain, "anchor": f"y{suffix}",
                                  "title": {"text": look.text("figures.slices.t_axis", name=direction.name)}}
        axes[f"yaxis{suffix}"] = {"domain": [0.0, 1.0], "anchor": f"x{suffix}"}
        # On two lines: the name, then λ and the curvature (one line reached out of a half-width chart).
        title = look.text("figures.slices.title", name=direction.name, eigenvalue=format_number(direction.eigenvalue),
                          curvature=curvature_word(direction.eigenvalue, language=look.language))
        titles.append(panel_title(title, domain, [0.0, 1.0],
                                  look))
    axes["yaxis"]["title"] = {"text": look.text("figures.loss_axis")}
    layout = look_layout(look, height=height, margin=look.margin(l=50, r=10, t=66, b=40),
                         uirevision="inspector-slices", legend={"orientation": "h", "y": -0.25 * look.font_scale, "x": 0},
                         annotations=titles, **axes)
    return {"data": data, "layout": layout}
