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

from analysis.atlas import Atlas
from analysis.escape import EscapeStep
from analysis.point_report import EIGEN_TOLERANCE, PointReport
from figures.atlas import MAX_MARKERS, atlas_markers
from figures.landscape import Landscape, landscape_parts
from figures.map_scale import fitted_height, note_annotation
from figures.numbers import format_number
from figures.spec import FigureSpec
from figures.style import LIGHT, Look, look_layout
from i18n import DEFAULT_LANGUAGE, text

CURVES_UP_COLOUR = "#0072B2"  # Okabe-Ito blue
CURVES_DOWN_COLOUR = "#D55E00"  # Okabe-Ito vermillion
FLAT_COLOUR = "#999999"
POINT_COLOUR = LIGHT.paper
POINT_OUTLINE = {"color": LIGHT.ink, "width": 2}
# Arrows, the 3D Taylor patch and the slices reach this fraction of the domain's diagonal from θ′.
NEIGHBOURHOOD_FRACTION = 0.12
ARROW_HEAD_SIZE = 16
ESCAPE_COLOUR = LIGHT.ink
CURVATURE_COLOURS = {"up": CURVES_UP_COLOUR, "down": CURVES_DOWN_COLOUR, "flat": FLAT_COLOUR}
# The word for each colour a caption names, by the colour's value: a caption takes its word from the colour
# the figure draws (``colour_name(CURVES_DOWN_COLOUR)``), so a colour changed in one place without a word
# here fails loudly instead of a caption naming a colour that is no longer drawn.
COLOUR_WORDS = {"#0072B2": "blue", "#D55E00": "vermillion", "#999999": "grey"}
SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
MAP_MARGIN = {"l": 50, "r": 10, "t": 40, "b": 40}
TYPICAL_PLOT_WIDTH = 530  # the widest the map is drawn on the inspector (a 1600 px window), laptop fonts


