"""The inspected point θ′: two number inputs (bound to the URL), also set by clicking the map."""

from __future__ import annotations

import streamlit as st

from analysis.atlas import Atlas
from components.plotly_click import clicked_point
from scenes.inspector import POINT_DECIMALS, snap_to_critical_point
from surfaces.base import PointKind, Surface
from ui.start_point import keep_inside, snapped_start


def default_point(surface: Surface) -> tuple[float, float]:
    """Where the inspector first looks: the surface's first known saddle, else its first start point."""
    saddles = [point for point in surface.critical_points if point.kind is PointKind.SADDLE]
    return (saddles[0].x, saddles[0].y) if saddles else surface.starts[0]


def move_point_to(surface: Surface, x: float, y: float, *, exact: bool = False) -> None:
    """Put θ′ at (x, y), clamped to the domain (call before the inputs are drawn: in a callback).

    A click's coordinates come as float32 from the browser (0.8000001907348633): unrounded, the URL and the
    share link carried that noise, so they are rounded to the inputs' ``POINT_DECIMALS``. A critical point
    the click snapped to is kept ``exact``: rounded, Himmelblau's minimum at (−2.805118…, 3.131312…) moved
    to (−2.8051, 3.1313), where ‖g‖ = 1.5e-3, and the verdict said "not a critical point".
    """
    domain = surface.domain
    for key, value, low, high in (("px", x, domain.x_min, domain.x_max), ("py", y, domain.y_min, domain.y_max)):
        inside = min(max(float(value), low), high)
        st.session_state[key] = inside if exact else round(inside, POINT_DECIMALS)


def point_from_click(surface: Surface, atlas: Atlas, click_key: str) -> None:
    """``on_click`` callback of the inspector's map: the clicked point becomes θ′ (snapped to a critical
    point of the atlas when the click is within a few pixels of one)."""
    point = clicked_point(click_key)
    if point is not None:
        snapped = snap_to_critical_point(atlas, surface, point.x, point.y)
        move_point_to(surface, *snapped, exact=snapped != (point.x, point.y))


def inspected_point_widgets(surface: Surface) -> tuple[float, float]:
    """Number inputs for θ′ = (x, y) inside the domain."""
    domain = surface.domain
    x, y = default_point(surface)
    keep_inside("px", domain.x_min, domain.x_max, snap=False)
    keep_inside("py", domain.y_min, domain.y_max, snap=False)
    left, right = st.columns(2)
    px = left.number_input("θ′ x", domain.x_min, domain.x_max, float(x), 0.01, format=f"%.{POINT_DECIMALS}f",
                           key="px", bind="query-params")
    py = right.number_input("θ′ y", domain.y_min, domain.y_max, float(y), 0.01, format=f"%.{POINT_DECIMALS}f",
                            key="py", bind="query-params")
    return float(px), float(py)


def inspector_link_params(point: tuple[float, float]) -> dict[str, str]:
    """Query parameters that open the inspector at ``point``.

    Only the new ones: the surface's widgets are bound to the URL and keep their values across pages
    by themselves (Streamlit refuses to set a bound parameter directly).
    """
    return {"px": f"{point[0]:.4f}", "py": f"{point[1]:.4f}"}


def explorer_link_params(surface: Surface, start: tuple[float, float]) -> dict[str, str]:
    """Query parameters that open the explorer on the same surface starting at ``start`` (snapped to its sliders)."""
    domain = surface.domain
    return {"x0": f"{snapped_start(start[0], domain.x_min, domain.x_max):g}",
            "y0": f"{snapped_start(start[1], domain.y_min, domain.y_max):g}"}
