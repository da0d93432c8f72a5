r"""The Hessian inspector's scene: what the lecture reads off one clicked point θ′, in words and figures.

At a critical point (g = 0) the second-order Taylor expansion

.. math::

    L(\theta) \approx L(\theta') + \tfrac12 (\theta - \theta')^\top H (\theta - \theta')

decides: all eigenvalues λ of H positive, a local minimum; all negative, a local maximum; both signs,
a saddle, which is escaped along an eigenvector u of a negative λ, since
:math:`L(\theta' + u) \approx L(\theta') + \tfrac12 \lambda \lVert u \rVert^2 < L(\theta')`.
A zero eigenvalue leaves the question to higher orders: the Hessian cannot decide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from analysis.atlas import Atlas, find_critical_points
from analysis.point_report import (
    EscapeStep, HessianUndefinedError, NoEscapeDirectionError, PointReport, escape_step, inspect_point,
)
from figures.atlas import kind_name
from figures.inspector import inspector_contour_figure, neighbourhood_radius
from figures.inspector_slices import slice_figure
from figures.inspector_surface import inspector_surface_figure
from figures.spec import FigureSpec
from figures.style import Look
from i18n import DEFAULT_LANGUAGE, text
from scenes.explorer import SurfaceView
from surfaces.base import CriticalPoint, PointKind, Surface

# The catalogue's sentence for each kind ("This is a saddle point: H has eigenvalues of both signs; …").
VERDICTS = {kind: f"verdict.{kind.name.lower()}" for kind in PointKind}


@dataclass(frozen=True)
class Verdict:
    """The headline for the student: ``kind`` (None off critical points), a sentence saying why, and a
    short ``title`` ("Saddle", "Not a critical point"), both in the language they were asked in."""

    kind: PointKind | None
    sentence: str
    title: str = ""


@dataclass(frozen=True, eq=False)
class InspectorScene:
    """Everything the inspector shows for one point: report, verdict, escape step and three figures."""

    report: PointReport
    verdict: Verdict
    escape: EscapeStep | None
    contour: FigureSpec
    surface: FigureSpec
    slices: FigureSpec


def nearest_critical_point(atlas: Atlas, x: float, y: float) -> CriticalPoint | None:
    """The atlas point closest to (x, y) in the plane, if the atlas found any."""
    return min(atlas.points, key=lambda point: math.hypot(point.x - x, point.y - y), default=None)


SNAP_FRACTION = 0.015


def snap_to_critical_point(atlas: Atlas, surface: Surface, x: float, y: float,
                           fraction: float = SNAP_FRACTION) -> tuple[float, float]:
    """(x, y), or the atlas's critical point within ``fraction`` of the domain's diagonal of it.

    A click never lands exactly on a critical point (a pixel is ~1/500 of the map), and off it the
    gradient is not zero, so a click that close means the critical point.
    """
    nearest = nearest_critical_point(atlas, x, y)
    if nearest is not None and math.hypot(nearest.x - x, nearest.y - y) <= fraction * surface.domain.diameter:
        return nearest.x, nearest.y
    return x, y


def verdict_of(report: PointReport, atlas: Atlas | None = None, *, language: str = DEFAULT_LANGUAGE) -> Verdict:
    """The verdict in ``language``; off a critical point it says so and names the nearest one the atlas knows."""
    if report.verdict is not None:
        title = text(f"verdict.title.{report.verdict.name.lower()}", language)
        return Verdict(report.verdict, text(VERDICTS[report.verdict], language), title)
    sentence = text("verdict.not_critical", language, gradient_norm=f"{report.gradient_norm:.3g}")
    nearest = None if atlas is None else nearest_critical_point(atlas, report.x, report.y)
    if nearest is not None:
        sentence += text("verdict.nearest", language, kind=kind_name(nearest.kind, language),
                         x=f"{nearest.x:.3f}", y=f"{nearest.y:.3f}")
    return Verdict(None, sentence, text("verdict.title.none", language))


def escape_of(report: PointReport, surface: Surface, step: float | None = None) -> EscapeStep | None:
    """The escape step along the most negative eigenvalue's eigenvector, or None where no λ is negative.

    The default step is 12 % of the domain's diagonal (the same reach the arrows are drawn with).
    """
    domain = surface.domain
    length = step if step is not None else neighbourhood_radius(
        (domain.x_min, domain.x_max), (domain.y_min, domain.y_max))
    try:
        return escape_step(report, length, surface.loss)
    except NoEscapeDirectionError:
        return None


def critical_atlas(surface: Surface) -> Atlas:
    """All critical points in the surface's domain, found by multi-start Newton on ∇L."""
    return find_critical_points(surface)


def inspector_scene(surface: Surface, view: SurfaceView, atlas: Atlas | None, x: float, y: float,
                    escape_length: float | None = None, *, look: Look = Look()) -> InspectorScene:
    """The report at (x, y) and its three figures, all dressed in ``look`` (and the verdict in its language).

    Raises ``HessianUndefinedError`` where H is not finite.
    """
    report = inspect_point(surface.loss, x, y)
    escape = escape_of(report, surface, escape_length)
    domain = surface.domain
    reach = neighbourhood_radius((domain.x_min, domain.x_max), (domain.y_min, domain.y_max))
    return InspectorScene(
        report=report,
        verdict=verdict_of(report, atlas, language=look.language),
        escape=escape,
        contour=inspector_contour_figure(view.landscape, report, atlas=atlas, escape=escape, look=look),
        surface=inspector_surface_figure(view.xs, view.ys, view.z, report, look=look),
        slices=slice_figure(surface.loss, report, half_width=reach, look=look),
    )


__all__ = [
    "HessianUndefinedError", "InspectorScene", "Verdict", "critical_atlas", "escape_of", "inspector_scene",
    "nearest_critical_point", "snap_to_critical_point", "verdict_of",
]