def colour_name(colour: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The word for ``colour`` (a key of ``COLOUR_WORDS``) in ``language``: ``"vermillion"``, ``"朱红色"``."""
    return text(f"figures.colour.{COLOUR_WORDS[colour]}", language)


def curvature(eigenvalue: float, tolerance: float = EIGEN_TOLERANCE) -> str:
    """``"up"`` for λ > tolerance, ``"down"`` for λ < −tolerance, else ``"flat"``."""
    if eigenvalue > tolerance:
        return "up"
    if eigenvalue < -tolerance:
        return "down"
    return "flat"


def curvature_word(eigenvalue: float, tolerance: float = EIGEN_TOLERANCE, language: str = DEFAULT_LANGUAGE) -> str:
    """``"curves up"`` for λ > tolerance, ``"curves down"`` for λ < −tolerance, else ``"flat"``, in ``language``."""
    return text(f"figures.curvature.{curvature(eigenvalue, tolerance)}", language)


def curvature_colour(eigenvalue: float, tolerance: float = EIGEN_TOLERANCE) -> str:
    """Blue where the loss curves up along the eigenvector, vermillion where it curves down, grey if flat."""
    return CURVATURE_COLOURS[curvature(eigenvalue, tolerance)]


@dataclass(frozen=True, eq=False)
class EigenDirection:
    """The i-th unit eigenvector u of the Hessian at θ′ (ascending λ), its eigenvalue and the slope gᵀu."""

    name: str
    eigenvalue: float
    vector: np.ndarray
    slope: float
    language: str = DEFAULT_LANGUAGE

    @property
    def label(self) -> str:
        """E.g. ``"u₁ (λ = −2.00, curves down)"``, in the direction's ``language``."""
        return text("figures.eigen_label", self.language, name=self.name, eigenvalue=format_number(self.eigenvalue),
                    curvature=curvature_word(self.eigenvalue, language=self.language))

    @property
    def colour(self) -> str:
        return curvature_colour(self.eigenvalue)


def eigen_directions(report: PointReport, language: str = DEFAULT_LANGUAGE) -> tuple[EigenDirection, ...]:
    """One :class:`EigenDirection` per column of ``report.eigenvectors`` (u₁, u₂, …), labelled in ``language``."""
    directions = []
    for index in range(report.eigenvalues.shape[0]):
        vector = report.eigenvectors[:, index]
        directions.append(EigenDirection(
            name="u" + str(index + 1).translate(SUBSCRIPT_DIGITS), eigenvalue=float(report.eigenvalues[index]),
            vector=vector.numpy().copy(), slope=float(report.gradient @ vector), language=language,
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


def point_style(size: float, look: Look = Look()) -> dict:
    """How θ′ looks on every inspector figure (map, 3D view, slices): a marker of ``size`` in the look's
    paper colour with an ink outline."""
    palette = look.palette
    return {"size": look.marker(size), "color": palette.paper, "line": {"color": palette.ink, "width": look.line(2)}}


def point_marker(report: PointReport, look: Look = Look()) -> dict:
    """The clicked point θ′ on the map (:func:`point_style`), its loss in the hover label."""
    return {
        "type": "scatter", "x": [report.x], "y": [report.y], "mode": "markers",
        "name": f"θ′ = ({report.x:.3f}, {report.y:.3f})".replace("-", "−"),
        "marker": {"symbol": "circle", **point_style(12, look)},
        "hovertemplate": f"θ′ (%{{x:.4f}}, %{{y:.4f}})<br>L = {report.loss:.6g}<extra></extra>",
    }


def eigen_arrow(report: PointReport, direction: EigenDirection, reach: float, look: Look = Look()) -> dict:
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
    return {
        "type": "scatter", "x": path[:, 0].tolist(), "y": path[:, 1].tolist(), "mode": "lines+markers",
        "name": direction.label, "line": {"color": direction.colour, "width": look.line(3)},
        "marker": {"symbol": "arrow", "angleref": "previous", "size": [0, *[look.marker(ARROW_HEAD_SIZE)] * 2],
                   "color": direction.colour, "line": {"width": 0}},
        "hovertemplate": f"{direction.label}<br>{direction.name} = ({vector})<extra></extra>",
    }


def escape_arrow(escape: EscapeStep, look: Look = Look()) -> dict:
    """The escape step θ′ → θ′ + step·u as a dashed arrow in the look's ink (over the eigenvector arrow it
    follows), named with the predicted and the actual change of the loss."""
    name = look.text("figures.escape.name", predicted=format_number(escape.predicted_change))
    if escape.actual_change is not None:
        name += look.text("figures.escape.actual", actual=format_number(escape.actual_change))
    ink = look.palette.ink
    return {
        "type": "scatter", "x": [float(escape.start[0]), float(escape.point[0])],
        "y": [float(escape.start[1]), float(escape.point[1])], "mode": "lines+markers",
        "name": name, "line": {"color": ink, "width": look.line(3), "dash": "dash"},
        "marker": {"symbol": "arrow", "angleref": "previous", "size": [0, look.marker(ARROW_HEAD_SIZE)], "color": ink,
                   "line": {"width": 0}},
        "hovertemplate": look.text("figures.escape.hover") + " (%{x:.4f}, %{y:.4f})<extra></extra>",
    }


def inspector_contour_figure(landscape: Landscape, report: PointReport | None, *, atlas: Atlas | None = None,
                             escape: EscapeStep | None = None, arrow_length: float | None = None,
                             max_markers: int = MAX_MARKERS, height: int = 600, look: Look = Look()) -> FigureSpec:
    """The contour map with θ′, an arrow per Hessian eigenvector, and optionally the atlas and an escape step.

    ``arrow_length`` is the distance from θ′ to each arrow head (default: ``neighbourhood_radius`` of the
    map). Trace order: iso-lines, the atlas's markers, the eigenvector arrows, the escape step, θ′.
    With ``report=None`` (a point where the Hessian is undefined) only the map and the atlas are drawn.
    The layout keeps zoom across reruns (constant ``uirevision``) and reports clicks (``clickmode="event"``).
    A plain spec (:mod:`figures.spec`): built as ``go`` objects it cost ~29 ms per click.
    """
    reach = positive_length(arrow_length, neighbourhood_radius(landscape.x_range, landscape.y_range), "arrow length")
    landscape_trace, image, axes = landscape_parts(landscape, look=look)
    data = [landscape_trace]
    if atlas is not None:
        data.extend(atlas_markers(atlas, max_markers=max_markers, look=look))
    if report is not None:
        data.extend(eigen_arrow(report, direction, reach, look) for direction in eigen_directions(report, look.language))
    if escape is not None:
        data.append(escape_arrow(escape, look))
    if report is not None:
        data.append(point_marker(report, look))
    margin = look.margin(**MAP_MARGIN)
    layout = look_layout(
        look, height=fitted_height(landscape.scale, height, margin, TYPICAL_PLOT_WIDTH), margin=margin,
        hovermode="closest", clickmode="event", dragmode="zoom", uirevision="inspector", images=[image],
        annotations=note_annotation(landscape.scale, look),
        legend={"orientation": "h", "y": 1.01, "yanchor": "bottom", "x": 0,
                "bgcolor": look.palette.legend_background},
        xaxis={"title": {"text": look.text("figures.x_axis")}, **axes["x"]},
        yaxis={"title": {"text": look.text("figures.y_axis")}, **axes["y"]},
    )
    return {"data": data, "layout": layout}
