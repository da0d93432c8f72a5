r"""The Hessian inspector's scene: what the lecture reads off one clicked point θ′, in words and figures.

At a critical point (g = 0) the second-order Taylor expansion

.. math::

    L(\theta) \approx L(\theta') + \tfrac12 (\theta - \theta')^\top H (\theta - \theta')

decides: all eigenvalues λ of H positive, a local minimum; all negative, a local maximum; both signs,
a saddle, which is escaped along an eigenvector u of a negative λ, since
:math:`L(\theta' + u) \approx L(\theta') + \tfrac12 \lambda \lVert u \rVert^2 < L(\theta')`.
A zero eigenvalue leaves the question to higher orders: the Hessian cannot decide (unless L there is
the lowest value the loss can take). The point is read to the inputs' ``POINT_DECIMALS``, so a critical
point within that precision counts, and the verdict says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from analysis.atlas import Atlas, find_critical_points
from analysis.escape import EscapeStep, escape_step, trusted_escape_step
from analysis.point_report import PRECISION_SAFETY, HessianUndefinedError, PointReport, inspect_point
from figures.atlas import kind_name
from figures.inspector import inspector_contour_figure, neighbourhood_radius
from figures.inspector_slices import slice_figure
from figures.inspector_surface import inspector_surface_figure
from figures.spec import FigureSpec
from figures.style import Look
from i18n import DEFAULT_LANGUAGE, text
from scenes.explorer import SurfaceView
from surfaces.base import CriticalPoint, PointKind, Surface

# The catalogue's sentence for each kind ("H has eigenvalues of both signs: …"), which follows its title.
VERDICTS = {kind: f"verdict.{kind.name.lower()}" for kind in PointKind}
POINT_DECIMALS = 4  # what the θ′ inputs show
POINT_PRECISION = 0.5 * 10.0**-POINT_DECIMALS  # δ: how far rounding to those decimals moves a point


@dataclass(frozen=True)
class Verdict:
    """The headline for the student: ``kind`` (None off critical points), a sentence saying why, and a
    short ``title`` ("Saddle", "Not a critical point"), both in the language they were asked in.
    The box shows the title once, then the sentence (``verdict_markdown``)."""

    kind: PointKind | None
    sentence: str
    title: str = ""


def verdict_markdown(verdict: Verdict, language: str = DEFAULT_LANGUAGE) -> str:
    """The verdict box's text: "**Saddle.** H has eigenvalues of both signs: …" (the title once)."""
    return text("point_report.verdict", language, title=verdict.title, sentence=verdict.sentence)


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


def verdict_of(report: PointReport, atlas: Atlas | None = None, *, language: str = DEFAULT_LANGUAGE,
               lower_bound: float | None = None) -> Verdict:
    """The verdict in ``language``; off a critical point it says so and names the nearest one the atlas knows.

    A kind the Hessian could not decide but ``lower_bound`` (the loss's) did gets its own sentence; a
    critical point found within the precision shown, not at θ′ itself, adds where it is to the sentence.
    """
    if report.verdict is not None:
        title = text(f"verdict.title.{report.verdict.name.lower()}", language)
        if report.verdict is not report.hessian_verdict:  # only a lower bound makes them differ
            if lower_bound is None:
                raise ValueError("give verdict_of the lower bound the report was made with")
            sentence = text("verdict.minimum_lower_bound", language, bound=f"{lower_bound:g}")
        else:
            sentence = text(VERDICTS[report.verdict], language)
        if report.within_precision:
            x, y = report.critical_point
            title = text("verdict.title.within_precision", language, title=title)
            sentence += text("verdict.within_precision", language, gradient_norm=f"{report.gradient_norm:.3g}",
                             x=f"{x:.6f}", y=f"{y:.6f}", unit=f"{PRECISION_SAFETY * POINT_PRECISION:g}")
        return Verdict(report.verdict, sentence, title)
    sentence = text("verdict.not_critical", language, gradient_norm=f"{report.gradient_norm:.3g}")
    nearest = None if atlas is None else nearest_critical_point(atlas, report.x, report.y)
    if nearest is not None:
        sentence += text("verdict.nearest", language, kind=kind_name(nearest.kind, language),
                         x=f"{nearest.x:.3f}", y=f"{nearest.y:.3f}")
    return Verdict(None, sentence, text("verdict.title.none", language))


def escape_of(report: PointReport, surface: Surface, step: float | None = None) -> EscapeStep | None:
    """The escape step along the most negative eigenvalue's eigenvector, at a saddle only (None elsewhere).

    On a slope the loss goes down along −g anyway, and at a minimum no direction lowers it. The step is
    ``step`` long when given, else the longest (up to ``neighbourhood_radius``, the reach of the arrows)
    over which the loss stays within ``ESCAPE_TOLERANCE`` of its quadratic model (``trusted_escape_step``).
    A saddle within the precision shown lies up to a unit of the last decimal from θ′, where H's smallest
    eigenvalue can already be ≥ 0 (a small λ changes sign across the box): no step from θ′ escapes then.
    """
    if report.verdict is not PointKind.SADDLE or float(report.eigenvalues[0]) >= 0:
        return None
    if step is not None:
        return escape_step(report, step, surface.loss)
    domain = surface.domain
    reach = neighbourhood_radius((domain.x_min, domain.x_max), (domain.y_min, domain.y_max))
    return trusted_escape_step(report, surface.loss, reach)


def report_at(surface: Surface, x: float, y: float) -> PointReport:
    """The report at (x, y) as the inspector reads it: given to the inputs' ``POINT_DECIMALS``, on a loss
    with the surface's lower bound (if it has one)."""
    return inspect_point(surface.loss, x, y, precision=POINT_PRECISION, lower_bound=surface.lower_bound)


def critical_atlas(surface: Surface) -> Atlas:
    """All critical points in the surface's domain, found by multi-start Newton on ∇L."""
    return find_critical_points(surface)


def inspector_scene(surface: Surface, view: SurfaceView, atlas: Atlas | None, x: float, y: float,
                    escape_length: float | None = None, *, look: Look = Look(), map_height: int = 600) -> InspectorScene:
    """The report at (x, y) and its three figures, all dressed in ``look`` (and the verdict in its language);
    the map is ``map_height`` pixels high (lower for a wide map).

    Raises ``HessianUndefinedError`` where H is not finite.
    """
    report = report_at(surface, x, y)
    escape = escape_of(report, surface, escape_length)
    domain = surface.domain
    reach = neighbourhood_radius((domain.x_min, domain.x_max), (domain.y_min, domain.y_max))
    return InspectorScene(
        report=report,
        verdict=verdict_of(report, atlas, language=look.language, lower_bound=surface.lower_bound),
        escape=escape,
        contour=inspector_contour_figure(view.landscape, report, atlas=atlas, escape=escape, height=map_height,
                                         look=look),
        surface=inspector_surface_figure(view.xs, view.ys, view.z, report, look=look),
        slices=slice_figure(surface.loss, report, half_width=reach, look=look),
    )


__all__ = [
    "POINT_DECIMALS", "POINT_PRECISION", "HessianUndefinedError", "InspectorScene", "Verdict", "critical_atlas",
    "escape_of", "inspector_scene", "nearest_critical_point", "report_at", "snap_to_critical_point",
    "verdict_markdown", "verdict_of",
]
