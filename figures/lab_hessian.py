"""The Hessian at a point of a real network: its spectral density and the loss along its extreme eigenvectors.

The density is stochastic Lanczos quadrature's estimate of how the P eigenvalues spread (its integral
is 1); the computed top and bottom eigenvalues are marked on it. The slices are L(θ + t u) along the
top eigenvector u_max (the sharpest direction) and the most negative one u_min: at a saddle the second
curves down, at a minimum both curve up.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from figures.numbers import format_number
from figures.style import Look, dress
from scenes.network_lab import PointInspection

CURVES_UP_COLOUR = "#0072B2"
CURVES_DOWN_COLOUR = "#D55E00"


def density_figure(inspection: PointInspection, *, height: int = 360, look: Look = Look()) -> go.Figure:
    """The spectral density on a log axis (its tails are where the lecture's story is), with the
    computed extreme eigenvalues as ticks under it."""
    report = inspection.report
    figure = go.Figure(go.Scatter(
        x=report.density_grid, y=np.maximum(report.density, 1e-12), mode="lines", name=look.text("lab.figures.density"),
        line={"color": look.palette.ink, "width": look.line(1.5)}, fill="tozeroy",
        hovertemplate="λ = %{x:.4g}<br>%{y:.3g}<extra></extra>"))
    for values, colour, key in ((report.top_values, CURVES_UP_COLOUR, "lab.figures.top_values"),
                                (report.bottom_values, CURVES_DOWN_COLOUR, "lab.figures.bottom_values")):
        figure.add_trace(go.Scatter(x=values, y=np.full(len(values), 1e-12), mode="markers", name=look.text(key),
                                    marker={"symbol": "line-ns-open", "size": look.marker(18), "color": colour,
                                            "line": {"width": look.line(2)}},
                                    hovertemplate="λ = %{x:.5g}<extra></extra>"))
    figure.update_layout(height=height, margin=look.margin(l=60, r=10, t=10, b=50),
                         xaxis={"title": "λ"}, yaxis={"title": look.text("lab.figures.density"), "type": "log",
                                                       "exponentformat": "power"},
                         legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0}, uirevision="lab-density")
    return dress(figure, look)


def eigen_slices_figure(inspection: PointInspection, *, height: int = 360, look: Look = Look()) -> go.Figure:
    """L(θ + t u_max) and L(θ + t u_min) side by side, each with its Taylor quadratic L(θ) + t g·u + ½λt² (dotted)."""
    report = inspection.report
    figure = make_subplots(rows=1, cols=2, horizontal_spacing=0.14, subplot_titles=(
        look.text("lab.figures.slice_top", value=format_number(float(report.top_values[0]))),
        look.text("lab.figures.slice_bottom", value=format_number(float(report.bottom_values[0])))))
    for column, ((steps, loss), value, slope, colour) in enumerate(
            ((inspection.top_line, report.top_values[0], inspection.top_slope, CURVES_UP_COLOUR),
             (inspection.bottom_line, report.bottom_values[0], inspection.bottom_slope, CURVES_DOWN_COLOUR)), start=1):
        loss = np.asarray(loss, dtype=float)
        figure.add_trace(go.Scatter(x=steps, y=np.where(np.isfinite(loss), loss, np.nan), mode="lines",
                                    name=look.text("lab.figures.loss"), showlegend=column == 1,
                                    line={"color": colour, "width": look.line(2.5)},
                                    hovertemplate="t = %{x:.3g}<br>L = %{y:.5g}<extra></extra>"), row=1, col=column)
        taylor = report.loss + slope * steps + 0.5 * value * steps ** 2
        figure.add_trace(go.Scatter(x=steps, y=taylor, mode="lines", name=look.text("lab.figures.taylor"),
                                    showlegend=column == 1, line={"color": look.palette.ink, "dash": "dot",
                                                                  "width": look.line(1.2)},
                                    hoverinfo="skip"), row=1, col=column)
        figure.update_xaxes(title_text="t (θ + t·u_max)" if column == 1 else "t (θ + t·u_min)", row=1, col=column)
    figure.update_layout(height=height, margin=look.margin(l=60, r=10, t=40, b=50),
                         legend={"orientation": "h", "y": -0.25, "x": 0}, uirevision="lab-slices")
    return dress(figure, look)
