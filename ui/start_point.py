"""The start point: two sliders, also moved by clicking the contour map."""

from __future__ import annotations

import streamlit as st

from components.plotly_click import clicked_point

from surfaces.base import Surface

SLIDER_STEPS = 200


def _step(low: float, high: float) -> float:
    return float(f"{(high - low) / SLIDER_STEPS:.2g}")


def _snap(value: float, low: float, high: float) -> float:
    """``value`` clamped to [low, high] and rounded to the slider's step."""
    step = _step(low, high)
    snapped = low + round((min(max(value, low), high) - low) / step) * step
    return round(min(snapped, high), 10)


def move_start_to(surface: Surface, x: float, y: float) -> None:
    """Put the start sliders at (x, y), clamped to the domain (call before the sliders are drawn)."""
    domain = surface.domain
    st.session_state["x0"] = _snap(x, domain.x_min, domain.x_max)
    st.session_state["y0"] = _snap(y, domain.y_min, domain.y_max)


def start_from_click(surface: Surface, click_key: str) -> None:
    """``on_click`` callback of a map: the clicked point becomes the start point (clamped to the domain)."""
    point = clicked_point(click_key)
    if point is not None:
        move_start_to(surface, point.x, point.y)


def start_point_widgets(surface: Surface, x_column, y_column) -> tuple[float, float]:
    """Sliders for the start point θ⁰ inside the surface's domain."""
    domain = surface.domain
    default_x, default_y = surface.starts[0]
    x = x_column.slider("start x₀", domain.x_min, domain.x_max, _snap(default_x, domain.x_min, domain.x_max),
                        _step(domain.x_min, domain.x_max), key="x0", bind="query-params")
    y = y_column.slider("start y₀", domain.y_min, domain.y_max, _snap(default_y, domain.y_min, domain.y_max),
                        _step(domain.y_min, domain.y_max), key="y0", bind="query-params")
    return float(x), float(y)
