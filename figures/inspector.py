r"""The Hessian inspector's map: a clicked point θ′ with its Hessian's eigenvectors drawn as arrows.

Along a unit eigenvector u of H with eigenvalue λ the Taylor expansion at θ′ is a parabola in t,

.. math::

    L(\theta' + t u) \approx L(\theta') + t\, g^\top u + \tfrac12 \lambda t^2,

so λ > 0 means the loss curves up along u (blue arrow), λ < 0 that it curves down (vermillion), and
|λ| ≈ 0 that the second-order terms see no curvature (grey). The 3D view and the 1D slices in
:mod:`figures.inspector_surface` and :mod:`figures.inspector_slices` use the same colours and names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from analysis.atlas import Atlas
from analysis.point_report import EIGEN_TOLERANCE, EscapeStep, PointReport
from figures.atlas import MAX_MARKERS, atlas_markers
from figures.landscape import Landscape, add_landscape

CURVES_UP_COLOUR = "#0072B2"  # Okabe-Ito blue
CURVES_DOWN_COLOUR = "#D55E00"  # Okabe-Ito vermillion
FLAT_COLOUR = "#999999"
POINT_COLOUR = "#ffffff"
POINT_OUTLINE = {"color": "#111111", "width": 2}
# Arrows, the 3D Taylor patch and the slices reach this fraction of the domain's diagonal from θ′.
NEIGHBOURHOOD_FRACTION = 0.12
ARROW_HEAD_SIZE = 16
ESCAPE_COLOUR = "#111111"
SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def format_number(value: float) -> str:
    """A number for a label: two decimals (or scientific for very large/small ones), with a real minus sign."""
    if value != 0 and not 1e-2 <= abs(value) < 1e4:
        text = f"{value:.2e}"
    else:
        text = f"{value:.2f}"
    return text.replace("-", "−")


def curvature_word(eigenvalue: float, tolerance: float = EIGEN_TOLERANCE) -> str:
    """``"curves up"`` for λ > tolerance, ``"curves down"`` for λ < −tolerance, else ``"flat"``."""
    if eigenvalue > tolerance:
        return "curves up"
    if eigenvalue < -tolerance:
        return "curves down"
    return "flat"


def curvature_colour(eigenvalue: float, tolerance: float = EIGEN_TOLERANCE) -> str:
    """Blue where the loss curves up along the eigenvector, vermillion where it curves down, grey if flat."""
    return {"curves up": CURVES_UP_COLOUR, "curves down": CURVES_DOWN_COLOUR}.get(
        curvature_word(eigenvalue, tolerance), FLAT_COLOUR)


@dataclass(frozen=True, eq=False)
class EigenDirection:
    """The i-th unit eigenvector u of the Hessian at θ′ (ascending λ), its eigenvalue and the slope gᵀu."""

    name: str
    eigenvalue: float
    vector: np.ndarray
    slope: float

    @property
    def label(self) -> str:
        """E.g. ``"u₁ (λ = −2.00, curves down)"``."""
        return f"{self.name} (λ = {format_number(self.eigenvalue)}, {curvature_word(self.eigenvalue)})"

    @property
    def colour(self) -> str:
        return curvature_colour(self.eigenvalue)


def eigen_directions(report: PointReport) -> tuple[EigenDirection, ...]:
    """One :class:`EigenDirection` per column of ``report.eigenvectors``, named u₁, u₂, …"""
    directions = []
    for index in range(report.eigenvalues.shape[0]):
        vector = report.eigenvectors[:, index]
        directions.append(EigenDirection(
            name="u" + str(index + 1).translate(SUBSCRIPT_DIGITS), eigenvalue=float(report.eigenvalues[index]),
            vector=vector.numpy().copy(), slope=float(report.gradient @ vector),
        ))
    return tuple(directions)


def neighbourhood_radius(x_range: tuple[float, float], y_range: tuple[float, float]) -> float:
    """How far from θ′ the inspector's drawings reach: ``NEIGHBOURHOOD_FRACTION`` of the domain's diagonal."""
    return NEIGHBOURHOOD_FRACTION * math.hypot(x_range[1] - x_range[0], y_range[1] - y_range[0])


def positive_length(value: float | None, default: float, name: str) -> float:
    """``value`` (or ``default`` when it is ``None``) checked to be a finite number > 0."""
    length = default if value is None else value
    if isinstance(length, bool) or not isinstance(length, (int, float)) or not (math.isfinite(length) and length > 0):
        raise ValueError(f"the {name} must be a positive number, got {value!r}")
    return float(length)


def point_marker(report: PointReport) -> go.Scatter:
    """The clicked point θ′, white with a dark outline, its loss in the hover label."""
    return go.Scatter(
        x=[report.x], y=[report.y], mode="markers", name=f"θ′ = ({report.x:.3f}, {report.y:.3f})".replace("-", "−"),
        marker={"symbol": "circle", "size": 12, "color": POINT_COLOUR, "line": POINT_OUTLINE},
        hovertemplate=f"θ′ (%{{x:.4f}}, %{{y:.4f}})<br>L = {report.loss:.6g}<extra></extra>",
    )


def eigen_arrow(report: PointReport, direction: EigenDirection, reach: float) -> go.Scatter:
    """A double-headed arrow through θ′ along ±u, ``reach`` long on each side.

    The path runs θ′ − reach·u → θ′ + reach·u → θ′ − reach·u, and each of the last two points wears an
    arrow head turned along the segment that reaches it (``angleref="previous"``, in screen space, so
    the heads stay right when the axes are stretched). The sign of an eigenvector means nothing: both ends.
    """
    centre = np.array([report.x, report.y])
    back, front = centre - reach * direction.vector, centre + reach * direction.vector
    path = np.stack([back, front, back])
    # round(…) + 0.0 turns a rounding "-0.000" into "0.000".
    vector = ", ".join(f"{round(component, 3) + 0.0:.3f}".replace("-", "−") for component in direction.vector)
    return go.Scatter(
        x=path[:, 0], y=path[:, 1], mode="lines+markers", name=direction.label,
        line={"color": direction.colour, "width": 3},
        marker={"symbol": "arrow", "angleref": "previous", "size": [0, ARROW_HEAD_SIZE, ARROW_HEAD_SIZE],
                "color": direction.colour, "line": {"width": 0}},
        hovertemplate=f"{direction.label}<br>{direction.name} = ({vector})<extra></extra>",
    )


def escape_arrow(escape: EscapeStep) -> go.Scatter:
    """The escape step θ′ → θ′ + step·u as a dark dashed arrow (over the eigenvector arrow it follows),
    named with the predicted and the actual change of the loss."""
    name = f"escape step: ΔL ≈ {format_number(escape.predicted_change)} predicted"
    if escape.actual_change is not None:
        name += f", {format_number(escape.actual_change)} actual"
    return go.Scatter(
        x=[escape.start[0], escape.point[0]], y=[escape.start[1], escape.point[1]], mode="lines+markers",
        name=name, line={"color": ESCAPE_COLOUR, "width": 3, "dash": "dash"},
        marker={"symbol": "arrow", "angleref": "previous", "size": [0, ARROW_HEAD_SIZE], "color": ESCAPE_COLOUR,
                "line": {"width": 0}},
        hovertemplate="escape to (%{x:.4f}, %{y:.4f})<extra></extra>",
    )


def inspector_contour_figure(landscape: Landscape, report: PointReport | None, *, atlas: Atlas | None = None,
                             escape: EscapeStep | None = None, arrow_length: float | None = None,
                             max_markers: int = MAX_MARKERS, height: int = 560) -> go.Figure:
    """The contour map with θ′, an arrow per Hessian eigenvector, and optionally the atlas and an escape step.

    ``arrow_length`` is the distance from θ′ to each arrow head (default: ``neighbourhood_radius`` of the
    map). Trace order: iso-lines, the atlas's markers, the eigenvector arrows, the escape step, θ′.
    With ``report=None`` (a point where the Hessian is undefined) only the map and the atlas are drawn.
    The layout keeps zoom across reruns (constant ``uirevision``) and reports clicks (``clickmode="event"``).
    """
    reach = positive_length(arrow_length, neighbourhood_radius(landscape.x_range, landscape.y_range), "arrow length")
    figure = go.Figure()
    add_landscape(figure, landscape)
    if atlas is not None:
        figure.add_traces(atlas_markers(atlas, max_markers=max_markers))
    if report is not None:
        for direction in eigen_directions(report):
            figure.add_trace(eigen_arrow(report, direction, reach))
    if escape is not None:
        figure.add_trace(escape_arrow(escape))
    if report is not None:
        figure.add_trace(point_marker(report))
    figure.update_layout(
        height=height, margin={"l": 50, "r": 10, "t": 40, "b": 40}, hovermode="closest",
        clickmode="event", dragmode="zoom", uirevision="inspector",
        legend={"orientation": "h", "y": 1.01, "yanchor": "bottom", "x": 0, "bgcolor": "rgba(255,255,255,0.6)"},
        xaxis_title="x (w₁)", yaxis_title="y (w₂)",
    )
    return figure
